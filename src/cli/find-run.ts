import OpenAI from 'openai';
import { CliError } from './cli-error.ts';

/**
 * The eval a run belongs to. The Evals API addresses runs under their eval, so without `--eval`
 * each eval is asked in turn (newest first) — one request per eval until found.
 */
export async function evalOfRun(client: OpenAI, runId: string, evalId: string | undefined): Promise<string> {
  if (evalId !== undefined) return evalId;
  for await (const e of client.evals.list({ limit: 100, order: 'desc' })) {
    try {
      await client.evals.runs.retrieve(runId, { eval_id: e.id });
      return e.id;
    } catch (error) {
      if (error instanceof OpenAI.NotFoundError) continue;
      throw error;
    }
  }
  throw new CliError(`no run '${runId}' in any eval of this project`);
}
