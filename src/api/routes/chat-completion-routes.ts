import { Hono, type Context } from 'hono';
import { createChatCompletionSchema, listChatCompletionsQuerySchema, updateChatCompletionSchema } from '../../domain/chat-completion-requests.ts';
import { badRequest } from '../../domain/api-error.ts';
import { metadataSchema } from '../../domain/metadata.ts';
import { completionChunks, toEventStream } from '../../services/completion-chunks.ts';
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
    const completion = await s.chatCompletions.create(c.var.project, req, c.req.raw.signal);
    if (req.stream !== true) return c.json(completion);
    const includeUsage = (req['stream_options'] as { include_usage?: unknown } | null | undefined)?.include_usage === true;
    return c.body(toEventStream(completionChunks(completion, includeUsage)), 200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
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
