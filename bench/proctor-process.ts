import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { onCleanup } from './cleanup.ts';
import { freePort, sleep } from './net-util.ts';
import { readCpuSeconds, readMemory } from './proc-stats.ts';

/**
 * `proctor serve` as a child process — its own pid, so its memory and CPU are measured apart from
 * the benchmark's client. With PGlite the database lives inside that process, so its RSS includes
 * the database.
 */
export interface ProctorProcess {
  pid: number;
  url: string;
  logPath: string;
  /** Milliseconds from spawn to a healthy `/health`. */
  startupMs: number;
  sampler: ProcessSampler;
  /** Set once the process has exited: how, and when. */
  exit: { code: number | null; signal: NodeJS.Signals | null; at: number } | null;
  /** Rejects as soon as the process exits (use in Promise.race to notice a crash). */
  crashed: Promise<never>;
  logTail(lines?: number): string;
  /** Event-loop delay of the server (from bench/event-loop-probe.ts) over [from, to] (epoch ms). */
  eventLoop(from?: number, to?: number): EventLoopSummary | null;
  /** SIGTERM, wait for a graceful stop (SIGKILL after the timeout); resolves with the stop time. */
  stop(): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null }>;
}

export interface EventLoopSummary {
  /** Longest the loop was kept from turning, ms. */
  max_ms: number;
  /** Largest per-second p99 of the delay, ms. */
  worst_p99_ms: number;
  /** Seconds (probe lines) in which the loop stalled for more than 1 s at once. */
  seconds_with_stall_over_1s: number;
  lines: number;
}

export interface StartOptions {
  root: string;
  /** Database env (from the backend) and any overrides. */
  env: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof (PROCTOR_BENCH_NODE_ARGS). */
  nodeArgs: readonly string[];
  logPath: string;
  sampleIntervalMs?: number;
  readyTimeoutMs?: number;
}

/** Environment we never pass through: keys and a config file would change what is measured. */
const DROPPED_ENV = ['PROCTOR_API_KEYS', 'PROCTOR_CONFIG', 'PROCTOR_DATA_DIR', 'PROCTOR_DATABASE_URL', 'PROCTOR_HOST', 'PROCTOR_PORT', 'PROCTOR_LOG_LEVEL'];

export function serverEnv(extra: Record<string, string>, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of DROPPED_ENV) delete env[name];
  return { ...env, PROCTOR_HOST: '127.0.0.1', PROCTOR_PORT: String(port), PROCTOR_LOG_LEVEL: 'warn', ...extra };
}

function tailOf(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startProctorProcess(o: StartOptions): Promise<ProctorProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startOnce(o, port);
    } catch (error) {
      if (attempt < 3 && error instanceof Error && /EADDRINUSE/.test(error.message)) continue; // lost the port race
      throw error;
    }
  }
}

let built: Promise<{ main: string; probe: string }> | null = null;

/**
 * The server as users run it (`npm start`: the bundle scripts/build.mjs writes to dist/, no
 * TypeScript loader in the process), and the event-loop probe compiled beside it. Built once per
 * benchmark process.
 */
