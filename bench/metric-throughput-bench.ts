import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { TextSimilarityGraderConfig } from '../src/domain/grader-config.ts';
import { bleu } from '../src/graders/metrics/bleu.ts';
import { fuzzyMatch } from '../src/graders/metrics/fuzzy-match.ts';
import { gleu } from '../src/graders/metrics/gleu.ts';
import { meteor } from '../src/graders/metrics/meteor.ts';
import { rougeL, rougeN } from '../src/graders/metrics/rouge.ts';
import { wordTokenize } from '../src/graders/metrics/word-tokenize.ts';
import { createTextSimilarityGrader } from '../src/graders/text-similarity.ts';
import { intEnv } from './bench-env.ts';
import type { BenchContext, Benchmark, BenchmarkReport } from './benchmark.ts';
import { onCleanup } from './cleanup.ts';
import { generateSentencePairs, type SentencePair } from './sentence-pairs.ts';
import { fmtNumber, round } from './stats.ts';

/**
 * text_similarity throughput per metric, in this process: N generated (candidate, reference)
 * sentence pairs (bench/sentence-pairs.ts) through `createTextSimilarityGrader(...).grade` with
 * `{{ sample.output_text }}` / `{{ item.reference }}` templates (the path a run takes), and through
 * the bare metric function. Side by side, when a python3 with nltk is at hand, nltk's own
 * sentence_bleu / sentence_gleu / meteor_score on the first pairs of the same set
 * (bench/nltk-reference.py), with the largest score difference as a check that both computed
 * the same thing. Targets (the issue): ≥ 10× nltk where nltk was measured, otherwise ≥ 50k
 * pairs/s (BLEU, GLEU, ROUGE, fuzzy) and ≥ 10k pairs/s (METEOR), on the grader path.
 * PROCTOR_BENCH_METRICS (e.g. `bleu,fuzzy_match`) limits a run to some rows.
 */

type Metric = Exclude<TextSimilarityGraderConfig['evaluation_metric'], 'cosine'>;
/** The metrics, plus `word_tokenize` alone: the share of BLEU/GLEU/METEOR spent tokenising. */
type Row = Metric | 'word_tokenize';
type NltkMetric = 'bleu' | 'gleu' | 'meteor' | 'tokenize';

const ROWS: readonly Row[] = ['bleu', 'gleu', 'meteor', 'rouge_1', 'rouge_2', 'rouge_3', 'rouge_4', 'rouge_5', 'rouge_l', 'fuzzy_match', 'word_tokenize'];

/**
 * PROCTOR_BENCH_METRICS: a comma-separated subset of ROWS to measure (default all), for quick
 * rounds while working on one metric; nltk then only runs what those rows compare with.
 */
function rowsEnv(): readonly Row[] {
  const raw = process.env['PROCTOR_BENCH_METRICS'] ?? '';
  if (raw.trim() === '') return ROWS;
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(ROWS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`PROCTOR_BENCH_METRICS: unknown metric(s) ${unknown.join(', ')}; known: ${ROWS.join(', ')}`);
  return ROWS.filter((r) => names.includes(r));
}

/** The functions text-similarity.ts dispatches to, called directly. */
const BARE: Record<Row, (candidate: string, reference: string) => number> = {
  bleu,
  gleu,
  meteor: (c, r) => meteor(c, r),
  rouge_1: (c, r) => rougeN(c, r, 1),
  rouge_2: (c, r) => rougeN(c, r, 2),
  rouge_3: (c, r) => rougeN(c, r, 3),
  rouge_4: (c, r) => rougeN(c, r, 4),
  rouge_5: (c, r) => rougeN(c, r, 5),
  rouge_l: rougeL,
  fuzzy_match: fuzzyMatch,
  // both sides' tokens, as bleu/gleu/meteor make them; the "score" is the token count
  word_tokenize: (c, r) => wordTokenize(r).length + wordTokenize(c).length,
};

