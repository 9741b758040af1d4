import { Hono } from 'hono';
import { createEvalRequestSchema, updateEvalRequestSchema } from '../../domain/eval-requests.ts';
import { listEvalsQuerySchema } from '../../domain/list-query.ts';
import type { AppEnv } from '../app-env.ts';
import { pathId, readJson, readQuery } from '../request-parsing.ts';
import type { Services } from '../services.ts';

export function evalRoutes(s: Services): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/evals', async (c) => c.json(await s.evals.list(c.var.project, readQuery(c, listEvalsQuerySchema))));
  r.post('/evals', async (c) => {
    const created = await s.evals.create(c.var.project, await readJson(c, createEvalRequestSchema));
    // Azure documents 200 for create-eval; OpenAI 201.
    return c.json(created, c.var.dialect === 'azure' ? 200 : 201);
  });
  r.get('/evals/:eval_id', async (c) => c.json(await s.evals.get(c.var.project, pathId(c, 'eval_id'))));
  r.post('/evals/:eval_id', async (c) => {
    const id = pathId(c, 'eval_id');
    return c.json(await s.evals.update(c.var.project, id, await readJson(c, updateEvalRequestSchema)));
  });
  r.delete('/evals/:eval_id', async (c) => c.json(await s.evals.delete(c.var.project, pathId(c, 'eval_id'))));
  return r;
}
