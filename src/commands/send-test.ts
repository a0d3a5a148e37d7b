// `alarm-mail-bridge send-test alarm|status|camera`: one test mail over SMTP to a running bridge, to the first
// configured address of that kind, through nodemailer (already installed for smtp-server; loaded only here).
// The mail reads as a `test` event everywhere: the keyword profile's "test" for the alarm and status addresses, so
// nothing is triggered and no SMS goes out unless `test` is in send_on; a camera's "test" with a small JPEG snapshot.
import type { Config } from '../config/schema.js';

export const testKinds = ['alarm', 'status', 'camera'] as const;
export type TestKind = (typeof testKinds)[number];

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
  return { host: overrides.host ?? listening, port: overrides.port ?? smtp.port, tls: smtp.tls.mode, ...(user ? { auth: { user: user.username, pass: user.password } } : {}) };
}

export interface TestMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

/** The test mail of a kind; an empty list of addresses of that kind is a setting the user must change. */
export function testMail(kind: TestKind, config: Config): TestMail {
  const addresses = { alarm: config.smtp.alarm_recipients, status: config.smtp.status_recipients, camera: config.smtp.camera_recipients }[kind];
  const localPart = addresses[0];
  if (!localPart) throw new Error(`smtp.${kind}_recipients is empty: no address to send a ${kind} test to`);
  const mail = { to: `${localPart}@alarm-mail-bridge.local`, from: 'send-test@alarm-mail-bridge.local', attachments: [] };
  if (kind !== 'camera') return { ...mail, subject: 'Alarm Mail Bridge test', text: `Test mail from alarm-mail-bridge send-test to the ${kind} address\r\n` };
  // The generic camera reader takes the name from "Camera: …" and the type from "test".
  return {
    ...mail,
    subject: 'Camera: Alarm Mail Bridge test',
    text: 'Camera: Alarm Mail Bridge test\r\nTest mail from alarm-mail-bridge send-test to the camera address\r\n',
    attachments: [{ filename: 'send-test.jpg', contentType: 'image/jpeg', content: Buffer.from(testJpeg, 'base64') }],
  };
}

/** Sends the mail; resolves with the server's reply, e.g. `250 Queued as 20261121T180312345Z-…`. */
export async function sendTestMail(target: TestTarget, mail: TestMail): Promise<string> {
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: target.host,
    port: target.port,
    secure: target.tls === 'implicit',
    requireTLS: target.tls === 'starttls',
    ignoreTLS: target.tls === 'off',
    ...(target.auth ? { auth: target.auth } : {}),
    // The bridge's certificate names the house's domain, not the address asked here; this mail carries no secret.
    tls: { rejectUnauthorized: false },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  try {
    const info = await transport.sendMail({ envelope: { from: mail.from, to: [mail.to] }, from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, attachments: mail.attachments });
    return info.response;
  } finally {
    transport.close();
  }
}

/** A 48×16 baseline JPEG (1,074 bytes): over the snapshot store's 100-byte floor, with its end marker. */
const testJpeg =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wCEAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxOUlNSMj5aYVpQYEpRUk8BDg4OExETJhUVJk81LTVPT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT//AABEIABAAMAMBEQACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/AMRNNPBVMEENk9On/wBf/PNfRxqWPPhiS5DpvByvbcMKOPp3xTlXsdlPEki2AHCrjBzyeBz+n/6vWuSrijtp4geLEFsAYIHAkA54/TivNq4s7qeILK6aScLESBkBj3/H8/xrhliL9TthibWMqbSdzndGDgZ2nnHB45x9fxFddOv5/wBfj6eeup4NefM22rdle9tHZK7jZL4n/KnG8bJm6klqkcsm4KkbmJyRkDA6EgfT8Tjg8V6T57qK3auv6/rvtqfJU1UcoxS1auv6f9ddtSx51nHei1Lb5FVi7Djy8AHLdwMHr74rlnKbp8/Tp59NDuoxqSp+06aW87u2nnoVv7Q0hZRm6G5l3AhDxwO4+ufwPSuKpTxDV7Hq0cJimr8v4r+v60L0dxaTAPC3mDYz7gNqqAQDuz7HPsB7jPm1Y1Y/Fp0/q33evzOlU6sPj0d7fenba/a3r87ON3ZRwNmN/kh85fkz09Oec5ABztJOASerp4epOSV1vbf+vmt11R1OlX9m3Taunbv+Gn3Xut2ilK1m1xJGjCcIpffFJGyhMDLk5yFBI4IB543c16dGlUUVJ6dNU9+22rfl21sfOYnDztKVR3erVk76q66PS/Tpe/M+v//Z';
