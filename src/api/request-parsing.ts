import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError, badRequest } from '../domain/api-error.ts';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../domain/json-depth.ts';
import { findUnstorableString } from '../domain/text-field.ts';

/** `['testing_criteria', 0, 'operation']` → `testing_criteria[0].operation` — OpenAI's `param` style. */
export function paramOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function issueToError(issue: z.core.$ZodIssue, prefix: readonly PropertyKey[] = []): ApiError {
  const param = paramOf([...prefix, ...issue.path]) || null;
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return badRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  if (issue.code === 'unrecognized_keys') {
    return badRequest(`Unrecognized request argument supplied: ${issue.keys.join(', ')}`, param, 'unknown_parameter');
  }
  const detail = issue.message.replace(/^Invalid input: /, '');
  return badRequest(param ? `Invalid value for '${param}': ${detail}.` : `Invalid request: ${detail}.`, param, issue.code === 'invalid_type' ? 'invalid_type' : 'invalid_value');
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix: readonly PropertyKey[] = []): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw issueToError(result.error.issues[0] as z.core.$ZodIssue, prefix);
  return result.data;
}

export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await c.req.text();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw badRequest('The request body could not be read.', null, 'invalid_body');
  }
  if (text.trim() === '') throw badRequest('The request body is empty; a JSON object was expected.', null, 'invalid_json');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)', null, 'invalid_json');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object.', null, 'invalid_json');
  if (exceedsJsonDepth(body)) throw badRequest(`The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`, null, 'json_too_deep');
  // A lone surrogate (a `\ud800`-style escape JSON allows) is not Unicode text: jsonb refuses it and
  // text columns would silently replace it. One walk here refuses it in every field of every
  // body. U+0000 is refused by the schemas only where it reaches text or jsonb (names, ids,
  // metadata); row data, templates and messages live in json columns, which keep it exactly.
  const bad = findUnstorableString(body, { nul: false });
  if (bad !== null) {
    const param = paramOf(bad.path) || null;
    throw badRequest(`Invalid value for '${param}': ${bad.message}.`, param, 'invalid_value');
  }
  return parseWith(schema, body);
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return parseWith(schema, c.req.query());
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Path ids: anything that cannot be an id is a 404 like an id that does not exist. */
export function pathId(c: Context, name: string): string {
  const value = c.req.param(name) ?? '';
  if (!ID_PATTERN.test(value)) throw new ApiError('not_found', `No object found with ${name} '${value.slice(0, 128)}'.`, name);
  return value;
}