/** What each row mirrors, and the absolute target when that library is not measured (none for word_tokenize). */
const MIRRORS: Record<Row, { library: string; nltk: NltkMetric | null; floor: number | null }> = {
  bleu: { library: 'nltk sentence_bleu', nltk: 'bleu', floor: 50_000 },
  gleu: { library: 'nltk sentence_gleu', nltk: 'gleu', floor: 50_000 },
  meteor: { library: 'nltk meteor_score', nltk: 'meteor', floor: 10_000 },
  rouge_1: { library: 'rouge-score', nltk: null, floor: 50_000 },
  rouge_2: { library: 'rouge-score', nltk: null, floor: 50_000 },
  rouge_3: { library: 'rouge-score', nltk: null, floor: 50_000 },
  rouge_4: { library: 'rouge-score', nltk: null, floor: 50_000 },
  rouge_5: { library: 'rouge-score', nltk: null, floor: 50_000 },
  rouge_l: { library: 'rouge-score', nltk: null, floor: 50_000 },
  fuzzy_match: { library: 'rapidfuzz', nltk: null, floor: 50_000 },
  word_tokenize: { library: 'nltk word_tokenize', nltk: 'tokenize', floor: null },
};
const NLTK_FACTOR = 10;

const WARMUP_PAIRS = 2_000;

interface PassTiming {
  seconds: number;
  pairs_per_s: number;
}

interface MetricMeasurement {
  metric: Row;
  pairs: number;
  /** Every timed pass, in order; the figure reported is their median. None for word_tokenize. */
  grader_passes: PassTiming[];
  bare_passes: PassTiming[];
  grader_pairs_per_s: number | null;
  bare_pairs_per_s: number;
  /** Mean score (word_tokenize: mean tokens per pair). */
  mean_score: number;
  /** Grader path and bare function gave the same score for every pair. */
  grader_equals_bare: boolean;
  nltk: NltkMeasurement | null;
  target: string;
  met: boolean | null;
}

interface NltkMeasurement {
  pairs: number;
  seconds: number;
  pairs_per_s: number;
  first_call_ms: number;
  /** Proctor grader pairs/s (bare for word_tokenize) ÷ nltk pairs/s. */
  ratio: number;
  /** Largest |Proctor − nltk| over the compared pairs, and how many differ by more than 1e-9. */
  max_abs_diff: number;
  pairs_over_1e9: number;
}

interface NltkRun {
  python: string;
  version: string;
  wordnet: string | null;
  results: Map<NltkMetric, { pairs: number; seconds: number; first_call_ms: number; scores: number[] }>;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** A pass over all pairs through the grader, summing scores (so nothing is optimised away). */
async function graderPass(metric: Metric, items: readonly Record<string, unknown>[], samples: readonly Record<string, unknown>[], count: number): Promise<{ ms: number; scores: Float64Array }> {
  const grader = createTextSimilarityGrader({
    type: 'text_similarity',
    name: 'bench',
    input: '{{ sample.output_text }}',
    reference: '{{ item.reference }}',
    evaluation_metric: metric,
    pass_threshold: 0.5,
  });
  const scores = new Float64Array(count);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) scores[i] = (await grader.grade({ item: items[i] as Record<string, unknown>, sample: samples[i] as Record<string, unknown> })).score;
  return { ms: performance.now() - t0, scores };
}

function barePass(metric: Row, pairs: readonly SentencePair[], count: number): { ms: number; scores: Float64Array } {
  const score = BARE[metric];
  const scores = new Float64Array(count);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const pair = pairs[i] as SentencePair;
    scores[i] = score(pair.candidate, pair.reference);
  }
  return { ms: performance.now() - t0, scores };
}

// ------------------------------------------------------------------------- METEOR's first call

interface ColdMeteor {
  import_ms: number;
  first_call_ms: number;
  second_call_ms: number;
  rss_growth_mb: number;
}

