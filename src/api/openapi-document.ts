import { z } from 'zod';
import { createChatCompletionSchema, listChatCompletionsQuerySchema, updateChatCompletionSchema } from '../domain/chat-completion-requests.ts';
import { createEvalRequestSchema, updateEvalRequestSchema } from '../domain/eval-requests.ts';
import { runGraderRequestSchema, validateGraderRequestSchema } from '../domain/grader-requests.ts';
import { listEvalsQuerySchema, listFilesQuerySchema, listOutputItemsQuerySchema, listRunsQuerySchema } from '../domain/list-query.ts';
import { compareRunsQuerySchema } from '../domain/run-comparison.ts';
import { createRunRequestSchema } from '../domain/run-requests.ts';

/**
 * Proctor's own OpenAPI document, generated from the zod schemas that validate requests — the
 * project's source of truth (architecture §1) — so it cannot drift from what the server accepts.
 */
const toSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });

function queryParameters(schema: z.ZodObject) {
  return Object.entries(schema.shape).map(([name, field]) => ({ name, in: 'query', required: false, schema: toSchema(field as z.ZodType) }));
}

const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const json = (schema: unknown) => ({ required: true, content: { 'application/json': { schema } } });
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const errors = {
  '400': { description: 'Invalid request: `{error:{message,type,param,code}}`' },
  '401': { description: 'Missing or unknown API key' },
  '404': { description: 'No such object in this project' },
};

let cached: unknown = null;

