// SMTP intake, one input of the bridge: accepts mails and hands the raw bytes to the spool as `mail` records
// (the envelope as header). 250 only once the mail is on disk; nothing is delivered inside the SMTP transaction.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Bus } from '../core/bus.js';
import type { Logger } from '../log.js';
import { maskAddress, maskSecret } from '../core/mask.js';
import type { Envelope } from '../core/envelope.js';
import type { Spool, SpoolRecord } from '../spool/spool.js';
import { mailRecord } from './mail-record.js';
import { isAllowedAddress, type Network } from '../core/networks.js';
import { checkCredentials, type User } from './policy.js';
import { Slots } from './slots.js';

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
  /** Addresses of the alarm route and number addresses (an SMS gateway's alarm path): taken also while free space is below the reserve. */
  alarmRecipient: (address: string) => boolean;
  maxClients: number;
  maxClientsPerAddress: number;
  maxRecipients: number;
  idleTimeoutMs: number;
  sessionTimeoutMs: number;
  tls: { mode: 'off' | 'starttls' | 'implicit'; key?: Buffer; cert?: Buffer; minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' };
  /** The clock of the connection slots (greeting, stress and stall times), so a test need not wait them out; `Date.now` by default. */
  now?: () => number;
}

/** A refused address is logged at most once an hour, so a scan cannot flood the log. */
const refusalLogIntervalMs = 60 * 60 * 1000;

/**
 * Time to say HELO/EHLO, and to make progress while the slots run short (Postfix's stress mode uses 10 s too);
 * a shorter `idle_timeout` wins.
 */
const shortTimeoutMs = 10_000;
/** From this share of `max_clients` in use on, connections that make no progress are cut after `shortTimeoutMs`. */
const stressShare = 0.8;
/**
 * When every slot is taken, a mail transaction this long without progress gives way to a newcomer: a panel on the
 * LAN moves in round trips of milliseconds, so 2 s is far from cutting a real mail and keeps the panel's wait short.
 */
const transactionStallMs = 2000;
/**
 * Message bytes per second a sender must average during DATA to keep its slot while the slots run short. Postfix's
 * smtpd_min_data_rate (500) is made for the internet, and 50 connections at it cost an attacker 25 KB/s in all. On
 * the LAN the XT1 sends a few KB at once and a camera a few MB at hundreds of KB/s or more, over WiFi too: 20 KB/s
 * is far below them, and holding all 50 slots at it costs 1 MB/s, for at most `max_message_kb` per mail.
 */
const minDataRate = 20_000;

export interface IntakeDependencies {
  spool: Spool;
  log: Logger;
  /** Called after the 250 for a mail now in the spool; small mails come along in memory. */
  onAccepted: (id: string, record: SpoolRecord | undefined) => void;
  /** Told of each mail accepted and each refusal with its SMTP code (addresses masked), and when it listens and closes, for observers. */
  bus?: Bus;
  /** Free space under data_dir: while it is below the reserve, only alarm mail is taken. */
  storage?: { isLow(): Promise<boolean> };
}

export interface Intake {
  /** The bound port (differs from the configured one when that was 0). */
  port: number;
  close(): Promise<void>;
}

