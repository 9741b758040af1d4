import { Hono, type Context } from 'hono';
import { listRunsQuerySchema } from '../../domain/list-query.ts';
import { createRunRequestSchema } from '../../domain/run-requests.ts';
import type { AppEnv } from '../app-env.ts';
import { pathId, readJson, readQuery } from '../request-parsing.ts';
import type { Services } from '../services.ts';

export function runRoutes(s: Services): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/evals/:eval_id/runs', async (c) => c.json(await s.runs.list(c.var.project, pathId(c, 'eval_id'), readQuery(c, listRunsQuerySchema))));
  r.post('/evals/:eval_id/runs', async (c) => {
    const evalId = pathId(c, 'eval_id');
    return c.json(await s.runs.create(c.var.project, evalId, await readJson(c, createRunRequestSchema)), 201);
  });
  r.get('/evals/:eval_id/runs/:run_id', async (c) => c.json(await s.runs.get(c.var.project, pathId(c, 'eval_id'), pathId(c, 'run_id'))));
  // The spec cancels with POST on the run itself; the SDKs and docs also use `/cancel`.
  const cancel = async (c: Context<AppEnv>) => c.json(await s.runs.cancel(c.var.project, pathId(c, 'eval_id'), pathId(c, 'run_id')));
  r.post('/evals/:eval_id/runs/:run_id', cancel);
  r.post('/evals/:eval_id/runs/:run_id/cancel', cancel);
  r.delete('/evals/:eval_id/runs/:run_id', async (c) => {
    const { run_id } = await s.runs.delete(c.var.project, pathId(c, 'eval_id'), pathId(c, 'run_id'));
    if (c.var.dialect === 'azure') {
      // Azure's v1 document names the id `eval_run_id`; its dated examples say `run_id`: send both.
      const dated = c.var.apiVersion !== null && /^\d{4}-/.test(c.var.apiVersion);
      return c.json({ object: dated ? 'eval.deleted' : 'eval_run.deleted', deleted: true, eval_run_id: run_id, run_id });
    }
    return c.json({ object: 'eval.run.deleted', deleted: true, run_id });
  });
  return r;
}
