// The Contact ID frame: its checksum as the XT1 and xtcontactid compute it, its fields, and the splitter that cuts a
// connection's bytes into frames however TCP splits or joins them, bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contactIdChecksum, readFrame } from '../../src/contact-id/frame.js';
import { FrameSplitter } from '../../src/contact-id/splitter.js';

describe('Contact ID frame', () => {
  it("passes the issue's example [test 18313100003D504] (a Fletcher sum modulo 256, not 255)", () => {
    assert.equal(contactIdChecksum('test 18313100003'), 'D504');
    assert.deepEqual(readFrame('[test 18313100003D504]'), {
      ok: true,
      frame: { account: 'test', qualifier: 3, code: '131', partition: '00', zone: '003' },
    });
    assert.equal(readFrame('[test 18313100003d504]').ok, true, 'lower-case hex');
  });

  it('refuses a wrong checksum, a changed digit, another message type and a wrong shape', () => {
    assert.deepEqual(readFrame('[test 18313100003D505]'), { ok: false, problem: 'checksum D505 where D504 was expected' });
    assert.equal(readFrame('[test 18313100004D504]').ok, false);
    const sum = contactIdChecksum('test 28313100003');
    assert.match((readFrame(`[test 28313100003${sum}]`) as { problem: string }).problem, /not a Contact ID \(18\) report/);
    assert.equal(readFrame('[]').ok, false);
    assert.equal(readFrame('[D504]').ok, false);
    assert.equal(readFrame(`[${'x'.repeat(100)}]`).ok, false);
  });
});

describe('Contact ID splitter', () => {
  const frame = '[test 18313100003D504]';

  it('finds frames joined in one chunk and split across chunks, skipping CR, LF and NUL between them', () => {
    const splitter = new FrameSplitter();
    assert.deepEqual(splitter.push(Buffer.from(`${frame}\r\n${frame}\0[test 1831`)), [{ frame }, { frame }]);
    assert.deepEqual(splitter.push(Buffer.from('3100003')), []);
    assert.deepEqual(splitter.push(Buffer.from('D504]')), [{ frame }]);
  });

  it('tells garbage apart from the frame after it, and a frame cut short by a new one', () => {
    const splitter = new FrameSplitter();
    assert.deepEqual(splitter.push(Buffer.from(`GET / HTTP/1.1${frame}`)), [{ garbage: 14 }, { frame }]);
    assert.deepEqual(splitter.push(Buffer.from(`[test 18${frame}`)), [{ garbage: 8 }, { frame }]);
  });

  it('holds at most a frame of an endless line, tells it once and reads nothing more', () => {
    const splitter = new FrameSplitter();
    assert.deepEqual(splitter.push(Buffer.from('[1234 18')), []);
    assert.deepEqual(splitter.push(Buffer.alloc(100, 0x31)), [{ tooLong: true }]);
    assert.deepEqual(splitter.push(Buffer.from(frame)), []);
  });
});
