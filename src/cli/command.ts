import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { Writable } from 'node:stream';
import type { ClientConfig } from '../config.ts';
import { CliError } from './cli-error.ts';

/** What a command may touch: its streams, the client settings, and an abort on Ctrl-C. */
export interface CommandIo {
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean; columns?: number };
  readonly client: ClientConfig;
  /** Aborted on SIGINT/SIGTERM: a command cleans up (cancels its run) and returns EXIT.interrupted. */
  readonly interrupted: AbortSignal;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full help text, printed by `proctor <name> --help`. */
  readonly help: string;
  readonly options: ParseArgsOptionsConfig;
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[], io: CommandIo): Promise<number>;
}

/** Options every command that talks to Proctor takes. */
export const CONNECTION_OPTIONS: ParseArgsOptionsConfig = {
  server: { type: 'string' },
  'api-key': { type: 'string' },
  'data-dir': { type: 'string' },
};

export const CONNECTION_HELP = `Where Proctor is:
  --server <url>     a running Proctor (or PROCTOR_URL), e.g. http://127.0.0.1:8080
  --api-key <key>    its API key (or PROCTOR_API_KEY)
  --data-dir <dir>   with no server: start Proctor in this process on <dir>
                     (PROCTOR_DATA_DIR, default ./.proctor)`;

export function parseCommandArgs(command: Command, argv: string[]): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\nSee: proctor ${command.name} --help`);
  }
}

export const str = (v: string | boolean | string[] | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
