import { Hono } from 'hono';
import { listOutputItemsQuerySchema } from '../../domain/list-query.ts';
import type { AppEnv } from '../app-env.ts';
import { pathId, readQuery } from '../request-parsing.ts';
import type { Services } from '../services.ts';

export function outputItemRoutes(s: Services): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/evals/:eval_id/runs/:run_id/output_items', async (c) =>
    c.json(await s.outputItems.list(c.var.project, pathId(c, 'eval_id'), pathId(c, 'run_id'), readQuery(c, listOutputItemsQuerySchema))),
  );
  r.get('/evals/:eval_id/runs/:run_id/output_items/:output_item_id', async (c) =>
    c.json(await s.outputItems.get(c.var.project, pathId(c, 'eval_id'), pathId(c, 'run_id'), pathId(c, 'output_item_id'))),
  );
  return r;
}
