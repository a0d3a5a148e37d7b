// `alarm-mail-bridge send-test alarm|status|camera`: one test mail over SMTP to a running bridge, to the first
// configured address of that kind, through nodemailer (already installed for smtp-server; loaded only here).
// The mail must read as a `test` event, so that nothing is triggered and no SMS goes out unless `test` is in
// send_on: its words name no alarm, and before it is sent it is read as the bridge will read it (the user's rules
// first, the same profiles and camera readers); a mail that would be anything but a test is not sent.
import { BlockList, isIPv6 } from 'node:net';
import { routesOf } from '../config/routes.js';
import type { Config } from '../config/schema.js';
import type { AlarmEvent } from '../core/event.js';
import { parseMail } from '../mail/parse.js';
import { eventFromMail } from '../pipeline/to-event.js';
import { buildProfiles } from '../sources/registry.js';

import type { TestKind } from './test-kinds.js';

export interface TestTarget {
  host: string;
  port: number;
  tls: Config['smtp']['tls']['mode'];
  /** The first configured user, when the bridge requires a login. */
  auth?: { user: string; pass: string };
}

/** Where the configured bridge listens; a wildcard address means this machine. */
export function testTarget(config: Config, overrides: { host?: string | undefined; port?: number | undefined }): TestTarget {
  const { smtp } = config;
  const listening = smtp.host === '0.0.0.0' ? '127.0.0.1' : smtp.host === '::' ? '::1' : smtp.host;
  const user = smtp.auth === 'required' ? smtp.users[0] : undefined;
  return {
    host: overrides.host ?? listening,
    port: overrides.port ?? smtp.port,
    tls: smtp.tls.mode,
    ...(user ? { auth: { user: user.username, pass: user.password } } : {}),
  };
}

/** The configuration allows no test of this kind (no address, or its mail would not be a test there): nothing was sent. */
export class TestMailRefused extends Error {
  override name = 'TestMailRefused';
}

export interface TestMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

/** Names what it is and where it comes from, and no alarm: a user's rule such as `match: Alarm` must not fire on it. */
const words = { subject: 'Bridge test (send-test)', body: 'Test mail from send-test: a delivery check, nothing to do' };
/** The camera the camera test names, unless it goes to a configured camera's own address. */
export const testCameraName = 'Send-test camera';

/** The test mail of a kind; a configuration with no address of that kind is a setting the user must change. */
export function testMail(kind: TestKind, config: Config): TestMail {
  const to = firstAddress(kind, config);
  if (!to) {
    const keys =
      kind === 'camera' ? 'smtp.camera_recipients is empty and no camera has a match_recipient' : `smtp.${kind}_recipients is empty`;
    throw new TestMailRefused(`${keys}: no address to send a ${kind} test to`);
  }
  const mail = { to, from: 'send-test@alarm-mail-bridge.local', attachments: [] };
  if (kind !== 'camera') return { ...mail, subject: words.subject, text: `${words.body}\r\n` };
  // The generic camera reader takes the name from "Camera: …" and the type from "test".
  return {
    ...mail,
    subject: `Camera: ${testCameraName}`,
    text: `Camera: ${testCameraName}\r\n${words.body}\r\n`,
    attachments: [{ filename: 'send-test.jpg', contentType: 'image/jpeg', content: Buffer.from(testJpeg, 'base64') }],
  };
}

/** A camera test goes to the first camera address of either kind: `camera_recipients`, else a camera's match_recipient. */
function firstAddress(kind: TestKind, config: Config): string | undefined {
  const { smtp, cameras } = config;
  const local = { alarm: smtp.alarm_recipients[0], status: smtp.status_recipients[0], camera: smtp.camera_recipients[0] }[kind];
  if (local) return `${local}@alarm-mail-bridge.local`;
  const own = kind === 'camera' ? cameras.find((camera) => camera.match_recipient)?.match_recipient : undefined;
  if (!own) return undefined;
  return own.includes('@') ? own : `${own}@alarm-mail-bridge.local`;
}

/** The message as it will go over the wire, so that what is read here is exactly what the bridge gets. */
export async function composeTestMail(mail: TestMail): Promise<Buffer> {
  const { default: nodemailer } = await import('nodemailer');
  const info = await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail(messageOf(mail));
  return info.message as Buffer; // `buffer: true`: the whole message, not a stream
}