export async function startIntake(options: IntakeOptions, { spool, log, onAccepted, bus, storage }: IntakeDependencies): Promise<Intake> {
  /** The reply for the client, told to the bus on the way. */
  const refuse = (code: number, reply: string, remote: string | undefined, reason = reply) => {
    bus?.emit('mailRefused', { code, reason, remote });
    return new MailRejected(code, reply);
  };
  const refusalsLogged = new Map<string, number>();
  const slots = new Slots(
    {
      maxClients: options.maxClients,
      maxClientsPerAddress: options.maxClientsPerAddress,
      greetingTimeoutMs: Math.min(shortTimeoutMs, options.idleTimeoutMs),
      stressIdleTimeoutMs: Math.min(shortTimeoutMs, options.idleTimeoutMs),
      stressShare,
      transactionStallMs,
      minDataRate,
      maxMessageBytes: options.maxMessageBytes,
    },
    options.now,
  );
  /** The message stream of each connection in DATA, until the reply to it: the slots read its bytes so far. */
  const messages = new Map<string, SMTPServerDataStream>();
  let shortageLoggedAt = -Infinity;
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
    // Slots are ours (src/smtp/slots.ts): past max_clients a connection without progress gives way instead of the
    // newcomer getting 421. smtp-server's own limit stays as a ceiling on sockets not yet given a slot.
    maxClients: options.maxClients * 2,
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
        return callback(refuse(554, `Access denied for ${address}`, address));
      }
      // The session object lives as long as the connection; its fields tell what the client has done so far.
      // The message stream ends (`writableEnded`) with the client's final dot, before the spool has the mail.
      const admission = slots.admit(session.id, address, () => {
        const message = messages.get(session.id);
        return {
          greeted: Boolean(session.hostNameAppearsAs),
          inTransaction: Boolean(session.envelope.mailFrom),
          dataBytes: message?.byteLength ?? 0,
          messageComplete: message?.writableEnded ?? false,
        };
      });
      if (!admission.admitted) {
        return callback(admission.reason === 'address' ? refuse(421, 'Too many connections from your address, try again later', address) : refuse(421, 'Too many connected clients, try again in a moment', address));
      }
      if (admission.evicted !== undefined) {
        closeConnection(admission.evicted, 'Too many connections: closing an idle one to make room');
        if (Date.now() - shortageLoggedAt > refusalLogIntervalMs) {
          shortageLoggedAt = Date.now();
          log.warn({ maxClients: options.maxClients }, 'SMTP connections ran short: idle or stalled ones are closed to make room (logged once an hour)');
        }
      }
      callback();
    },
    onClose(session) {
      slots.release(session.id);
      messages.delete(session.id);
    },
    onMailFrom(_address, session, callback) {
      slots.step(session.id, 'mail');
      callback();
    },
    onAuth(auth, session, callback) {
      if (options.auth === 'accept_any' || checkCredentials(options.users, auth.username ?? '', auth.password ?? '')) {
        slots.step(session.id, 'auth');
        return callback(null, { user: auth.username });
      }
      // The user name is sometimes a password typed into the wrong field.
      log.warn({ remote: session.remoteAddress, username: maskSecret(auth.username ?? '') }, 'AUTH refused: wrong user name or password');
      callback(refuse(535, 'Authentication credentials invalid', session.remoteAddress));
    },
    onRcptTo(address, session, callback) {
      if (!options.acceptRecipient(address.address)) {
        log.info({ remote: session.remoteAddress, recipient: maskAddress(address.address) }, 'recipient refused: not an alarm, status or SMS address');
        return callback(refuse(550, `No such recipient here: ${address.address}`, session.remoteAddress, `No such recipient here: ${maskAddress(address.address)}`));
      }
      // Asked for alarm mail too: a reading below the reserve first wins space back from the quarantine. The
      // storage logs once per episode, so a refusal here is not logged again.
      void (storage?.isLow() ?? Promise.resolve(false)).then((low) => {
        if (low && !options.alarmRecipient(address.address)) {
          // RFC 5321 4.5.3.1.10: 452 insufficient system storage, temporary, so the sender tries again later.
          return callback(refuse(452, 'Insufficient system storage, try again later', session.remoteAddress));
        }
        slots.step(session.id, 'rcpt');
        callback();
      }).catch((error: unknown) => {
        // Not reached today (the storage's reading never rejects); a 451 rather than an unhandled rejection if it did.
        log.error({ err: error }, 'cannot check the free space for a recipient: answered 451');
        callback(refuse(451, 'Temporary local problem, try again later', session.remoteAddress));
      });
    },
    onData(stream, session, callback) {
      const envelope = envelopeOf(session);
      slots.step(session.id, 'data');
      messages.set(session.id, stream);
      spool
        .write(mailRecord(envelope, stream, options.maxMessageBytes))
        .then(async (draft) => {
          if (draft.oversized || stream.sizeExceeded) {
            await draft.discard();
            log.warn({ from: maskAddress(envelope.from), remote: envelope.remoteAddress, limitBytes: options.maxMessageBytes }, 'mail refused: too large');
            callback(refuse(552, 'Error: message exceeds fixed maximum message size', envelope.remoteAddress));
            return;
          }
          const { id, record, resent } = await draft.commit();
          slots.completed(session.id);
          if (resent) {
            log.info({ mailId: id, from: maskAddress(envelope.from), remote: envelope.remoteAddress }, `mail resent by the client: kept as ${id}`);
            callback(null, `Queued as ${id}`);
            return;
          }
          log.info({ mailId: id, from: maskAddress(envelope.from), recipients: envelope.recipients.map(maskAddress), bytes: stream.byteLength, remote: envelope.remoteAddress }, 'mail accepted');
          callback(null, `Queued as ${id}`);
          onAccepted(id, record);
          bus?.emit('mailAccepted', { id, from: maskAddress(envelope.from), recipients: envelope.recipients.map(maskAddress), remote: envelope.remoteAddress, bytes: stream.byteLength });
        })
        .catch((error: unknown) => {
          if (clientWentAway(error)) {
            // Nothing to answer and nothing lost: the sender still has the mail and was told nothing.
            log.info({ from: maskAddress(envelope.from), remote: envelope.remoteAddress }, 'client went away in the middle of DATA: nothing stored');
          } else {
            log.error({ err: error, from: maskAddress(envelope.from) }, 'mail not stored: answered 451 so the sender retries');
          }
          callback(refuse(451, 'Temporary local problem: mail not stored, try again later', envelope.remoteAddress));
        })
        .finally(() => messages.delete(session.id));
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
  /** smtp-server's connections carry the session's id; a 421 from `send` also closes the connection. */
  function closeConnection(id: string, message: string): void {
    for (const connection of server.connections) {
      if (connection.id !== id) continue;
      connection.send(421, message);
      return;
    }
  }
  const sweep = setInterval(() => {
    for (const { id, reason } of slots.expired()) {
      log.debug({ reason }, 'closing an SMTP connection early');
      closeConnection(id, reason === 'greeting' ? 'No HELO/EHLO in time, closing connection' : 'Idle while connections run short, closing connection');
    }
  }, 1000).unref();
  // Idle time is bounded per command; this bounds a whole session, e.g. a client that drips bytes forever.
  server.server.on('connection', (socket) => {
    const timer = setTimeout(() => socket.destroy(), options.sessionTimeoutMs).unref();
    socket.once('close', () => clearTimeout(timer));
  });
  log.info({ host: options.host, port, maxMessageKb: Math.round(options.maxMessageBytes / 1024) }, 'SMTP intake listening');
  bus?.emit('intake', { input: 'smtp', listening: true, address: `${options.host}:${port}` });

  return {
    port,
    close: () => {
      clearInterval(sweep);
      return new Promise<void>((resolve) => server.close(() => resolve())).then(() => bus?.emit('intake', { input: 'smtp', listening: false }));
    },
  };
}

/**
 * smtp-server destroys the message stream when the socket closes before the final dot: with an `ECONNECTION` error
 * once the spool reads it, without one before (then reading it fails with a premature close). Nothing else ends it.
 */
function clientWentAway(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const { code } = cause as NodeJS.ErrnoException;
    if (code === 'ECONNECTION' || code === 'ERR_STREAM_PREMATURE_CLOSE') return true;
  }
  return false;
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
