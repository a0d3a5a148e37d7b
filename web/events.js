// The live events: one row per event, newest on top, replaced in place whenever its delivery changes (a row that
// was `retrying` turns `sent`). Texts from the mail go in as text only (dom.js).
import { $, badge, el, timeElement, timeOnly } from './dom.js';

/** How many events the page keeps, as many as the bridge does; older rows go as new ones arrive. */
export const maxEvents = 300;
const sha256Pattern = /^[0-9a-f]{64}$/;

/** Rows by event id, so a delivery change replaces its row in place. */
const rows = new Map();

function deliveryWhen(item) {
  const when = el('span', { className: 'when' }, timeElement(item.time, timeOnly));
  if (item.next_attempt) when.append(' · next attempt ', timeElement(item.next_attempt, timeOnly));
  return when;
}

function messageItem(message) {
  return el(
    'li',
    { className: 'message', attrs: { 'data-testid': 'message', 'data-result': message.result } },
    el('span', { text: message.recipient, className: 'recipient' }),
    badge('result', message.result),
    deliveryWhen(message),
    message.reason ? el('span', { text: message.reason, className: 'reason' }) : null,
  );
}

function deliveryItem(output, delivery) {
  const item = el(
    'li',
    { className: 'delivery', attrs: { 'data-testid': 'delivery', 'data-output': output, 'data-result': delivery.result } },
    el('span', { text: output, className: 'output' }),
    badge('result', delivery.result),
    deliveryWhen(delivery),
    delivery.reason ? el('span', { text: delivery.reason, className: 'reason' }) : null,
  );
  if (delivery.messages?.length) item.append(el('ul', { className: 'messages' }, ...delivery.messages.map(messageItem)));
  return item;
}

/** Zone, sensor, user and camera, as far as the event names them. */
function where(event) {
  const parts = [];
  if (event.zone !== null && event.zone !== undefined) parts.push(['zone', event.zone]);
  if (event.sensor) parts.push([event.device ? 'camera' : 'sensor', event.sensor]);
  if (event.device && event.device !== event.sensor) parts.push(['id', event.device]);
  if (event.user) parts.push(['user', event.user]);
  if (event.alarm_state) parts.push(['state', event.alarm_state]);
  return parts.length
    ? el(
        'p',
        { className: 'where' },
        ...parts.map(([label, value]) => el('span', {}, el('span', { text: `${label} `, className: 'muted' }), el('b', { text: value }))),
      )
    : null;
}

function thumbnails(event) {
  const images = (event.images ?? []).filter((image) => sha256Pattern.test(image.sha256 ?? ''));
  if (images.length === 0) return null;
  return el(
    'div',
    { className: 'thumbs' },
    ...images.map((image) => {
      const src = `api/snapshots/${image.sha256}`;
      const alt = `Snapshot ${image.name ?? ''} from ${event.sensor ?? event.device ?? 'a camera'}`;
      return el(
        'a',
        { attrs: { href: src, target: '_blank', rel: 'noopener' } },
        el('img', { attrs: { src, alt, loading: 'lazy', 'data-testid': 'thumbnail' } }),
      );
    }),
  );
}

function eventRow(event) {
  const deliveries = Object.entries(event.delivery ?? {});
  const head = el(
    'p',
    { className: 'head' },
    timeElement(event.time),
    badge('category', event.category),
    el('b', { text: event.type, className: 'type', attrs: { 'data-testid': 'event-type' } }),
    el('span', { text: event.source, className: 'source muted', attrs: { title: `read by ${event.source}, came in by ${event.input}` } }),
  );
  if (event.input === 'test' && event.category !== 'test') head.append(badge('input', 'test'));
  const mailLine =
    event.subject || event.from
      ? el(
          'p',
          { className: 'mail muted' },
          event.from ? el('span', { text: `from ${event.from}` }) : null,
          event.subject ? el('span', { text: `subject “${event.subject}”`, attrs: { 'data-testid': 'event-subject' } }) : null,
        )
      : null;
  return el(
    'li',
    {
      className: `event event-${String(event.category).replace(/[^a-z]/g, '')}`,
      attrs: { 'data-testid': 'event', 'data-id': event.id, 'data-category': event.category },
    },
    head,
    where(event),
    el('p', { text: event.text, className: 'text', attrs: { 'data-testid': 'event-text' } }),
    mailLine,
    thumbnails(event),
    deliveries.length
      ? el('ul', { className: 'deliveries' }, ...deliveries.map(([output, delivery]) => deliveryItem(output, delivery)))
      : null,
  );
}

/** A new id goes on top; a known id replaces its row where it stands. */
export function showEvent(event) {
  if (typeof event?.id !== 'string') return;
  const row = eventRow(event);
  const old = rows.get(event.id);
  if (old) old.replaceWith(row);
  else $('events').prepend(row);
  rows.set(event.id, row);
  trimEvents();
}

function trimEvents() {
  const list = $('events');
  while (list.children.length > maxEvents) {
    const last = list.lastElementChild;
    rows.delete(last.getAttribute('data-id'));
    last.remove();
  }
  $('events-empty').hidden = list.children.length > 0;
}

/** The whole list anew, newest first, as `api/events` gives it. */
export function showEventList(events) {
  rows.clear();
  const list = $('events');
  list.replaceChildren();
  for (const event of events) {
    if (typeof event?.id !== 'string' || rows.has(event.id)) continue;
    const row = eventRow(event);
    rows.set(event.id, row);
    list.append(row);
  }
  trimEvents();
}
