import { Hono } from 'hono';
import { compareRunsQuerySchema } from '../../domain/run-comparison.ts';
import type { AppEnv } from '../app-env.ts';
import { pathId, readQuery } from '../request-parsing.ts';
import type { Services } from '../services.ts';

/** Proctor extension: `GET /evals/{eval_id}/compare?base=<run_id>&head=<run_id>` (paired comparison). */
export function runComparisonRoutes(s: Services): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get('/evals/:eval_id/compare', async (c) => {
    const evalId = pathId(c, 'eval_id');
    return c.json(await s.runComparisons.compare(c.var.project, evalId, readQuery(c, compareRunsQuerySchema)));
  });
  return r;
}
