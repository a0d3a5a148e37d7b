// A record's body as it streams in: held in memory up to the in-memory limit (it then goes inline into its journal
// entry), past it written to a file of its own under `spool/bodies/` (one whose name is already durable:
// body-files.ts) and fsynced.
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BodyFiles } from './body-files.js';
import type { ResendKeyGatherer } from './spool.js';

/** Records up to this size go inline into the journal and are handed on in memory, not read back from disk. */
export const inMemoryLimit = 256 * 1024;

export interface ReceivedBody {
  oversized: boolean;
  /** The body, when it is within the in-memory limit. */
  inline: Buffer | undefined;
  /** The name of its file under the bodies folder, when it is larger. */
  bodyFile: string | undefined;
}

/**
 * Reads `body` to its end, storing at most `maxBytes` of it; an oversized body is drained and nothing of it is kept.
 * Throws (the file removed) when the body or the disk fails.
 */
export async function receiveBody(
  body: Readable | Buffer,
  { maxBytes, resendKey, bodies }: { maxBytes: number; resendKey?: ResendKeyGatherer; bodies: BodyFiles },
): Promise<ReceivedBody> {
  const message = Buffer.isBuffer(body) ? Readable.from([body]) : body;
  let held: Buffer[] = [];
  let heldBytes = 0;
  let stored = 0;
  let oversized = false;
  let bodyFile: string | undefined;
  let file: FileHandle | undefined;
  try {
    for await (const chunk of message as AsyncIterable<Buffer>) {
      if (oversized) continue;
      stored += chunk.length;
      if (stored > maxBytes) {
        oversized = true;
        continue;
      }
      resendKey?.update(chunk);
      held.push(chunk);
      heldBytes += chunk.length;
      if (stored > inMemoryLimit && heldBytes > inMemoryLimit) {
        if (!file) {
          bodyFile = await bodies.take();
          file = await open(join(bodies.dir, bodyFile), 'r+');
        }
        await file.writev(held);
        held = [];
        heldBytes = 0;
      }
    }
    if (file && !oversized) {
      await file.writev(held);
      await file.sync();
      await file.close();
      file = undefined;
    }
  } catch (error) {
    message.resume();
    await file?.close().catch(() => undefined);
    if (bodyFile) await bodies.remove(bodyFile).catch(() => undefined);
    throw error;
  }
  if (oversized) {
    await file?.close().catch(() => undefined);
    if (bodyFile) await bodies.remove(bodyFile);
    return { oversized, inline: undefined, bodyFile: undefined };
  }
  return { oversized, inline: bodyFile ? undefined : Buffer.concat(held), bodyFile };
}