/** METEOR in a fresh node process: module import, the first call (WordNet load), a second call. */
function coldMeteor(root: string): Promise<ColdMeteor> {
  const url = pathToFileURL(join(root, 'src/graders/metrics/meteor.ts')).href;
  const script = `
    const t0 = performance.now();
    const { meteor } = await import(${JSON.stringify(url)});
    const t1 = performance.now();
    const rss0 = process.memoryUsage().rss;
    meteor('The cats were sitting on the old mat.', 'A dog lay quietly on a rug.');
    const t2 = performance.now();
    meteor('The children began their journey.', 'The kids started the trip.');
    const t3 = performance.now();
    const rss1 = process.memoryUsage().rss;
    process.stdout.write(JSON.stringify({ import_ms: t1 - t0, first_call_ms: t2 - t1, second_call_ms: t3 - t2, rss_growth_mb: (rss1 - rss0) / 1048576 }));
  `;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as ColdMeteor);
    });
  });
}

// ---------------------------------------------------------------------------------------- nltk

/** The first interpreter that imports nltk: $PROCTOR_BENCH_PYTHON, else python3, else /usr/bin/python3. */
async function findNltkPython(): Promise<{ python: string; version: string } | string> {
  const chosen = process.env['PROCTOR_BENCH_PYTHON'];
  const candidates = chosen !== undefined && chosen !== '' ? [chosen] : ['python3', '/usr/bin/python3'];
  const tried: string[] = [];
  for (const python of candidates) {
    const found = await new Promise<string | null>((resolve) => {
      execFile(python, ['-c', 'import sys, nltk; print(f"nltk {nltk.__version__}, python {sys.version.split()[0]} ({sys.executable})")'], { timeout: 60_000 }, (error, stdout) => resolve(error ? null : stdout.trim()));
    });
    if (found !== null) return { python, version: found };
    tried.push(python);
  }
  return `no python with nltk (tried ${tried.join(', ')}; Debian: apt-get install python3-nltk, or set PROCTOR_BENCH_PYTHON)`;
}

/** WordNet 3.0's lexicographer file names (the `lexnames` file nltk's reader insists on; neither source ships it). */
const LEXNAMES = [
  'adj.all', 'adj.pert', 'adv.all', 'noun.Tops', 'noun.act', 'noun.animal', 'noun.artifact', 'noun.attribute', 'noun.body', 'noun.cognition',
  'noun.communication', 'noun.event', 'noun.feeling', 'noun.food', 'noun.group', 'noun.location', 'noun.motive', 'noun.object', 'noun.person',
  'noun.phenomenon', 'noun.plant', 'noun.possession', 'noun.process', 'noun.quantity', 'noun.relation', 'noun.shape', 'noun.state', 'noun.substance',
  'noun.time', 'verb.body', 'verb.change', 'verb.cognition', 'verb.communication', 'verb.competition', 'verb.consumption', 'verb.contact',
  'verb.creation', 'verb.emotion', 'verb.motion', 'verb.perception', 'verb.possession', 'verb.social', 'verb.stative', 'verb.weather', 'adj.ppl',
];
const LEXNAME_POS: Record<string, number> = { adj: 3, adv: 4, noun: 1, verb: 2 };

const WORDNET_FILES = ['index.noun', 'index.verb', 'index.adj', 'index.adv', 'data.noun', 'data.verb', 'data.adj', 'data.adv', 'noun.exc', 'verb.exc', 'adj.exc', 'adv.exc'];
const WORDNET_OPTIONAL = ['index.sense', 'cntlist.rev', 'lexnames'];

/**
 * WordNet 3.0 as nltk reads it: Debian's /usr/share/wordnet (package wordnet-base). Proctor ships
 * its own extract of the same database (src/graders/metrics/wordnet-3.0.txt.gz), which nltk cannot
 * read; the comparison of scores below is what shows the two agree.
 */
function wordnetSource(_root: string): { dir: string; label: string } | null {
  const complete = (dir: string) => WORDNET_FILES.every((f) => existsSync(join(dir, f)));
  if (complete('/usr/share/wordnet')) return { dir: '/usr/share/wordnet', label: "Debian's /usr/share/wordnet" };
  return null;
}

