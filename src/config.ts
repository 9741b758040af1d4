import { hashApiKey, type ApiKeyTable } from './domain/api-key-table.ts';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The only reader of process.env. Parsed once at start-up into a frozen object; an invalid value
 * stops the start with every problem listed, never a half-configured server.
 */
const providerSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('openai'),
    base_url: z.url().optional(),
    api_key: z.string().optional(),
    api_key_env: z.string().optional(),
  }),
  z.object({
    type: z.literal('azure'),
    endpoint: z.url(),
    api_key: z.string().optional(),
    api_key_env: z.string().optional(),
    api_version: z.string().optional(),
    deployments: z.record(z.string(), z.string()).optional(),
  }),
]);

const modelSchema = z.object({
  provider: z.string(),
  model: z.string().optional(),
  max_concurrency: z.number().int().positive().optional(),
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  /** Response cache for this model (runs may override with metadata `proctor.cache`); default off. */
  cache: z.enum(['read_write', 'read_only', 'off']).optional(),
  /** How long a cached answer is served; default 7 days. */
  cache_ttl_seconds: z.number().int().positive().optional(),
  /** Cache answers sampled with temperature > 0 (or unset, which is 1) too; default false. */
  cache_nonzero_temperature: z.boolean().optional(),
});

export const configFileSchema = z
  .object({
    providers: z.record(z.string(), providerSchema).default({}),
    models: z.record(z.string(), modelSchema).default({}),
    default_provider: z.string().optional(),
    /** What `text_similarity` with `cosine` embeds with, resolved like any model name. */
    embedding_model: z.string().min(1).default('text-embedding-3-small'),
  })
  .superRefine((file, ctx) => {
    for (const [name, model] of Object.entries(file.models)) {
      if (!(model.provider in file.providers)) {
        ctx.addIssue({ code: 'custom', path: ['models', name, 'provider'], message: `unknown provider '${model.provider}'` });
      }
    }
    if (file.default_provider !== undefined && !(file.default_provider in file.providers)) {
      ctx.addIssue({ code: 'custom', path: ['default_provider'], message: `unknown provider '${file.default_provider}'` });
    }
  });

export type ConfigFile = z.output<typeof configFileSchema>;

const boolText = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const intText = (min: number, max: number) =>
  z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max));

