import { Hono } from 'hono';
import { importEvalSchema, importFileQuerySchema, importOutputItemsSchema, importRunSchema } from '../../domain/import-requests.ts';
import type { AppEnv } from '../app-env.ts';
import { pathId, readJson, readQuery } from '../request-parsing.ts';
import type { Services } from '../services.ts';

/**
 * Proctor extension for `proctor import`: objects from another Evals-API endpoint, stored under
 * their own ids (idempotent inserts). Same keys and projects as the rest of the API.
 */
export function importRoutes(s: Services): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post('/proctor/import/evals/:eval_id', async (c) => c.json(await s.imports.putEval(c.var.project, pathId(c, 'eval_id'), await readJson(c, importEvalSchema))));
  r.post('/proctor/import/evals/:eval_id/runs/:run_id', async (c) =>
    c.json(await s.imports.putRun(c.var.project, pathId(c, 'eval_id'), pathId(c, 'run_id'), await readJson(c, importRunSchema))),
  );
  r.post('/proctor/import/evals/:eval_id/runs/:run_id/output_items', async (c) =>
    c.json(await s.imports.putOutputItems(c.var.project, pathId(c, 'eval_id'), pathId(c, 'run_id'), await readJson(c, importOutputItemsSchema))),
  );
  r.put('/proctor/import/files/:file_id', async (c) => {
    const fileId = pathId(c, 'file_id');
    const q = readQuery(c, importFileQuerySchema);
    const body = c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() });
    return c.json(await s.imports.putFile(c.var.project, fileId, q, body));
  });
  return r;
}