export function openApiDocument(): unknown {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Proctor — OpenAI-compatible Evals API', version: '0.1.0' },
    servers: [{ url: '/v1' }, { url: '/openai/v1' }],
    security: [{ bearer: [] }, { apiKey: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, apiKey: { type: 'apiKey', in: 'header', name: 'api-key' } },
    },
    paths: {
      '/evals': {
        get: { operationId: 'listEvals', parameters: queryParameters(listEvalsQuerySchema), responses: { '200': ok('EvalList'), ...errors } },
        post: { operationId: 'createEval', requestBody: json(toSchema(createEvalRequestSchema)), responses: { '201': ok('Eval'), ...errors } },
      },
      '/evals/{eval_id}': {
        parameters: [pathParam('eval_id')],
        get: { operationId: 'getEval', responses: { '200': ok('Eval'), ...errors } },
        post: { operationId: 'updateEval', requestBody: json(toSchema(updateEvalRequestSchema)), responses: { '200': ok('Eval'), ...errors } },
        delete: { operationId: 'deleteEval', responses: { '200': ok('{object: "eval.deleted", deleted, eval_id}'), ...errors } },
      },
      '/evals/{eval_id}/runs': {
        parameters: [pathParam('eval_id')],
        get: { operationId: 'getEvalRuns', parameters: queryParameters(listRunsQuerySchema), responses: { '200': ok('EvalRunList'), ...errors } },
        post: { operationId: 'createEvalRun', requestBody: json(toSchema(createRunRequestSchema)), responses: { '201': ok('EvalRun'), ...errors } },
      },
      '/evals/{eval_id}/runs/{run_id}': {
        parameters: [pathParam('eval_id'), pathParam('run_id')],
        get: { operationId: 'getEvalRun', responses: { '200': ok('EvalRun'), ...errors } },
        post: { operationId: 'cancelEvalRun', responses: { '200': ok('EvalRun'), ...errors } },
        delete: { operationId: 'deleteEvalRun', responses: { '200': ok('{object: "eval.run.deleted", deleted, run_id}'), ...errors } },
      },
      '/evals/{eval_id}/runs/{run_id}/cancel': {
        parameters: [pathParam('eval_id'), pathParam('run_id')],
        post: { operationId: 'cancelEvalRunExplicit', responses: { '200': ok('EvalRun'), ...errors } },
      },
      '/evals/{eval_id}/runs/{run_id}/output_items': {
        parameters: [pathParam('eval_id'), pathParam('run_id')],
        get: { operationId: 'getEvalRunOutputItems', parameters: queryParameters(listOutputItemsQuerySchema), responses: { '200': ok('EvalRunOutputItemList'), ...errors } },
      },
      '/evals/{eval_id}/runs/{run_id}/output_items/{output_item_id}': {
        parameters: [pathParam('eval_id'), pathParam('run_id'), pathParam('output_item_id')],
        get: { operationId: 'getEvalRunOutputItem', responses: { '200': ok('EvalRunOutputItem'), ...errors } },
      },
      '/evals/{eval_id}/compare': {
        parameters: [pathParam('eval_id')],
        get: {
          operationId: 'compareEvalRuns',
          description: 'Proctor extension: two runs of the eval paired by datasource_item_id, per testing criterion (Wilson intervals, paired difference, exact McNemar p) with the regressed and fixed items.',
          parameters: queryParameters(compareRunsQuerySchema).map((p) => (p.name === 'base' || p.name === 'head' ? { ...p, required: true } : p)),
          responses: { '200': ok('{object: "eval.run_comparison", eval_id, base_run_id, head_run_id, criteria, regressions, fixes}'), ...errors },
        },
      },
      '/files': {
        get: { operationId: 'listFiles', parameters: queryParameters(listFilesQuerySchema), responses: { '200': ok('ListFilesResponse'), ...errors } },
        post: {
          operationId: 'createFile',
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: ['file', 'purpose'],
                  properties: {
                    file: { type: 'string', format: 'binary' },
                    purpose: { type: 'string', enum: ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] },
                    'expires_after[anchor]': { type: 'string', enum: ['created_at'] },
                    'expires_after[seconds]': { type: 'integer', minimum: 3600, maximum: 2592000 },
                  },
                },
              },
            },
          },
          responses: { '200': ok('OpenAIFile'), ...errors, '413': { description: 'File larger than PROCTOR_MAX_FILE_MB' } },
        },
      },
      '/files/{file_id}': {
        parameters: [pathParam('file_id')],
        get: { operationId: 'retrieveFile', responses: { '200': ok('OpenAIFile'), ...errors } },
        delete: { operationId: 'deleteFile', responses: { '200': ok('DeleteFileResponse'), ...errors } },
      },
      '/files/{file_id}/content': {
        parameters: [pathParam('file_id')],
        get: { operationId: 'downloadFile', responses: { '200': { description: 'The file bytes', content: { 'application/octet-stream': {} } }, ...errors } },
      },
      '/fine_tuning/alpha/graders/run': {
        post: { operationId: 'runGrader', requestBody: json(toSchema(runGraderRequestSchema)), responses: { '200': ok('RunGraderResponse'), ...errors } },
      },
      '/fine_tuning/alpha/graders/validate': {
        post: { operationId: 'validateGrader', requestBody: json(toSchema(validateGraderRequestSchema)), responses: { '200': ok('ValidateGraderResponse'), ...errors } },
      },
      '/chat/completions': {
        post: {
          operationId: 'createChatCompletion',
          description: 'Logging proxy: forwards to the configured provider; `store: true` keeps the request and response (with `metadata`) for `stored_completions` run sources.',
          requestBody: json(toSchema(createChatCompletionSchema)),
          responses: { '200': ok('CreateChatCompletionResponse (or text/event-stream with stream: true)'), ...errors, '502': { description: 'The provider failed' } },
        },
        get: { operationId: 'listChatCompletions', parameters: [...queryParameters(listChatCompletionsQuerySchema), { name: 'metadata[key]', in: 'query', required: false, schema: { type: 'string' } }], responses: { '200': ok('ChatCompletionList'), ...errors } },
      },
      '/chat/completions/{completion_id}': {
        parameters: [pathParam('completion_id')],
        get: { operationId: 'getChatCompletion', responses: { '200': ok('CreateChatCompletionResponse'), ...errors } },
        post: { operationId: 'updateChatCompletion', requestBody: json(toSchema(updateChatCompletionSchema)), responses: { '200': ok('CreateChatCompletionResponse'), ...errors } },
        delete: { operationId: 'deleteChatCompletion', responses: { '200': ok('ChatCompletionDeleted'), ...errors } },
      },
    },
  };
  return cached;
}
