/**
 * Longest-common-subsequence length and Indel distance over integer sequences (code points for
 * fuzzy_match, token ids for ROUGE-L), computed with the bit-parallel LCS recurrence of
 * Hyyrö (2004) / Allison–Dix: one machine word holds 32 pattern positions, and every text
 * symbol updates the whole word with an add, an and, an or and a subtract.
 *
 * This mirrors what rapidfuzz-cpp's `LCSseq` / `Indel` scorers compute (rapidfuzz
 * `distance/LCSseq_impl.hpp`: `lcs_unroll` / `lcs_blockwise`); the result is the plain LCS
 * length, so any correct LCS algorithm gives the same numbers — the bit-parallel form is only
 * here for speed. JavaScript bit operations are 32-bit, so patterns longer than 32 symbols
 * use several words with the carry of the addition propagated by hand.
 */

const WORD_BITS = 32;
const DIRECT_SYMBOLS = 256;

/** Number of set bits in a 32-bit integer. */
function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * A pattern prepared for repeated LCS queries against many texts (or many windows of one
 * text), like rapidfuzz's `CachedIndel` / `BlockPatternMatchVector`: for every symbol, the bit
 * mask of the pattern positions holding it.
 */
export class LcsPattern {
  length = 0;
  private words = 1;
  /** masks of symbols < 256, `words` entries per symbol */
  private direct = new Int32Array(DIRECT_SYMBOLS);
  /** symbols < 256 whose rows of `direct` are set (first `usedCount`), so `assign` clears just those */
  private used = new Int32Array(DIRECT_SYMBOLS);
  private usedCount = 0;
  /** masks of the other symbols */
  private readonly other = new Map<number, Int32Array>();
  /** scratch state vector, reused between queries */
  private state = new Int32Array(1);

  constructor(pattern?: ArrayLike<number>, start = 0, end = pattern?.length ?? 0) {
    if (pattern !== undefined) this.assign(pattern, start, end);
  }

  /** Re-prepares this object for `pattern[start, end)`, reusing its buffers. */
  assign(pattern: ArrayLike<number>, start = 0, end = pattern.length): this {
    let direct = this.direct;
    const used = this.used;
    const oldWords = this.words;
    for (let k = 0; k < this.usedCount; k++) {
      const row = (used[k] as number) * oldWords;
      for (let w = 0; w < oldWords; w++) direct[row + w] = 0;
    }
    let usedCount = 0;
    if (this.other.size > 0) this.other.clear();

    const length = Math.max(0, end - start);
    const words = length <= WORD_BITS ? 1 : Math.ceil(length / WORD_BITS);
    if (words > this.state.length) {
      direct = this.direct = new Int32Array(DIRECT_SYMBOLS * words);
      this.state = new Int32Array(words);
    }
    this.length = length;
    this.words = words;
    for (let i = 0; i < length; i++) {
      const symbol = pattern[start + i] as number;
      const word = i >>> 5;
      const bit = 1 << (i & 31);
      if (symbol >= 0 && symbol < DIRECT_SYMBOLS) {
        const row = symbol * words;
        let empty = true;
        for (let w = 0; w < words; w++) {
          if (direct[row + w] !== 0) {
            empty = false;
            break;
          }
        }
        if (empty) used[usedCount++] = symbol;
        direct[row + word] = (direct[row + word] as number) | bit;
      } else {
        let masks = this.other.get(symbol);
        if (masks === undefined) {
          masks = new Int32Array(words);
          this.other.set(symbol, masks);
        }
        masks[word] = (masks[word] as number) | bit;
      }
    }
    this.usedCount = usedCount;
    return this;
  }

  /** True when the symbol occurs in the pattern (rapidfuzz's `CharSet::find`). */
  has(symbol: number): boolean {
    if (symbol >= 0 && symbol < DIRECT_SYMBOLS) {
      const base = symbol * this.words;
      for (let w = 0; w < this.words; w++) if (this.direct[base + w] !== 0) return true;
      return false;
    }
    return this.other.has(symbol);
  }

  /** LCS length of the pattern and `text[start, end)`. */
  lcs(text: ArrayLike<number>, start = 0, end = text.length): number {
    if (this.length === 0 || end <= start) return 0;
    return this.scan(text, start, end, undefined);
  }

  /**
   * LCS lengths of the pattern and every prefix of `text[start, end)`: `out[k]` receives the
   * LCS with `text[start, start + k + 1)`. One pass, since the bit-parallel state after k + 1
   * symbols already encodes that prefix's LCS.
   */
  lcsOfPrefixes(text: ArrayLike<number>, start: number, end: number, out: Int32Array): void {
    if (this.length === 0) out.fill(0, 0, Math.max(0, end - start));
    else if (end > start) this.scan(text, start, end, out);
  }

  private scan(text: ArrayLike<number>, start: number, end: number, out: Int32Array | undefined): number {
    if (this.words === 1) return this.scanOneWord(text, start, end, out);
    if (this.words === 2) return this.scanTwoWords(text, start, end, out);
    return this.scanBlocks(text, start, end, out);
  }

