import type { MiddlewareHandler } from 'hono';
import { badRequest } from '../domain/api-error.ts';
import type { AppEnv } from './app-env.ts';

/**
 * The `api-version` values Azure's documents for the Evals API name: the v1 surface (`v1`,
 * `preview`) and the dated authoring version whose paths are `/openai/evals…`. Any other value is
 * refused as Azure does, with the list — a typo must not silently select some behaviour.
 */
export const SUPPORTED_AZURE_API_VERSIONS = ['v1', 'preview', '2025-04-01-preview'] as const;

const supported: ReadonlySet<string> = new Set(SUPPORTED_AZURE_API_VERSIONS);
const supportedList = SUPPORTED_AZURE_API_VERSIONS.join(', ');

/**
 * Azure's rules on `/openai/...`: an `api-version` (required on the dated paths, optional under
 * `/openai/v1`) and, on `/evals*`, the `aoai-evals: preview` header unless switched off.
 */
export function azureGate(requirePreviewHeader: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('dialect', 'azure');
    const path = c.req.path;
    const underV1 = path === '/openai/v1' || path.startsWith('/openai/v1/');
    const version = c.req.query('api-version');
    if (version === undefined || version === '') {
      if (!underV1) throw badRequest(`Missing required query parameter 'api-version'. The supported api-versions are: ${supportedList}.`, 'api-version', 'missing_api_version');
    } else if (!supported.has(version)) {
      const shown = version.length > 64 ? `${version.slice(0, 64)}…` : version;
      throw badRequest(`Unsupported api-version '${shown}'. The supported api-versions are: ${supportedList}.`, 'api-version', 'unsupported_api_version');
    }
    c.set('apiVersion', version || 'v1');
    const rest = underV1 ? path.slice('/openai/v1'.length) : path.slice('/openai'.length);
    if (requirePreviewHeader && (rest === '/evals' || rest.startsWith('/evals/'))) {
      if (c.req.header('aoai-evals') !== 'preview') {
        throw badRequest("The Evals API on Azure paths requires the header 'aoai-evals: preview'.", 'aoai-evals', 'missing_preview_header');
      }
    }
    return next();
  };
}
