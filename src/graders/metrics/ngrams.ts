import { TokenInterner } from './token-interner.ts';

/**
 * N-gram matching shared by BLEU and GLEU. Both only need, per order n, the size of the multiset
 * intersection of the two sides' n-grams — `sum((Counter(ngrams(hyp, n)) & Counter(ngrams(ref,
 * n))).values())`, which is BLEU's clipped count for one reference and GLEU's `tp` summed over n.
 *
 * Instead of keying a Map by joined token strings, tokens are interned to small integers and each
 * n-gram gets a dense integer id from (id of its first n-1 tokens, id of its last token). Equal
 * ids mean equal token tuples, so no separator is needed and tokens may contain any character.
 * Counting then runs over typed arrays indexed by id. All working storage lives in module-level
 * buffers reused call after call: the metrics are synchronous, so no two calls share them at once,
 * and a call then allocates nothing but its result.
 */

/** Largest pair code looked up by direct addressing (a 1 MiB table); larger inputs use a Map. */
const DIRECT_LIMIT = 1 << 18;

/**
 * Pair code → dense id for one order. Codes are prefix id × vocabulary + token id; for
 * sentence-length inputs they are a few thousand at most, so a reused array indexed by code
 * (cleared entry by entry afterwards) replaces hashing.
 */
class PairIds {
  private direct = new Int32Array(4096).fill(-1);
  private used = new Int32Array(256);
  private usedCount = 0;
  private readonly map = new Map<number, number>();
  private useDirect = true;
  size = 0;

  reset(codeLimit: number): void {
    const direct = this.direct;
    const used = this.used;
    for (let k = 0; k < this.usedCount; k++) direct[used[k] as number] = -1;
    this.usedCount = 0;
    if (this.map.size > 0) this.map.clear();
    this.size = 0;
    this.useDirect = codeLimit <= DIRECT_LIMIT;
    if (this.useDirect && direct.length < codeLimit) this.direct = new Int32Array(Math.max(codeLimit, 2 * direct.length)).fill(-1);
  }

  /** The code's id, or -1. */
  get(code: number): number {
    if (this.useDirect) return this.direct[code] as number;
    return this.map.get(code) ?? -1;
  }

  /** The code's id, assigning the next one if new. */
  add(code: number): number {
    if (this.useDirect) {
      const id = this.direct[code] as number;
      if (id >= 0) return id;
      if (this.usedCount === this.used.length) {
        const grown = new Int32Array(2 * this.used.length);
        grown.set(this.used);
        this.used = grown;
      }
      this.used[this.usedCount++] = code;
      this.direct[code] = this.size;
      return this.size++;
    }
    const id = this.map.get(code);
    if (id !== undefined) return id;
    this.map.set(code, this.size);
    return this.size++;
  }
}

let interner = new TokenInterner();
const pairIds = new PairIds();
/** Token ids of a then b. */
let tokens = new Int32Array(256);
/** Per position (a then b): id of the n-gram starting there at the current order, or -1. */
let current = new Int32Array(256);
/** Per id of the current order: occurrences in a (then what is left of them), in b. */
let countA = new Int32Array(256);
let countB = new Int32Array(256);
/** Per token id: occurs on both sides. The same per n-gram id, for two orders in turn. */
let sharedToken = new Uint8Array(256);
let sharedGramsOdd = new Uint8Array(256);
let sharedGramsEven = new Uint8Array(256);

/** Positions (a and b together) the buffers keep room for between calls; one larger call allocates its own. */
const RETAINED_POSITIONS = 1 << 16;

function allocate(size: number): void {
  tokens = new Int32Array(size);
  current = new Int32Array(size);
  countA = new Int32Array(size);
  countB = new Int32Array(size);
  sharedToken = new Uint8Array(size);
  sharedGramsOdd = new Uint8Array(size);
  sharedGramsEven = new Uint8Array(size);
}

function ensureCapacity(positions: number): void {
  if (tokens.length >= positions && (tokens.length <= RETAINED_POSITIONS || positions > RETAINED_POSITIONS)) return;
  allocate(positions > RETAINED_POSITIONS ? positions : Math.min(RETAINED_POSITIONS, Math.max(positions, 2 * tokens.length)));
}