/** $tmp/nltk_data/corpora/wordnet: symlinks to the WordNet files, plus a `lexnames` when missing. */
function buildNltkData(tmp: string, source: string): string {
  const data = join(tmp, 'nltk_data');
  const corpus = join(data, 'corpora', 'wordnet');
  mkdirSync(corpus, { recursive: true });
  for (const file of [...WORDNET_FILES, ...WORDNET_OPTIONAL]) if (existsSync(join(source, file))) symlinkSync(join(source, file), join(corpus, file));
  if (!existsSync(join(corpus, 'lexnames'))) {
    const lines = LEXNAMES.map((name, i) => `${String(i).padStart(2, '0')}\t${name}\t${LEXNAME_POS[name.split('.')[0] as string] ?? 0}`);
    writeFileSync(join(corpus, 'lexnames'), `${lines.join('\n')}\n`);
  }
  return data;
}

async function runNltk(ctx: BenchContext, pairs: readonly SentencePair[], counts: Record<NltkMetric, number>, notes: string[]): Promise<NltkRun | null> {
  const found = await findNltkPython();
  if (typeof found === 'string') {
    notes.push(`nltk: not measured — ${found}. nltk columns are n/a; BLEU/GLEU/METEOR are held to the absolute targets instead`);
    ctx.progress(`[metrics] nltk skipped: ${found}`);
    return null;
  }
  ctx.progress(`[metrics] ${found.version}`);
  const tmp = mkdtempSync(join(os.tmpdir(), 'proctor-bench-nltk-'));
  const remove = onCleanup('nltk temp dir', async () => rmSync(tmp, { recursive: true, force: true }), () => rmSync(tmp, { recursive: true, force: true }));
  try {
    const wordnet = wordnetSource(ctx.root);
    const specs: string[] = [];
    for (const metric of ['tokenize', 'bleu', 'gleu', 'meteor'] as const) {
      if (metric === 'meteor' && wordnet === null) {
        notes.push('nltk meteor: not measured — no WordNet 3.0 files in /usr/share/wordnet (Debian wordnet-base)');
        continue;
      }
      if (counts[metric] > 0) specs.push(`${metric}:${counts[metric]}`);
    }
    if (specs.length === 0) {
      notes.push('nltk: skipped (PROCTOR_BENCH_NLTK_PAIRS and PROCTOR_BENCH_NLTK_METEOR_PAIRS are 0)');
      return null;
    }
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
    if (wordnet !== null) {
      const dataDir = buildNltkData(tmp, wordnet.dir);
      env['NLTK_DATA'] = [dataDir, process.env['NLTK_DATA']].filter((p) => p !== undefined && p !== '').join(':');
    }
    const file = join(tmp, 'pairs.jsonl');
    const needed = Math.max(...Object.values(counts));
    writeFileSync(file, pairs.slice(0, needed).map((p) => `${JSON.stringify({ candidate: p.candidate, reference: p.reference })}\n`).join(''));

    const results: NltkRun['results'] = new Map();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(found.python, [join(ctx.root, 'bench', 'nltk-reference.py'), file, ...specs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), ctx.settings.runTimeoutSeconds * 1000);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        let nl: number;
        while ((nl = stdout.indexOf('\n')) !== -1) {
          const line = stdout.slice(0, nl);
          stdout = stdout.slice(nl + 1);
          const r = JSON.parse(line) as { metric: NltkMetric; pairs: number; seconds: number; first_call_ms: number; scores: number[] };
          results.set(r.metric, r);
        }
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        for (const line of chunk.split('\n')) if (line.trim() !== '') ctx.progress(`[metrics/python] ${line}`);
      });
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`nltk-reference.py exited with ${code}: ${stderr.slice(-2000)}`));
      });
    });
    return { python: found.python, version: found.version, wordnet: wordnet?.label ?? null, results };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    notes.push(`nltk: FAILED — ${message}`);
    ctx.progress(`[metrics] nltk failed: ${message}`);
    return null;
  } finally {
    await remove();
  }
}

