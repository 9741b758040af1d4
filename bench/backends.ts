import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { onCleanup } from './cleanup.ts';
import { startPostgresCluster, type PostgresCluster } from './postgres-cluster.ts';
import { readTree } from './proc-stats.ts';

/**
 * The storage a benchmarked server runs on. Each benchmark asks for a fresh, empty database per
 * server it starts, so runs never see each other's data.
 */
export type BackendName = 'pglite' | 'postgres';
export const BACKEND_NAMES: readonly BackendName[] = ['pglite', 'postgres'];

export interface FreshDatabase {
  /** Environment for the child server (PROCTOR_DATA_DIR or PROCTOR_DATABASE_URL). */
  env: Record<string, string>;
  /** Bytes the database takes on disk now; null when unknown. */
  storageBytes(): Promise<number | null>;
  /** PSS and CPU seconds of the database server's processes, when it runs outside the Proctor process and we can see it. */
  serverProcesses(): { pssKb: number; cpuSeconds: number } | null;
  dispose(): Promise<void>;
}

export interface Backend {
  name: BackendName;
  /** One line for the output: what this backend is and how it is configured. */
  description: string;
  freshDatabase(): Promise<FreshDatabase>;
}

function dirBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

export function pgliteBackend(): Backend {
  return {
    name: 'pglite',
    description: `PGlite (embedded, in the Proctor process) in a fresh data directory under ${os.tmpdir()}`,
    async freshDatabase() {
      const dir = mkdtempSync(join(os.tmpdir(), 'proctor-bench-data-'));
      const dispose = onCleanup('pglite data dir', async () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }), () => rmSync(dir, { recursive: true, force: true }));
      return { env: { PROCTOR_DATA_DIR: dir }, storageBytes: async () => dirBytes(dir), serverProcesses: () => null, dispose };
    },
  };
}

async function withClient<T>(url: string, f: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await f(client);
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL: the server of PROCTOR_BENCH_DATABASE_URL when set (a database is created on it per
 * server and dropped afterwards), else a private cluster started here. A string answer says why
 * the backend is unavailable.
 */
export async function postgresBackend(givenUrl: string | undefined): Promise<Backend | string> {
  let baseUrl: string;
  let cluster: PostgresCluster | null = null;
  let description: string;
  if (givenUrl !== undefined && givenUrl !== '') {
    baseUrl = givenUrl;
    const shown = new URL(givenUrl);
    shown.password = shown.password === '' ? '' : '***';
    description = `PostgreSQL of PROCTOR_BENCH_DATABASE_URL (${shown.toString()}), its own settings; a fresh database per run`;
  } else {
    const started = Date.now();
    const c = await startPostgresCluster();
    if (typeof c === 'string') return c;
    cluster = c;
    baseUrl = c.url;
    description =
      `private PostgreSQL ${c.version} cluster (${c.bin}), stock postgresql.conf: default durability ` +
      `(fsync=on, synchronous_commit=on, full_page_writes=on), shared_buffers 128MB; up in ${((Date.now() - started) / 1000).toFixed(1)} s`;
  }
  const settings = await withClient(baseUrl, async (client) => {
    const r = await client.query<{ name: string; setting: string; unit: string | null }>(
      "select name, setting, unit from pg_settings where name in ('server_version','fsync','synchronous_commit','full_page_writes','shared_buffers','max_connections')",
    );
    return Object.fromEntries(r.rows.map((row) => [row.name, row.unit === '8kB' ? `${(Number(row.setting) * 8) / 1024}MB` : row.setting]));
  });
  if (cluster === null) description += ` [server ${settings['server_version']}, fsync=${settings['fsync']}, synchronous_commit=${settings['synchronous_commit']}, shared_buffers=${settings['shared_buffers']}]`;
  const pid = cluster?.pid ?? null;
  return {
    name: 'postgres',
    description,
    async freshDatabase() {
      const name = `proctor_bench_${randomBytes(6).toString('hex')}`;
      await withClient(baseUrl, (client) => client.query(`create database ${name}`));
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      const dispose = onCleanup(`drop database ${name}`, async () => {
        await withClient(baseUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
      });
      return {
        env: { PROCTOR_DATABASE_URL: url.toString() },
        storageBytes: () =>
          withClient(baseUrl, async (client) => {
            const r = await client.query<{ bytes: string }>('select pg_database_size($1)::text as bytes', [name]);
            return r.rows[0] === undefined ? null : Number(r.rows[0].bytes);
          }),
        serverProcesses: () => (pid === null ? null : readTree(pid)),
        dispose,
      };
    },
  };
}