/** Per order 1..maxOrder, the size of the n-gram multiset intersection of `a` and `b`. */
export function ngramMatches(a: readonly string[], b: readonly string[], maxOrder: number): number[] {
  const matches = new Array<number>(maxOrder).fill(0);
  const lenA = a.length;
  const lenB = b.length;
  if (lenA === 0 || lenB === 0 || maxOrder < 1) return matches;
  ensureCapacity(lenA + lenB);
  const tok = tokens;
  const cur = current;
  const cntA = countA;
  const cntB = countB;

  // Order 1: intern the tokens; ids are dense in [0, vocab).
  if (interner.size > RETAINED_POSITIONS) interner = new TokenInterner(); // let a huge table go
  interner.clear();
  for (let i = 0; i < lenA; i++) tok[i] = interner.intern(a[i] as string);
  for (let j = 0; j < lenB; j++) tok[lenA + j] = interner.intern(b[j] as string);
  const vocab = interner.size;
  cntA.fill(0, 0, vocab);
  cntB.fill(0, 0, vocab);
  for (let i = 0; i < lenA; i++) {
    const id = tok[i] as number;
    cntA[id] = (cntA[id] as number) + 1;
  }
  for (let j = lenA; j < lenA + lenB; j++) {
    const id = tok[j] as number;
    cntB[id] = (cntB[id] as number) + 1;
  }
  let matched = 0;
  for (let id = 0; id < vocab; id++) {
    const ca = cntA[id] as number;
    const cb = cntB[id] as number;
    sharedToken[id] = ca > 0 && cb > 0 ? 1 : 0;
    matched += ca < cb ? ca : cb;
  }
  matches[0] = matched;
  if (matched === 0 || maxOrder === 1) return matches;
  cur.set(tok.subarray(0, lenA + lenB));
  let sharedPrev = sharedToken;

  // Only n-grams made of n-grams occurring on both sides can match, so ids are given to those
  // alone; every other position is -1 and costs no table work. For sentences that share few
  // words this skips most of the higher orders.
  let size = vocab;
  for (let n = 2; n <= maxOrder; n++) {
    const gramsA = lenA - n + 1;
    const gramsB = lenB - n + 1;
    if (gramsA <= 0 || gramsB <= 0) break;
    // The n-gram at i is (the (n-1)-gram at i, token i+n-1); the pair code identifies it
    // (below (lenA + lenB)^2, exact in a double). b only looks codes up: an n-gram that a
    // lacks cannot match. Each position's new id overwrites its old one in place.
    pairIds.reset(size * vocab);
    for (let i = 0; i < gramsA; i++) {
      const prefix = cur[i] as number;
      const last = tok[i + n - 1] as number;
      cur[i] = prefix < 0 || sharedPrev[prefix] === 0 || sharedToken[last] === 0 ? -1 : pairIds.add(prefix * vocab + last);
    }
    for (let j = lenA; j < lenA + gramsB; j++) {
      const prefix = cur[j] as number;
      cur[j] = prefix < 0 ? -1 : pairIds.get(prefix * vocab + (tok[j + n - 1] as number));
    }
    size = pairIds.size;
    if (size === 0) break;
    const sharedNext = n % 2 === 0 ? sharedGramsEven : sharedGramsOdd;
    cntA.fill(0, 0, size);
    sharedNext.fill(0, 0, size);
    for (let i = 0; i < gramsA; i++) {
      const id = cur[i] as number;
      if (id >= 0) cntA[id] = (cntA[id] as number) + 1;
    }
    matched = 0;
    for (let j = lenA; j < lenA + gramsB; j++) {
      const id = cur[j] as number;
      if (id < 0) continue;
      sharedNext[id] = 1;
      // Each occurrence in b consumes one remaining occurrence in a: Σ min(count a, count b).
      const left = cntA[id] as number;
      if (left > 0) {
        cntA[id] = left - 1;
        matched++;
      }
    }
    matches[n - 1] = matched;
    if (matched === 0) break; // nothing shared at this order, so nothing at higher ones
    sharedPrev = sharedNext;
  }
  return matches;
}
