// SMTP intake: accepts mails and hands the raw bytes to the spool. 250 only once the mail is on disk;
// nothing is delivered inside the SMTP transaction.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../log.js';
import type { Envelope } from '../mail/mail.js';
import type { MailSpool, SpoolEntry } from '../spool/mail-spool.js';
import { checkCredentials, isAllowedAddress, type Network, type User } from './policy.js';

/** An SMTP reply for the client; smtp-server sends `responseCode` and the message. */
export class MailRejected extends Error {
  readonly responseCode: number;
  constructor(responseCode: number, message: string) {
    super(message);
    this.name = 'MailRejected';
    this.responseCode = responseCode;
  }
}

export interface IntakeOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  auth: 'off' | 'accept_any' | 'required';
  users: readonly User[];
  allowInsecureAuth: boolean;
  allowedNetworks: readonly Network[];
  acceptRecipient: (address: string) => boolean;
  maxClients: number;
  maxClientsPerAddress: number;
  maxRecipients: number;
  idleTimeoutMs: number;
  sessionTimeoutMs: number;
  tls: { mode: 'off' | 'starttls' | 'implicit'; key?: Buffer; cert?: Buffer; minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' };
}

/** A refused address is logged at most once an hour, so a scan cannot flood the log. */
const refusalLogIntervalMs = 60 * 60 * 1000;

export interface IntakeDependencies {
  spool: MailSpool;
  log: Logger;
  /** Called after the 250 for a mail now in the spool; small mails come along in memory. */
  onAccepted: (id: string, entry: SpoolEntry | undefined) => void;
}

export interface Intake {
  /** The bound port (differs from the configured one when that was 0). */
  port: number;
  close(): Promise<void>;
}

export async function startIntake(options: IntakeOptions, { spool, log, onAccepted }: IntakeDependencies): Promise<Intake> {
  const refusalsLogged = new Map<string, number>();
  const clientsPerAddress = new Map<string, number>();
  /** Sessions counted in clientsPerAddress (refused ones close too, and must not be subtracted). */
  const counted = new Set<string>();
  const { tls } = options;
  const server = new SMTPServer({
    name: 'alarm-mail-bridge',
    banner: 'Alarm Mail Bridge',
    logger: false,
    size: options.maxMessageBytes,
    // The XT1 and many cameras send AUTH whenever a user name is filled in; old panels cannot do TLS.
    authOptional: options.auth !== 'required',
    allowInsecureAuth: options.auth === 'accept_any' || options.allowInsecureAuth,
    // Without a certificate of our own smtp-server would offer STARTTLS with its built-in key, which is public.
    disabledCommands: [...(options.auth === 'off' ? ['AUTH'] : []), ...(tls.mode === 'starttls' ? [] : ['STARTTLS'])],
    ...(tls.mode === 'off' ? {} : { key: tls.key, cert: tls.cert, minVersion: tls.minVersion, secure: tls.mode === 'implicit' }),
    // OpenSSL refuses TLS below 1.2 at its default security level; old panels need it lowered.
    ...(tls.minVersion === 'TLSv1' || tls.minVersion === 'TLSv1.1' ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
    disableReverseLookup: true,
    closeTimeout: 5000,
    maxClients: options.maxClients,
    maxRecipients: options.maxRecipients,
    // With auth: required, a client that keeps talking without logging in is dropped (421); smtp-server's own default.
    maxAllowedUnauthenticatedCommands: 10,
    socketTimeout: options.idleTimeoutMs,
    onConnect(session, callback) {
      const address = session.remoteAddress;
      if (!isAllowedAddress(address, options.allowedNetworks)) {
        const last = refusalsLogged.get(address) ?? 0;
        if (Date.now() - last > refusalLogIntervalMs) {
          if (refusalsLogged.size > 10_000) refusalsLogged.clear();
          refusalsLogged.set(address, Date.now());
          log.warn({ remote: address }, 'connection refused: address outside smtp.allowed_networks (logged once an hour per address)');
        }
        return callback(new MailRejected(554, `Access denied for ${address}`));
      }
      const clients = (clientsPerAddress.get(address) ?? 0) + 1;
      if (clients > options.maxClientsPerAddress) return callback(new MailRejected(421, 'Too many connections from your address, try again later'));
      clientsPerAddress.set(address, clients);
      counted.add(session.id);
      callback();
    },
    onClose(session) {
      if (!counted.delete(session.id)) return;
      const clients = (clientsPerAddress.get(session.remoteAddress) ?? 1) - 1;
      if (clients <= 0) clientsPerAddress.delete(session.remoteAddress);
      else clientsPerAddress.set(session.remoteAddress, clients);
    },
    onAuth(auth, session, callback) {
      if (options.auth === 'accept_any' || checkCredentials(options.users, auth.username ?? '', auth.password ?? '')) return callback(null, { user: auth.username });
      log.warn({ remote: session.remoteAddress, username: auth.username }, 'AUTH refused: wrong user name or password');
      callback(new MailRejected(535, 'Authentication credentials invalid'));
    },
    onRcptTo(address, session, callback) {
      if (options.acceptRecipient(address.address)) return callback();
      log.info({ remote: session.remoteAddress, recipient: address.address }, 'recipient refused: not an alarm, status or SMS address');
      callback(new MailRejected(550, `No such recipient here: ${address.address}`));
    },
    onData(stream, session, callback) {
      const envelope = envelopeOf(session);
      spool
        .write(envelope, stream, options.maxMessageBytes)
        .then(async (draft) => {
          if (draft.oversized || stream.sizeExceeded) {
            await draft.discard();
            log.warn({ from: envelope.from, remote: envelope.remoteAddress, limitBytes: options.maxMessageBytes }, 'mail refused: too large');
            callback(new MailRejected(552, 'Error: message exceeds fixed maximum message size'));
            return;
          }
          const { id, entry, resent } = await draft.commit();
          if (resent) {
            log.info({ mailId: id, from: envelope.from, remote: envelope.remoteAddress }, `mail resent by the client: kept as ${id}`);
            callback(null, `Queued as ${id}`);
            return;
          }
          log.info({ mailId: id, from: envelope.from, recipients: envelope.recipients, bytes: stream.byteLength, remote: envelope.remoteAddress }, 'mail accepted');
          callback(null, `Queued as ${id}`);
          onAccepted(id, entry);
        })
        .catch((error: unknown) => {
          log.error({ err: error, from: envelope.from }, 'mail not stored: answered 451 so the sender retries');
          callback(new MailRejected(451, 'Temporary local problem: mail not stored, try again later'));
        });
    },
  });
  // smtp-server re-emits socket and listen errors; one without a listener would end the process.
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve((server.server.address() as AddressInfo).port);
    });
  });
  server.on('error', (error) => log.warn({ err: error }, 'SMTP connection error'));
  // Idle time is bounded per command; this bounds a whole session, e.g. a client that drips bytes forever.
  server.server.on('connection', (socket) => {
    const timer = setTimeout(() => socket.destroy(), options.sessionTimeoutMs).unref();
    socket.once('close', () => clearTimeout(timer));
  });
  log.info({ host: options.host, port, maxMessageKb: Math.round(options.maxMessageBytes / 1024) }, 'SMTP intake listening');

  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function envelopeOf(session: SMTPServerSession): Envelope {
  const { mailFrom, rcptTo } = session.envelope;
  return {
    from: mailFrom ? mailFrom.address : '',
    recipients: rcptTo.map((recipient) => recipient.address),
    receivedAt: new Date().toISOString(),
    remoteAddress: session.remoteAddress,
  };
}