/**
 * The event the bridge of this configuration would make of the message: the same parser, profiles, routes and
 * camera readers (no picture is stored here). Throws TestMailRefused when it is not a `test`.
 */
export async function checkTestEvent(kind: TestKind, mail: TestMail, raw: Buffer, config: Config): Promise<AlarmEvent> {
  const routes = routesOf(config);
  const envelope = { from: mail.from, recipients: [mail.to], receivedAt: new Date().toISOString(), remoteAddress: '127.0.0.1' };
  const snapshots = { put: async () => ({ images: [], refused: [] }) };
  const { event } = await eventFromMail(
    { id: 'send-test', envelope, raw },
    buildProfiles(config.rules),
    routes,
    { parse: parseMail },
    { snapshots, cameras: config.cameras, addresses: routes.camera },
  );
  if (event.category !== 'test') {
    const reading = `${event.category} (type ${event.type}, source ${event.source}, line "${event.text}")`;
    throw new TestMailRefused(
      `the bridge would read this ${kind} test mail as ${reading}, not as a test: not sent; check rules: for a match on it`,
    );
  }
  return event;
}

/** Sends the message composed before; resolves with the server's reply, e.g. `250 Queued as 20261121T180312345Z-…`. */
export async function sendTestMail(target: TestTarget, mail: TestMail, raw: Buffer): Promise<string> {
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: target.host,
    port: target.port,
    secure: target.tls === 'implicit',
    requireTLS: target.tls === 'starttls',
    ignoreTLS: target.tls === 'off',
    ...(target.auth ? { auth: target.auth } : {}),
    // The bridge's certificate names the house's domain, not the address asked here, and is often self-signed. A
    // password sent to another machine needs a certificate Node trusts (NODE_EXTRA_CA_CERTS for a self-signed one)
    // for the name given as --host; on this machine, or without a login, the mail carries nothing secret.
    tls: { rejectUnauthorized: target.auth !== undefined && !isLoopback(target.host) },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  try {
    const info = await transport.sendMail({ envelope: { from: mail.from, to: [mail.to] }, raw });
    return info.response;
  } finally {
    transport.close();
  }
}

function messageOf(mail: TestMail) {
  return {
    envelope: { from: mail.from, to: [mail.to] },
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    attachments: mail.attachments,
  };
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** This machine: `localhost` or a loopback address, where no one can stand between the command and the bridge. */
function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  try {
    return loopback.check(host, isIPv6(host) ? 'ipv6' : 'ipv4');
  } catch {
    return false; // a name: it may lead anywhere
  }
}

/** A 48×16 baseline JPEG (1,074 bytes): over the snapshot store's 100-byte floor, with its end marker. */
const testJpeg =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk8BDg4OExETJhUVJk81LTVPT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT//AABEIABAAMAMBEQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/AMRNNPBVMEENk9On/wBf/PNfRxqWPPhiS5DpvByvbcMKOPp3xTlXsdlPEki2AHCrjBzyeBz+n/6vWuSrijtp4geLEFsAYIHAkA54/TivNq4s7qeILK6aScLESBkBj3/H8/xrhliL9TthibWMqbSdzndGDgZ2nnHB45x9fxFddOv5/wBfj6eeup4NefM22rdle9tHZK7jZL4n/KnG8bJm6klqkcsm4KkbmJyRkDA6EgfT8Tjg8V6T57qK3auv6/rvtqfJU1UcoxS1auv6f9ddtSx51nHei1Lb5FVi7Djy8AHLdwMHr74rlnKbp8/Tp59NDuoxqSp+06aW87u2nnoVv7Q0hZRm6G5l3AhDxwO4+ufwPSuKpTxDV7Hq0cJimr8v4r+v60L0dxaTAPC3mDYz7gNqqAQDuz7HPsB7jPm1Y1Y/Fp0/q33evzOlU6sPj0d7fenba/a3r87ON3ZRwNmN/kh85fkz09Oec5ABztJOASerp4epOSV1vbf+vmt11R1OlX9m3Taunbv+Gn3Xut2ilK1m1xJGjCcIpffFJGyhMDLk5yFBI4IB543c16dGlUUVJ6dNU9+22rfl21sfOYnDztKVR3erVk76q66PS/Tpe/M+v//Z';
