// The test runner behind `npm test`: finds the test files, makes a PostgreSQL available (a
// private throw-away cluster when the server binaries exist), runs node's test runner over the
// files and tears the cluster down again. Plain Node, no dependencies.
//
//   npm test                          every *.test.ts under src/ and test/
//   npm test -- string-check test/x   only files whose path contains one of the words, or lies
//                                     under one of the paths
//   npm test -- --test-name-pattern=x arguments starting with "-" go to `node --test` as they are
//
// Environment: PROCTOR_TEST_DATABASE_URL (use this server instead of a private cluster),
// PROCTOR_TEST_CONCURRENCY (test files run at once, default 2).

import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const testRoots = ['src', 'test'];
const defaultConcurrency = 2;
const readyTimeoutMs = 30_000;
const stopTimeoutMs = 20_000;

// ---------------------------------------------------------------------------------------------
// Test files

function walk(dir, found) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, found);
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

function toPosix(path) {
  return path.split(sep).join('/');
}

/** Relative (posix) paths of the test files the filters select; every file when there are none. */
function selectTestFiles(filters) {
  const all = testRoots.flatMap((dir) => walk(join(root, dir), [])).map((p) => toPosix(relative(root, p)));
  if (filters.length === 0) return [...new Set(all)].sort();

  const selected = new Set();
  for (const filter of filters) {
    const asPath = resolve(process.cwd(), filter);
    if (existsSync(asPath)) {
      const stat = statSync(asPath);
      const paths = stat.isDirectory() ? walk(asPath, []) : [asPath];
      for (const p of paths) selected.add(toPosix(relative(root, p)));
      continue;
    }
    const needle = toPosix(filter);
    for (const p of all) if (p.includes(needle)) selected.add(p);
  }
  return [...selected].sort();
}

// ---------------------------------------------------------------------------------------------
// A private PostgreSQL cluster

function newestPostgresBin() {
  const base = '/usr/lib/postgresql';
  let versions;
  try {
    versions = readdirSync(base);
  } catch {
    return null;
  }
  const usable = versions
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')) && existsSync(join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a) || b.localeCompare(a));
  return usable.length > 0 ? join(base, usable[0], 'bin') : null;
}

/** uid/gid of the `postgres` system user, created if missing; null when that is impossible. */
function postgresUser() {
  const lookup = () => {
    try {
      const line = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const fields = line.trim().split(':');
      return { uid: Number(fields[2]), gid: Number(fields[3]) };
    } catch {
      return null;
    }
  };
  const found = lookup();
  if (found !== null) return found;
  const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  return made.status === 0 ? lookup() : null;
}

/** Whether `uid` can reach `dir`: every ancestor must be searchable by it. */
function traversableBy(dir, uid) {
  for (let d = dir; ; d = dirname(d)) {
    const stat = statSync(d);
    if (stat.uid !== uid && (stat.mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function exitOf(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

function tail(path, lines = 30) {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function pgIsReady(bin, port) {
  return new Promise((r) => {
    const probe = spawn(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'proctor', '-d', 'postgres', '-t', '1'], { stdio: 'ignore' });
    probe.once('error', () => r(false));
    probe.once('exit', (code) => r(code === 0));
  });
}

function tcpAccepts(port) {
  return new Promise((r) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      r(true);
    });
    socket.once('error', () => r(false));
  });
}

/**
 * Starts a cluster in a fresh temporary directory; returns `{ url, stop }`. As root the cluster
 * runs as the `postgres` user (PostgreSQL refuses root): the children are spawned with that
 * uid/gid directly, so the pid we hold is the postmaster's own and our signals reach it.
 */
async function startCluster(bin, asUser) {
  let base = os.tmpdir();
  if (asUser !== null && !traversableBy(base, asUser.uid)) base = '/tmp';
  const dir = mkdtempSync(join(base, 'proctor-pg-'));
  const cluster = { dir, child: null, stopped: null };
  cluster.stop = () => (cluster.stopped ??= stopCluster(cluster));
  live.cluster = cluster;

  const ids = asUser === null ? {} : { uid: asUser.uid, gid: asUser.gid };
  if (asUser !== null) chownSync(dir, asUser.uid, asUser.gid);
  const dataDir = join(dir, 'data');
  const logPath = join(dir, 'postgres.log');

  const initdb = spawnSync(
    join(bin, 'initdb'),
    ['-D', dataDir, '-A', 'trust', '-U', 'proctor', '--no-sync', '-E', 'UTF8', '--no-locale'],
    { cwd: dir, encoding: 'utf8', ...ids },
  );
  if (initdb.status !== 0) {
    throw new Error(`initdb failed (${initdb.error?.message ?? `exit ${initdb.status}`}):\n${initdb.stdout ?? ''}${initdb.stderr ?? ''}`);
  }

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const logFd = openSync(logPath, 'a');
    const child = spawn(
      join(bin, 'postgres'),
      [
        '-D', dataDir,
        '-h', '127.0.0.1',
        '-p', String(port),
        '-k', dir,
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
        '-c', 'max_connections=200',
      ],
      // Own process group: a Ctrl-C at the terminal reaches the tests, and we stop the server
      // after them, instead of the server dying under tests that are still shutting down.
      { cwd: dir, stdio: ['ignore', logFd, logFd], detached: true, ...ids },
    );
    closeSync(logFd);
    cluster.child = child;
    let spawnError = null;
    child.once('error', (error) => (spawnError = error));

    const deadline = Date.now() + readyTimeoutMs;
    const hasIsReady = existsSync(join(bin, 'pg_isready'));
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null && spawnError === null) {
      if (hasIsReady ? await pgIsReady(bin, port) : await tcpAccepts(port)) {
        return { url: `postgres://proctor@127.0.0.1:${port}/postgres`, cluster };
      }
      await sleep(100);
    }
    if (spawnError !== null) throw new Error(`cannot start postgres: ${spawnError.message}`);
    const exited = child.exitCode !== null || child.signalCode !== null;
    if (exited && attempt < 3 && /could not bind|address already in use/i.test(tail(logPath, 5))) continue; // lost the port race
    throw new Error(`postgres ${exited ? 'exited' : `not ready after ${readyTimeoutMs / 1000} s`}; its log:\n${tail(logPath)}`);
  }
}

