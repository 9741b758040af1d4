import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase, type Database } from '../../src/storage/database.ts';
import { postgresAvailable, testDatabases } from './test-databases.ts';

function pick(name: 'pglite' | 'postgres') {
  const found = testDatabases().find((d) => d.name === name);
  assert.ok(found, `testDatabases() offers ${name}`);
  return found;
}

async function insertEval(database: Database, id: string): Promise<void> {
  await database.db
    .insertInto('evals')
    .values({
      id,
      project: 'default',
      name: 'isolation probe',
      data_source_config: JSON.stringify({ type: 'custom' }),
      testing_criteria: '[]',
      metadata: null,
      created_at: 1,
      updated_at: 1,
    })
    .execute();
}

async function evalIds(database: Database): Promise<string[]> {
  const rows = await database.db.selectFrom('evals').select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}

describe('testDatabases', () => {
  it('offers PostgreSQL exactly when PROCTOR_TEST_DATABASE_URL is set', () => {
    assert.deepEqual(
      testDatabases().map((d) => d.name),
      postgresAvailable ? ['pglite', 'postgres'] : ['pglite'],
    );
  });

  it('opens PGlite in memory, migrated and empty', async () => {
    const options = await pick('pglite').open();
    assert.deepEqual(options, { kind: 'pglite', dataDir: null });
    const database = await openDatabase(options);
    try {
      assert.equal(database.kind, 'pglite');
      assert.deepEqual(await evalIds(database), []);
      await insertEval(database, 'eval_a');
      assert.deepEqual(await evalIds(database), ['eval_a']);
    } finally {
      await database.close();
    }
  });

  it('gives every PostgreSQL open a fresh database of its own', { skip: postgresAvailable ? false : 'no PostgreSQL' }, async () => {
    const postgres = pick('postgres');
    const [optionsA, optionsB] = await Promise.all([postgres.open(), postgres.open()]);
    assert.equal(optionsA.kind, 'postgres');
    assert.equal(optionsB.kind, 'postgres');
    assert.notDeepEqual(optionsA, optionsB);
    if (optionsA.kind === 'postgres') assert.match(new URL(optionsA.url).pathname, /^\/proctor_test_[0-9a-f]{16}$/);

    const a = await openDatabase(optionsA);
    try {
      const b = await openDatabase(optionsB);
      try {
        assert.equal(a.kind, 'postgres');
        assert.deepEqual(await evalIds(a), []);
        assert.deepEqual(await evalIds(b), []);
        await insertEval(a, 'eval_only_in_a');
        assert.deepEqual(await evalIds(a), ['eval_only_in_a']);
        assert.deepEqual(await evalIds(b), []);
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
  });
});
