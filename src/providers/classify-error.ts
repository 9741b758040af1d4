import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { AttemptFailure } from './retry-policy.ts';

export interface ClassifiedError {
  readonly failure: AttemptFailure;
  readonly code: string;
  readonly message: string;
}

const codeForStatus = (status: number): string => {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_denied';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 409) return 'conflict';
  if (status === 422) return 'unprocessable_entity';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'upstream_error';
};

/**
 * What an error thrown by the SDK means for retrying and for the row's `sample.error`. The upstream's
 * own error code is kept when it sent one. A malformed body (SyntaxError from JSON.parse) is
 * retried (see AttemptFailure 'malformed').
 */
export function classifyError(error: unknown, timeoutMs: number): ClassifiedError {
  if (error instanceof APIConnectionTimeoutError) {
    return { failure: { kind: 'timeout' }, code: 'timeout', message: `upstream did not answer within ${timeoutMs} ms` };
  }
  if (error instanceof APIUserAbortError) return { failure: { kind: 'fatal' }, code: 'canceled', message: 'the call was canceled' };
  if (error instanceof APIConnectionError) {
    return { failure: { kind: 'connection' }, code: 'connection_error', message: `${error.message.replace(/\.$/, '')}${causes(error.cause)}` };
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const upstreamCode = typeof error.code === 'string' && error.code !== '' ? error.code : null;
    return {
      failure: { kind: 'status', status: error.status, headers: error.headers },
      code: upstreamCode ?? codeForStatus(error.status),
      message: `upstream answered ${error.message}`,
    };
  }
  const network = networkCode(error);
  if (network !== undefined) {
    return { failure: { kind: 'connection' }, code: 'connection_error', message: `connection lost while reading the response${causes(error)}` };
  }
  if (error instanceof SyntaxError) return { failure: { kind: 'malformed' }, code: 'invalid_response', message: `upstream sent malformed JSON: ${error.message}` };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { failure: { kind: 'fatal' }, code: 'provider_error', message };
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/** undici's body-read failures (`TypeError: terminated`, cause `UND_ERR_SOCKET`) surface unwrapped by the SDK. */
function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('UND_ERR') || NETWORK_CODES.has(code))) return code;
  }
  return undefined;
}

/** ` (fetch failed: connect ECONNREFUSED 127.0.0.1:9)`: the cause chain, innermost detail last. */
function causes(cause: unknown): string {
  const parts: string[] = [];
  for (let e = cause, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    parts.push(typeof code === 'string' && !e.message.includes(code) ? `${e.message} (${code})` : e.message);
  }
  return parts.length === 0 ? '' : ` (${parts.join(': ')})`;
}
