import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LAYERS } from '../../eslint/import-layers.mjs';

// The lint rule enforces eslint/import-layers.mjs; people read the READMEs. This keeps them equal:
// each src/<folder>/README.md has one line `May import: `a/`, `b.ts`; types only: `c/`.` (or
// `nothing` / `anything`) naming exactly that folder's table entries.

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const folders = readdirSync(src).filter((name) => statSync(join(src, name)).isDirectory());
const key = (token: string) => token.replace(/\/$/, '');

function readmeLine(folder: string): { may: string[] | '*'; types: string[] } {
  const lines = readFileSync(join(src, folder, 'README.md'), 'utf8').split('\n').filter((l) => l.startsWith('May import:'));
  assert.equal(lines.length, 1, `src/${folder}/README.md needs exactly one line starting "May import:"`);
  const line = lines[0]!.slice('May import:'.length);
  if (/^\s*anything\b/.test(line)) return { may: '*', types: [] };
  const [values = '', types = ''] = line.split(/types only:/);
  const tokens = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => key(m[1]!)).sort();
  return { may: tokens(values), types: tokens(types) };
}

describe('import layers', () => {
  it('has a table entry for every folder and top-level source file of src/, and no other', () => {
    const files = readdirSync(src).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    assert.deepEqual(Object.keys(LAYERS).sort(), [...folders, ...files].sort());
  });

  for (const folder of folders) {
    it(`src/${folder}/README.md "May import:" matches the table`, () => {
      const layer = LAYERS[folder];
      assert.ok(layer, `no table entry for src/${folder}`);
      const table = { may: layer.may === '*' ? '*' : [...layer.may].sort(), types: [...(layer.types ?? [])].sort() };
      assert.deepEqual(readmeLine(folder), table);
    });
  }

  it('names only entries that exist', () => {
    for (const [layer, { may, types = [] }] of Object.entries(LAYERS)) {
      for (const entry of [...(may === '*' ? [] : may), ...types]) {
        assert.ok(entry in LAYERS || (entry.includes('/') && existsSync(join(src, entry))), `${layer}: unknown entry ${entry}`);
      }
    }
  });

  // The lint patterns recognise a layer by `../<name>/`; a subfolder with a layer's name would be
  // mistaken for it.
  it('has no folder inside src/<layer>/ named like a layer', () => {
    const clash: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        if (folders.includes(entry.name)) clash.push(join(dir, entry.name));
        walk(join(dir, entry.name));
      }
    };
    for (const folder of folders) walk(join(src, folder));
    assert.deepEqual(clash, []);
  });
});
