// Telegram's length limits (Bot API: 1-4096 characters of text, 0-1024 of caption, counted as Telegram counts
// entity offsets: in UTF-16 code units). Too long is cut with an ellipsis, never refused.

export const textLimit = 4096;
export const captionLimit = 1024;

/** The text cut to `limit` UTF-16 code units, ellipsis included; a surrogate pair (an emoji) is never split. */
export function fitToLimit(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let cut = '';
  for (const character of text) {
    if (cut.length + character.length > limit - 1) break;
    cut += character;
  }
  return `${cut.trimEnd()}…`;
}

/** Telegram refuses an empty text ("message text is empty"): a template that rendered to nothing says what happened. */
export function nonEmpty(text: string, fallback: string): string {
  return text.trim() === '' ? fallback : text;
}
