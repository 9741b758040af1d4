import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mcnemarExactP } from './mcnemar-exact.ts';
import { pairedDifferenceInterval } from './paired-difference-interval.ts';
import { wilsonInterval } from './wilson-interval.ts';

const close = (actual: number, expected: number, digits: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) < 0.5 * 10 ** -digits, `${what}: ${actual} vs ${expected}`);
};

describe('wilsonInterval', () => {
  it('matches published values', () => {
    // Newcombe (1998a), table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605; 0/20 → 0–0.1611; 1/29 → 0.0061–0.1718.
    for (const [x, n, low, high] of [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
      [8, 10, 0.4902, 0.9433],
    ] as const) {
      const ci = wilsonInterval(x, n);
      close(ci.low, low, 4, `${x}/${n} low`);
      close(ci.high, high, 4, `${x}/${n} high`);
    }
  });

  it('is exact at the edges and the whole range with no trials', () => {
    assert.equal(wilsonInterval(0, 5).low, 0);
    assert.equal(wilsonInterval(5, 5).high, 1);
    assert.deepEqual(wilsonInterval(0, 0), { low: 0, high: 1 });
  });
});

describe('mcnemarExactP', () => {
  it('is the two-sided binomial tail of the flips', () => {
    assert.equal(mcnemarExactP(3, 0), 0.25);
    assert.equal(mcnemarExactP(0, 3), 0.25);
    close(mcnemarExactP(5, 1), 0.21875, 12, '5 vs 1');
    close(mcnemarExactP(10, 2), 0.03857421875, 12, '10 vs 2');
    assert.equal(mcnemarExactP(4, 4), 1);
    assert.equal(mcnemarExactP(0, 0), 1);
  });

  it('stays finite and accurate with a million flips', () => {
    const p = mcnemarExactP(500_000, 500_000);
    assert.equal(p, 1);
    const tiny = mcnemarExactP(600_000, 400_000);
    assert.ok(tiny >= 0 && tiny < 1e-100, String(tiny));
  });
});

describe('pairedDifferenceInterval (Newcombe method 10)', () => {
  it('matches the published example', () => {
    // Fagerland, Lydersen & Laake, "Statistical Analysis of Contingency Tables", ch. 8: the paired
    // table [[59, 6], [16, 80]]; the difference of the first-row and first-column proportions is
    // -0.0621 with 95 % CI -0.1186 to -0.0046. Here base = first row, head = first column.
    const ci = pairedDifferenceInterval({ bothPass: 59, regressions: 6, fixes: 16, bothFail: 80 });
    // head - base = (59 + 16 - 59 - 6) / 161 = +0.0621: the published interval, mirrored.
    close(ci.estimate, 0.0621, 4, 'estimate');
    close(ci.low, 0.0046, 4, 'low');
    close(ci.high, 0.1186, 4, 'high');
  });

  it('stays inside [-1, 1] and contains the estimate', () => {
    for (const counts of [
      { bothPass: 0, regressions: 0, fixes: 10, bothFail: 0 },
      { bothPass: 10, regressions: 0, fixes: 0, bothFail: 0 },
      { bothPass: 3, regressions: 2, fixes: 1, bothFail: 4 },
      { bothPass: 0, regressions: 0, fixes: 0, bothFail: 0 },
    ]) {
      const ci = pairedDifferenceInterval(counts);
      assert.ok(ci.low >= -1 && ci.high <= 1 && ci.low <= ci.estimate && ci.estimate <= ci.high, JSON.stringify({ counts, ci }));
    }
  });
});
