// A record's body as it streams in: held in memory up to the in-memory limit (it then goes inline into its journal
// entry), past it written to a file of its own under `spool/bodies/`, fsynced, its name made durable in the folder.
import { randomUUID } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { removeIfPresent } from './durable-file.js';
import type { FolderSync } from './folder-sync.js';
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
  { maxBytes, resendKey, bodies, bodiesSync }: { maxBytes: number; resendKey?: ResendKeyGatherer; bodies: string; bodiesSync: FolderSync },
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
          bodyFile = `${randomUUID()}.body`;
          file = await open(join(bodies, bodyFile), 'wx');
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
      // The file's name must survive a crash as well as its bytes: one folder sync shared by concurrent big records.
      await bodiesSync.sync();
    }
  } catch (error) {
    message.resume();
    await file?.close().catch(() => undefined);
    if (bodyFile) await removeIfPresent(join(bodies, bodyFile)).catch(() => undefined);
    throw error;
  }
  if (oversized) {
    await file?.close().catch(() => undefined);
    if (bodyFile) await removeIfPresent(join(bodies, bodyFile));
    return { oversized, inline: undefined, bodyFile: undefined };
  }
  return { oversized, inline: bodyFile ? undefined : Buffer.concat(held), bodyFile };
}
