import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import * as initial from './migrations/0001-initial.ts';
import * as storedCompletions from './migrations/0002-stored-completions.ts';
import * as scaleOut from './migrations/0003-scale-out.ts';
import * as reportIndexes from './migrations/0004-report-indexes.ts';
import * as runComparisonCache from './migrations/0005-run-comparison-cache.ts';

/** Migrations are listed here, in order: a static list survives bundling and needs no fs scan. */
const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-stored-completions': storedCompletions,
  '0003-scale-out': scaleOut,
  '0004-report-indexes': reportIndexes,
  '0005-run-comparison-cache': runComparisonCache,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  await sql`create schema if not exists proctor`.execute(db);
  const migrator = new Migrator({
    db: db.withoutPlugins(),
    provider,
    migrationTableSchema: 'proctor',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`);
  }
}
