import { createHash } from 'node:crypto';
import type { CacheMode, ModelTarget, ProviderSettings } from './model-resolver.ts';

/**
 * Where cached upstream answers live (the database; storage implements this port). A value is the
 * answer's JSON text exactly as it was first stored, so a hit is bit-identical to the first answer.
 */
export interface ResponseCacheStore {
  get(key: string): Promise<string | null>;
  put(key: string, model: string, body: string, ttlSeconds: number): Promise<void>;
}

export type CachedEndpoint = 'chat.completions' | 'responses' | 'embeddings';

export const CACHE_MODES: readonly CacheMode[] = ['read_write', 'read_only', 'off'];

/** JSON with object keys sorted at every depth and undefined members dropped: one text per request. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

/** Where a request goes: the same model name on another server is another cache entry. */
const upstreamOf = (provider: ProviderSettings): string => (provider.type === 'azure' ? `azure ${provider.endpoint} ${provider.apiVersion}` : `openai ${provider.baseURL}`);

/**
 * The cache key of one upstream request: sha256 over the canonical JSON of the endpoint, the
 * provider's address, the upstream model and every parameter sent (messages, sampling parameters,
 * tools, response format…). Any change in any of them is another key.
 */
export function cacheKey(endpoint: CachedEndpoint, target: ModelTarget, params: unknown): string {
  const canonical = canonicalJson({ endpoint, upstream: upstreamOf(target.provider), model: target.upstreamModel, params });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Whether a request may be answered from (and stored in) the cache: an answer sampled with
 * temperature > 0 is one draw of many, so only deterministic requests are cached unless the
 * model's config allows it. An unset temperature is the API's default, 1. Embeddings are always
 * deterministic.
 */
export function cacheable(endpoint: CachedEndpoint, params: { temperature?: number | null }, nonzeroTemperature: boolean): boolean {
  if (endpoint === 'embeddings' || nonzeroTemperature) return true;
  return (params.temperature ?? 1) === 0;
}
