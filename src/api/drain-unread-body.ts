import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './app-env.ts';

/** How long the rest of an unread body may take to arrive before the connection is given up. */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Keeps keep-alive connections usable when a handler answers without reading the request body
 * (a cancel sent with a body, an upload with the wrong content type, an unknown id, a refused
 * oversize body). Left alone, the node adapter drains such a body for 500 ms and then destroys
 * the socket without having said `Connection: close`, so a client that reuses the connection
 * gets no answer to its next request. Here, after the handler, whatever nobody read is read to
 * its end and discarded before the answer leaves; a body longer than `limit` (or one that stops
 * arriving) is not waited for: the answer then says `Connection: close`. Applies to every path,
 * 404s included, in one place.
 */
export function drainUnreadBody(limit: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return;
    const request = c.req.raw;
    // A body a handler consumed (or is still streaming, like an upload) is that handler's business.
    if (request.bodyUsed) return;
    const declared = Number(request.headers.get('content-length') ?? Number.NaN);
    if (declared === 0) return;
    const drained = Number.isFinite(declared) && declared > limit ? false : await discard(request.body, limit);
    if (!drained) closeAfterAnswer(c.res);
  };
}

/** Reads a stream to its end, dropping the bytes; false if it is longer than `limit`, breaks, or stalls. */
async function discard(body: ReadableStream<Uint8Array> | null, limit: number): Promise<boolean> {
  if (body === null) return true;
  if (body.locked) return false;
  const reader = body.getReader();
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<'stalled'>((resolve) => {
    timer = setTimeout(() => resolve('stalled'), DRAIN_TIMEOUT_MS);
    timer.unref();
  });
  let seen = 0;
  try {
    for (;;) {
      const step = await Promise.race([reader.read(), stalled]);
      if (step === 'stalled') return false;
      if (step.done) return true;
      seen += step.value.byteLength;
      if (seen > limit) return false;
    }
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    // Not cancel(): that would destroy the socket before the answer is written.
    reader.releaseLock();
  }
}

function closeAfterAnswer(res: Response): void {
  try {
    res.headers.set('Connection', 'close');
  } catch {
    // Immutable headers (a Response we did not build): the adapter's own cleanup applies.
  }
}
