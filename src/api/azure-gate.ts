import type { MiddlewareHandler } from 'hono';
import { badRequest } from '../domain/api-error.ts';
import type { AppEnv } from './app-env.ts';

const NAMED_VERSIONS = new Set(['v1', 'preview', 'latest']);
const DATED_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

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
      if (!underV1) throw badRequest("Missing required query parameter 'api-version'; use e.g. api-version=preview.", 'api-version', 'missing_api_version');
    } else if (!NAMED_VERSIONS.has(version) && !DATED_VERSION.test(version)) {
      throw badRequest(`Unsupported api-version '${version}'. Supported: v1, preview, or a dated version such as 2025-04-01-preview.`, 'api-version', 'unsupported_api_version');
    }
    c.set('apiVersion', version ?? 'v1');
    const rest = underV1 ? path.slice('/openai/v1'.length) : path.slice('/openai'.length);
    if (requirePreviewHeader && (rest === '/evals' || rest.startsWith('/evals/'))) {
      if (c.req.header('aoai-evals') !== 'preview') {
        throw badRequest("The Evals API on Azure paths requires the header 'aoai-evals: preview'.", 'aoai-evals', 'missing_preview_header');
      }
    }
    return next();
  };
}
