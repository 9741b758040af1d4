import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { createEvalRequestSchema } from '../domain/eval-requests.ts';
import { createRunRequestSchema } from '../domain/run-requests.ts';
import { CliError } from './cli-error.ts';

/**
 * The file `proctor run` takes: `eval` is the body of evals.create, `run` the body of runs.create
 * (whose source may also be `{type: file, path}`, a local JSONL uploaded first), and `gate` what
 * decides the exit code. Strings may use `${VAR}` from the environment.
 */
export interface RunSpec {
  readonly file: string;
  readonly eval: Record<string, unknown> & { name: string };
  readonly run: Record<string, unknown>;
  /** A local JSONL named by `run.data_source.source.path`, resolved against the spec's folder. */
  readonly localSource: string | null;
  readonly gate: Gate;
}

export interface Gate {
  /** One threshold for every criterion, or one per criterion name. */
  readonly minPassRate: number | Readonly<Record<string, number>> | null;
  /** A number of rows (≥ 1) or a fraction of the rows (< 1). */
  readonly maxErrored: number | null;
  readonly baseline: string | null;
}

const rate = z.number().min(0, 'a pass rate between 0 and 1').max(1, 'a pass rate between 0 and 1');
const specSchema = z.strictObject({
  eval: z.record(z.string(), z.unknown(), 'a mapping: the body of evals.create'),
  run: z.record(z.string(), z.unknown(), 'a mapping: the body of runs.create'),
  gate: z
    .strictObject({
      min_pass_rate: z.union([rate, z.record(z.string(), rate)], 'a pass rate between 0 and 1, or a map of criterion name → pass rate').optional(),
      max_errored: z.number('a number of rows, or a fraction below 1').min(0, 'at least 0').optional(),
      baseline: z.string('`latest` or a run id').min(1).optional(),
    })
    .optional(),
});

const pathOf = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out === '' ? String(seg) : `${out}.${String(seg)}`), '');

function specError(file: string, path: readonly PropertyKey[], message: string): CliError {
  return new CliError(`${file}: ${path.length > 0 ? `${pathOf(path)}: ` : ''}${message}`);
}

function firstIssue(file: string, prefix: readonly PropertyKey[], error: z.ZodError): CliError {
  const issue = error.issues[0]!;
  let message = issue.message.replace(/^Invalid input: /, '');
  if (issue.code === 'unrecognized_keys') message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) message = `required (${message.replace(/, received undefined$/, '')})`;
  return specError(file, [...prefix, ...issue.path], message);
}

/** `${VAR}` in every string; an unset variable is the spec's error, at its path. */
function expand(value: unknown, vars: Readonly<Record<string, string | undefined>>, file: string, path: PropertyKey[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = vars[name];
      if (v === undefined) throw specError(file, path, `\${${name}} is not set in the environment`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expand(v, vars, file, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, vars, file, [...path, k])]));
  }
  return value;
}

export function readRunSpec(path: string, vars: Readonly<Record<string, string | undefined>>): RunSpec {
  const file = path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`${file}: cannot read the spec (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}: ` : '';
    throw new CliError(`${file}: ${where}not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw specError(file, [], 'expected a mapping with `eval`, `run` and optionally `gate`');
  const expanded = expand(raw, vars, file, []);
  const top = specSchema.safeParse(expanded);
  if (!top.success) throw firstIssue(file, [], top.error);
  const { eval: evalBody, run: runBody, gate } = top.data;

  if (typeof evalBody['name'] !== 'string' || evalBody['name'] === '') throw specError(file, ['eval', 'name'], 'required: the eval is found (and reused) by its name');
  const evalCheck = createEvalRequestSchema.safeParse(evalBody);
  if (!evalCheck.success) throw firstIssue(file, ['eval'], evalCheck.error);

  // A local file source is checked as the file_id it becomes once uploaded.
  let localSource: string | null = null;
  const dataSource = runBody['data_source'] as Record<string, unknown> | undefined;
  const source = dataSource?.['source'] as Record<string, unknown> | undefined;
  let checked: Record<string, unknown> = runBody;
  if (source?.['type'] === 'file') {
    if (typeof source['path'] !== 'string' || source['path'] === '') throw specError(file, ['run', 'data_source', 'source', 'path'], 'required: a JSONL file, relative to the spec');
    if (Object.keys(source).some((k) => k !== 'type' && k !== 'path')) throw specError(file, ['run', 'data_source', 'source'], 'a local source has only `type: file` and `path`');
    localSource = resolve(dirname(path), source['path']);
    checked = { ...runBody, data_source: { ...dataSource, source: { type: 'file_id', id: 'file-local' } } };
  }
  const runCheck = createRunRequestSchema.safeParse(checked);
  if (!runCheck.success) throw firstIssue(file, ['run'], runCheck.error);

  if (gate?.min_pass_rate !== undefined && typeof gate.min_pass_rate === 'object') {
    const names = new Set((evalBody['testing_criteria'] as { name?: string }[]).map((c) => c.name));
    for (const name of Object.keys(gate.min_pass_rate)) {
      if (!names.has(name)) throw specError(file, ['gate', 'min_pass_rate', name], `no testing criterion is named '${name}' (names: ${[...names].join(', ')})`);
    }
  }
  return {
    file,
    eval: evalBody as RunSpec['eval'],
    run: runBody,
    localSource,
    gate: { minPassRate: gate?.min_pass_rate ?? null, maxErrored: gate?.max_errored ?? null, baseline: gate?.baseline ?? null },
  };
}
