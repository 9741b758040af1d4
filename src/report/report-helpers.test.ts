import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorCodeOf, gradeRows, roundScore, scoreBins } from '../storage/output-item-grades.ts';
import { histogram } from './histogram.ts';
import { encodeCursor, parseItemParams, toItemQuery } from './items-query.ts';
import { ReportSessions } from './session.ts';
import { hashApiKey } from '../config.ts';

describe('report helpers', () => {
  it('bins rounded scores over the grader range or the observed one', () => {
    const h = histogram([{ value: 0, count: 2 }, { value: 0.5, count: 3 }, { value: 1, count: 5 }], [0, 1], 10)!;
    assert.equal(h.total, 10);
    assert.equal(h.bars.length, 10);
    assert.deepEqual([h.bars[0]!.count, h.bars[5]!.count, h.bars[9]!.count], [2, 3, 5]);
    const single = histogram([{ value: 7, count: 4 }], null)!;
    assert.equal(single.bars.length, 1);
    assert.equal(histogram([], null), null);
  });

  it('rounds scores to two significant digits and sorts bins for a stable lock order', () => {
    assert.equal(roundScore(0.7345), 0.73);
    assert.equal(roundScore(12345), 12000);
    assert.equal(roundScore(0), 0);
    const grades = gradeRows('r', [
      { id: 'a', datasource_item_id: 0, status: 'pass', errored: false, datasource_item: {}, results: [{ name: 'x', type: 't', score: 0.91, passed: true, sample: null }], sample: {} as never, usage: [] },
      { id: 'b', datasource_item_id: 1, status: 'fail', errored: true, datasource_item: {}, results: [], sample: { error: { code: 'rate_limit_exceeded', message: '' } } as never, usage: [] },
    ], 1);
    assert.deepEqual(grades.map((g) => [g.passed, g.score]), [[true, 0.91], [false, null]]);
    assert.deepEqual(scoreBins('r', grades), [{ run_id: 'r', position: 0, value: 0.91, count: 1 }]);
  });

  it('names an errored row by its first error', () => {
    const result = (error?: unknown) => ({ name: 'x', type: 't', score: 0, passed: false, sample: null, ...(error ? { error } : {}) });
    assert.equal(errorCodeOf({ errored: false, sample: { error: null } as never, results: [] }), null);
    assert.equal(errorCodeOf({ errored: true, sample: { error: { code: 'upstream_error', message: '' } } as never, results: [] }), 'upstream_error');
    assert.equal(errorCodeOf({ errored: true, sample: { error: null } as never, results: [result(), result({ code: 'grader_timeout', message: '' })] }), 'grader_timeout');
  });

  it('turns URL parameters into an indexed query and cursors back', () => {
    const params = parseItemParams((n) => ({ status: 'errored', crit: 'b-1', verdict: 'failed', sort: 'score_desc', after: '0.5_17' })[n]);
    const q = toItemQuery(params, ['a-1', 'b-1']);
    assert.deepEqual(q.criterion, { position: 1, passed: false });
    assert.deepEqual(q.sort, { by: 'score', position: 1, order: 'desc' });
    assert.deepEqual(q.after, { id: 17, score: 0.5 });
    assert.equal(q.status, 'errored');
    assert.equal(encodeCursor({ id: 17, score: 0.5 }), '0.5_17');
    // Junk is ignored, never an error.
    const junk = toItemQuery(parseItemParams((n) => ({ status: 'nope', sort: 'x', after: 'drop table' })[n]), ['a-1']);
    assert.deepEqual(junk, { sort: { by: 'row' }, limit: 50, scanLimit: 5000 });
  });

  it('signs sessions per key; tampering, expiry, removed keys and other key sets are refused', () => {
    const keys = { byHash: new Map([[hashApiKey('sk-key-aaaa'), 'a'], [hashApiKey('sk-key-bbbb'), 'b']]) };
    const sessions = new ReportSessions(keys);
    const now = Date.UTC(2025, 0, 1);
    const s = sessions.signIn('sk-key-bbbb', now)!;
    assert.equal(s.project, 'b');
    assert.equal(sessions.verify(s.value, now + 1000), 'b');
    assert.equal(sessions.verify(s.value, now + 13 * 3600 * 1000), null, 'expired');
    assert.equal(sessions.verify(s.value.slice(0, -2) + 'xx', now), null, 'tampered');
    assert.equal(sessions.signIn('sk-nope-nope', now), null);
    assert.equal(new ReportSessions({ byHash: new Map([[hashApiKey('sk-key-aaaa'), 'a']]) }).verify(s.value, now), null, 'key removed');
    assert.equal(new ReportSessions({ byHash: null }).required, false);
  });
});
