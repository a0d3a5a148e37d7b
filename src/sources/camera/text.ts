// Bounded views of a camera mail's text: its lines, and its `KEY: value` fields (Hikvision `EVENT TYPE:`,
// Dahua `Alarm Event:`). Bounded because the body is the sender's: a huge one must not cost more than a small one.

const maxLines = 40;
const maxLineLength = 300;

/** The first non-empty lines of the text, trimmed and clipped. */
export function linesOf(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.slice(0, maxLines * maxLineLength * 2).split(/\r?\n/)) {
    const trimmed = line.trim().slice(0, maxLineLength);
    if (trimmed) lines.push(trimmed);
    if (lines.length === maxLines) break;
  }
  return lines;
}

/**
 * `KEY: value` lines by their key, lower case with single spaces. A key may carry a parenthesis with colons in it:
 * Dahua's `Alarm Start Time(D/M/Y H:M:S): 23/12/2021 10:27:46` has the key `alarm start time(d/m/y h:m:s)`.
 * The first line with a key wins.
 */
export function fieldsOf(lines: readonly string[]): Map<string, { value: string; line: string }> {
  const fields = new Map<string, { value: string; line: string }>();
  for (const line of lines) {
    const match = /^(?<key>[a-z][\w ./-]{0,60}?(?:\([^)]{0,30}\))?)\s*:\s*(?<value>.*)$/iu.exec(line);
    if (!match?.groups) continue;
    const key = match.groups.key!.toLowerCase().replace(/\s+/g, ' ').trim();
    if (!fields.has(key)) fields.set(key, { value: match.groups.value!.trim(), line });
  }
  return fields;
}

/** The first field whose key the pattern matches, e.g. /^alarm (start|stop) time/. */
export function fieldMatching(
  fields: ReadonlyMap<string, { value: string; line: string }>,
  key: RegExp,
): { value: string; line: string } | undefined {
  for (const [name, field] of fields) if (key.test(name)) return field;
  return undefined;
}

/** The value, or null when empty. */
export function orNull(value: string | undefined): string | null {
  return value?.trim() ? value.trim() : null;
}
