// The ceilings for the benchmark: an smtp-server that answers 250 to each mail, either bare (drains it: no spool,
// no parse) or durable (stores it with the bridge's own spool first: write, fsync, rename, folder fsync; no parse,
// no delivery). The second shows what durability alone costs on this disk.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { mailRecord } from '../src/smtp/mail-record.js';
import { JournalSpool } from '../src/spool/journal-spool.js';

const port = Number(process.argv[2]);
const durable = process.argv[3] === 'durable';
const dataDir = await mkdtemp(join(tmpdir(), 'amb-sink-'));
const spool = new JournalSpool(dataDir);
await spool.open();

const server = new SMTPServer({
  logger: false,
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  disableReverseLookup: true,
  onData(stream, session, callback) {
    if (!durable) {
      stream.on('end', () => callback(null, 'Queued'));
      stream.resume();
      return;
    }
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
