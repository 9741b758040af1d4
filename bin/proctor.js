#!/usr/bin/env node
// Builds the server from src/ (scripts/build.mjs, ~50 ms) and runs the bundle: plain JavaScript
// with no TypeScript loader in the process. A build that cannot be written (a read-only install)
// falls back to running the sources through tsx.
import { build } from '../scripts/build.mjs';

let main;
try {
  main = await build();
} catch (error) {
  process.stderr.write(`proctor: cannot build dist/ (${error instanceof Error ? error.message : String(error)}); running the TypeScript sources\n`);
}
if (main !== undefined) {
  await import(main);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
