import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, WithSchemaPlugin } from 'kysely';
import pg from 'pg';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts';
import { migrateToLatest } from './migrate.ts';
import { NotificationListener } from './notification-listener.ts';
import type { Tables } from './tables.ts';

/**
 * One Kysely over either embedded PGlite or a PostgreSQL server: the same SQL runs on both. The
 * queue gets at the same database through `pglite` (embedded) or `connectionString` (server).
 */
export interface Database {
  readonly db: Kysely<Tables>;
  readonly kind: 'pglite' | 'postgres';
  readonly pglite: PGlite | null;
  readonly connectionString: string | null;
  /**
   * Calls `listener` on every NOTIFY on `channel` (PostgreSQL: a dedicated connection; PGlite: its
   * own in-process notifications). Best effort: a dropped connection loses notifications, so
   * users keep a poll as well. Returns the way to stop listening.
   */
  listen(channel: string, listener: (payload: string) => void): Promise<() => void>;
  close(): Promise<void>;
}

export type DatabaseOptions =
  | { kind: 'pglite'; dataDir: string | null } // null: in memory (tests)
  | { kind: 'postgres'; url: string; maxConnections?: number };

// int8 and count(*) arrive as strings from `pg` (PGlite already gives numbers); our counters fit
// comfortably in a double, so both backends hand the code plain numbers.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

function kyselyOver(dialect: PGliteDialect | PostgresDialect): Kysely<Tables> {
  return new Kysely<Tables>({ dialect, plugins: [new WithSchemaPlugin('proctor')] });
}

/**
 * PGlite answers through promise callbacks only, so a worker issuing query after query would
 * never let the event loop reach the network: the HTTP server would stall for a whole run. Each
 * call first yields one macrotask turn, which keeps the API responsive during runs.
 */
function yieldingPglite(pglite: PGlite): PGlite {
  const yielding = new Set<PropertyKey>(['query', 'exec', 'transaction']);
  return new Proxy(pglite, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (!yielding.has(prop)) return fn.bind(target);
      return async (...args: unknown[]) => {
        await nextTurn();
        return fn.apply(target, args);
      };
    },
  });
}

/** Postgres' type OID of bytea (file chunks). */
const BYTEA_OID = 17;

/**
 * bytea in hex through Buffer: PGlite's own converters map every byte through a JS callback
 * (`toString(16)` out, `parseInt` in), hundreds of ms per uploaded megabyte.
 */
const byteaSerializer = (value: unknown): string => {
  if (!(value instanceof Uint8Array)) throw new TypeError('bytea parameters must be Uint8Array');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
};
const byteaParser = (text: string): Uint8Array => {
  const bytes = Buffer.from(text.slice(2), 'hex');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};

/** Embedded Postgres settings: a small buffer pool keeps the whole server's memory low. */
const PGLITE_CONF = ['shared_buffers=32MB', 'wal_buffers=1MB'];

async function initDataDirInChild(pgdata: string): Promise<void> {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return;
  const script = new URL('./pglite-init-child.mjs', import.meta.url);
  await promisify(execFile)(process.execPath, [script.pathname, pgdata], { timeout: 120_000 });
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
    pool.on('error', () => {
      // An idle client lost its server; the pool replaces it on next use. Nothing to crash over.
    });
    const db = kyselyOver(new PostgresDialect({ pool }));
    try {
      await migrateToLatest(db);
    } catch (error) {
      await db.destroy();
      throw error;
    }
    const listener = new NotificationListener(options.url);
    const close = async () => {
      await listener.close();
      await db.destroy();
    };
    return { db, kind: 'postgres', pglite: null, connectionString: options.url, listen: (channel, fn) => listener.listen(channel, fn), close };
  }

  let lock: DataDirLock | null = null;
  if (options.dataDir !== null) lock = lockDataDir(options.dataDir);
  let pglite: PGlite;
  try {
    const pgdata = options.dataDir === null ? undefined : join(options.dataDir, 'pgdata');
    if (pgdata !== undefined) await initDataDirInChild(pgdata);
    pglite = yieldingPglite(
      await PGlite.create(pgdata, { postgresqlconf: PGLITE_CONF, serializers: { [BYTEA_OID]: byteaSerializer }, parsers: { [BYTEA_OID]: byteaParser } }),
    );
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = kyselyOver(new PGliteDialect({ pglite }));
  const close = async () => {
    try {
      await db.destroy();
    } finally {
      lock?.release();
    }
  };
  try {
    await migrateToLatest(db);
  } catch (error) {
    await close();
    throw error;
  }
  const listen = async (channel: string, fn: (payload: string) => void) => {
    const stop = await pglite.listen(channel, fn);
    return () => {
      stop().catch(() => undefined);
    };
  };
  return { db, kind: 'pglite', pglite, connectionString: null, listen, close };
}
