import type { MiddlewareHandler } from 'hono';
import { hashApiKey, type ApiKeyTable } from '../domain/api-key-table.ts';
import { ApiError } from '../domain/api-error.ts';
import type { AppEnv } from './app-env.ts';

/** The key a request presents: `Authorization: Bearer …` (OpenAI) or `api-key: …` (Azure). */
function presentedKey(authorization: string | undefined, apiKey: string | undefined): string | null {
  if (apiKey !== undefined && apiKey.trim() !== '') return apiKey.trim();
  if (authorization === undefined) return null;
  const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  return match?.[1]?.trim() || null;
}

/**
 * Maps the key to its project. Only hashes of keys are held. With no keys configured every request
 * belongs to `default` (the server then listens on loopback only — enforced by config).
 */
export function authenticate(keys: ApiKeyTable): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (keys.byHash === null) {
      c.set('project', 'default');
      return next();
    }
    const key = presentedKey(c.req.header('authorization'), c.req.header('api-key'));
    if (key === null) {
      throw new ApiError('authentication', "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the api-key header.", null, 'missing_api_key');
    }
    const project = keys.byHash.get(hashApiKey(key));
    if (project === undefined) {
      const shown = key.length > 8 ? `${key.slice(0, 3)}***${key.slice(-4)}` : '***';
      throw new ApiError('authentication', `Incorrect API key provided: ${shown}.`, null, 'invalid_api_key');
    }
    c.set('project', project);
    return next();
  };
}
