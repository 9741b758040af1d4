import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DatabaseOptions } from '../../src/storage/database.ts';

/**
 * The databases a storage test should loop over: PGlite in memory always, and PostgreSQL when
 * `PROCTOR_TEST_DATABASE_URL` is set (`npm test` sets it to a private throw-away cluster when
 * the server is installed). Each `open()` gives options for a database nobody else uses.
 *
 *   for (const { name, open } of testDatabases()) {
 *     describe(name, () => { ... const database = await openDatabase(await open()); ... });
 *   }
 */
export interface TestDatabase {
  readonly name: 'pglite' | 'postgres';
  readonly open: () => Promise<DatabaseOptions>;
}

const baseUrl = process.env['PROCTOR_TEST_DATABASE_URL'] ?? '';

export const postgresAvailable: boolean = baseUrl !== '';

export function testDatabases(): TestDatabase[] {
  const databases: TestDatabase[] = [{ name: 'pglite', open: async () => ({ kind: 'pglite', dataDir: null }) }];
  if (postgresAvailable) {
    databases.push({ name: 'postgres', open: async () => ({ kind: 'postgres', url: await freshPostgresUrl(baseUrl) }) });
  }
  return databases;
}

/**
 * Creates an empty database `proctor_test_<hex>` on the server behind `baseUrl` and returns the
 * URL that reaches it. The databases are not dropped: the private cluster of `npm test` goes away
 * whole; on a server of your own, drop `proctor_test_%` now and then.
 */
export async function freshPostgresUrl(baseUrl: string): Promise<string> {
  const name = `proctor_test_${randomBytes(8).toString('hex')}`;
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
