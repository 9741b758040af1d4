/**
 * Errors that know no HTTP (like trpc's codes): the API layer owns the one table that maps a kind
 * to a status and to the OpenAI / Azure error body.
 */
export type ErrorKind =
  | 'invalid_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal'
  /** The model provider behind the logging proxy failed, is not configured, or did not answer in time. */
  | 'bad_gateway'
  | 'unavailable'
  | 'gateway_timeout';

export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly param: string | null;
  readonly code: string | null;

  constructor(kind: ErrorKind, message: string, param: string | null = null, code: string | null = null) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.param = param;
    this.code = code;
  }
}

export function badRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError('invalid_request', message, param, code);
}

export function notFound(message: string, param: string | null = null): ApiError {
  return new ApiError('not_found', message, param, null);
}
