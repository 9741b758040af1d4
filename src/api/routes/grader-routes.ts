import { Hono } from 'hono';
import { runGraderRequestSchema, validateGraderRequestSchema } from '../../domain/grader-requests.ts';
import type { AppEnv } from '../app-env.ts';
import { readJson } from '../request-parsing.ts';
import type { Services } from '../services.ts';

export function graderRoutes(s: Services): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.post('/fine_tuning/alpha/graders/run', async (c) => c.json(await s.graders.run(await readJson(c, runGraderRequestSchema))));
  r.post('/fine_tuning/alpha/graders/validate', async (c) => {
    const { grader } = await readJson(c, validateGraderRequestSchema);
    return c.json(await s.graders.validate(grader));
  });
  return r;
}