  private scanOneWord(text: ArrayLike<number>, start: number, end: number, out: Int32Array | undefined): number {
    const direct = this.direct;
    const used = this.length === WORD_BITS ? -1 : (1 << this.length) - 1;
    let s = -1; // all ones: no pattern position matched yet
    for (let j = start; j < end; j++) {
      const symbol = text[j] as number;
      let match: number;
      if (symbol >= 0 && symbol < DIRECT_SYMBOLS) match = direct[symbol] as number;
      else match = this.other.get(symbol)?.[0] ?? 0;
      const u = s & match;
      // (s + u) | (s - u), reduced to 32 bits; the sums are exact in doubles
      s = ((s + u) | 0) | ((s - u) | 0);
      if (out !== undefined) out[j - start] = popcount32(~s & used);
    }
    return popcount32(~s & used);
  }

  /** `scanBlocks` unrolled for 33…64 symbols, the usual length of a sentence. */
  private scanTwoWords(text: ArrayLike<number>, start: number, end: number, out: Int32Array | undefined): number {
    const direct = this.direct;
    const highUsed = this.length === 2 * WORD_BITS ? -1 : (1 << (this.length - WORD_BITS)) - 1;
    let s0 = -1;
    let s1 = -1;
    for (let j = start; j < end; j++) {
      const symbol = text[j] as number;
      let m0: number;
      let m1: number;
      if (symbol >= 0 && symbol < DIRECT_SYMBOLS) {
        m0 = direct[2 * symbol] as number;
        m1 = direct[2 * symbol + 1] as number;
      } else {
        const masks = this.other.get(symbol);
        m0 = masks?.[0] ?? 0;
        m1 = masks?.[1] ?? 0;
      }
      const a0 = s0 >>> 0;
      const u0 = (a0 & m0) >>> 0;
      const sum0 = a0 + u0;
      const carry = sum0 > 0xffffffff ? 1 : 0;
      s0 = (sum0 | 0) | ((a0 - u0) | 0);
      const a1 = s1 >>> 0;
      const u1 = (a1 & m1) >>> 0;
      s1 = ((a1 + u1 + carry) | 0) | ((a1 - u1) | 0);
      if (out !== undefined) out[j - start] = popcount32(~s0) + popcount32(~s1 & highUsed);
    }
    return popcount32(~s0) + popcount32(~s1 & highUsed);
  }

  private scanBlocks(text: ArrayLike<number>, start: number, end: number, out: Int32Array | undefined): number {
    const words = this.words;
    const direct = this.direct;
    const state = this.state;
    state.fill(-1, 0, words);
    for (let j = start; j < end; j++) {
      const symbol = text[j] as number;
      let masks: Int32Array | undefined;
      let base = 0;
      if (symbol >= 0 && symbol < DIRECT_SYMBOLS) {
        masks = direct;
        base = symbol * words;
      } else {
        masks = this.other.get(symbol);
      }
      // a symbol absent from the pattern leaves the state unchanged
      if (masks !== undefined) {
        let carry = 0;
        for (let w = 0; w < words; w++) {
          const s = (state[w] as number) >>> 0;
          const u = (s & (masks[base + w] as number)) >>> 0;
          const sum = s + u + carry;
          carry = sum > 0xffffffff ? 1 : 0;
          state[w] = (sum | 0) | ((s - u) | 0);
        }
      }
      if (out !== undefined) out[j - start] = this.zeros();
    }
    return this.zeros();
  }

  /** Count of zero bits of the state within the pattern length = the LCS length so far. */
  private zeros(): number {
    const state = this.state;
    let zeros = 0;
    const fullWords = this.length >>> 5;
    for (let w = 0; w < fullWords; w++) zeros += popcount32(~(state[w] as number));
    const rest = this.length & 31;
    if (rest !== 0) zeros += popcount32(~(state[fullWords] as number) & ((1 << rest) - 1));
    return zeros;
  }
}

/** Reused by the one-shot functions below (they never nest, and JavaScript runs them to completion). */
const sharedPattern = new LcsPattern();

/** Length of the longest common subsequence of two integer sequences. */
export function lcsLength(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let aStart = 0;
  let bStart = 0;
  let aEnd = a.length;
  let bEnd = b.length;
  // a common prefix and suffix are part of every LCS; strip them (as rapidfuzz does) for speed
  while (aStart < aEnd && bStart < bEnd && a[aStart] === b[bStart]) {
    aStart++;
    bStart++;
  }
  while (aStart < aEnd && bStart < bEnd && a[aEnd - 1] === b[bEnd - 1]) {
    aEnd--;
    bEnd--;
  }
  const affix = aStart + (a.length - aEnd);
  if (aStart === aEnd || bStart === bEnd) return affix;
  // the shorter sequence becomes the bit pattern: fewer words per text symbol
  if (aEnd - aStart <= bEnd - bStart) return affix + sharedPattern.assign(a, aStart, aEnd).lcs(b, bStart, bEnd);
  return affix + sharedPattern.assign(b, bStart, bEnd).lcs(a, aStart, aEnd);
}

/** Indel distance (insertions and deletions only): len(a) + len(b) - 2·LCS(a, b). */
export function indelDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return a.length + b.length - 2 * lcsLength(a, b);
}
