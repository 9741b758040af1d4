/**
 * A cheap upper-ish guess of a request's tokens for the tpm limiter, before the upstream counts
 * them: ~4 characters of JSON per token, plus the output the request allows. The limiter corrects
 * it with the reported usage afterwards, so the guess only needs to be in the right range.
 */
export function estimateTokens(payload: unknown, maxOutputTokens: number | null | undefined): number {
  let chars = 0;
  if (typeof payload === 'string') chars = payload.length;
  else if (payload !== undefined) chars = JSON.stringify(payload)?.length ?? 0;
  const output = typeof maxOutputTokens === 'number' && Number.isFinite(maxOutputTokens) && maxOutputTokens > 0 ? maxOutputTokens : 0;
  return Math.ceil(chars / 4) + output;
}
