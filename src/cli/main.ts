import { ConfigError, loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { DataDirLockedError } from '../storage/data-dir-lock.ts';
import { startProctor } from './start-proctor.ts';

/**
 * `proctor serve` — API (and, in embedded mode, workers) in one process.
 * `proctor worker` — workers only, for the scaled deployment on PostgreSQL.
 */
const USAGE = `usage: proctor <serve|worker>

  serve    serve the Evals API on PROCTOR_HOST:PROCTOR_PORT (default 127.0.0.1:8080);
           with no PROCTOR_DATABASE_URL it stores everything in PROCTOR_DATA_DIR (./.proctor)
           and runs evals in the same process
  worker   run evals only, sharing the PostgreSQL database of PROCTOR_DATABASE_URL
`;

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  if (command !== 'serve' && command !== 'worker') {
    process.stderr.write(USAGE);
    return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`proctor: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (command === 'worker' && config.databaseUrl === null) {
    process.stderr.write('proctor: `worker` needs PROCTOR_DATABASE_URL (embedded mode runs its workers inside `proctor serve`)\n');
    return 2;
  }
  let running;
  try {
    running = await startProctor({ config, logger, http: command === 'serve', workers: true });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      process.stderr.write(`proctor: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  if (running.url !== null) {
    process.stdout.write(`Proctor is serving the Evals API at ${running.url}/v1 (storage: ${running.database.kind === 'pglite' ? config.dataDir : 'PostgreSQL'})\n`);
  } else {
    process.stdout.write('Proctor worker started\n');
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('Proctor is stopping…\n');
  await running.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`proctor: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
