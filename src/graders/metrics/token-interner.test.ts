import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenInterner } from './token-interner.ts';

describe('TokenInterner', () => {
  it('gives dense ids in order of first sight, equal strings the same id', () => {
    const interner = new TokenInterner();
    assert.deepEqual(['b', 'a', 'b', '', 'a', ''].map((t) => interner.intern(t)), [0, 1, 0, 2, 1, 2]);
    assert.equal(interner.size, 3);
  });

  it('tells apart strings whose hashes collide', () => {
    const interner = new TokenInterner();
    // the classic 31-polynomial collisions: "Aa" = "BB", "AaAa" = "BBBB" = "AaBB"
    const ids = ['Aa', 'BB', 'AaAa', 'BBBB', 'AaBB', 'Aa', 'BBBB'].map((t) => interner.intern(t));
    assert.deepEqual(ids, [0, 1, 2, 3, 4, 0, 3]);
  });

  it('clear() forgets; growth keeps every id', () => {
    const interner = new TokenInterner();
    interner.intern('x');
    interner.clear();
    assert.equal(interner.size, 0);
    assert.equal(interner.intern('y'), 0);
    assert.equal(interner.intern('x'), 1);
    interner.clear();
    const tokens = Array.from({ length: 5000 }, (_, i) => `t${i % 3000}`);
    const ids = tokens.map((t) => interner.intern(t));
    assert.deepEqual(ids, tokens.map((_, i) => i % 3000));
    assert.equal(interner.size, 3000);
    interner.clear();
    assert.equal(interner.intern('t2999'), 0);
  });
});