async function stopCluster(cluster) {
  const child = cluster.child;
  if (child !== null && child.exitCode === null && child.signalCode === null) {
    // SIGINT is PostgreSQL's "fast" shutdown: disconnect clients, checkpoint, exit.
    child.kill('SIGINT');
    const stopped = await Promise.race([exitOf(child).then(() => true), sleep(stopTimeoutMs).then(() => false)]);
    if (!stopped) {
      child.kill('SIGQUIT'); // immediate shutdown
      await Promise.race([exitOf(child), sleep(5_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
  rmSync(cluster.dir, { recursive: true, force: true, maxRetries: 3 });
}

// ---------------------------------------------------------------------------------------------
// Main

/** What must be torn down however we leave: the cluster and the test child. */
const live = { cluster: null, tests: null };

async function provideDatabaseUrl() {
  const given = process.env.PROCTOR_TEST_DATABASE_URL;
  if (given) {
    console.log('note: tests use PROCTOR_TEST_DATABASE_URL');
    return given;
  }
  const bin = newestPostgresBin();
  if (bin === null) {
    console.log('note: PostgreSQL not found — tests run against PGlite only');
    return null;
  }
  let asUser = null;
  if (typeof process.getuid === 'function' && process.getuid() === 0) {
    asUser = postgresUser();
    if (asUser === null) {
      console.log('note: PostgreSQL cannot run as root and there is no postgres user — tests run against PGlite only');
      return null;
    }
  }
  const started = Date.now();
  const { url } = await startCluster(bin, asUser);
  console.log(`note: private PostgreSQL cluster from ${bin} up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${url}`);
  return url;
}

function runTests(files, nodeArgs, databaseUrl) {
  const raw = process.env.PROCTOR_TEST_CONCURRENCY;
  const concurrency = raw && /^[1-9]\d*$/.test(raw) ? Number(raw) : defaultConcurrency;
  const env = { ...process.env };
  if (databaseUrl === null) delete env.PROCTOR_TEST_DATABASE_URL;
  else env.PROCTOR_TEST_DATABASE_URL = databaseUrl;
  if (leaving) return new Promise(() => {}); // interrupted while starting: leave() exits
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...nodeArgs, ...files];
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
  live.tests = child;
  return new Promise((r, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => r(code ?? (signal === null ? 1 : 128 + (os.constants.signals[signal] ?? 0))));
  });
}

let leaving = false;
async function leave(code) {
  if (leaving) return;
  leaving = true;
  try {
    await live.cluster?.stop();
  } catch (error) {
    console.error(`warning: could not tear down the test cluster: ${error.message}`);
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    const tests = live.tests;
    const code = 128 + os.constants.signals[signal];
    if (tests !== null && tests.exitCode === null && tests.signalCode === null) {
      tests.kill(signal);
      const force = setTimeout(() => tests.kill('SIGKILL'), 10_000);
      void exitOf(tests).then(() => {
        clearTimeout(force);
        return leave(code);
      });
    } else {
      void leave(code);
    }
  });
}

// Last resort if we die some other way: no server or directory left behind.
process.on('exit', () => {
  const cluster = live.cluster;
  if (cluster === null || cluster.stopped !== null) return;
  const child = cluster.child;
  if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
  try {
    rmSync(cluster.dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
});

async function main() {
  const argv = process.argv.slice(2);
  const nodeArgs = argv.filter((a) => a.startsWith('-'));
  const filters = argv.filter((a) => !a.startsWith('-'));
  const files = selectTestFiles(filters);
  if (files.length === 0) {
    console.error(filters.length > 0 ? `no test file matches ${filters.join(' ')}` : 'no test files under src/ or test/');
    return 1;
  }
  const databaseUrl = await provideDatabaseUrl();
  return runTests(files, nodeArgs, databaseUrl);
}

main().then(
  (code) => leave(code),
  (error) => {
    console.error(`test runner: ${error instanceof Error ? error.message : String(error)}`);
    return leave(1);
  },
);
