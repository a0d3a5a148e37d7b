// SMS text: GSM-7 vs UCS-2 and the number of parts, which decides the cost (3GPP TS 23.038).

const gsmBasic =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Characters of the extension table: each takes two units (escape + character). */
const gsmExtension = '^{}\\[~]|€\f';
const gsmCharacters = new Set([...gsmBasic, ...gsmExtension]);

/** Typographic characters with a GSM-7 equivalent: one of them would force the whole text into UCS-2. */
const replacements: [RegExp, string][] = [
  [/[„“”«»]/g, '"'],
  [/[‚‘’‹›]/g, "'"],
  [/[–—]/g, '-'],
  [/…/g, '...'],
  [/[\u00A0\u2007\u202F]/g, ' '],
];

export interface Segments {
  encoding: 'GSM-7' | 'UCS-2';
  /** GSM-7 units or UTF-16 code units. */
  units: number;
  parts: number;
}

const limits = { 'GSM-7': { single: 160, multi: 153 }, 'UCS-2': { single: 70, multi: 67 } } as const;

export function countSegments(text: string): Segments {
  const characters = [...text];
  const encoding = characters.every((character) => gsmCharacters.has(character)) ? 'GSM-7' : 'UCS-2';
  const units =
    encoding === 'GSM-7' ? characters.reduce((sum, character) => sum + (gsmExtension.includes(character) ? 2 : 1), 0) : text.length;
  const { single, multi } = limits[encoding];
  return { encoding, units, parts: units <= single ? 1 : Math.ceil(units / multi) };
}

export function toGsmFriendly(text: string): string {
  return replacements.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), text);
}

/** Cuts the text with an ellipsis so that it fits `maxParts` parts, rather than have the provider refuse it. */
export function fitToParts(text: string, maxParts: number): string {
  if (countSegments(text).parts <= maxParts) return text;
  const characters = [...text];
  // "..." keeps a GSM-7 text in GSM-7; a UCS-2 text can afford the single character.
  const ellipsis = countSegments(text).encoding === 'GSM-7' ? '...' : '…';
  let low = 0;
  let high = characters.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (countSegments(characters.slice(0, middle).join('').trimEnd() + ellipsis).parts <= maxParts) low = middle;
    else high = middle - 1;
  }
  return characters.slice(0, low).join('').trimEnd() + ellipsis;
}
