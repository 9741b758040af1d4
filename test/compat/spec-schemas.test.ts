import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectSchema, schemaProblems, specSkipReason } from './spec-schemas.ts';

/** The validator behind every compat test: it must accept exactly the documented exceptions. */
const run = {
  object: 'eval.run',
  id: 'evalrun_0123456789abcdef0123456789abcdef',
  eval_id: 'eval_0123456789abcdef0123456789abcdef',
  status: 'queued',
  model: '',
  name: 'r',
  created_at: 1_750_000_000,
  report_url: 'http://127.0.0.1:8080/evals/eval_0123456789abcdef0123456789abcdef/runs/evalrun_0123456789abcdef0123456789abcdef',
  result_counts: { total: 0, errored: 0, failed: 0, passed: 0 },
  per_model_usage: null,
  per_testing_criteria_results: null,
  data_source: { type: 'jsonl', source: { type: 'file_content', content: [{ item: { a: 1 } }] } },
  metadata: {},
  error: null,
};

const file = { object: 'file', id: 'file-0123456789abcdefghijkl', bytes: 3, created_at: 1_750_000_000, filename: 'a.jsonl', purpose: 'evals', status: 'processed' };

const outputItem = {
  object: 'eval.run.output_item',
  id: 'outputitem_0123456789abcdef0123456789abcdef',
  run_id: run.id,
  eval_id: run.eval_id,
  created_at: 1_750_000_000,
  status: 'pass',
  datasource_item_id: 0,
  datasource_item: { a: 1 },
  results: [{ name: 'c-1', type: 'string_check', score: 1, passed: true, sample: null }],
  sample: {
    input: [], output: [{ role: 'assistant', content: 'x' }], finish_reason: 'stop', model: '',
    usage: { total_tokens: 0, completion_tokens: 0, prompt_tokens: 0, cached_tokens: 0 },
    error: null, temperature: 1, max_completion_tokens: 0, top_p: 1, seed: 0,
  },
};

describe('spec schemas (../shared/spec validator)', { skip: specSkipReason }, () => {
  it('accepts an EvalRun with the documented nulls (architecture §1)', () => {
    expectSchema(run, 'EvalRun');
    expectSchema({ ...run, error: { code: 'x', message: 'y' }, per_testing_criteria_results: [{ testing_criteria: 'c-1', passed: 1, failed: 0 }] }, 'EvalRun');
  });

  it('rejects other deviations from EvalRun', () => {
    assert.notDeepEqual(schemaProblems({ ...run, status: null }, 'EvalRun'), []);
    assert.notDeepEqual(schemaProblems({ ...run, metadata: { n: 1 } }, 'EvalRun'), []);
    assert.notDeepEqual(schemaProblems({ ...run, error: { code: 'x' } }, 'EvalRun'), []);
    assert.notDeepEqual(schemaProblems({ ...run, report_url: 'not a url' }, 'EvalRun'), []);
    assert.notDeepEqual(schemaProblems({ ...run, created_at: 1.5 }, 'EvalRun'), []);
    const withoutSource: Record<string, unknown> = { ...run };
    delete withoutSource['data_source'];
    assert.notDeepEqual(schemaProblems(withoutSource, 'EvalRun'), []);
  });

  it("accepts OpenAIFile.purpose 'evals' (spec/SOURCE.md defect) and nothing unknown", () => {
    expectSchema(file, 'OpenAIFile');
    assert.notDeepEqual(schemaProblems({ ...file, purpose: 'homework' }, 'OpenAIFile'), []);
    const withoutStatus: Record<string, unknown> = { ...file };
    delete withoutStatus['status'];
    assert.notDeepEqual(schemaProblems(withoutStatus, 'OpenAIFile'), []);
  });

  it('lists: first_id/last_id are null exactly on empty pages (architecture §6)', () => {
    expectSchema({ object: 'list', data: [], first_id: null, last_id: null, has_more: false }, 'ListFilesResponse');
    expectSchema({ object: 'list', data: [file], first_id: file.id, last_id: file.id, has_more: false }, 'ListFilesResponse');
    assert.notDeepEqual(schemaProblems({ object: 'list', data: [file], first_id: null, last_id: null, has_more: false }, 'ListFilesResponse'), []);
    assert.notDeepEqual(schemaProblems({ object: 'list', data: [], first_id: 'x', last_id: 'x', has_more: false }, 'EvalRunList'), []);
    assert.notDeepEqual(schemaProblems({ object: 'list', data: [{ ...run, status: 1 }], first_id: run.id, last_id: run.id, has_more: false }, 'EvalRunList'), []);
  });

  it('ErrorResponse needs message, type, param and code', () => {
    expectSchema({ error: { message: 'm', type: 'invalid_request_error', param: null, code: null } }, 'ErrorResponse');
    assert.notDeepEqual(schemaProblems({ error: { message: 'm', type: 'invalid_request_error', param: null } }, 'ErrorResponse'), []);
  });

  it('output item sample.error may be null or an EvalApiError, nothing else', () => {
    expectSchema(outputItem, 'EvalRunOutputItem');
    assert.notDeepEqual(schemaProblems({ ...outputItem, status: 1 }, 'EvalRunOutputItem'), []);
    assert.notDeepEqual(schemaProblems({ ...outputItem, sample: { ...outputItem.sample, error: 'boom' } }, 'EvalRunOutputItem'), []);
    expectSchema({ ...outputItem, sample: { ...outputItem.sample, error: { code: 'c', message: 'm' } } }, 'EvalRunOutputItem');
  });

  it('the delete bodies of the spec are available by name', () => {
    expectSchema({ object: 'eval.deleted', deleted: true, eval_id: run.eval_id }, 'DeleteEvalResponse');
    assert.notDeepEqual(schemaProblems({ object: 'eval.deleted', deleted: true }, 'DeleteEvalResponse'), []);
    expectSchema({ object: 'eval.run.deleted', deleted: true, run_id: run.id }, 'DeleteEvalRunResponse');
    assert.notDeepEqual(schemaProblems({ object: 'eval.run.deleted', deleted: 'yes', run_id: run.id }, 'DeleteEvalRunResponse'), []);
  });
});
