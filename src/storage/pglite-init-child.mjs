// Creates a PGlite data directory and exits. Run as a child process: PGlite's first-time initdb
// peaks near 900 MB, and memory a process has touched stays its high-water mark; done here, the
// server itself never carries that peak.
import { PGlite } from '@electric-sql/pglite';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: pglite-init-child.mjs <data dir>\n');
  process.exit(2);
}
const db = await PGlite.create(dir);
await db.close();
