// A process that stores records through a JournalSpool as fast as ten writers can, and prints a line for each
// commit that resolved (`ok <id> <text>`) and each record it retired (`retired <id>`): what a kill -9 test holds
// the journal to. Every seventh record is over the in-memory limit, so it has a body file.
import { Readable } from 'node:stream';
import { JournalSpool } from '../../src/spool/journal-spool.js';

const [dataDir = '', round = '0'] = process.argv.slice(2);
const spool = new JournalSpool(dataDir);
await spool.open();
process.stdout.write('ready\n');
let next = 0;
async function writer(): Promise<void> {
  for (;;) {
    const index = next++;
    const text = `${round}-${index}`;
    const body = index % 7 === 0 ? `${text}${' '.repeat(300 * 1024)}` : text;
    const draft = await spool.write({ kind: 'raised', header: { text }, body: Readable.from([Buffer.from(body)]), maxBytes: 1024 * 1024 });
    const { id } = await draft.commit();
    process.stdout.write(`ok ${id} ${text}\n`);
    if (index % 3 === 0) {
      await spool.retire(id);
      process.stdout.write(`retired ${id}\n`);
    }
  }
}
await Promise.all(Array.from({ length: 10 }, writer));
