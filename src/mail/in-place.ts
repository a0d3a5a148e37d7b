// Which mails are parsed in the bridge's own thread: small ones of a single part (a panel's alarm or status line).
// For them the hop to the parser's thread costs more than the parse, and what the thread guards against cannot
// happen in them: mailparser's hangs were on multipart boundaries (#263), and 16 KB of one part is parsed in
// milliseconds whatever its charset, encoding or HTML (28 ms for the worst shapes a review tried, against 0.1 ms for
// a panel's line).

/** Larger mails go to the parser's thread, whatever their structure. */
export const maxInPlaceBytes = 16 * 1024;

/** A Content-Type that makes mailparser look for parts: multipart/*, or a mail inside the mail (message/*). */
const partsContentType = /^content-type[ \t]*:[ \t]*(?:multipart|message)\//imu;

export function parsesInPlace(raw: Buffer): boolean {
  if (raw.length > maxInPlaceBytes) return false;
  const text = raw.toString('latin1');
  const blankLine = /\r?\n\r?\n/u.exec(text);
  // Folded header lines (a Content-Type whose value starts on the next line) are unfolded first.
  const header = (blankLine ? text.slice(0, blankLine.index) : text).replace(/\r?\n[ \t]+/gu, ' ');
  return !partsContentType.test(header);
}
