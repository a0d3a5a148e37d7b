// Making elements for the status page: text only ever goes in as textContent or an attribute value, never as
// markup, so a sensor named `<img src=x onerror=…>` shows as those characters.

export const $ = (id) => document.getElementById(id);

/** An element with attributes, text and children: the only way the page makes elements. */
export function el(tag, { text, className, attrs } = {}, ...children) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = String(text);
  for (const [name, value] of Object.entries(attrs ?? {}))
    if (value !== undefined && value !== null) element.setAttribute(name, String(value));
  for (const child of children) if (child) element.append(child);
  return element;
}

/** A small coloured label; the class is made from the value with anything but word characters dropped. */
export function badge(kind, value) {
  return el('span', { text: value, className: `badge ${kind}-${String(value).replace(/[^a-z0-9_-]/gi, '')}` });
}

const clock = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
export const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** A <time> in the browser's time zone, with the UTC time as its tooltip. */
export function timeElement(iso, format = clock) {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return el('span', { text: iso ?? '–' });
  return el('time', { text: format.format(date), attrs: { datetime: iso, title: date.toISOString() } });
}

/** `2 d 3 h`, `5 min`, `12 s`: the two largest units. */
export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const parts = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3_600), 'h'],
    [Math.floor((s % 3_600) / 60), 'min'],
  ].filter(([value]) => value > 0);
  if (parts.length === 0) return `${s} s`;
  return parts
    .slice(0, 2)
    .map(([value, unit]) => `${value} ${unit}`)
    .join(' ');
}

export const ago = (iso) => `${duration((Date.now() - new Date(iso).getTime()) / 1_000)} ago`;
