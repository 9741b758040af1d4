import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openApiDocument } from './openapi-document.ts';

describe('openApiDocument', () => {
  it('describes every route with request schemas generated from the validators', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, any>> };
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      '/chat/completions', '/chat/completions/{completion_id}',
      '/evals', '/evals/{eval_id}', '/evals/{eval_id}/compare', '/evals/{eval_id}/runs', '/evals/{eval_id}/runs/{run_id}', '/evals/{eval_id}/runs/{run_id}/cancel',
      '/evals/{eval_id}/runs/{run_id}/output_items', '/evals/{eval_id}/runs/{run_id}/output_items/{output_item_id}',
      '/files', '/files/{file_id}', '/files/{file_id}/content',
      '/fine_tuning/alpha/graders/run', '/fine_tuning/alpha/graders/validate',
    ]);
    const create = doc.paths['/evals']?.['post']?.requestBody.content['application/json'].schema;
    assert.deepEqual(create.required.sort(), ['data_source_config', 'testing_criteria']);
    const ops = JSON.stringify(create);
    for (const op of ['eq', 'ne', 'like', 'ilike']) assert.ok(ops.includes(`"${op}"`), `operation ${op} documented`);
    const limit = doc.paths['/evals']?.['get']?.parameters.find((p: { name: string }) => p.name === 'limit');
    assert.ok(limit, 'limit documented');
  });
});
