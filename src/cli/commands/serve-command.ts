import { ConfigError, loadConfig } from '../../config.ts';
import { createLogger } from '../../logger.ts';
import { CliError } from '../cli-error.ts';
import type { Command, CommandIo } from '../command.ts';

const SERVE_HELP = `usage: proctor serve

Serves the Evals API on PROCTOR_HOST:PROCTOR_PORT (default 127.0.0.1:8080): /v1, /openai/v1 and
/openai (Azure), plus GET /health and GET /v1/openapi.json. With no PROCTOR_DATABASE_URL it stores
everything in PROCTOR_DATA_DIR (./.proctor) and runs evals in the same process.

Stops cleanly on SIGINT or SIGTERM, and when the process that started it goes away. Under a
supervisor (systemd, a container, a process manager) run \`npx proctor serve\` (or
\`node bin/proctor.js serve\`) directly, not \`npm start\`: npm does not pass SIGTERM on.
Settings: see README "Configuration".
`;

const WORKER_HELP = `usage: proctor worker

Runs evals only, sharing the PostgreSQL database of PROCTOR_DATABASE_URL with \`proctor serve\`
processes (the scaled deployment). Embedded mode runs its workers inside \`proctor serve\`.
`;

async function serveUntilStopped(http: boolean, io: CommandIo): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  if (!http && config.databaseUrl === null) {
    throw new CliError('`worker` needs PROCTOR_DATABASE_URL (embedded mode runs its workers inside `proctor serve`)');
  }
  const logger = createLogger(config.logLevel);
  const [{ startProctor }, { DataDirLockedError }] = await Promise.all([import('../start-proctor.ts'), import('../../storage/data-dir-lock.ts')]);
  let running;
  try {
    running = await startProctor({ config, logger, http, workers: true });
  } catch (error) {
    if (error instanceof DataDirLockedError) throw new CliError(error.message);
    throw error;
  }
  if (running.url !== null) {
    io.stdout.write(`Proctor is serving the Evals API at ${running.url}/v1 (storage: ${running.database.kind === 'pglite' ? config.dataDir : 'PostgreSQL'})\n`);
  } else {
    io.stdout.write('Proctor worker started\n');
  }
  // `npm start` and some shells do not pass SIGTERM on: a server whose parent went away (it was
  // re-parented) stops too, instead of running on and holding the data-dir lock.
  const parent = process.ppid;
  const reason = await new Promise<string>((resolve) => {
    if (io.interrupted.aborted) return resolve('signal');
    io.interrupted.addEventListener('abort', () => resolve('signal'), { once: true });
    const watch = setInterval(() => {
      if (process.ppid !== parent) {
        clearInterval(watch);
        resolve('parent exited');
      }
    }, 1000);
    watch.unref();
  });
  io.stdout.write(`Proctor is stopping${reason === 'parent exited' ? ' (its parent process exited)' : ''}…\n`);
  await running.close();
  return 0;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the Evals API (and run evals in this process in embedded mode)',
  help: SERVE_HELP,
  options: {},
  run: async (_values, positionals, io) => {
    if (positionals.length > 0) throw new CliError(`proctor serve takes no arguments (got '${positionals[0]}')\nSee: proctor serve --help`);
    return serveUntilStopped(true, io);
  },
};

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run evals only, on the PostgreSQL database of PROCTOR_DATABASE_URL',
  help: WORKER_HELP,
  options: {},
  run: async (_values, positionals, io) => {
    if (positionals.length > 0) throw new CliError(`proctor worker takes no arguments (got '${positionals[0]}')\nSee: proctor worker --help`);
    return serveUntilStopped(false, io);
  },
};
