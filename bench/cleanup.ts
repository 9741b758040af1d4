/**
 * Things to tear down however the benchmark ends (normal end, an error, Ctrl-C): child servers,
 * throw-away PostgreSQL clusters, temporary directories. Undone in reverse order of registration.
 */
type Undo = { label: string; run: () => Promise<void>; sync?: () => void };

const stack: Undo[] = [];
let exiting = false;

/** Registers an undo step; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(label: string, run: () => Promise<void>, sync?: () => void): () => Promise<void> {
  const undo: Undo = sync === undefined ? { label, run } : { label, run, sync };
  stack.push(undo);
  let done: Promise<void> | null = null;
  return () => {
    done ??= (async () => {
      const i = stack.indexOf(undo);
      if (i !== -1) stack.splice(i, 1);
      await run();
    })();
    return done;
  };
}

/** Runs every registered step, newest first; a failing step is reported and the rest still run. */
export async function cleanupAll(): Promise<void> {
  while (stack.length > 0) {
    const undo = stack.pop();
    if (undo === undefined) break;
    try {
      await undo.run();
    } catch (error) {
      process.stderr.write(`warning: cleanup '${undo.label}' failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}

/** Ctrl-C and friends: tear down, then exit with the conventional code. */
export function installSignalHandlers(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      if (exiting) return;
      exiting = true;
      process.stderr.write(`\n${signal}: cleaning up…\n`);
      void cleanupAll().finally(() => process.exit(code));
    });
  }
  // Last resort (an uncaught error, process.exit elsewhere): the synchronous halves.
  process.on('exit', () => {
    for (const undo of [...stack].reverse()) {
      try {
        undo.sync?.();
      } catch {
        // best effort
      }
    }
  });
}
