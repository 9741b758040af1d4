import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { onCleanup } from './cleanup.ts';
import { freePort, sleep } from './net-util.ts';

/**
 * A private, throw-away PostgreSQL cluster for the benchmark, started from the Debian server
 * binaries the way `scripts/test.mjs` does — but with the stock durability settings (fsync,
 * synchronous_commit, full_page_writes all on): the numbers should be those of a production
 * server, not of a test fixture. Only `initdb` skips its own fsync, which is set-up, not workload.
 */
export interface PostgresCluster {
  url: string;
  /** The postmaster's pid: its process tree is the database server. */
  pid: number;
  version: string;
  bin: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

export function newestPostgresBin(): string | null {
  const base = '/usr/lib/postgresql';
  let versions: string[];
  try {
    versions = readdirSync(base);
  } catch {
    return null;
  }
  const usable = versions
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')) && existsSync(join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a) || b.localeCompare(a));
  return usable[0] === undefined ? null : join(base, usable[0], 'bin');
}

/** uid/gid of the `postgres` system user (PostgreSQL refuses to run as root); null if there is none. */
function postgresUser(): { uid: number; gid: number } | null {
  try {
    const fields = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(':');
    return { uid: Number(fields[2]), gid: Number(fields[3]) };
  } catch {
    return null;
  }
}

function traversableBy(dir: string, uid: number): boolean {
  for (let d = dir; ; d = dirname(d)) {
    const stat = statSync(d);
    if (stat.uid !== uid && (stat.mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function exitOf(child: ChildProcess): Promise<void> {
  return exited(child) ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

function pgIsReady(bin: string, port: number): Promise<boolean> {
  return new Promise((r) => {
    const probe = spawn(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'proctor', '-d', 'postgres', '-t', '1'], { stdio: 'ignore' });
    probe.once('error', () => r(false));
    probe.once('exit', (code) => r(code === 0));
  });
}

/**
 * Starts a cluster in a fresh temporary directory, or explains (as a string) why it cannot.
 * The cluster is registered for clean-up: it is stopped and its directory removed however the
 * benchmark ends.
 */
export async function startPostgresCluster(): Promise<PostgresCluster | string> {
  const bin = newestPostgresBin();
  if (bin === null) return 'no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)';
  let asUser: { uid: number; gid: number } | null = null;
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    asUser = postgresUser();
    if (asUser === null) return 'running as root and there is no `postgres` user to run PostgreSQL as';
  }
  let base = os.tmpdir();
  if (asUser !== null && !traversableBy(base, asUser.uid)) base = '/tmp';
  const dir = mkdtempSync(join(base, 'proctor-bench-pg-'));
  const ids = asUser === null ? {} : { uid: asUser.uid, gid: asUser.gid };
  if (asUser !== null) chownSync(dir, asUser.uid, asUser.gid);
  const dataDir = join(dir, 'data');
  const logPath = join(dir, 'postgres.log');

  let child: ChildProcess | null = null;
  const stopNow = async () => {
    if (child !== null && !exited(child)) {
      child.kill('SIGINT'); // fast shutdown: disconnect clients, checkpoint, exit
      const stopped = await Promise.race([exitOf(child).then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]);
      if (!stopped) {
        child.kill('SIGQUIT');
        await Promise.race([exitOf(child), sleep(5_000)]);
        if (!exited(child)) child.kill('SIGKILL');
      }
    }
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  const stop = onCleanup('postgres cluster', stopNow, () => {
    if (child !== null && !exited(child)) child.kill('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  });

  try {
    const initdb = spawnSync(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'proctor', '--no-sync', '-E', 'UTF8', '--no-locale'], {
      cwd: dir,
      encoding: 'utf8',
      ...ids,
    });
    if (initdb.status !== 0) {
      throw new Error(`initdb failed (${initdb.error?.message ?? `exit ${initdb.status}`}):\n${initdb.stdout}${initdb.stderr}`);
    }
    const version = (readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim() || '?');

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const logFd = openSync(logPath, 'a');
      // Stock postgresql.conf from initdb; only where it listens is chosen here.
      const c = spawn(join(bin, 'postgres'), ['-D', dataDir, '-h', '127.0.0.1', '-p', String(port), '-k', dir], {
        cwd: dir,
        stdio: ['ignore', logFd, logFd],
        detached: true, // own process group: a Ctrl-C reaches us, and we stop it in order
        ...ids,
      });
      closeSync(logFd);
      child = c;
      let spawnError: Error | null = null;
      c.once('error', (error) => (spawnError = error));
      const deadline = Date.now() + READY_TIMEOUT_MS;
      while (Date.now() < deadline && !exited(c) && spawnError === null) {
        if (await pgIsReady(bin, port)) {
          if (c.pid === undefined) throw new Error('postgres started without a pid');
          return { url: `postgres://proctor@127.0.0.1:${port}/postgres`, pid: c.pid, version, bin, stop };
        }
        await sleep(100);
      }
      if (spawnError !== null) throw new Error(`cannot start postgres: ${(spawnError as Error).message}`);
      if (exited(c) && attempt < 3 && /could not bind|address already in use/i.test(tail(logPath, 5))) continue;
      throw new Error(`postgres ${exited(c) ? 'exited' : `not ready after ${READY_TIMEOUT_MS / 1000} s`}; its log:\n${tail(logPath)}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
