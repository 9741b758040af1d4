import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDatabases } from '../../test/support/test-databases.ts';
import { openDatabase, type Database } from './database.ts';
import { fairShares, LimitLeaseRepository } from './limit-lease-repository.ts';
import { ProcessRegistry } from './process-registry.ts';
import { ResponseCacheRepository } from './response-cache-repository.ts';

describe('fairShares (max-min)', () => {
  it('nobody gets more than it wants; the rest is split evenly; the whole limit is handed out', () => {
    const h = (holder: string, want: number) => ({ holder, slots: 0, want });
    assert.deepEqual([...fairShares(8, [h('a', 8), h('b', 8), h('c', 8)]).values()].sort(), [2, 3, 3]);
    assert.deepEqual(Object.fromEntries(fairShares(8, [h('a', 1), h('b', 8)])), { a: 1, b: 7 });
    assert.deepEqual(Object.fromEntries(fairShares(8, [h('a', 0), h('b', 3)])), { a: 0, b: 3 });
  });
});

for (const backend of testDatabases()) {
  describe(`shared limits on ${backend.name}`, () => {
    let database: Database;
    const TTL = 2000;

    before(async () => {
      database = await openDatabase(await backend.open());
    });
    after(async () => database.close());

    it('slots: the limit holds across holders, a wanting holder gets its fair share as others give back', async () => {
      const a = new LimitLeaseRepository(database.db, 'proc-a', TTL);
      const b = new LimitLeaseRepository(database.db, 'proc-b', TTL);
      assert.deepEqual(await a.balance('m1', 8, 8, 0), { held: 8, target: 8 });
      // b wants 8 too: nothing is free, its share is 4.
      assert.deepEqual(await b.balance('m1', 8, 8, 0), { held: 0, target: 4 });
      // a, all 8 busy, learns its share but keeps what is in use; then gives back as calls end.
      assert.deepEqual(await a.balance('m1', 8, 8, 8), { held: 8, target: 4 });
      assert.deepEqual(await a.balance('m1', 8, 8, 5), { held: 5, target: 4 });
      assert.deepEqual(await b.balance('m1', 8, 8, 0), { held: 3, target: 4 });
      assert.deepEqual(await a.balance('m1', 8, 8, 3), { held: 4, target: 4 });
      assert.deepEqual(await b.balance('m1', 8, 8, 3), { held: 4, target: 4 });
      // a goes idle: its slots go to b.
      assert.deepEqual(await a.balance('m1', 8, 0, 0), { held: 0, target: 0 });
      assert.deepEqual(await b.balance('m1', 8, 8, 4), { held: 8, target: 8 });
    });

    it('slots of a holder that stops renewing expire: a crash never leaks capacity', async () => {
      const dead = new LimitLeaseRepository(database.db, 'proc-dead', 300);
      const live = new LimitLeaseRepository(database.db, 'proc-live', TTL);
      assert.equal((await dead.balance('m2', 4, 4, 0)).held, 4);
      assert.equal((await live.balance('m2', 4, 4, 0)).held, 0);
      await new Promise((r) => setTimeout(r, 400));
      assert.equal((await live.balance('m2', 4, 4, 0)).held, 4);
    });

    it('a process registry renews its slots; a dead process is found by exactly one sweeper, which frees its slots', async () => {
      const found: string[][] = [];
      const one = new ProcessRegistry(database.db, { kind: 'worker', ttlMs: 600, onDead: async (ids) => void found.push([...ids]) });
      const two = new ProcessRegistry(database.db, { kind: 'worker', ttlMs: 600, onDead: async (ids) => void found.push([...ids]) });
      await one.start();
      await two.start();
      const holds = new LimitLeaseRepository(database.db, one.id, 600);
      assert.equal((await holds.balance('m3', 2, 2, 0)).held, 2);
      // Renewed well past the TTL while alive.
      await new Promise((r) => setTimeout(r, 1200));
      const other = new LimitLeaseRepository(database.db, 'proc-x', 600);
      assert.equal((await other.balance('m3', 2, 2, 0)).held, 0, 'a live process keeps its slots');
      // "Kill" one: it stops renewing without a clean stop.
      one.halt();
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(found, [[one.id]]);
      assert.equal((await other.balance('m3', 2, 2, 0)).held, 2, 'the dead process slots are free');
      await two.stop();
    });

    it('rate: no more than rpm requests in any window, across holders; refused requests learn when to come back', async () => {
      const a = new LimitLeaseRepository(database.db, 'rate-a', TTL);
      const b = new LimitLeaseRepository(database.db, 'rate-b', TTL);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).takeRate('r1', 7, null, 10, 2)));
      assert.equal(results.filter((r) => r.granted).length, 7);
      const refused = results.find((r) => !r.granted);
      assert.ok(refused && !refused.granted && refused.waitMs > 0 && refused.waitMs <= 4000, JSON.stringify(refused));
      // tpm: a call's tokens count; a refund makes room again.
      assert.equal((await a.takeRate('t1', null, 100, 80, 2)).granted, true);
      assert.equal((await a.takeRate('t1', null, 100, 30, 2)).granted, false);
      await a.adjustTokens('t1', -50);
      assert.equal((await b.takeRate('t1', null, 100, 30, 2)).granted, true);
    });

    it('response cache: a stored answer comes back as the same text until it expires; the first answer stays', async () => {
      const cache = new ResponseCacheRepository(database.db);
      assert.equal(await cache.get('k1'), null);
      await cache.put('k1', 'p/m', '{"a":1}', 60);
      await cache.put('k1', 'p/m', '{"a":2}', 60);
      assert.equal(await cache.get('k1'), '{"a":1}');
      await cache.put('k2', 'p/m', '{"b":1}', 1);
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal(await cache.get('k2'), null);
      await cache.put('k2', 'p/m', '{"b":2}', 60);
      assert.equal(await cache.get('k2'), '{"b":2}');
    });

  });
}
