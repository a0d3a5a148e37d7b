// The snapshot store on a real folder: what it keeps, what it refuses, its limits, and a restart.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { MailAttachment } from '../../src/mail/mail.js';
import { parseMail } from '../../src/mail/parse.js';
import { imageKindOf } from '../../src/snapshots/image-kind.js';
import { type SnapshotLimits, SnapshotStore } from '../../src/snapshots/snapshot-store.js';

const envelope = {
  from: 'cam@cam.local',
  recipients: ['camera@bridge.local'],
  receivedAt: '2026-11-21T18:03:12.345Z',
  remoteAddress: '127.0.0.1',
};
const images = new URL('../fixtures/mails/cameras/images/', import.meta.url);
const jpeg = await readFile(new URL('snapshot.jpg', images));
const small = await readFile(new URL('small.jpg', images));
const png = await readFile(new URL('snapshot.png', images));
const folders: string[] = [];
after(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

async function folder(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'snapshots-'));
  folders.push(path);
  return join(path, 'snapshots');
}

async function attachmentsOf(fixture: string): Promise<MailAttachment[]> {
  return (await parseMail(await readFile(new URL(`../fixtures/mails/cameras/${fixture}`, import.meta.url)), envelope)).attachments;
}

function attachment(content: Buffer, filename: string | null = 'snap.jpg', contentType = 'image/jpeg'): MailAttachment {
  return { filename, contentType, size: content.length, content };
}

/** What a file takes on disk: whole 4 KiB blocks. */
const disk = (bytes: number) => Math.ceil(bytes / 4096) * 4096;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const limits: SnapshotLimits = { maxImageBytes: 1024 * 1024, maxTotalBytes: 64 * 1024, maxAgeMs: 3600_000 };

