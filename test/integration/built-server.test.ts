import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { waitForRun } from '../support/start-test-proctor.ts';
import { killAllServes, startServe, stopServe, type Serve } from './serve-process.ts';

/**
 * `npm start` runs the bundle scripts/build.mjs writes, not the TypeScript sources: everything
 * that finds a file next to its own module (the PGlite init child, the grading threads' worker, the python worker and its
 * prelude, WordNet) must still find it there. A fresh data directory, the python sandbox, METEOR
 * and a run end to end, on the built server.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the built server (npm start)', () => {
  let serve: Serve;
  let dataDir: string;
  let outDir: string;
  before(async () => {
    // Built into its own directory under node_modules (packages still resolve from there), so a
    // concurrent `npm start` in this checkout is not disturbed.
    outDir = mkdtempSync(join(ROOT, 'node_modules', '.cache-proctor-build-'));
    const { build } = (await import(join(ROOT, 'scripts', 'build.mjs'))) as { build: (dir: string) => Promise<string> };
    const main = await build(outDir);
    dataDir = mkdtempSync(join(os.tmpdir(), 'proctor-built-'));
    serve = await startServe({ PROCTOR_DATA_DIR: dataDir }, main);
  });
  after(async () => {
    if (serve) await stopServe(serve);
    await killAllServes();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  });

  it('creates its database, runs python and METEOR graders and a run', async () => {
    const client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'built-key', maxRetries: 0 });
    const python = await client.fineTuning.alpha.graders.run({ grader: { type: 'python', name: 'p', source: 'import math\ndef grade(sample, item):\n    return math.sqrt(0.0625)\n' }, model_sample: 'x' });
    assert.equal(python.reward, 0.25);
    const meteor = await client.fineTuning.alpha.graders.run({ grader: { type: 'text_similarity', name: 'm', input: '{{ sample.output_text }}', reference: 'the cats sat', evaluation_metric: 'meteor' }, model_sample: 'the cat sat' });
    assert.ok(Math.abs(meteor.reward - 0.9814814814814815) < 1e-12, String(meteor.reward));
    const evaluation = await client.evals.create({
      name: 'built',
      data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { a: { type: 'string' } } }, include_sample_schema: false },
      testing_criteria: [
        { type: 'python', name: 'py', source: 'def grade(sample, item):\n    return 1.0 if sample["output_text"] == item["a"] else 0.0\n', pass_threshold: 0.5 } as never,
        // scored on the grading threads (metric-worker.mjs beside main.mjs)
        { type: 'text_similarity', name: 'fuzzy', input: '{{ sample.output_text }}', reference: '{{ item.a }}', evaluation_metric: 'fuzzy_match', pass_threshold: 1 } as never,
      ],
    });
    const created = await client.evals.runs.create(evaluation.id, {
      data_source: { type: 'jsonl', source: { type: 'file_content', content: [{ item: { a: 'x' }, sample: { output_text: 'x' } }, { item: { a: 'y' }, sample: { output_text: 'z' } }] } } as never,
    });
    const run = await waitForRun(() => client.evals.runs.retrieve(created.id, { eval_id: evaluation.id }), 60_000);
    assert.equal(run.status, 'completed');
    assert.deepEqual(run.result_counts, { total: 2, errored: 0, failed: 1, passed: 1 });
    const fuzzyScores = [];
    for await (const item of client.evals.runs.outputItems.list(created.id, { eval_id: evaluation.id })) fuzzyScores[item.datasource_item_id] = item.results.find((r) => r.type === 'text_similarity')?.score;
    assert.deepEqual(fuzzyScores, [1, 0]);
  });
});
