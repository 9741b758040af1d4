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
/** Largest mask table (in 32-bit entries, 4 MiB) an LcsPattern keeps between patterns. */
const RETAINED_TABLE = 1 << 20;

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
  /**
   * The masks, `words` entries per row: row r < 256 belongs to symbol r (zero when the pattern
   * lacks it); the pattern's other symbols get rows 256, 257 … (see `otherRows`).
   */
  private table = new Int32Array(DIRECT_SYMBOLS);
  /** symbols < 256 whose rows are set (first `usedCount`), so `assign` clears just those */
  private used = new Int32Array(DIRECT_SYMBOLS);
  private usedCount = 0;
  /** 1 for the symbols listed in `used` */
  private readonly isUsed = new Uint8Array(DIRECT_SYMBOLS);
  /** row of each pattern symbol outside 0…255 */
  private readonly otherRows = new Map<number, number>();
  /** scratch state vector of `scanBlocks`, reused between queries */
  private state = new Int32Array(8);

  constructor(pattern?: ArrayLike<number>, start = 0, end = pattern?.length ?? 0) {
    if (pattern !== undefined) this.assign(pattern, start, end);
  }

  /** Re-prepares this object for `pattern[start, end)`, reusing its buffers. */
  assign(pattern: ArrayLike<number>, start = 0, end = pattern.length): this {
    let table = this.table;
    const used = this.used;
    const isUsed = this.isUsed;
    const otherRows = this.otherRows;
    const oldWords = this.words;
    for (let k = 0; k < this.usedCount; k++) {
      const symbol = used[k] as number;
      for (let at = symbol * oldWords; at < (symbol + 1) * oldWords; at++) table[at] = 0;
      isUsed[symbol] = 0;
    }
    if (otherRows.size > 0) {
      table.fill(0, DIRECT_SYMBOLS * oldWords, (DIRECT_SYMBOLS + otherRows.size) * oldWords);
      otherRows.clear();
    }
    let usedCount = 0;

    const length = Math.max(0, end - start);
    const words = length <= WORD_BITS ? 1 : Math.ceil(length / WORD_BITS);
    // rows for the symbols outside 0…255, in order of first occurrence
    for (let i = 0; i < length; i++) {
      const symbol = pattern[start + i] as number;
      if (!(symbol >= 0 && symbol < DIRECT_SYMBOLS) && !otherRows.has(symbol)) otherRows.set(symbol, DIRECT_SYMBOLS + otherRows.size);
    }
    const needed = (DIRECT_SYMBOLS + otherRows.size) * words;
    // a table grown for one huge pattern is not kept for the small ones after it
    if (table.length < needed || (table.length > RETAINED_TABLE && needed <= RETAINED_TABLE)) {
      table = this.table = new Int32Array(needed > RETAINED_TABLE ? needed : Math.min(RETAINED_TABLE, Math.max(needed, 2 * table.length)));
    }
    this.length = length;
    this.words = words;
    for (let i = 0; i < length; i++) {
      const symbol = pattern[start + i] as number;
      let row: number;
      if (symbol >= 0 && symbol < DIRECT_SYMBOLS) {
        if (isUsed[symbol] === 0) {
          isUsed[symbol] = 1;
          used[usedCount++] = symbol;
        }
        row = symbol;
      } else {
        row = otherRows.get(symbol) as number;
      }
      const at = row * words + (i >>> 5);
      table[at] = (table[at] as number) | (1 << (i & 31));
    }
    this.usedCount = usedCount;
    return this;
  }

  /** True when the symbol occurs in the pattern (rapidfuzz's `CharSet::find`). */
  has(symbol: number): boolean {
    if (symbol >= 0 && symbol < DIRECT_SYMBOLS) return this.isUsed[symbol] === 1;
    return this.otherRows.has(symbol);
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

  /** Offset in `table` of the symbol's masks, or -1 when the pattern lacks the symbol. */
  private offsetOf(symbol: number): number {
    if (symbol >= 0 && symbol < DIRECT_SYMBOLS) return symbol * this.words;
    const row = this.otherRows.get(symbol);
    return row === undefined ? -1 : row * this.words;
  }

  private scan(text: ArrayLike<number>, start: number, end: number, out: Int32Array | undefined): number {
    if (this.words === 1) return this.scanOneWord(text, start, end, out);
    if (this.words === 2) return this.scanTwoWords(text, start, end, out);
    if (this.words <= 4 && out === undefined) return this.scanFourWords(text, start, end);
    return this.scanBlocks(text, start, end, out);
  }

  private scanOneWord(text: ArrayLike<number>, start: number, end: number, out: Int32Array | undefined): number {
    const table = this.table;
    const used = this.length === WORD_BITS ? -1 : (1 << this.length) - 1;
    let s = -1; // all ones: no pattern position matched yet
    for (let j = start; j < end; j++) {
      const symbol = text[j] as number;
      let match = 0;
      if (symbol >= 0 && symbol < DIRECT_SYMBOLS) match = table[symbol] as number;
      else if (this.otherRows.size > 0) {
        const offset = this.offsetOf(symbol);
        if (offset >= 0) match = table[offset] as number;
      }
      const u = s & match;
      // (s + u) | (s - u), reduced to 32 bits; the sums are exact in doubles
      s = ((s + u) | 0) | ((s - u) | 0);
      if (out !== undefined) out[j - start] = popcount32(~s & used);
    }
    return popcount32(~s & used);
  }

  /** `scanBlocks` unrolled for 33…64 symbols, the usual length of a sentence. */
  private scanTwoWords(text: ArrayLike<number>, start: number, end: number, out: Int32Array | undefined): number {
    const table = this.table;
    const highUsed = this.length === 2 * WORD_BITS ? -1 : (1 << (this.length - WORD_BITS)) - 1;
    let s0 = -1;
    let s1 = -1;
    for (let j = start; j < end; j++) {
      const symbol = text[j] as number;
      const offset = symbol >= 0 && symbol < DIRECT_SYMBOLS ? 2 * symbol : this.offsetOf(symbol);
      let m0 = 0;
      let m1 = 0;
      if (offset >= 0) {
        m0 = table[offset] as number;
        m1 = table[offset + 1] as number;
      }
      const u0 = s0 & m0;
      const x0 = (s0 + u0) | 0;
      const carry = (u0 | (s0 & ~x0)) >>> 31;
      s0 = x0 | (s0 & ~m0);
      const u1 = s1 & m1;
      s1 = ((s1 + u1 + carry) | 0) | (s1 & ~m1);
      if (out !== undefined) out[j - start] = popcount32(~s0) + popcount32(~s1 & highUsed);
    }
    return popcount32(~s0) + popcount32(~s1 & highUsed);
  }

  /**
   * `scanBlocks` unrolled for 65…128 symbols (a long sentence), with the state in locals. A
   * pattern of 3 words runs as 4 with an empty last word: its state stays all ones and counts no
   * matches.
   */
  private scanFourWords(text: ArrayLike<number>, start: number, end: number): number {
    const table = this.table;
    const words = this.words;
    const hasOther = this.otherRows.size > 0;
    let s0 = -1;
    let s1 = -1;
    let s2 = -1;
    let s3 = -1;
    for (let j = start; j < end; j++) {
      const symbol = text[j] as number;
      const offset = symbol >= 0 && symbol < DIRECT_SYMBOLS ? symbol * words : hasOther ? this.offsetOf(symbol) : -1;
      if (offset < 0) continue; // absent from the pattern: the state is unchanged
      const m0 = table[offset] as number;
      const m1 = table[offset + 1] as number;
      const m2 = table[offset + 2] as number;
      const m3 = words === 4 ? (table[offset + 3] as number) : 0;
      // word by word: s' = (s + u + carry) | (s & ~m) with u = s & m; see scanBlocks
      const u0 = s0 & m0;
      const x0 = (s0 + u0) | 0;
      const c0 = (u0 | (s0 & ~x0)) >>> 31;
      s0 = x0 | (s0 & ~m0);
      const u1 = s1 & m1;
      const x1 = (s1 + u1 + c0) | 0;
      const c1 = (u1 | (s1 & ~x1)) >>> 31;
      s1 = x1 | (s1 & ~m1);
      const u2 = s2 & m2;
      const x2 = (s2 + u2 + c1) | 0;
      const c2 = (u2 | (s2 & ~x2)) >>> 31;
      s2 = x2 | (s2 & ~m2);
      const u3 = s3 & m3;
      s3 = ((s3 + u3 + c2) | 0) | (s3 & ~m3);
    }
    const high = words === 4 ? s3 : s2;
    return popcount32(~s0) + popcount32(~s1) + (words === 4 ? popcount32(~s2) : 0) + popcount32(~high & this.usedBits(words - 1));
  }

  /**
   * Any number of words, all of them per text symbol, the state in an array. Per word, with
   * u = s & m (the matches still unused): s' = (s + u + carry) | (s & ~m), where carry is the
   * carry out of the previous word's addition — computed from the sign bits, since JavaScript
   * adds 32-bit integers only through doubles: a carry leaves an addition x = s + u + c
   * exactly when the top bit is set in u (⊆ s), or in s but not in x.
   */
  private scanBlocks(text: ArrayLike<number>, start: number, end: number, out: Int32Array | undefined): number {
    const words = this.words;
    const table = this.table;
    if (this.state.length < words) this.state = new Int32Array(Math.max(words, 2 * this.state.length));
    const state = this.state;
    state.fill(-1, 0, words);
    const hasOther = this.otherRows.size > 0;
    for (let j = start; j < end; j++) {
      const symbol = text[j] as number;
      const offset = symbol >= 0 && symbol < DIRECT_SYMBOLS ? symbol * words : hasOther ? this.offsetOf(symbol) : -1;
      // a symbol absent from the pattern leaves the state unchanged
      if (offset >= 0) {
        let carry = 0;
        for (let w = 0; w < words; w++) {
          const v = state[w] as number;
          const m = table[offset + w] as number;
          const u = v & m;
          const x = (v + u + carry) | 0;
          carry = (u | (v & ~x)) >>> 31;
          state[w] = x | (v & ~m);
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
    for (let w = 0; w < this.words; w++) zeros += popcount32(~(state[w] as number) & this.usedBits(w));
    return zeros;
  }

  /** Mask of the pattern positions held by word `w` of the bit vector. */
  private usedBits(w: number): number {
    const rest = this.length - w * WORD_BITS;
    return rest >= WORD_BITS ? -1 : (1 << rest) - 1;
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
