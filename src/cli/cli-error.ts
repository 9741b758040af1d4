/**
 * The exit codes of `proctor` (documented in the README, "Command line"):
 *   0 every gate passed   1 a quality gate failed   2 the run failed, was canceled or errored
 *   beyond the gate   3 bad spec, config or connection (or any error before a verdict)
 *   130 interrupted (Ctrl-C; a run in flight is canceled on the server first)
 */
export const EXIT = { ok: 0, gateFailed: 1, runFailed: 2, usage: 3, interrupted: 130 } as const;

/** An expected way for a command to end: a message for stderr and the exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.usage) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
