import { ApiError } from '../domain/api-error.ts';

/**
 * A failed upstream call as the logging proxy's caller sees it: the caller's own mistakes keep
 * their 4xx (an unknown model, a parameter the provider refused, a rate limit); what the caller
 * cannot fix — no key configured, provider down, rejected credentials, no answer — is a 5xx.
 */
export function upstreamError(failure: { error: { code: string; message: string }; status?: number }): ApiError {
  const { code, message } = failure.error;
  const status = failure.status;
  if (status === undefined) {
    if (code === 'model_not_found') return new ApiError('not_found', message, 'model', code);
    if (code === 'missing_api_key' || code === 'provider_error') return new ApiError('unavailable', message, null, code);
    if (code === 'timeout') return new ApiError('gateway_timeout', message, null, code);
    return new ApiError('bad_gateway', message, null, code);
  }
  if (status === 429) return new ApiError('rate_limited', message, null, code);
  if (status === 400 || status === 422) return new ApiError('invalid_request', message, null, code);
  if (status === 404) return new ApiError('not_found', message, 'model', code);
  if (status === 413) return new ApiError('payload_too_large', message, null, code);
  if (status === 408) return new ApiError('gateway_timeout', message, null, code);
  return new ApiError('bad_gateway', message, null, code);
}
