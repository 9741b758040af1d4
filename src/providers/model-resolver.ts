import type { ConfigFile } from '../config.ts';

/** Where and how to reach one provider: everything an SDK client needs, keys already looked up. */
export type ProviderSettings =
  | { readonly type: 'openai'; readonly baseURL: string; readonly apiKey: string }
  | { readonly type: 'azure'; readonly endpoint: string; readonly apiKey: string; readonly apiVersion: string };

export interface ModelLimits {
  readonly maxConcurrency: number;
  /** Requests per minute; null: unlimited. */
  readonly rpm: number | null;
  /** Tokens per minute; null: unlimited. */
  readonly tpm: number | null;
}

/** Whether and how a model's answers are cached (docs/architecture.md §2, response cache). */
export type CacheMode = 'read_write' | 'read_only' | 'off';

export interface ModelCachePolicy {
  /** The model's own mode; a run's metadata may override it. */
  readonly mode: CacheMode;
  readonly ttlSeconds: number;
  /** Cache answers sampled with temperature > 0 (unset counts as the API default, 1). */
  readonly nonzeroTemperature: boolean;
}

export const DEFAULT_CACHE_TTL_SECONDS = 7 * 24 * 3600;

export interface ModelTarget {
  /** `providerName/upstreamModel`: the key limits are shared under. */
  readonly key: string;
  readonly providerName: string;
  readonly provider: ProviderSettings;
  /** The name sent upstream (an Azure deployment name for azure providers). */
  readonly upstreamModel: string;
  readonly limits: ModelLimits;
  readonly cache: ModelCachePolicy;
}

/** Why a name does not resolve: `model_not_found` (unknown model or provider) or `missing_api_key`. */
export type ModelResolutionError = { readonly ok: false; readonly code: 'model_not_found' | 'missing_api_key'; readonly message: string };

export type ModelResolution = { readonly ok: true; readonly target: ModelTarget } | ModelResolutionError;

export const DEFAULT_MAX_CONCURRENCY = 64;
export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_AZURE_API_VERSION = '2025-04-01-preview';
/** The provider that exists when the config file names none. */
export const IMPLICIT_PROVIDER = 'openai';

type ProviderConfig = ConfigFile['providers'][string];
type ModelConfig = ConfigFile['models'][string];
type Secrets = Readonly<Record<string, string>>;

const own = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;

/** The configured providers, or the implicit OpenAI one when the file configures none. */
function providersOf(file: ConfigFile): Readonly<Record<string, ProviderConfig>> {
  return Object.keys(file.providers).length > 0 ? file.providers : { [IMPLICIT_PROVIDER]: { type: 'openai' } };
}

function defaultProviderOf(file: ConfigFile): string | undefined {
  return file.default_provider ?? (Object.keys(file.providers).length === 0 ? IMPLICIT_PROVIDER : undefined);
}

/**
 * The key: `api_key`, else the variable `api_key_env` names. Without either, the SDK's own variable
 * (`OPENAI_API_KEY`, `AZURE_OPENAI_API_KEY`) — but never for an openai-type provider with its own
 * `base_url`, so an OpenAI key is not sent to a third-party server by accident.
 */
function apiKeyOf(name: string, provider: ProviderConfig, secrets: Secrets): { ok: true; key: string } | ModelResolutionError {
  if (provider.api_key !== undefined && provider.api_key !== '') return { ok: true, key: provider.api_key };
  let envName = provider.api_key_env;
  if (envName === undefined) {
    if (provider.type === 'azure') envName = 'AZURE_OPENAI_API_KEY';
    else if (provider.base_url === undefined) envName = 'OPENAI_API_KEY';
    else return { ok: false, code: 'missing_api_key', message: `provider '${name}' has no API key: set api_key (any text, e.g. "none", if the server needs no key) or api_key_env in PROCTOR_CONFIG` };
  }
  const key = own(secrets, envName);
  if (key === undefined || key === '') return { ok: false, code: 'missing_api_key', message: `provider '${name}' has no API key: set ${envName}` };
  return { ok: true, key };
}

function settingsOf(name: string, provider: ProviderConfig, secrets: Secrets): { ok: true; settings: ProviderSettings } | ModelResolutionError {
  const key = apiKeyOf(name, provider, secrets);
  if (!key.ok) return key;
  if (provider.type === 'azure') {
    return { ok: true, settings: { type: 'azure', endpoint: provider.endpoint, apiKey: key.key, apiVersion: provider.api_version ?? DEFAULT_AZURE_API_VERSION } };
  }
  const baseURL = provider.base_url ?? own(secrets, 'OPENAI_BASE_URL') ?? DEFAULT_OPENAI_BASE_URL;
  return { ok: true, settings: { type: 'openai', baseURL, apiKey: key.key } };
}

function target(providerName: string, provider: ProviderConfig, model: string, entry: ModelConfig | undefined, secrets: Secrets): ModelResolution {
  const settings = settingsOf(providerName, provider, secrets);
  if (!settings.ok) return settings;
  // Azure routes by deployment: `deployments[model]`, else the model name is the deployment name.
  const upstreamModel = provider.type === 'azure' ? (own(provider.deployments ?? {}, model) ?? model) : model;
  return {
    ok: true,
    target: {
      key: `${providerName}/${upstreamModel}`,
      providerName,
      provider: settings.settings,
      upstreamModel,
      limits: { maxConcurrency: entry?.max_concurrency ?? DEFAULT_MAX_CONCURRENCY, rpm: entry?.rpm ?? null, tpm: entry?.tpm ?? null },
      cache: { mode: entry?.cache ?? 'off', ttlSeconds: entry?.cache_ttl_seconds ?? DEFAULT_CACHE_TTL_SECONDS, nonzeroTemperature: entry?.cache_nonzero_temperature ?? false },
    },
  };
}

/**
 * Resolves a run's model name (architecture §4): the exact `models` entry, then `provider/model`, then the
 * default provider (`default_provider`, or the implicit OpenAI provider when the file configures no
 * providers). Never throws: an unknown model or a missing key is a message for the row's error.
 */
export function resolveModel(name: string, file: ConfigFile, secrets: Secrets): ModelResolution {
  if (name.trim() === '') return { ok: false, code: 'model_not_found', message: 'model name is empty' };
  const providers = providersOf(file);

  const entry = own(file.models, name);
  if (entry !== undefined) {
    const provider = own(providers, entry.provider);
    if (provider === undefined) return { ok: false, code: 'model_not_found', message: `model '${name}' names unknown provider '${entry.provider}'` };
    return target(entry.provider, provider, entry.model ?? name, entry, secrets);
  }

  const slash = name.indexOf('/');
  if (slash > 0 && slash < name.length - 1) {
    const providerName = name.slice(0, slash);
    const provider = own(providers, providerName);
    if (provider !== undefined) {
      const model = name.slice(slash + 1);
      // `openai/gpt-4o-mini` shares the limits of a `gpt-4o-mini` entry on the same provider.
      const sibling = own(file.models, model);
      const same = sibling?.provider === providerName ? sibling : undefined;
      return target(providerName, provider, same?.model ?? model, same, secrets);
    }
  }

  const defaultName = defaultProviderOf(file);
  const provider = defaultName === undefined ? undefined : own(providers, defaultName);
  if (defaultName === undefined || provider === undefined) {
    const known = Object.keys(providers).join(', ');
    return {
      ok: false,
      code: 'model_not_found',
      message: `unknown model '${name}': it is not a PROCTOR_CONFIG models entry, not '<provider>/<model>' with a configured provider (${known}), and no default_provider is set`,
    };
  }
  return target(defaultName, provider, name, undefined, secrets);
}