const envSchema = z.object({
  PROCTOR_HOST: z.string().min(1).default('127.0.0.1'),
  PROCTOR_PORT: intText(0, 65_535).default(8080),
  PROCTOR_DATA_DIR: z.string().min(1).default('./.proctor'),
  PROCTOR_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  PROCTOR_API_KEYS: z.string().optional(),
  PROCTOR_CONFIG: z.string().optional(),
  PROCTOR_PUBLIC_URL: z.url().optional(),
  PROCTOR_AZURE_REQUIRE_PREVIEW_HEADER: boolText.default(true),
  PROCTOR_MAX_BODY_MB: intText(1, 4096).default(64),
  PROCTOR_MAX_FILE_MB: intText(1, 1_048_576).default(2048),
  PROCTOR_WORKER_CONCURRENCY: intText(1, 256).default(4),
  PROCTOR_BATCH_SIZE: intText(1, 100_000).default(500),
  PROCTOR_SAMPLING_BATCH_SIZE: intText(1, 100_000).default(100),
  PROCTOR_MODEL_TIMEOUT_MS: intText(100, 3_600_000).default(120_000),
  PROCTOR_PYTHON_WORKERS: intText(1, 64).default(2),
  PROCTOR_PYTHON_TIMEOUT_MS: intText(100, 600_000).default(10_000),
  PROCTOR_RATE_WINDOW_SECONDS: intText(1, 3600).default(60),
  PROCTOR_PROCESS_TTL_SECONDS: intText(2, 600).default(4),
  PROCTOR_GRADING_THREADS: intText(0, 256).optional(),
  PROCTOR_GRADING_TIMEOUT_MS: intText(100, 3_600_000).default(30_000),
  PROCTOR_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

// The key table's shape and hash live in domain (api/ and report/ hash keys per request).
export { hashApiKey, type ApiKeyTable } from './domain/api-key-table.ts';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  readonly apiKeys: ApiKeyTable;
  /** Base of `report_url`; null: the address the server is bound to. */
  readonly publicUrl: string | null;
  readonly azureRequirePreviewHeader: boolean;
  readonly maxBodyBytes: number;
  readonly maxFileBytes: number;
  readonly workerConcurrency: number;
  readonly batchSize: number;
  /** Rows per batch job of a run that calls a model for each row. */
  readonly samplingBatchSize: number;
  /** Python grader sandbox: worker threads and the per-call time limit. */
  /** Per attempt of an upstream model call. */
  readonly modelTimeoutMs: number;
  readonly pythonWorkers: number;
  readonly pythonTimeoutMs: number;
  /** The window a model's rpm/tpm are counted over (60 s; shorter only for tests). */
  readonly rateWindowMs: number;
  /**
   * PostgreSQL deployments: a process that has not renewed its lease for this long is dead — its
   * shared model slots return and its batches run elsewhere. It renews every quarter of it.
   */
  readonly processTtlMs: number;
  /** Grading threads for text_similarity's local metrics; 0: grade on the event loop. */
  readonly gradingThreads: number;
  /** Time limit of one metric score on a grading thread. */
  readonly gradingTimeoutMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  readonly configFile: ConfigFile;
  /** Environment variables the provider config names (api_key_env), and the SDK's own. */
  readonly secrets: Readonly<Record<string, string>>;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function parseApiKeys(text: string | undefined, problems: string[]): ApiKeyTable {
  if (text === undefined || text.trim() === '') return { byHash: null };
  const byHash = new Map<string, string>();
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const key = eq === -1 ? entry : entry.slice(0, eq).trim();
    const project = eq === -1 ? 'default' : entry.slice(eq + 1).trim();
    if (key.length < 8) problems.push('PROCTOR_API_KEYS: every key must be at least 8 characters');
    else if (!/^[A-Za-z0-9_.-]{1,128}$/.test(project)) problems.push(`PROCTOR_API_KEYS: project name '${project}' must be 1-128 of [A-Za-z0-9_.-]`);
    else byHash.set(hashApiKey(key), project);
  }
  return { byHash: byHash.size > 0 ? byHash : null };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

function readConfigFile(path: string | undefined, problems: string[]): ConfigFile {
  if (path === undefined) return configFileSchema.parse({});
  let raw: unknown;
  try {
    const text = readFileSync(resolve(path), 'utf8');
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    problems.push(`PROCTOR_CONFIG: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
    return configFileSchema.parse({});
  }
  const parsed = configFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`PROCTOR_CONFIG ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return configFileSchema.parse({});
  }
  return parsed.data;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const apiKeys = parseApiKeys(e.PROCTOR_API_KEYS, problems);
  if (apiKeys.byHash === null && !isLoopback(e.PROCTOR_HOST)) {
    problems.push(`PROCTOR_HOST: refusing to listen on ${e.PROCTOR_HOST} without PROCTOR_API_KEYS; set keys or bind to 127.0.0.1`);
  }
  const configFile = readConfigFile(e.PROCTOR_CONFIG, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const secretNames = new Set(['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'AZURE_OPENAI_API_KEY']);
  for (const provider of Object.values(configFile.providers)) if (provider.api_key_env) secretNames.add(provider.api_key_env);
  const secrets: Record<string, string> = {};
  for (const name of secretNames) {
    const value = env[name];
    if (value !== undefined && value !== '') secrets[name] = value;
  }

  return Object.freeze({
    host: e.PROCTOR_HOST,
    port: e.PROCTOR_PORT,
    dataDir: resolve(e.PROCTOR_DATA_DIR),
    databaseUrl: e.PROCTOR_DATABASE_URL ?? null,
    apiKeys,
    publicUrl: e.PROCTOR_PUBLIC_URL === undefined ? null : e.PROCTOR_PUBLIC_URL.replace(/\/+$/, ''),
    azureRequirePreviewHeader: e.PROCTOR_AZURE_REQUIRE_PREVIEW_HEADER,
    maxBodyBytes: e.PROCTOR_MAX_BODY_MB * 1024 * 1024,
    maxFileBytes: e.PROCTOR_MAX_FILE_MB * 1024 * 1024,
    workerConcurrency: e.PROCTOR_WORKER_CONCURRENCY,
    batchSize: e.PROCTOR_BATCH_SIZE,
    samplingBatchSize: e.PROCTOR_SAMPLING_BATCH_SIZE,
    modelTimeoutMs: e.PROCTOR_MODEL_TIMEOUT_MS,
    pythonWorkers: e.PROCTOR_PYTHON_WORKERS,
    pythonTimeoutMs: e.PROCTOR_PYTHON_TIMEOUT_MS,
    rateWindowMs: e.PROCTOR_RATE_WINDOW_SECONDS * 1000,
    processTtlMs: e.PROCTOR_PROCESS_TTL_SECONDS * 1000,
    gradingThreads: e.PROCTOR_GRADING_THREADS ?? availableParallelism(),
    gradingTimeoutMs: e.PROCTOR_GRADING_TIMEOUT_MS,
    logLevel: e.PROCTOR_LOG_LEVEL,
    configFile,
    secrets: Object.freeze(secrets),
  });
}

/** What the `proctor` client commands (run, export, import, compare, lists) read from the environment. */
export interface ClientConfig {
  /** PROCTOR_URL: a running Proctor (or any Evals-API endpoint); null: start one in-process. */
  readonly url: string | null;
  /** PROCTOR_API_KEY: the key sent to Proctor (never OPENAI_API_KEY: that one is for the upstream model). */
  readonly apiKey: string | null;
  /** The environment itself, for `${VAR}` expansion in spec files (never for settings). */
  readonly variables: Readonly<Record<string, string | undefined>>;
}

export function loadClientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const nonEmpty = (v: string | undefined) => (v === undefined || v === '' ? null : v);
  return Object.freeze({
    url: nonEmpty(env['PROCTOR_URL']),
    apiKey: nonEmpty(env['PROCTOR_API_KEY']),
    variables: Object.freeze({ ...env }),
  });
}

/**
 * The server settings for a Proctor the CLI starts in-process: the environment's, bound to a free
 * loopback port, on `dataDir` when the command names one.
 */
export function loadEmbeddedConfig(dataDir: string | null, env: NodeJS.ProcessEnv = process.env): Config {
  // report_url names where `proctor serve` on this data dir will answer (its host and port, or
  // PROCTOR_PUBLIC_URL), not this command's short-lived port.
  const host = env['PROCTOR_HOST'] ?? '127.0.0.1';
  const servedAt = `http://${host.includes(':') ? `[${host}]` : host}:${env['PROCTOR_PORT'] ?? '8080'}`;
  return loadConfig({
    ...env,
    PROCTOR_PUBLIC_URL: env['PROCTOR_PUBLIC_URL'] ?? servedAt,
    PROCTOR_HOST: '127.0.0.1',
    PROCTOR_PORT: '0',
    PROCTOR_LOG_LEVEL: env['PROCTOR_LOG_LEVEL'] ?? 'warn',
    ...(dataDir !== null ? { PROCTOR_DATA_DIR: dataDir } : {}),
  });
}