function builtServer(root: string): Promise<{ main: string; probe: string }> {
  built ??= (async () => {
    const { build } = (await import(pathToFileURL(join(root, 'scripts', 'build.mjs')).href)) as { build: () => Promise<string> };
    const main = await build();
    const probe = join(root, '.bench', 'event-loop-probe.mjs');
    await esbuild.build({ entryPoints: [join(root, 'bench', 'event-loop-probe.ts')], outfile: probe, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
    return { main, probe };
  })();
  return built;
}

async function startOnce(o: StartOptions, port: number): Promise<ProctorProcess> {
  const started = Date.now();
  const logFd = openSync(o.logPath, 'a');
  const probeFile = `${o.logPath.replace(/\.log$/, '')}.event-loop.jsonl`;
  const { main, probe } = await builtServer(o.root);
  const nodeArgs = [...o.nodeArgs];
  // Profiles of each server in a directory named after it (`jsonl-pglite.cpuprofiles/`): node writes
  // one per thread (the main thread is tid 0).
  if (nodeArgs.includes('--cpu-prof') && !nodeArgs.some((a) => a.startsWith('--cpu-prof-dir'))) nodeArgs.push(`--cpu-prof-dir=${o.logPath.replace(/\.log$/, '')}.cpuprofiles`);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', probe, main, 'serve'], {
    cwd: o.root,
    env: { ...serverEnv(o.env, port), PROCTOR_BENCH_PROBE_FILE: probeFile },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  if (child.pid === undefined) {
    const error = await new Promise<Error>((r) => child.once('error', r));
    throw new Error(`cannot start the Proctor server: ${error.message}`);
  }
  const pid = child.pid;
  const sampler = new ProcessSampler(pid, o.sampleIntervalMs ?? 100);
  const url = `http://127.0.0.1:${port}`;

  let exit: ProctorProcess['exit'] = null;
  let crashReject: (error: Error) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => (crashReject = reject));
  crashed.catch(() => undefined); // observed by whoever races it
  let stopping = false;
  child.once('exit', (code, signal) => {
    exit = { code, signal, at: Date.now() };
    sampler.stop();
    if (!stopping) crashReject(new Error(`the Proctor server (pid ${pid}) exited unexpectedly (${signal ?? `code ${code}`}); last lines of ${o.logPath}:\n${tailOf(o.logPath, 40)}`));
  });

  type StopResult = { ms: number; code: number | null; signal: NodeJS.Signals | null };
  let stopPromise: Promise<StopResult> | null = null;
  const stopOnce = (): Promise<StopResult> =>
    (stopPromise ??= (async () => {
      stopping = true;
      const t0 = Date.now();
      if (exit === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const graceful = await Promise.race([exited.then(() => true), sleep(60_000).then(() => false)]);
        if (!graceful) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      sampler.stop();
      const e = exit;
      return { ms: Date.now() - t0, code: e?.code ?? null, signal: e?.signal ?? null };
    })());
  const unregister = onCleanup(`proctor server ${pid}`, async () => void (await stopOnce()), () => {
    if (exit === null) child.kill('SIGKILL');
  });

  const proc: ProctorProcess = {
    pid,
    url,
    logPath: o.logPath,
    startupMs: 0,
    sampler,
    get exit() {
      return exit;
    },
    crashed,
    logTail: (lines = 40) => tailOf(o.logPath, lines),
    eventLoop: (from = 0, to = Number.POSITIVE_INFINITY) => readProbe(probeFile, from, to),
    stop: async () => {
      const r = await stopOnce();
      await unregister();
      return r;
    },
  };

  const deadline = started + (o.readyTimeoutMs ?? 120_000);
  for (;;) {
    const e = exit as ProctorProcess['exit'];
    if (e !== null) {
      await proc.stop();
      throw new Error(`the Proctor server exited during start-up (${e.signal ?? `code ${e.code}`}):\n${tailOf(o.logPath, 40)}`);
    }
    try {
      const res = await fetch(`${url}/health`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`the Proctor server was not healthy after ${(o.readyTimeoutMs ?? 120_000) / 1000} s:\n${tailOf(o.logPath, 40)}`);
    }
    await sleep(100);
  }
  proc.startupMs = Date.now() - started;
  return proc;
}

/** Probe lines cover the second before their `t`: a line belongs to [from, to] if its window overlaps it. */
function readProbe(path: string, from: number, to: number): EventLoopSummary | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const lines = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { t: number; max_ms: number; p99_ms: number })
    .filter((l) => l.t >= from && l.t - l.max_ms - 1000 <= to);
  if (lines.length === 0) return null;
  return {
    max_ms: Math.round(Math.max(...lines.map((l) => l.max_ms))),
    worst_p99_ms: Math.round(Math.max(...lines.map((l) => l.p99_ms))),
    seconds_with_stall_over_1s: lines.filter((l) => l.max_ms > 1000).length,
    lines: lines.length,
  };
}

export interface MemorySample {
  /** ms since the epoch */
  t: number;
  rssKb: number;
}

/** Samples a process's VmRSS every `intervalMs`; windows of the samples give per-phase peaks. */
export class ProcessSampler {
  readonly pid: number;
  readonly samples: MemorySample[] = [];
  #timer: NodeJS.Timeout | null;
  #lastHwmKb: number | null = null;

  constructor(pid: number, intervalMs: number) {
    this.pid = pid;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  sample(): MemorySample | null {
    const m = readMemory(this.pid);
    if (m === null) return null;
    this.#lastHwmKb = m.hwmKb;
    const s = { t: Date.now(), rssKb: m.rssKb };
    this.samples.push(s);
    return s;
  }

  /** Largest sampled RSS in [from, to] (ms since the epoch), kB. */
  peakKb(from = 0, to = Number.POSITIVE_INFINITY): number | null {
    let peak: number | null = null;
    for (const s of this.samples) if (s.t >= from && s.t <= to && (peak === null || s.rssKb > peak)) peak = s.rssKb;
    return peak;
  }

  /** The kernel's high-water mark of the resident set (VmHWM), as last read. */
  hwmKb(): number | null {
    if (this.#timer !== null) this.sample();
    return this.#lastHwmKb;
  }

  cpuSeconds(): number | null {
    return readCpuSeconds(this.pid);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
