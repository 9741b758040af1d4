/**
 * N-gram matching shared by BLEU and GLEU. Both only need, per order n, the size of the multiset
 * intersection of the two sides' n-grams — `sum((Counter(ngrams(hyp, n)) & Counter(ngrams(ref,
 * n))).values())`, which is BLEU's clipped count for one reference and GLEU's `tp` summed over n.
 *
 * Instead of keying a Map by joined token strings (hashing a fresh concatenated string per
 * n-gram was the largest cost of a BLEU call), tokens are interned to small integers and each
 * n-gram gets a dense integer id from (id of its first n-1 tokens, id of its last token). Equal
 * ids mean equal token tuples, so no separator is needed and tokens may contain any character.
 * Counting then runs over typed arrays indexed by id.
 */

/** Largest pair code looked up by direct addressing (a 1 MiB table); larger inputs use a Map. */
const DIRECT_LIMIT = 1 << 18;

/**
 * Pair code → dense id for one order. Codes are prefix id × vocabulary + token id; for
 * sentence-length inputs they are a few thousand at most, so a reused array indexed by code
 * (cleared entry by entry afterwards) replaces hashing.
 */
class PairIds {
  private direct = new Int32Array(0);
  private readonly used: number[] = [];
  private readonly map = new Map<number, number>();
  private useDirect = false;
  size = 0;

  reset(codeLimit: number): void {
    for (const code of this.used) this.direct[code] = -1;
    this.used.length = 0;
    this.map.clear();
    this.size = 0;
    this.useDirect = codeLimit <= DIRECT_LIMIT;
    if (this.useDirect && this.direct.length < codeLimit) {
      this.direct = new Int32Array(Math.max(codeLimit, 1024)).fill(-1);
    }
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
      this.used.push(code);
      this.direct[code] = this.size;
      return this.size++;
    }
    const id = this.map.get(code);
    if (id !== undefined) return id;
    this.map.set(code, this.size);
    return this.size++;
  }
}

/** Shared by all calls: the metrics are synchronous, so one table is never used twice at once. */
const pairIds = new PairIds();

/** Per order 1..maxOrder, the size of the n-gram multiset intersection of `a` and `b`. */
export function ngramMatches(a: readonly string[], b: readonly string[], maxOrder: number): number[] {
  const matches = new Array<number>(maxOrder).fill(0);
  const lenA = a.length;
  const lenB = b.length;
  if (lenA === 0 || lenB === 0) return matches;

  // Order 1: intern the tokens; ids are dense in [0, vocab).
  const vocabulary = new Map<string, number>();
  const tokA = new Int32Array(lenA);
  const tokB = new Int32Array(lenB);
  for (let i = 0; i < lenA; i++) {
    const token = a[i] as string;
    let id = vocabulary.get(token);
    if (id === undefined) vocabulary.set(token, (id = vocabulary.size));
    tokA[i] = id;
  }
  for (let i = 0; i < lenB; i++) {
    const token = b[i] as string;
    let id = vocabulary.get(token);
    if (id === undefined) vocabulary.set(token, (id = vocabulary.size));
    tokB[i] = id;
  }
  const vocab = vocabulary.size;

  // Only n-grams made of n-grams occurring on both sides can match, so ids are given to those
  // alone; every other position is -1 and costs no table work. For sentences that share few
  // words this skips most of the higher orders.
  let idsA: Int32Array = tokA;
  let idsB: Int32Array = tokB;
  let shared = new Uint8Array(0); // per id of the current order: occurs in a and in b
  let sharedToken = shared;
  let size = vocab;
  for (let n = 1; n <= maxOrder; n++) {
    const countA = lenA - n + 1;
    const countB = lenB - n + 1;
    if (countA <= 0 || countB <= 0) break;
    if (n > 1) {
      // The n-gram at i is (the (n-1)-gram at i, token i+n-1); the pair code identifies it
      // (below (lenA + lenB)^2, exact in a double). b only looks codes up: an n-gram that a
      // lacks cannot match.
      pairIds.reset(size * vocab);
      const nextA = new Int32Array(countA);
      const nextB = new Int32Array(countB);
      for (let i = 0; i < countA; i++) {
        const prefix = idsA[i] as number;
        const last = tokA[i + n - 1] as number;
        if (prefix < 0 || (shared[prefix] as number) === 0 || (sharedToken[last] as number) === 0) {
          nextA[i] = -1;
          continue;
        }
        nextA[i] = pairIds.add(prefix * vocab + last);
      }
      for (let i = 0; i < countB; i++) {
        const prefix = idsB[i] as number;
        nextB[i] = prefix < 0 ? -1 : pairIds.get(prefix * vocab + (tokB[i + n - 1] as number));
      }
      idsA = nextA;
      idsB = nextB;
      size = pairIds.size;
      if (size === 0) break;
    }
    const counts = new Int32Array(size);
    for (let i = 0; i < countA; i++) {
      const id = idsA[i] as number;
      if (id >= 0) counts[id] = (counts[id] as number) + 1;
    }
    shared = new Uint8Array(size);
    let matched = 0;
    for (let i = 0; i < countB; i++) {
      const id = idsB[i] as number;
      if (id < 0) continue;
      const left = counts[id] as number;
      if (n === 1 && left === 0 && shared[id] === 0) continue; // token absent from a
      shared[id] = 1;
      // Each occurrence in b consumes one remaining occurrence in a: Σ min(count a, count b).
      if (left > 0) {
        counts[id] = left - 1;
        matched++;
      }
    }
    matches[n - 1] = matched;
    if (matched === 0) break; // nothing shared at this order, so nothing at higher ones
    if (n === 1) sharedToken = shared;
  }
  return matches;
}
