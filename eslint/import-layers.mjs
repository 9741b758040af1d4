// Which top-level entries of src/ each folder may import — the machine-checked form of the
// "May import:" line of each folder's README (test/layout/import-layers.test.ts keeps the two in
// step). architecture §8: `domain` imports nothing; graders, providers and storage import domain; the
// runner wires them; the HTTP layer never imports the runner; only `cli/` wires concrete parts, so
// it alone may import anything.
//
// An entry is a folder (`storage`), a top-level file (`logger.ts`) or one file of a folder
// (`graders/grader-registry.ts`: that file only). `may` entries may be imported for values;
// `types` entries for types only (`import type`), i.e. ports whose implementation cli injects.
export const LAYERS = {
  domain: { may: [] },
  stats: { may: [] },
  'logger.ts': { may: [] },
  'metrics.ts': { may: [] },
  'config.ts': { may: ['domain'] },
  templates: { may: ['domain'] },
  storage: { may: ['domain'] },
  queue: { may: ['domain', 'storage', 'logger.ts'] },
  providers: { may: ['domain', 'logger.ts'], types: ['config.ts', 'metrics.ts'] },
  graders: { may: ['domain', 'templates', 'logger.ts'] },
  sources: { may: ['domain'], types: ['storage'] },
  services: { may: ['domain', 'sources', 'stats', 'graders/grader-registry.ts'], types: ['storage', 'queue/run-queue.ts'] },
  runner: { may: ['domain', 'sources', 'graders', 'templates'], types: ['storage', 'queue', 'logger.ts'] },
  api: { may: ['domain', 'report'], types: ['services', 'logger.ts'] },
  report: { may: ['domain', 'stats'], types: ['services', 'logger.ts'] },
  cli: { may: '*' },
};

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isFile = (entry) => entry.endsWith('.ts') && !entry.includes('/');

/** `no-restricted-imports` patterns for one folder: every entry it may not reach. */
function patternsFor(layer) {
  const { may, types = [] } = LAYERS[layer];
  // How a relative specifier climbs out to src/: `./` from a top-level file, `../` (repeated) from
  // a folder — sound because no folder under src/<layer>/ is named like a layer (the test checks it).
  const prefix = isFile(layer) ? '^\\./' : '^(?:\\.\\./)+';
  const self = isFile(layer) ? `src/${layer}` : `src/${layer}/`;
  const readme = isFile(layer) ? 'the table' : `"May import:" in src/${layer}/README.md`;
  const target = (entry) => (isFile(entry) || entry.includes('/') ? `src/${entry}` : `src/${entry}/`);
  const message = (entry, how = '') => `import layers: ${self} may not import ${target(entry)}${how} — see ${readme} and eslint/import-layers.mjs (architecture §8).`;
  const patterns = [];
  for (const entry of Object.keys(LAYERS)) {
    if (entry === layer || may.includes(entry)) continue;
    if (isFile(entry)) {
      const regex = `${prefix}${escape(entry)}$`;
      if (types.includes(entry)) patterns.push({ regex, allowTypeImports: true, caseSensitive: true, message: message(entry, ' except with `import type`') });
      else patterns.push({ regex, caseSensitive: true, message: message(entry) });
      continue;
    }
    if (types.includes(entry)) {
      patterns.push({ regex: `${prefix}${escape(entry)}/`, allowTypeImports: true, caseSensitive: true, message: message(entry, ' except with `import type`') });
      continue;
    }
    // The folder is closed except for single files named in `may` / `types`.
    const open = [...may, ...types].filter((e) => e.startsWith(`${entry}/`)).map((e) => escape(e.slice(entry.length + 1)));
    const except = open.length > 0 ? `(?!(?:${open.join('|')})$)` : '';
    patterns.push({ regex: `${prefix}${escape(entry)}/${except}`, caseSensitive: true, message: message(entry, open.length > 0 ? ` except ${types.concat(may).filter((e) => e.startsWith(`${entry}/`)).map((e) => `src/${e}`).join(', ')}` : '') });
    for (const file of types.filter((e) => e.startsWith(`${entry}/`))) {
      patterns.push({ regex: `${prefix}${escape(file)}$`, allowTypeImports: true, caseSensitive: true, message: message(file, ' except with `import type`') });
    }
  }
  return patterns;
}

/** One flat-config block per entry of LAYERS (tests exempt: they may import what they test). */
export function importLayerBlocks() {
  return Object.keys(LAYERS)
    .filter((layer) => LAYERS[layer].may !== '*')
    .map((layer) => ({
      files: isFile(layer) ? [`src/${layer}`] : [`src/${layer}/**/*.ts`, `src/${layer}/**/*.tsx`],
      ignores: ['**/*.test.ts', '**/*.test.tsx'],
      rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: patternsFor(layer) }] },
    }));
}
