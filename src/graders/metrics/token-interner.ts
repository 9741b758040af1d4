/**
 * Strings to dense integer ids (0, 1, 2 … in order of first sight), reused call after call.
 *
 * A `Map<string, number>` does the same, but a fresh Map per call grows (and rehashes) several
 * times for a sentence's tokens, and the tokens a tokenizer just sliced out have no cached hash
 * yet; together that made interning the largest single cost of a BLEU call. This table keeps its
 * storage between calls, clears only the slots it used, and hashes the few characters of a
 * token itself. Equal hashes are confirmed with `===`, so ids are exact whatever the hash does.
 */
export class TokenInterner {
  private mask = 255;
  /** id stored in each slot, -1 when empty */
  private slotIds = new Int32Array(256).fill(-1);
  private slotHashes = new Int32Array(256);
  /** token of each id, and the slot holding it */
  private tokens: string[] = [];
  private slotOfId = new Int32Array(128);
  size = 0;

  /** Forgets every token (the storage is kept). */
  clear(): void {
    const slotIds = this.slotIds;
    const slotOfId = this.slotOfId;
    for (let id = 0; id < this.size; id++) slotIds[slotOfId[id] as number] = -1;
    this.size = 0;
  }

  /** The token's id, giving it the next one if it is new. */
  intern(token: string): number {
    let h = 0;
    for (let i = 0; i < token.length; i++) h = (Math.imul(h, 31) + token.charCodeAt(i)) | 0;
    // spread the low bits, which pick the slot, over the whole hash
    h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
    h ^= h >>> 16;
    const mask = this.mask;
    const slotIds = this.slotIds;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = slotIds[slot] as number;
      if (id < 0) return this.insert(token, h, slot);
      if (this.slotHashes[slot] === h && this.tokens[id] === token) return id;
    }
  }

  private insert(token: string, hash: number, slot: number): number {
    const id = this.size++;
    this.slotIds[slot] = id;
    this.slotHashes[slot] = hash;
    this.tokens[id] = token;
    if (id >= this.slotOfId.length) {
      const grown = new Int32Array(this.slotOfId.length * 2);
      grown.set(this.slotOfId);
      this.slotOfId = grown;
    }
    this.slotOfId[id] = slot;
    // keep the table at most half full, so probe runs stay short
    if (2 * this.size > this.mask) this.grow();
    return id;
  }

  private grow(): void {
    const oldHashes = this.slotHashes;
    const capacity = 2 * (this.mask + 1);
    this.mask = capacity - 1;
    this.slotIds = new Int32Array(capacity).fill(-1);
    this.slotHashes = new Int32Array(capacity);
    for (let id = 0; id < this.size; id++) {
      const hash = oldHashes[this.slotOfId[id] as number] as number;
      let slot = hash & this.mask;
      while ((this.slotIds[slot] as number) >= 0) slot = (slot + 1) & this.mask;
      this.slotIds[slot] = id;
      this.slotHashes[slot] = hash;
      this.slotOfId[id] = slot;
    }
  }
}
