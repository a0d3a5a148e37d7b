// The durable sink of the benchmark: an smtp-server that stores each mail with the bridge's own spool before its
// 250 (a journal entry and a share of one fdatasync; no parse, no delivery): what durability alone costs on this disk.
// The bare sink, the ceiling, is bench/bare-sink.mjs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { mailRecord } from '../src/smtp/mail-record.js';
import { JournalSpool } from '../src/spool/journal-spool.js';

const port = Number(process.argv[2]);
const dataDir = await mkdtemp(join(tmpdir(), 'amb-sink-'));
const spool = new JournalSpool(dataDir);
await spool.open();

const server = new SMTPServer({
  logger: false,
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  disableReverseLookup: true,
  onData(stream, session, callback) {
    const envelope = { from: '', recipients: [], receivedAt: new Date().toISOString(), remoteAddress: session.remoteAddress };
    spool
      .write(mailRecord(envelope, stream, 10 * 1024 * 1024))
      .then((draft) => draft.commit())
      .then(
        () => callback(null, 'Queued'),
        (error: Error) => callback(error),
      );
  },
});
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () =>
  server.close(() => {
    void spool
      .close()
      .then(() => rm(dataDir, { recursive: true, force: true }))
      .then(() => process.exit(0));
  }),
);
