import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from './api-client.ts';

/**
 * The real `proctor serve` as a child process, for what an in-process server cannot show: a
 * crash (an uncaught exception ends the process), kill -9, a blocked event loop, the data
 * directory lock. Every child is remembered; call `killAllServes()` in an `after` hook.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Serve {
  child: ChildProcess;
  url: string;
  /** The last 64 KiB of the child's stdout and stderr. */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive: () => boolean;
}

const children = new Set<ChildProcess>();

/** `promise`, or null once `ms` pass — without leaving a timer that keeps the process alive. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The child's environment: ours without any PROCTOR_* setting, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PROCTOR_') && !k.startsWith('NODE_TEST')) env[k] = v;
  return { ...env, PROCTOR_HOST: '127.0.0.1', PROCTOR_LOG_LEVEL: 'warn', ...extra };
}

/**
 * Starts `proctor serve` with `env` (storage, limits…) on a free port; does not wait for it. From
 * the TypeScript sources through tsx, or `script`: a built entry point (scripts/build.mjs).
 */
export async function spawnServe(env: Record<string, string>, script?: string): Promise<Serve> {
  const port = await freePort();
  const child = spawn(process.execPath, script === undefined ? ['--import', 'tsx', 'src/cli/main.ts', 'serve'] : [script, 'serve'], {
    cwd: ROOT,
    env: childEnv({ PROCTOR_PORT: String(port), ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited, alive: () => child.exitCode === null && child.signalCode === null };
}

export async function waitForHealth(s: Serve, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    assert.ok(s.alive(), `proctor serve exited before it was healthy:\n${s.output()}`);
    try {
      const res = await fetch(`${s.url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    assert.ok(Date.now() < deadline, `proctor serve not healthy after ${timeoutMs} ms:\n${s.output()}`);
    await sleep(100);
  }
}

/** Starts a serve and waits until it answers /health. */
export async function startServe(env: Record<string, string>, script?: string): Promise<Serve> {
  const s = await spawnServe(env, script);
  await waitForHealth(s);
  return s;
}

export async function kill9(s: Serve): Promise<void> {
  if (!s.alive()) return;
  s.child.kill('SIGKILL');
  await s.exited;
}

/** SIGTERM (a clean stop), SIGKILL after 20 s. */
export async function stopServe(s: Serve): Promise<void> {
  if (!s.alive()) return;
  s.child.kill('SIGTERM');
  if ((await within(s.exited, 20_000)) === null) await kill9(s);
}

/** Kills every child still running (for `after` hooks, whatever happened). */
export async function killAllServes(): Promise<void> {
  const waits: Array<Promise<unknown>> = [];
  for (const child of children) {
    waits.push(new Promise((resolve) => child.once('exit', resolve)));
    child.kill('SIGKILL');
  }
  await within(Promise.all(waits), 5000);
}
