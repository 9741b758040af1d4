import OpenAI from 'openai';
import { loadClientConfig } from '../config.ts';
import { CliError, EXIT } from './cli-error.ts';
import { parseCommandArgs, type Command, type CommandIo } from './command.ts';
import { compareCommand } from './commands/compare-command.ts';
import { evalsCommand, runsCommand } from './commands/list-commands.ts';
import { exportCommand } from './commands/export-command.ts';
import { importCommand, normalizeImportArgv } from './commands/import-command.ts';
import { runCommand } from './commands/run-command.ts';
import { serveCommand, workerCommand } from './commands/serve-command.ts';
import { proctorVersion } from './version.ts';

const COMMANDS: readonly Command[] = [serveCommand, workerCommand, runCommand, exportCommand, importCommand, compareCommand, evalsCommand, runsCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: proctor <command> [options]

${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}
  ${'help'.padEnd(width)}  this text, or \`proctor help <command>\`

proctor --version prints the version; proctor <command> --help explains a command (and starts nothing).
Exit codes: 0 ok, 1 a quality gate failed, 2 the run failed or was canceled, 3 bad spec, config
or connection, 130 interrupted.
`;
}

async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout.write(`proctor ${proctorVersion()}\n`);
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(topic ? topic.help : usage());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`proctor: unknown command '${name}'\n\n${usage()}`);
    return EXIT.usage;
  }
  const { values, positionals } = parseCommandArgs(command, command === importCommand ? normalizeImportArgv(rest) : rest);
  if (values['help'] === true) {
    io.stdout.write(command.help);
    return EXIT.ok;
  }
  return command.run(values, positionals, io);
}

function describe(error: unknown): { message: string; code: number } {
  if (error instanceof CliError) return { message: error.message, code: error.exitCode };
  if (error instanceof OpenAI.APIConnectionError) return { message: `cannot reach the server: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`, code: EXIT.usage };
  if (error instanceof OpenAI.APIError) return { message: `the server answered: ${error.message}`, code: EXIT.usage };
  return { message: error instanceof Error ? (error.stack ?? error.message) : String(error), code: EXIT.usage };
}

const interrupt = new AbortController();
let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    signals++;
    // A second Ctrl-C does not wait for the cleanup of the first.
    if (signals > 1) process.exit(EXIT.interrupted);
    interrupt.abort();
  });
}

// `proctor export … | head`: a reader that stops early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
});

const io: CommandIo = { stdout: process.stdout, stderr: process.stderr, client: loadClientConfig(), interrupted: interrupt.signal };
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; stdout may still be draining to a pipe.
    process.stdout.write('', () => process.exit(code));
  },
  (error: unknown) => {
    const { message, code } = describe(error);
    process.stderr.write(`proctor: ${message}\n`);
    process.exit(code);
  },
);
