// What a failed listen or an unreadable file means, said in terms of the setting that caused it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileUnreadable, listenFailed, StartFailed } from '../../src/start/start-failed.js';

const systemError = (code: string) => Object.assign(new Error(`listen ${code}: 0.0.0.0:25`), { code, syscall: 'listen' });
const smtp = { portKey: 'smtp.port', hostKey: 'smtp.host', host: '0.0.0.0', port: 25, inUse: 'set smtp.port to a free port' };

describe('listenFailed', () => {
  const cases: [code: string, message: RegExp][] = [
    ['EADDRINUSE', /^smtp\.port 25: another program already listens on 0\.0\.0\.0:25 \(EADDRINUSE\): set smtp\.port to a free port$/],
    ['EACCES', /^smtp\.port 25: port 25 is below 1024 and needs privileges \(EACCES\): use a port from 1024 up/],
    ['EADDRNOTAVAIL', /^smtp\.host 0\.0\.0\.0: not an address of this machine \(EADDRNOTAVAIL\): use 0\.0\.0\.0/],
    ['EINVAL', /^smtp\.port 25: cannot listen on 0\.0\.0\.0:25 \(listen EINVAL: 0\.0\.0\.0:25\): check smtp\.host and smtp\.port$/],
  ];
  for (const [code, message] of cases) {
    it(`says what ${code} means`, () => {
      const error = listenFailed(smtp, systemError(code));
      assert.ok(error instanceof StartFailed);
      assert.equal(error.code, code);
      assert.match(error.message, message);
    });
  }
});

describe('listenFailed on EACCES/EPERM', () => {
  // Only a port below 1024 needs privileges; above it a security module (SELinux, AppArmor) refused the bind.
  const cases: [code: string, port: number, message: RegExp][] = [
    ['EACCES', 25, /^smtp\.port 25: port 25 is below 1024 and needs privileges \(EACCES\)/],
    ['EPERM', 1023, /^smtp\.port 1023: port 1023 is below 1024 and needs privileges \(EPERM\)/],
    ['EACCES', 1024, /^smtp\.port 1024: the system refused to bind it \(EACCES\): check whether SELinux, AppArmor/],
    ['EACCES', 2525, /^smtp\.port 2525: the system refused to bind it \(EACCES\)/],
    ['EPERM', 2525, /^smtp\.port 2525: the system refused to bind it \(EPERM\)/],
  ];
  for (const [code, port, message] of cases) {
    it(`says ${code} on port ${port} ${port < 1024 ? 'needs privileges' : 'was refused'}`, () => {
      const error = listenFailed({ ...smtp, port }, systemError(code));
      assert.match(error.message, message);
      if (port >= 1024) assert.doesNotMatch(error.message, /below 1024/);
    });
  }
});

describe('fileUnreadable', () => {
  it('names the key and the path of a missing file', () => {
    const error = fileUnreadable('smtp.tls.key', '/ssl/key.pem', Object.assign(new Error('ENOENT'), { code: 'ENOENT' }));
    assert.equal(error.message, 'smtp.tls.key /ssl/key.pem: file not found: set smtp.tls.key to the path of a readable PEM file');
  });
});
