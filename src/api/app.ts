import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ApiKeyTable } from '../domain/api-key-table.ts';
import { ApiError } from '../domain/api-error.ts';
import { reportRoutes } from '../report/report-routes.tsx';
import type { Logger } from '../logger.ts';
import type { AppEnv, Dialect } from './app-env.ts';
import { authenticate } from './auth.ts';
import { azureGate } from './azure-gate.ts';
import { drainUnreadBody } from './drain-unread-body.ts';
import { errorBody, statusOf } from './error-body.ts';
import { openApiDocument } from './openapi-document.ts';
import { chatCompletionRoutes } from './routes/chat-completion-routes.ts';
import { evalRoutes } from './routes/eval-routes.ts';
import { fileRoutes } from './routes/file-routes.ts';
import { graderRoutes } from './routes/grader-routes.ts';
import { importRoutes } from './routes/import-routes.ts';
import { outputItemRoutes } from './routes/output-item-routes.ts';
import { runComparisonRoutes } from './routes/run-comparison-routes.ts';
import { runRoutes } from './routes/run-routes.ts';
import type { Services } from './services.ts';

export interface AppOptions {
  services: Services;
  apiKeys: ApiKeyTable;
  maxBodyBytes: number;
  azureRequirePreviewHeader: boolean;
  logger: Logger;
  /** Served at GET /metrics (Prometheus text; an API key is required when keys are configured). */
  metrics?: { render(): string };
}

/** Unread request bodies up to this size are drained so the connection stays usable (see drain-unread-body.ts). */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

const dialectOf = (path: string): Dialect => (path === '/openai' || path.startsWith('/openai/') ? 'azure' : 'openai');

/**
 * The HTTP surface: the same handlers under `/v1`, `/openai/v1` and `/openai` (architecture §6). One
 * error handler turns every failure into the caller's dialect; nothing else writes error bodies.
 */
export function createApp(o: AppOptions): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.use('*', async (c, next) => {
    // JSON bodies are bounded; file uploads are bounded by the file limit as they stream.
    if (c.req.method === 'POST' && !c.req.path.endsWith('/files')) {
      return bodyLimit({
        maxSize: o.maxBodyBytes,
        onError: () => {
          throw new ApiError('payload_too_large', `Request body is larger than the limit of ${o.maxBodyBytes} bytes.`, null, 'request_too_large');
        },
      })(c, next);
    }
    return next();
  });
  api.use('*', authenticate(o.apiKeys));
  api.route('/', evalRoutes(o.services));
  api.route('/', runRoutes(o.services));
  api.route('/', outputItemRoutes(o.services));
  api.route('/', fileRoutes(o.services));
  api.route('/', graderRoutes(o.services));
  api.route('/', chatCompletionRoutes(o.services));
  api.route('/', runComparisonRoutes(o.services));
  api.route('/', importRoutes(o.services));

  const app = new Hono<AppEnv>();
  app.use('*', drainUnreadBody(Math.max(o.maxBodyBytes, DRAIN_LIMIT_BYTES)));
  app.use('*', async (c, next) => {
    c.set('dialect', dialectOf(c.req.path));
    c.set('apiVersion', null);
    return next();
  });
  app.use('/openai/*', azureGate(o.azureRequirePreviewHeader));
  app.get('/health', (c) => c.json({ status: 'ok' }));
  const metrics = o.metrics;
  if (metrics !== undefined) app.get('/metrics', authenticate(o.apiKeys), (c) => c.text(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }));
  app.get('/v1/openapi.json', (c) => c.json(openApiDocument()));
  app.route('/v1', api);
  app.route('/openai/v1', api);
  app.route('/openai', api);
  // The web report (`/`, `/evals/...` — report_url): pages with their own sign-in and errors.
  app.route('/', reportRoutes(o.services, { apiKeys: o.apiKeys, logger: o.logger }));

  app.notFound((c) => {
    const error = new ApiError('not_found', `Unknown request URL: ${c.req.method} ${c.req.path}.`, null, 'unknown_url');
    return c.json(errorBody(error, dialectOf(c.req.path)), 404);
  });
  app.onError((err, c: Context<AppEnv>) => {
    const dialect = dialectOf(c.req.path);
    if (err instanceof ApiError) {
      // The rest of an oversize or broken body is never read: close the connection after this
      // answer so a keep-alive client does not send its next request into the leftover bytes.
      if (err.kind === 'payload_too_large' || err.code === 'invalid_multipart') c.header('Connection', 'close');
      return c.json(errorBody(err, dialect), statusOf(err));
    }
    o.logger.error('unhandled error', { method: c.req.method, path: c.req.path, error: err });
    const internal = new ApiError('internal', 'The server had an error while processing your request. Sorry about that!');
    return c.json(errorBody(internal, dialect), 500);
  });
  return app;
}
