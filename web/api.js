// The bridge's API as the page calls it. Paths are relative (no leading slash): under Home Assistant's ingress the
// page lives below /api/hassio_ingress/<token>/, and the browser resolves them against that.

/** The server's `{ "error": … }`, or the HTTP status when it sent none. */
export class ApiError extends Error {}

/** A request that takes longer is given up (and shown as failed): the box may be busy, the line may be gone. */
const timeoutMs = 15_000;

export async function request(path, init) {
  const response = await fetch(path, { cache: 'no-store', signal: AbortSignal.timeout(timeoutMs), ...init });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(body?.error ?? `HTTP ${response.status}`);
  return body;
}

/** POSTs send JSON and say so: the server refuses other types (one of its defences against cross-site requests). */
export const post = (path, payload) =>
  request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
