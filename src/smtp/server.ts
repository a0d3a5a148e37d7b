// SMTP intake, one input of the bridge: accepts mails and hands the raw bytes to the spool as `mail` records
// (the envelope as header). 250 only once the mail is on disk; nothing is delivered inside the SMTP transaction.
// This file wires smtp-server; who may connect is connection-gate.ts, what DATA does is receive.ts.
import type { AddressInfo } from 'node:net';
import type { SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { Bus } from '../core/bus.js';
import type { Envelope } from '../core/envelope.js';
import { maskAddress, maskSecret } from '../core/mask.js';
import type { Network } from '../core/networks.js';
import type { Logger } from '../log.js';
import type { Spool, SpoolRecord } from '../spool/spool.js';
import { ConnectionGate } from './connection-gate.js';
import { checkCredentials, type User } from './policy.js';
import { PromptSmtpServer } from './prompt-greeting.js';
import { receiveMail } from './receive.js';
import { MailRejected, type Refuse } from './replies.js';

export { MailRejected } from './replies.js';

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
  /** Resolves when the processor has room for another mail (held for a moment at most): RCPT TO of mail that is not an alarm waits for it. */
  room?: () => Promise<void>;
}

export interface Intake {
  /** The bound port (differs from the configured one when that was 0). */
  port: number;
  close(): Promise<void>;
}

export async function startIntake(
  options: IntakeOptions,
  { spool, log, onAccepted, bus, storage, room }: IntakeDependencies,
): Promise<Intake> {
  const refuse: Refuse = (code, reply, remote, reason = reply) => {
    bus?.emit('mailRefused', { code, reason, remote });
    return new MailRejected(code, reply);
  };
  const shortTimeout = Math.min(shortTimeoutMs, options.idleTimeoutMs);
  const limits = {
    maxClients: options.maxClients,
    maxClientsPerAddress: options.maxClientsPerAddress,
    greetingTimeoutMs: shortTimeout,
    stressIdleTimeoutMs: shortTimeout,
  };
  const gate = new ConnectionGate(
    {
      allowedNetworks: options.allowedNetworks,
      now: options.now,
      limits: { ...limits, stressShare, transactionStallMs, minDataRate, maxMessageBytes: options.maxMessageBytes },
    },
    log,
    refuse,
    (id, message) => closeConnection(id, message),
  );
  const server = new PromptSmtpServer({
    ...serverOptions(options),
    onConnect: (session, callback) => callback(gate.admit(session)),
    onClose: (session) => gate.closed(session.id),
    onMailFrom(_address, session, callback) {
      gate.step(session.id, 'mail');
      callback();
    },
    onAuth(auth, session, callback) {
      if (options.auth === 'accept_any' || checkCredentials(options.users, auth.username ?? '', auth.password ?? '')) {
        gate.step(session.id, 'auth');
        return callback(null, { user: auth.username });
      }
      // The user name is sometimes a password typed into the wrong field.
      log.warn({ remote: session.remoteAddress, username: maskSecret(auth.username ?? '') }, 'AUTH refused: wrong user name or password');
      callback(refuse(535, 'Authentication credentials invalid', session.remoteAddress));
    },
    onRcptTo(address, session, callback) {
      if (!options.acceptRecipient(address.address)) {
        log.info(
          { remote: session.remoteAddress, recipient: maskAddress(address.address) },
          'recipient refused: not an alarm, status or SMS address',
        );
        return callback(
          refuse(
            550,
            `No such recipient here: ${address.address}`,
            session.remoteAddress,
            `No such recipient here: ${maskAddress(address.address)}`,
          ),
        );
      }
      // Asked for alarm mail too: a reading below the reserve first wins space back from the quarantine. The
      // storage logs once per episode, so a refusal here is not logged again.
      (storage?.isLow() ?? Promise.resolve(false))
        .then(async (low) => {
          const alarm = options.alarmRecipient(address.address);
          if (low && !alarm) {
            // RFC 5321 4.5.3.1.10: 452 insufficient system storage, temporary, so the sender tries again later.
            return callback(refuse(452, 'Insufficient system storage, try again later', session.remoteAddress));
          }
          // A flood is slowed here, before anything is stored: the sender waits a moment, never a refusal. A mail's
          // first recipient decides; an alarm recipient never waits.
          if (room && !alarm && session.envelope.rcptTo.length === 0) await room();
          gate.step(session.id, 'rcpt');
          callback();
        })
        .catch((error: unknown) => {
          // Not reached today (the storage's reading never rejects); a 451 rather than an unhandled rejection if it did.
          log.error({ err: error }, 'cannot check the free space for a recipient: answered 451');
          callback(refuse(451, 'Temporary local problem, try again later', session.remoteAddress));
        });
    },
    onData(stream, session, callback) {
      const envelope = envelopeOf(session);
      gate.receiving(session.id, stream);
      receiveMail(stream, envelope, {
        spool,
        log,
        refuse,
        maxMessageBytes: options.maxMessageBytes,
        onStored: () => gate.received(session.id, true),
      })
        .then(({ id, record, resent }) => {
          callback(null, `Queued as ${id}`);
          if (resent) return;
          onAccepted(id, record);
          bus?.emit('mailAccepted', {
            id,
            from: maskAddress(envelope.from),
            recipients: envelope.recipients.map(maskAddress),
            remote: envelope.remoteAddress,
            bytes: stream.byteLength,
          });
        }, callback)
        // The mail is stored and answered by now: a throw past this point (in a caller's handler) is logged, never left
        // as an unhandled rejection that would end the process.
        .catch((error: unknown) => log.error({ err: error }, 'after a mail was answered: a handler failed'))
        .finally(() => gate.received(session.id, false));
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
  const sweep = setInterval(() => gate.sweep(), 1000).unref();
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
      return new Promise<void>((resolve) => server.close(() => resolve())).then(() =>
        bus?.emit('intake', { input: 'smtp', listening: false }),
      );
    },
  };
}

/** What smtp-server is told once: names, size, AUTH and TLS, its own limits. */
function serverOptions(options: IntakeOptions): SMTPServerOptions {
  const { tls } = options;
  return {
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
    // Slots are ours (connection-gate.ts): past max_clients a connection without progress gives way instead of the
    // newcomer getting 421. smtp-server's own limit stays as a ceiling on sockets not yet given a slot.
    maxClients: options.maxClients * 2,
    maxRecipients: options.maxRecipients,
    // With auth: required, a client that keeps talking without logging in is dropped (421); smtp-server's own default.
    maxAllowedUnauthenticatedCommands: 10,
    socketTimeout: options.idleTimeoutMs,
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