describe('SnapshotStore', () => {
  it('keeps attached and inline (cid:) pictures by their SHA-256 and gives back the exact bytes', async () => {
    const store = await SnapshotStore.open(await folder());
    const attached = await store.put(await attachmentsOf('dahua-motion-base64.eml'));
    assert.deepEqual(attached.images, [
      { name: 'IPC06_ch1_20211223102746_E.jpg', content_type: 'image/jpeg', size: jpeg.length, sha256: sha256(jpeg) },
    ]);
    const inline = await store.put(await attachmentsOf('reolink-nvr-vehicle-html.eml'));
    assert.deepEqual(inline.images, [{ name: 'snap.jpg', content_type: 'image/jpeg', size: small.length, sha256: sha256(small) }]);
    const unnamed = await store.put(await attachmentsOf('amcrest-human-html-inline.eml'));
    assert.equal(unnamed.images[0]!.name, 'snapshot-1.jpg');
    assert.deepEqual(await store.read(attached.images[0]!), jpeg);
    assert.deepEqual(await store.read(inline.images[0]!), small);
    // The same picture twice is one file.
    assert.equal(store.count, 2);
    assert.equal(store.totalBytes, disk(jpeg.length) + disk(small.length));
  });

  it('keeps a PNG as a PNG, also one sent as octet-stream or labelled JPEG: the bytes decide', async () => {
    const store = await SnapshotStore.open(await folder());
    const { images: fromSynology } = await store.put(await attachmentsOf('synology-motion-latin1.eml'));
    assert.deepEqual(
      fromSynology.map((image) => image.content_type),
      ['image/png'],
    );
    const { images: octet } = await store.put([attachment(jpeg, 'image.bin', 'application/octet-stream')]);
    assert.deepEqual(
      octet.map((image) => [image.name, image.content_type]),
      [['image.jpg', 'image/jpeg']],
    );
  });

  it('refuses hostile attachments without failing the good one beside them', async () => {
    const store = await SnapshotStore.open(await folder());
    const result = await store.put(await attachmentsOf('camera-hostile-images.eml'));
    assert.deepEqual(result.refused, [
      { name: 'fake.jpg', reason: 'not_an_image' },
      { name: 'empty.jpg', reason: 'empty' },
      { name: 'truncated.jpg', reason: 'truncated' },
    ]);
    assert.deepEqual(
      result.images.map((image) => [image.name, image.content_type, image.sha256]),
      [
        ['mislabelled.png', 'image/png', sha256(png)],
        ['good.jpg', 'image/jpeg', sha256(small)],
      ],
    );
  });

  it('refuses a 30 MB picture by the per-picture limit and writes nothing', async () => {
    const dir = await folder();
    const store = await SnapshotStore.open(dir, { ...limits, maxImageBytes: 8 * 1024 * 1024, maxTotalBytes: 256 * 1024 * 1024 });
    const huge = Buffer.alloc(30 * 1024 * 1024, 0x41);
    huge.set([0xff, 0xd8, 0xff], 0);
    huge.set([0xff, 0xd9], huge.length - 2);
    const result = await store.put([attachment(huge, 'huge.jpg')]);
    assert.deepEqual(result, { images: [], refused: [{ name: 'huge.jpg', reason: 'too_large' }] });
    assert.deepEqual(await readdir(dir), []);
  });

  it('does not keep attachments that are no pictures at all, and says nothing about them', async () => {
    const store = await SnapshotStore.open(await folder());
    assert.deepEqual(
      await store.put([attachment(Buffer.from('%PDF-1.4'), 'report.pdf', 'application/pdf'), attachment(jpeg, 'x.jpg', 'text/plain')]),
      { images: [], refused: [] },
    );
  });

  it('keeps at most ten pictures of one mail', async () => {
    const store = await SnapshotStore.open(await folder(), { ...limits, maxTotalBytes: 1024 * 1024 });
    const many = Array.from({ length: 12 }, (_, index) =>
      attachment(Buffer.concat([small.subarray(0, -2), Buffer.from([index, 0xff, 0xd9])]), `${index}.jpg`),
    );
    const result = await store.put(many);
    assert.equal(result.images.length, 10);
    assert.deepEqual(
      result.refused.map((refused) => refused.reason),
      ['too_many', 'too_many'],
    );
  });

  it('removes the oldest pictures first when the total is over the limit', async () => {
    let now = 1_700_000_000_000;
    const store = await SnapshotStore.open(
      await folder(),
      { ...limits, maxTotalBytes: disk(jpeg.length) + disk(small.length) + disk(png.length) },
      () => now,
    );
    const first = (await store.put([attachment(jpeg, 'a.jpg')])).images[0]!;
    now += 1000;
    const second = (await store.put([attachment(small, 'b.jpg')])).images[0]!;
    now += 1000;
    await store.put([attachment(png, 'c.png', 'image/png')]);
    assert.equal(store.count, 3);
    now += 1000;
    // Seen again, the first picture counts as new: the second is now the oldest.
    await store.put([attachment(jpeg, 'a.jpg')]);
    now += 1000;
    const other = Buffer.concat([small.subarray(0, -2), Buffer.from([1, 0xff, 0xd9])]);
    await store.put([attachment(other, 'd.jpg')]);
    assert.equal(await store.read(second), undefined);
    assert.deepEqual(await store.read(first), jpeg);
    assert.ok(store.totalBytes <= disk(jpeg.length) + disk(small.length) + disk(png.length));
  });

  it('removes pictures past the age limit', async () => {
    let now = 1_700_000_000_000;
    const store = await SnapshotStore.open(await folder(), limits, () => now);
    const image = (await store.put([attachment(small)])).images[0]!;
    now += limits.maxAgeMs - 1;
    await store.prune();
    assert.deepEqual(await store.read(image), small);
    now += 2;
    await store.prune();
    assert.equal(await store.read(image), undefined);
    assert.equal(store.totalBytes, 0);
  });

  it('finds its pictures again after a restart, by their age, and clears half-written files', async () => {
    let now = 1_700_000_000_000;
    const dir = await folder();
    const before = await SnapshotStore.open(dir, limits, () => now);
    const image = (await before.put([attachment(small)])).images[0]!;
    await writeFile(join(dir, `.${'0'.repeat(64)}.jpg.tmp`), 'half');
    const after = await SnapshotStore.open(dir, limits, () => now);
    assert.deepEqual(await after.read(image), small);
    assert.equal(after.totalBytes, disk(small.length));
    assert.deepEqual(await readdir(dir), [`${image.sha256}.jpg`]);
    now += limits.maxAgeMs + 1;
    const later = await SnapshotStore.open(dir, limits, () => now);
    assert.equal(await later.read(image), undefined);
    assert.deepEqual(await readdir(dir), []);
  });

  it('reads nothing for a reference that is not a stored SHA-256, or for a file changed on disk', async () => {
    const dir = await folder();
    const store = await SnapshotStore.open(dir);
    const image = (await store.put([attachment(small)])).images[0]!;
    assert.equal(await store.read({ ...image, sha256: '../../etc/passwd' }), undefined);
    assert.equal(await store.read({ ...image, sha256: 'a'.repeat(64) }), undefined);
    await writeFile(join(dir, `${image.sha256}.jpg`), 'changed');
    assert.equal(await store.read(image), undefined);
  });
});

