import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { createChatCompletionSchema, listChatCompletionsQuerySchema, updateChatCompletionSchema } from '../../domain/chat-completion-requests.ts';
import { badRequest } from '../../domain/api-error.ts';
import { metadataSchema } from '../../domain/metadata.ts';
import type { AppEnv } from '../app-env.ts';
import { parseWith, pathId, readJson, readQuery } from '../request-parsing.ts';
import type { Services } from '../services.ts';

/** `metadata[key]=value` query pairs → `{ key: value }`, checked like any metadata. */
function metadataQuery(c: Context): Record<string, string> | undefined {
  const pairs: Record<string, string> = {};
  let any = false;
  for (const [name, value] of new URL(c.req.url).searchParams) {
    const m = /^metadata\[(.+)\]$/.exec(name);
    if (!m) continue;
    if (Object.hasOwn(pairs, m[1]!)) throw badRequest(`Duplicate query parameter '${name}'.`, name, 'invalid_value');
    pairs[m[1]!] = value;
    any = true;
  }
  return any ? parseWith(metadataSchema, pairs, ['metadata']) : undefined;
}

/** The logging proxy and the stored-completions endpoints (OpenAI's paths). */
export function chatCompletionRoutes(s: Services): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post('/chat/completions', async (c) => {
    const req = await readJson(c, createChatCompletionSchema);
    if (req.stream !== true) return c.json(await s.chatCompletions.create(c.var.project, req, c.req.raw.signal));
    // Errors before the first chunk are ordinary error responses (thrown here); later ones are
    // an `error` event, which the SDK's stream reader raises as an APIError.
    const chunks = await s.chatCompletions.createStream(c.var.project, req, c.req.raw.signal);
    c.header('cache-control', 'no-cache');
    return streamSSE(c, async (sse) => {
      sse.onAbort(() => void chunks.return());
      try {
        for await (const chunk of chunks) await sse.writeSSE({ data: JSON.stringify(chunk) });
        await sse.writeSSE({ data: '[DONE]' });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await sse.writeSSE({ data: JSON.stringify({ error: { message: `the provider's stream broke off: ${message}`, type: 'server_error', param: null, code: 'stream_interrupted' } }) });
      } finally {
        await chunks.return();
      }
    });
  });
  r.get('/chat/completions', async (c) => {
    const q = readQuery(c, listChatCompletionsQuerySchema.loose());
    const metadata = metadataQuery(c);
    return c.json(await s.chatCompletions.list(c.var.project, { after: q.after, limit: q.limit, order: q.order, model: q.model, metadata }));
  });
  r.get('/chat/completions/:completion_id', async (c) => c.json(await s.chatCompletions.get(c.var.project, pathId(c, 'completion_id'))));
  r.post('/chat/completions/:completion_id', async (c) => {
    const id = pathId(c, 'completion_id');
    const { metadata } = await readJson(c, updateChatCompletionSchema);
    return c.json(await s.chatCompletions.update(c.var.project, id, metadata));
  });
  r.delete('/chat/completions/:completion_id', async (c) => c.json(await s.chatCompletions.delete(c.var.project, pathId(c, 'completion_id'))));
  return r;
}
