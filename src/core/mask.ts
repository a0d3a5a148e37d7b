// How personal data and secrets are shown where they must be mentioned at all (logs, MQTT payloads, errors):
// phone numbers and account ids keep their last four characters, secrets are replaced.
import type { EventTargets } from './event.js';

/** `+4915112345678` → `**********5678`. */
export function maskNumber(number: string): string {
  return `${'*'.repeat(Math.max(0, number.length - 4))}${number.slice(-4)}`;
}

/** An event's own recipients as they may be shown: numbers to call or text, and Telegram chats, with their last four characters. */
export function maskTargets(targets: EventTargets): EventTargets {
  const masked: { -readonly [Kind in keyof EventTargets]: EventTargets[Kind] } = {};
  for (const kind of ['sms', 'telegram', 'call'] as const) {
    const list = targets[kind];
    if (list) masked[kind] = list.map(maskNumber);
  }
  return masked;
}

/**
 * A run of 7 or more digits, maybe with `+`/`00`, spaces, dashes, slashes or parentheses inside, that stands alone
 * (not part of a word such as a mail id `20261123T0811…`): what a phone number in a provider's text looks like
 * (`+49 170 1234567`, `0170/1234567`). Dots and colons end a run, so IP addresses and ports in an error
 * (`connect ECONNREFUSED 127.0.0.1:443`), times and versions stay readable.
 */
const numberInText = /(?<![\p{L}\p{N}_]|\d[.:])[+(]?\d(?:[\d ()/-]*\d)?(?![\p{L}\p{N}_]|[.:]\d)/gu;

/** Dates have a number's digits but are none: Twilio's `/2010-04-01/` path, `2026/12/03`, `03/12/2026`, `12-03-2026`. */
const day = '(?:0?[1-9]|[12]\\d|3[01])';
const month = '(?:0?[1-9]|1[0-2])';
const date = new RegExp(`^(?:\\d{4}([-/])${month}\\1${day}|(?:${day}([-/])${month}|${month}([-/])${day})(?:\\2|\\3)\\d{4})$`);

/** Every phone number inside a free text, e.g. CM's "Gsm '00491701234567' is not a number.", masked. */
export function maskNumbersIn(text: string): string {
  return text.replace(numberInText, (candidate) =>
    candidate.replace(/\D/g, '').length >= 7 && !date.test(candidate) ? maskNumber(candidate) : candidate,
  );
}

/** What a number written as an address's local part looks like (`+4915112345678`, `0151.1234.5678`, `0151/12345678`). */
export function isNumberShaped(localPart: string): boolean {
  return /^[+0-9][0-9 ()./-]{5,}$/.test(localPart);
}

/**
 * `+4915112345678@sms.local` → `**********5678@sms.local`, whatever separators the number is written with (the same
 * shape the SMS routing reads as a number); numbers inside any other local part are masked as in free text.
 */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  const localPart = at === -1 ? address : address.slice(0, at);
  const domain = at === -1 ? '' : address.slice(at);
  return `${isNumberShaped(localPart) ? maskNumber(localPart) : maskNumbersIn(localPart)}${domain}`;
}

/** A value that may be a secret typed into the wrong field (a user name that is a password): its first character only. */
export function maskSecret(value: string): string {
  return value.length <= 1 ? '*'.repeat(value.length) : `${value[0]}${'*'.repeat(Math.min(value.length - 1, 8))}`;
}

/** The configured values that must not leave in full, wherever a text from outside quotes them. */
export interface ConfiguredValues {
  /** Tokens and passwords: replaced by `[redacted]`. */
  secrets: readonly string[];
  /** Ids of an account that do not open it (Twilio's account SID): their last four characters stay, as a number's. */
  identifiers: readonly string[];
}

/**
 * Values shorter than this are not looked for: they would match inside ordinary words and a log line's JSON keys.
 * No provider token or account id is that short.
 */
const shortestSearched = 6;

/**
 * Replaces every configured value inside a text: as written, URL-encoded (a URL quoting the token) and JSON-escaped
 * (inside a log line). Longest first, so a value that contains another is replaced whole.
 */
export function configuredValuesMasker({ secrets, identifiers }: ConfiguredValues): (text: string) => string {
  const replacements = new Map<string, string>();
  const add = (value: string, shown: string) => {
    if (value.length < shortestSearched) return;
    for (const form of [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])
      if (!replacements.has(form)) replacements.set(form, shown);
  };
  for (const secret of secrets) add(secret, '[redacted]');
  for (const identifier of identifiers) add(identifier, maskNumber(identifier));
  const ordered = [...replacements].sort(([a], [b]) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => ordered.reduce((result, [value, shown]) => (result.includes(value) ? result.split(value).join(shown) : result), text);
}