describe('SnapshotStore when the disk or a user gets in the way', () => {
  const variant = (index: number) => Buffer.concat([small.subarray(0, -2), Buffer.from([index & 0xff, index >> 8, 0xff, 0xd9])]);

  it('writes a picture again whose file a user deleted (ENOENT on the timestamp update)', async () => {
    const dir = await folder();
    const store = await SnapshotStore.open(dir);
    const image = (await store.put([attachment(small)])).images[0]!;
    await rm(join(dir, `${image.sha256}.jpg`));
    const again = await store.put([attachment(small)]);
    assert.deepEqual(
      again.images.map((stored) => stored.sha256),
      [image.sha256],
    );
    assert.deepEqual(await store.read(image), small);
    assert.equal(store.totalBytes, disk(small.length));
  });

  it('makes the folder again when it was removed, and forgets what was in it', async () => {
    const dir = await folder();
    const store = await SnapshotStore.open(dir);
    const gone = (await store.put([attachment(jpeg)])).images[0]!;
    await rm(dir, { recursive: true });
    const image = (await store.put([attachment(small)])).images[0]!;
    assert.deepEqual(await store.read(image), small);
    assert.equal(await store.read(gone), undefined);
    assert.deepEqual([store.count, store.totalBytes], [1, disk(small.length)]);
    // The same picture as before the removal is written again too.
    assert.deepEqual(await store.read((await store.put([attachment(jpeg)])).images[0]!), jpeg);
  });

  it('keeps many tiny pictures within the file cap, and counts each as at least a block', async () => {
    const store = await SnapshotStore.open(await folder(), { ...limits, maxTotalBytes: 1024 * 1024 * 1024, maxFiles: 20 });
    for (let index = 0; index < 60; index += 1) await store.put([attachment(variant(index), `${index}.jpg`)]);
    assert.equal(store.count, 20);
    assert.equal(store.totalBytes, 20 * 4096);
  });

  it('refuses a picture under 100 bytes as no picture', async () => {
    const store = await SnapshotStore.open(await folder());
    const tiny = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0xff, 0xd9]);
    assert.deepEqual(await store.put([attachment(tiny, 'tiny.jpg')]), {
      images: [],
      refused: [{ name: 'tiny.jpg', reason: 'not_an_image' }],
    });
  });
});

describe('imageKindOf', () => {
  const cases: [string, Buffer, string, string][] = [
    ['a JPEG', small, 'image/jpeg', 'image/jpeg'],
    ['a JPEG padded after its end marker', Buffer.concat([small, Buffer.alloc(20)]), 'image/jpeg', 'image/jpeg'],
    ['a PNG', png, 'image/png', 'image/png'],
    ['a cut-off PNG', png.subarray(0, png.length - 12), 'image/png', 'truncated'],
    ['a cut-off JPEG', jpeg.subarray(0, 100), 'image/jpeg', 'truncated'],
    ['two bytes', Buffer.from([0xff, 0xd8]), 'image/jpeg', 'not_an_image'],
    ['a GIF', Buffer.from('GIF89a;'), 'image/gif', 'not_an_image'],
    ['a JPEG declared as HTML', small, 'text/html', 'not_an_image'],
  ];
  for (const [what, content, contentType, expected] of cases) {
    it(`${what} → ${expected}`, () => {
      const kind = imageKindOf({ content, contentType }, 1024 * 1024);
      assert.equal('refused' in kind ? kind.refused : kind.contentType, expected);
    });
  }
});
