/**
 * The longest common subsequence of a pattern and *every* window of a text of the pattern's own
 * length, in one pass of m·n steps — where computing each window's LCS separately costs
 * m·⌈m/32⌉ per window, m·n·⌈m/32⌉ in all. partial_ratio needs the best window; on two long
 * texts the window-by-window search (even with rapidfuzz's pruning) is what made a 16,000
 * character fuzzy_match take seconds to minutes.
 *
 * The method is Tiskin's *seaweed combing* (semi-local LCS): draw the m × n alignment grid
 * with the pattern down the side and the text across the top. One "seaweed" enters at each cell
 * of the left edge and of the top edge and travels right/down to the bottom or right edge. In
 * every cell two seaweeds meet, one arriving from the left and one from above. They pass
 * straight on (crossing) unless the cell is a match, or the two have already crossed once
 * before — then each turns into the other's direction. Numbering the seaweeds by where they
 * start, walking the start edge from the bottom-left corner up and then rightwards, "already
 * crossed" is simply "the one arriving from the left has the larger number".
 *
 * Once combed, the LCS of the pattern with any text range [i, j) is
 * (j − i) − #{seaweeds entering the top in [i, j) that also leave through the bottom in [i, j)}:
 * each such seaweed marks a text symbol of the range that no common subsequence can use. For
 * windows of length m that count is, per seaweed, a contiguous range of window starts, so all
 * windows are counted with one difference array.
 *
 * The result is the exact LCS, the same number any LCS algorithm gives.
 */

let rows = new Int32Array(64);
let columns = new Int32Array(64);
let counts = new Int32Array(64);
let symbols = new Int32Array(64);

/**
 * max over start ∈ [0, windowCount) of LCS(pattern, text[start, start + m)), m = pattern length,
 * with windowCount ≥ 1 and windowCount + m − 1 ≤ text length.
 */
export function bestWindowLcs(pattern: ArrayLike<number>, text: ArrayLike<number>, windowCount: number): number {
  const m = pattern.length;
  // the text columns any of the windows touch
  const n = windowCount + m - 1;
  if (m === 0) return 0;
  if (rows.length < m) rows = new Int32Array(Math.max(m, 2 * rows.length));
  if (columns.length < n) columns = new Int32Array(Math.max(n, 2 * columns.length));
  const h = rows; // seaweed now crossing row r horizontally
  const v = columns; // seaweed now crossing column c vertically
  for (let r = 0; r < m; r++) h[r] = m - 1 - r;
  for (let c = 0; c < n; c++) v[c] = m + c;
  if (symbols.length < n) symbols = new Int32Array(Math.max(n, 2 * symbols.length));
  const t = symbols;
  for (let c = 0; c < n; c++) t[c] = text[c] as number;
  for (let r = 0; r < m; r++) {
    const symbol = pattern[r] as number;
    let across = h[r] as number;
    for (let c = 0; c < n; c++) {
      const down = v[c] as number;
      // a match, or a pair that crossed before: both turn (they swap slots). Branch-free: the
      // outcome is unpredictable, and a mispredicted branch costs more than the arithmetic.
      // (all ones when across > down or the symbols are equal; symbols and ids are < 2^31)
      const turn = ((down - across) | (((t[c] as number) ^ symbol) - 1)) >> 31;
      const change = (across ^ down) & turn;
      v[c] = down ^ change;
      across ^= change;
    }
    h[r] = across;
  }
  // Seaweed entering the top at column s and leaving the bottom at column e (e ≥ s: seaweeds
  // only move right and down) removes one from the LCS of every window [i, i + m) holding both,
  // i.e. i ∈ [e − m + 1, s].
  if (counts.length < windowCount + 1) counts = new Int32Array(Math.max(windowCount + 1, 2 * counts.length));
  const diff = counts;
  diff.fill(0, 0, windowCount + 1);
  for (let e = 0; e < n; e++) {
    const id = v[e] as number;
    if (id < m) continue; // entered from the left edge
    const s = id - m;
    const from = Math.max(0, e - m + 1);
    const to = Math.min(s, windowCount - 1);
    if (from > to) continue;
    diff[from] = (diff[from] as number) + 1;
    diff[to + 1] = (diff[to + 1] as number) - 1;
  }
  let fewest = m;
  let running = 0;
  for (let i = 0; i < windowCount; i++) {
    running += diff[i] as number;
    if (running < fewest) fewest = running;
  }
  return m - fewest;
}
