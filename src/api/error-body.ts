import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError, type ErrorKind } from '../domain/api-error.ts';
import type { Dialect } from './app-env.ts';

/** The one table from error kinds to HTTP statuses and OpenAI error types. */
const byKind: Record<ErrorKind, { status: ContentfulStatusCode; type: string }> = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  authentication: { status: 401, type: 'invalid_request_error' },
  permission: { status: 403, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_exceeded' },
  internal: { status: 500, type: 'server_error' },
  bad_gateway: { status: 502, type: 'server_error' },
  unavailable: { status: 503, type: 'server_error' },
  gateway_timeout: { status: 504, type: 'server_error' },
};

export function statusOf(error: ApiError): ContentfulStatusCode {
  return byKind[error.kind].status;
}

/**
 * OpenAI paths answer `{error:{message,type,param,code}}`; Azure paths answer Azure's shape
 * (`type: "error"`, a `code` string always present, `inner_error`).
 */
export function errorBody(error: ApiError, dialect: Dialect): unknown {
  if (dialect === 'azure') {
    return {
      error: {
        code: error.code ?? azureCode(error.kind),
        message: error.message,
        param: error.param,
        type: 'error',
        inner_error: null,
      },
    };
  }
  return { error: { message: error.message, type: byKind[error.kind].type, param: error.param, code: error.code } };
}

function azureCode(kind: ErrorKind): string {
  switch (kind) {
    case 'invalid_request': return 'invalid_request';
    case 'authentication': return '401';
    case 'permission': return '403';
    case 'not_found': return 'not_found';
    case 'method_not_allowed': return 'method_not_allowed';
    case 'payload_too_large': return 'payload_too_large';
    case 'unsupported_media_type': return 'unsupported_media_type';
    case 'rate_limited': return '429';
    case 'internal': return 'internal_error';
    case 'bad_gateway': return 'bad_gateway';
    case 'unavailable': return 'service_unavailable';
    case 'gateway_timeout': return 'gateway_timeout';
  }
}
