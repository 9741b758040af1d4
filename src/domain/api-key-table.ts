import { createHash } from 'node:crypto';

/**
 * The configured API keys, held only as hashes. Here rather than in `config.ts` because the HTTP
 * layer and the report check keys at every request, and they may not import `config.ts` values.
 */
export interface ApiKeyTable {
  /** sha256(key) hex → project; null when no keys are configured (any key accepted, loopback only). */
  readonly byHash: ReadonlyMap<string, string> | null;
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');
