import { randomBytes, randomUUID } from 'node:crypto';

/** Object ids in the service's own formats (architecture §6): prefix + 32 hex, files `file-` + 22 base62. */
// Output items are made by the hundred thousand: draw random bytes in blocks, not 16 at a time.
let pool = Buffer.alloc(0);
let offset = 0;
function hex32(): string {
  if (offset + 16 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += 16;
  return pool.toString('hex', offset - 16, offset);
}

export const newEvalId = (): string => `eval_${hex32()}`;
export const newRunId = (): string => `evalrun_${hex32()}`;
export const newOutputItemId = (): string => `outputitem_${hex32()}`;
/** A logged chat completion: the `chatcmpl-` prefix clients already know. */
export const newStoredCompletionId = (): string => `chatcmpl-${hex32()}`;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function newFileId(): string {
  // Rejection sampling keeps every base62 digit equally likely (256 is not a multiple of 62).
  let out = '';
  while (out.length < 22) {
    for (const byte of randomBytes(32)) {
      if (byte < 248 && out.length < 22) out += BASE62[byte % 62];
    }
  }
  return `file-${out}`;
}

/** A testing criterion's id: its name, a dash and a UUID, like the hosted service. */
export const newCriterionId = (name: string): string => `${name}-${randomUUID()}`;

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
