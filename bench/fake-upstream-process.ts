import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup } from './cleanup.ts';
import { sleep } from './net-util.ts';
import { readCpuSeconds, readMemory } from './proc-stats.ts';

/**
 * The fake OpenAI upstream (test/support/fake-openai) as a child process of its own
 * (bench/fake-upstream-child.ts), driven over IPC: the benchmarked server's CPU and memory are
 * measured without the fake's, and the fake's own CPU is measured apart.
 */
export interface FakeUpstreamStats {
  requests: number;
  byOutcome: Record<string, number>;
  byModel: Record<string, number>;
  inFlight: number;
  maxInFlight: number;
  maxInFlightByModel: Record<string, number>;
  usageByModel: Record<string, { invocation_count: number; prompt_tokens: number; completion_tokens: number; total_tokens: number; cached_tokens: number }>;
  firstRequestAt: number | null;
  lastRequestAt: number | null;
  /** Sampling calls that arrived in each 100 ms from the first one (complete only up to 5M calls). */
  arrivalsPer100ms: number[];
}

export type ParentMessage = { id: number; cmd: 'behavior'; latencyMs: number } | { id: number; cmd: 'stats' } | { id: number; cmd: 'close' };

/** A ParentMessage before its id is assigned (Omit over each member of the union). */
type Request = ParentMessage extends infer M ? (M extends ParentMessage ? Omit<M, 'id'> : never) : never;

type ChildMessage = { type: 'ready'; url: string; apiKey: string | null } | { id: number; ok: true } | { id: number; stats: FakeUpstreamStats };

export interface FakeUpstreamProcess {
  pid: number;
  /** Base URL for an OpenAI client, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string;
  apiKey: string | null;
  /** Replaces the behavior (a fixed latency before each answer; 0 = none) and starts fresh stats. */
  configure(latencyMs: number): Promise<void>;
  stats(): Promise<FakeUpstreamStats>;
  /** user+system CPU seconds of the fake process so far. */
  cpuSeconds(): number | null;
  rssKb(): number | null;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 30_000;

function tailOf(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startFakeUpstreamProcess(o: { root: string; logPath: string }): Promise<FakeUpstreamProcess> {
  const logFd = openSync(o.logPath, 'a');
  // execArgv explicitly: not the benchmark's own flags, and never the server's --cpu-prof.
  const child: ChildProcess = fork(join(o.root, 'bench', 'fake-upstream-child.ts'), [], {
    cwd: o.root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', logFd, logFd, 'ipc'],
    serialization: 'json',
  });
  closeSync(logFd);
  if (child.pid === undefined) {
    const error = await new Promise<Error>((r) => child.once('error', r));
    throw new Error(`cannot start the fake upstream: ${error.message}`);
  }
  const pid = child.pid;
  let exited = false;
  const exitedPromise = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );

  const waiting = new Map<number, { resolve: (m: ChildMessage) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let ready: ((m: { url: string; apiKey: string | null }) => void) | null = null;
  child.on('message', (raw: unknown) => {
    const m = raw as ChildMessage;
    if ('type' in m) {
      ready?.({ url: m.url, apiKey: m.apiKey });
      return;
    }
    const w = waiting.get(m.id);
    if (w !== undefined) {
      waiting.delete(m.id);
      w.resolve(m);
    }
  });
  void exitedPromise.then(() => {
    for (const w of waiting.values()) w.reject(new Error(`the fake upstream (pid ${pid}) exited; its log:\n${tailOf(o.logPath)}`));
    waiting.clear();
  });

  const call = (message: Request): Promise<ChildMessage> => {
    if (exited || !child.connected) return Promise.reject(new Error(`the fake upstream (pid ${pid}) is not running; its log:\n${tailOf(o.logPath)}`));
    const id = nextId++;
    return new Promise<ChildMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`the fake upstream did not answer '${message.cmd}' within ${CALL_TIMEOUT_MS / 1000} s`));
      }, CALL_TIMEOUT_MS);
      waiting.set(id, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ ...message, id });
    });
  };

  let stopped: Promise<void> | null = null;
  const stopNow = (): Promise<void> =>
    (stopped ??= (async () => {
      if (exited) return;
      await Promise.race([call({ cmd: 'close' }).catch(() => undefined), sleep(5_000)]);
      await Promise.race([exitedPromise, sleep(5_000)]);
      if (!exited) {
        child.kill('SIGKILL');
        await exitedPromise;
      }
    })());
  const unregister = onCleanup(`fake upstream ${pid}`, stopNow, () => {
    if (!exited) child.kill('SIGKILL');
  });

  let address: { url: string; apiKey: string | null };
  try {
    address = await Promise.race([
      new Promise<{ url: string; apiKey: string | null }>((r) => (ready = r)),
      exitedPromise.then(() => Promise.reject(new Error(`the fake upstream exited during start-up; its log:\n${tailOf(o.logPath)}`))),
      sleep(READY_TIMEOUT_MS).then(() => Promise.reject(new Error(`the fake upstream was not ready after ${READY_TIMEOUT_MS / 1000} s; its log:\n${tailOf(o.logPath)}`))),
    ]);
  } catch (error) {
    await unregister();
    throw error;
  }

  return {
    pid,
    url: address.url,
    apiKey: address.apiKey,
    async configure(latencyMs) {
      await call({ cmd: 'behavior', latencyMs });
    },
    async stats() {
      const m = await call({ cmd: 'stats' });
      if (!('stats' in m)) throw new Error('the fake upstream answered stats without stats');
      return m.stats;
    },
    cpuSeconds: () => readCpuSeconds(pid),
    rssKb: () => readMemory(pid)?.rssKb ?? null,
    stop: unregister,
  };
}
