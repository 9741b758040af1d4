import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real `proctor` command line as a child process, from a bundle built once per test file into
 * its own folder under .artifacts/ (so a concurrent build in this checkout is not disturbed, and
 * packages still resolve from the checkout's node_modules).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Cli {
  main: string;
  run(args: string[], o?: { env?: Record<string, string>; cwd?: string; onStart?: (child: ChildProcess) => void }): Promise<CliResult>;
  close(): void;
}

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PROCTOR_') && !k.startsWith('NODE_TEST') && k !== 'OPENAI_API_KEY') env[k] = v;
  return { ...env, PROCTOR_LOG_LEVEL: 'warn', ...extra };
}

export async function buildCli(): Promise<Cli> {
  mkdirSync(join(ROOT, '.artifacts'), { recursive: true });
  const outDir = mkdtempSync(join(ROOT, '.artifacts', 'cli-build-'));
  const { build } = (await import(join(ROOT, 'scripts', 'build.mjs'))) as { build: (dir: string) => Promise<string> };
  const main = await build(outDir);
  return {
    main,
    run: (args, o = {}) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [main, ...args], { cwd: o.cwd ?? ROOT, env: childEnv(o.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.once('error', reject);
        child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
        o.onStart?.(child);
      }),
    close: () => rmSync(outDir, { recursive: true, force: true }),
  };
}

/** Runs a command under a pseudo-terminal (util-linux `script`), returning what the terminal showed. */
export function underPty(cli: Cli, args: string[], env: Record<string, string>): Promise<CliResult> {
  const quoted = [process.execPath, cli.main, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', quoted, '/dev/null'], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
