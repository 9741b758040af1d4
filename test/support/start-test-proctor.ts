import { loadConfig } from '../../src/config.ts';
import { startProctor, type RunningProctor } from '../../src/cli/start-proctor.ts';
import { silentLogger } from '../../src/logger.ts';
import type { DatabaseOptions } from '../../src/storage/database.ts';

export interface TestProctor extends RunningProctor {
  url: string;
}

/**
 * A whole Proctor (HTTP on a free loopback port, queue, in-process workers) over the given
 * database, configured like the real thing from environment-style values.
 */
export async function startTestProctor(database: DatabaseOptions, env: Record<string, string> = {}): Promise<TestProctor> {
  const config = loadConfig({ PROCTOR_PORT: '0', PROCTOR_LOG_LEVEL: 'silent', ...env });
  const running = await startProctor({ config, logger: silentLogger, http: true, workers: true, database });
  if (running.url === null) throw new Error('test server did not start HTTP');
  return { ...running, url: running.url };
}

/** Polls until the run leaves queued/in_progress; returns the final run object. */
export async function waitForRun<T extends { status: string }>(fetchRun: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await fetchRun();
    if (run.status !== 'queued' && run.status !== 'in_progress') return run;
    if (Date.now() > deadline) throw new Error(`run still ${run.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