// ----------------------------------------------------------------------------------- the run

async function run(ctx: BenchContext): Promise<BenchmarkReport> {
  const count = ctx.settings.rows;
  const repeats = intEnv('PROCTOR_BENCH_METRIC_REPEATS', 5, 1);
  const nltkPairs = Math.min(count, intEnv('PROCTOR_BENCH_NLTK_PAIRS', 20_000, 0));
  const nltkMeteorPairs = Math.min(count, intEnv('PROCTOR_BENCH_NLTK_METEOR_PAIRS', 5_000, 0));
  const rows = rowsEnv();
  const notes: string[] = [];
  if (rows.length < ROWS.length) notes.push(`PROCTOR_BENCH_METRICS: only ${rows.join(', ')}`);

  // METEOR's first call before anything in this process touches WordNet.
  let firstCallMs = Number.NaN;
  const cold: ColdMeteor[] = [];
  if (rows.includes('meteor')) {
    const t0 = performance.now();
    meteor('The cats were sitting on the old mat.', 'A dog lay quietly on a rug.');
    firstCallMs = performance.now() - t0;
    try {
      for (let i = 0; i < 3; i++) cold.push(await coldMeteor(ctx.root));
    } catch (error) {
      notes.push(`METEOR in a fresh process: FAILED — ${error instanceof Error ? error.message : String(error)}`);
    }
    ctx.progress(`[metrics] METEOR first call: ${Math.round(firstCallMs)} ms here; fresh process ${cold.map((c) => Math.round(c.first_call_ms)).join(' / ')} ms`);
  }

  let t = performance.now();
  const pairs = generateSentencePairs(count);
  const items = pairs.map((p, i) => ({ id: i, reference: p.reference }));
  const samples = pairs.map((p) => ({ output_text: p.candidate }));
  let words = 0;
  for (const p of pairs) words += p.reference.split(' ').length + p.candidate.split(' ').length;
  ctx.progress(`[metrics] ${fmtNumber(count)} pairs generated in ${Math.round(performance.now() - t)} ms (mean ${fmtNumber(words / (2 * count), 1)} words a sentence)`);

  // A full collection before each timed pass, so no pass pays for the garbage of the one before.
  setFlagsFromString('--expose-gc');
  const collectGarbage = runInNewContext('gc') as () => void;

  const measured: { metric: Row; grader: PassTiming[]; bare: PassTiming[]; scores: Float64Array; sameScores: boolean }[] = [];
  for (const metric of rows) {
    t = performance.now();
    const viaGrader = metric !== 'word_tokenize';
    const warm = Math.min(count, WARMUP_PAIRS);
    if (viaGrader) await graderPass(metric, items, samples, warm);
    barePass(metric, pairs, warm);
    const grader: PassTiming[] = [];
    const bare: PassTiming[] = [];
    let scores: Float64Array = new Float64Array(0);
    let sameScores = true;
    for (let r = 0; r < repeats; r++) {
      // Alternate which path goes first, so neither always inherits the other's heap.
      for (const path of r % 2 === 0 ? (['grader', 'bare'] as const) : (['bare', 'grader'] as const)) {
        if (path === 'grader' && !viaGrader) continue;
        collectGarbage();
        const pass = path === 'grader' && viaGrader ? await graderPass(metric, items, samples, count) : barePass(metric, pairs, count);
        (path === 'grader' ? grader : bare).push({ seconds: pass.ms / 1000, pairs_per_s: (count * 1000) / pass.ms });
        if (scores.length === 0) scores = pass.scores;
        else for (let i = 0; i < count && sameScores; i++) if (pass.scores[i] !== scores[i]) sameScores = false;
      }
    }
    measured.push({ metric, grader, bare, scores, sameScores });
    const graderText = viaGrader ? `grader ${fmtNumber(median(grader.map((p) => p.pairs_per_s)))} pairs/s, ` : '';
    ctx.progress(`[metrics] ${metric}: ${graderText}bare ${fmtNumber(median(bare.map((p) => p.pairs_per_s)))} pairs/s (${repeats} × ${fmtNumber(count)} pairs, ${Math.round((performance.now() - t) / 1000)} s)`);
  }

  // nltk last, with this process idle: both sides get the machine to themselves.
  const nltkCount = (row: Row, pairsWanted: number): number => (rows.includes(row) ? pairsWanted : 0);
  const nltk = await runNltk(
    ctx,
    pairs,
    { bleu: nltkCount('bleu', nltkPairs), gleu: nltkCount('gleu', nltkPairs), meteor: nltkCount('meteor', nltkMeteorPairs), tokenize: nltkCount('word_tokenize', nltkPairs) },
    notes,
  );

  const results: MetricMeasurement[] = measured.map(({ metric, grader, bare, scores, sameScores }) => {
    const graderRate = grader.length > 0 ? median(grader.map((p) => p.pairs_per_s)) : null;
    const bareRate = median(bare.map((p) => p.pairs_per_s));
    let sum = 0;
    for (const s of scores) sum += s;
    const mirror = MIRRORS[metric];
    const theirs = mirror.nltk !== null ? nltk?.results.get(mirror.nltk) : undefined;
    let nltkMeasurement: NltkMeasurement | null = null;
    if (theirs !== undefined) {
      let maxDiff = 0;
      let over = 0;
      theirs.scores.forEach((s, i) => {
        const d = Math.abs(s - (scores[i] ?? Number.NaN));
        if (!(d <= maxDiff)) maxDiff = d;
        if (!(d <= 1e-9)) over++;
      });
      const rate = theirs.pairs / theirs.seconds;
      nltkMeasurement = { pairs: theirs.pairs, seconds: theirs.seconds, pairs_per_s: rate, first_call_ms: theirs.first_call_ms, ratio: (graderRate ?? bareRate) / rate, max_abs_diff: maxDiff, pairs_over_1e9: over };
    }
    let target = '—';
    let met: boolean | null = null;
    if (graderRate !== null && nltkMeasurement !== null) {
      target = `≥ ${NLTK_FACTOR}× nltk`;
      met = nltkMeasurement.ratio >= NLTK_FACTOR;
    } else if (graderRate !== null && mirror.floor !== null) {
      target = `≥ ${fmtNumber(mirror.floor)}/s`;
      met = graderRate >= mirror.floor;
    }
    return {
      metric,
      pairs: count,
      grader_passes: grader,
      bare_passes: bare,
      grader_pairs_per_s: graderRate === null ? null : round(graderRate),
      bare_pairs_per_s: round(bareRate),
      mean_score: sum / count,
      grader_equals_bare: sameScores,
      nltk: nltkMeasurement,
      target,
      met,
    };
  });

  const coldMedian = (key: keyof ColdMeteor) => (cold.length === 0 ? Number.NaN : median(cold.map((c) => c[key])));
  notes.push(
    `${fmtNumber(count)} generated pairs (bench/sentence-pairs.ts, seeded), ${repeats} timed pass(es) per path after a ${fmtNumber(Math.min(count, WARMUP_PAIRS))}-pair warm-up; pairs/s is the median pass. ` +
      `"grader" = createTextSimilarityGrader(...).grade with {{ sample.output_text }} / {{ item.reference }} templates, awaited one row at a time; "bare" = the metric function. Targets and "met" use the grader path`,
  );
  if (rows.includes('meteor')) {
    notes.push(
      `METEOR first call (WordNet load + first use): ${fmtNumber(firstCallMs)} ms in this process; in a fresh node process (median of 3): import ${fmtNumber(coldMedian('import_ms'))} ms, first call ${fmtNumber(coldMedian('first_call_ms'))} ms, second call ${fmtNumber(coldMedian('second_call_ms'), 2)} ms, RSS +${fmtNumber(coldMedian('rss_growth_mb'))} MB`,
    );
  }
  if (nltk !== null) {
    const meteorFirst = nltk.results.get('meteor')?.first_call_ms;
    notes.push(
      `nltk: ${nltk.version}; first ${fmtNumber(nltkPairs)} pairs for BLEU/GLEU, ${fmtNumber(nltkMeteorPairs)} for METEOR (bench/nltk-reference.py). ` +
        `Tokens: word_tokenize(text, preserve_line=True) — Debian's nltk has no punkt model for sent_tokenize; every generated text is one sentence, so the tokens are plain word_tokenize's (Proctor's port still runs its Punkt step, which costs little)`,
      `nltk WordNet: ${nltk.wordnet ?? 'n/a'} (symlinked into a temporary NLTK_DATA, with a generated lexnames)${meteorFirst !== undefined ? `; nltk METEOR first call (WordNet load): ${fmtNumber(meteorFirst)} ms` : ''}`,
      `"max |Δ|": largest |Proctor − nltk| score over the compared pairs (same tokens, same formulas: expected 0 or ~1e-16). ` +
        `word_tokenize: both texts of a pair tokenised, no metric (its "× nltk" is bare ÷ nltk, its "mean score" the mean tokens per pair, its Δ the difference in token counts)`,
    );
  }
  notes.push('rouge-score (ROUGE) and rapidfuzz (fuzzy_match) are not installable here (no PyPI): those metrics are held to the absolute target, ≥ 50k pairs/s');
  const mismatched = results.filter((r) => !r.grader_equals_bare).map((r) => r.metric);
  if (mismatched.length > 0) notes.push(`WARNING: grader path and bare function disagree on ${mismatched.join(', ')}`);
  const differing = results.filter((r) => r.nltk !== null && r.nltk.pairs_over_1e9 > 0);
  for (const r of differing) notes.push(`WARNING: ${r.metric} differs from nltk by more than 1e-9 on ${r.nltk?.pairs_over_1e9} pair(s) (max ${r.nltk?.max_abs_diff})`);

  // run.ts prints the table transposed (a line per column): give it one row per figure and a
  // column per metric, so the terminal shows a line per metric.
  const figures: [string, (r: MetricMeasurement) => string][] = [
    ['grader pairs/s', (r) => fmtNumber(r.grader_pairs_per_s)],
    ['bare pairs/s', (r) => fmtNumber(r.bare_pairs_per_s)],
    ['nltk pairs/s', (r) => (r.nltk === null ? 'n/a' : fmtNumber(r.nltk.pairs_per_s))],
    ['× nltk', (r) => (r.nltk === null ? 'n/a' : `${fmtNumber(r.nltk.ratio, 1)}×`)],
    ['target', (r) => r.target],
    ['met', (r) => (r.met === null ? '—' : r.met ? 'yes' : 'NO')],
    ['mean score', (r) => fmtNumber(r.mean_score, 3)],
    ['max |Δ| vs nltk', (r) => (r.nltk === null ? 'n/a' : r.nltk.max_abs_diff === 0 ? '0' : r.nltk.max_abs_diff.toExponential(1))],
  ];
  return {
    title: `text_similarity throughput per metric — ${fmtNumber(count)} sentence pairs, in-process`,
    columns: ['metric', ...results.map((r) => r.metric)],
    rows: figures.map(([label, cell]) => [label, ...results.map(cell)]),
    notes,
    data: {
      pairs: count,
      repeats,
      meteor_first_call_ms_in_process: firstCallMs,
      meteor_cold_process: cold,
      nltk: nltk === null ? null : { python: nltk.python, version: nltk.version, wordnet: nltk.wordnet, bleu_gleu_pairs: nltkPairs, meteor_pairs: nltkMeteorPairs },
      metrics: results,
    },
  };
}

export const metricThroughputBenchmark: Benchmark = {
  name: 'metrics',
  description: 'text_similarity pairs/s per metric (grader path and bare function), side by side with nltk when python3-nltk is installed',
  run,
};
