// Is this attachment a picture we keep? Decided by what the mail declares AND by the bytes: a `.jpg` that holds
// text is not kept as a JPEG, and a cut-off snapshot (a camera that lost its connection mid-DATA) is refused
// rather than shown half grey. The type we keep is the one the bytes have (JPEG: FF D8 FF … FF D9, ITU T.81 B.1;
// PNG: the 8-byte signature … IEND, PNG spec §5.2/§11.2.5).
import type { MailAttachment } from '../mail/mail.js';

export type ImageKind = { contentType: 'image/jpeg'; extension: 'jpg' } | { contentType: 'image/png'; extension: 'png' };

export type Refusal = 'not_an_image' | 'empty' | 'too_large' | 'truncated';

/** Declared types a camera uses for a snapshot; mailparser may also have guessed `image/jpeg` from `.jpg`. */
const declaredImage = /^(?:image\/(?:jpeg|jpg|pjpeg|png|x-png)|application\/octet-stream)$/iu;
const pngSignature = Buffer.from('89504e470d0a1a0a', 'hex');
const pngEnd = Buffer.from('49454e44ae426082', 'hex'); // "IEND" and its fixed CRC
/** Some encoders pad after the end marker; look for it this far from the end. */
const endSlack = 64;
/** Smaller than any camera's snapshot (a 1×1 JPEG is ~130 bytes): such bytes are no picture worth a file. */
export const minImageBytes = 100;

export function imageKindOf(
  attachment: Pick<MailAttachment, 'contentType' | 'content'>,
  maxBytes: number,
): ImageKind | { refused: Refusal } {
  const bytes = attachment.content;
  if (!declaredImage.test(attachment.contentType.trim())) return { refused: 'not_an_image' };
  if (bytes.length === 0) return { refused: 'empty' };
  if (bytes.length > maxBytes) return { refused: 'too_large' };
  if (bytes.length < minImageBytes) return { refused: 'not_an_image' };
  const tail = bytes.subarray(Math.max(0, bytes.length - endSlack));
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return tail.includes(Buffer.from([0xff, 0xd9])) ? { contentType: 'image/jpeg', extension: 'jpg' } : { refused: 'truncated' };
  }
  if (bytes.subarray(0, 8).equals(pngSignature)) {
    return tail.includes(pngEnd) ? { contentType: 'image/png', extension: 'png' } : { refused: 'truncated' };
  }
  return { refused: 'not_an_image' };
}
