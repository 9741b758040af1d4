import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { FAKE_OPENAI_API_KEY, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai/fake-openai.ts';
import { startTestProctor, type TestProctor } from '../support/start-test-proctor.ts';
import { testDatabases } from '../support/test-databases.ts';
import { answerRows, toJsonl, type JsonlRow } from './api-client.ts';
import { buildCli, underPty, type Cli } from './cli-process.ts';

/**
 * `proctor` end to end: the bundle as a child process against a real server (both databases) and
 * against an embedded data directory. Every exit code is reached on purpose.
 */
const KEY = 'sk-cli-test-key';
const criteria = [{ type: 'string_check', name: 'answer matches', input: '{{ sample.output_text }}', reference: '{{ item.answer }}', operation: 'eq' }];
const evalBody = (name: string) => ({ name, data_source_config: { type: 'custom', item_schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } }, testing_criteria: criteria });

function writeSpec(dir: string, name: string, spec: unknown, rows?: readonly JsonlRow[]): string {
  if (rows) writeFileSync(join(dir, `${name}.jsonl`), toJsonl(rows));
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

const localRun = (name: string, file: string) => ({ name, data_source: { type: 'jsonl', source: { type: 'file', path: `./${file}.jsonl` } } });
const parseJson = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!);

let cli: Cli;
let dir: string;
before(async () => {
  cli = await buildCli();
  dir = mkdtempSync(join(os.tmpdir(), 'proctor-cli-'));
});
after(() => {
  cli?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('proctor: help, version, usage errors', () => {
  it('--version, help and <command> --help exit 0 and start nothing', async () => {
    const version = await cli.run(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^proctor \d+\.\d+\.\d+/);
    const help = await cli.run(['help']);
    assert.equal(help.code, 0);
    for (const c of ['serve', 'run', 'export', 'import', 'compare', 'evals', 'runs']) assert.match(help.stdout, new RegExp(`\\n  ${c} `));
    for (const c of ['serve', 'worker', 'run', 'export', 'import', 'compare', 'evals', 'runs']) {
      const r = await cli.run([c, '--help'], { env: { PROCTOR_DATA_DIR: join(dir, 'never-created') } });
      assert.equal(r.code, 0, `${c} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`usage: proctor ${c}`));
      assert.doesNotMatch(r.stdout, /serving/);
    }
    assert.throws(() => readFileSync(join(dir, 'never-created', 'PG_VERSION')));
  });

  it('an unknown command or option, or a bad spec, exits 3 naming the problem', async () => {
    assert.equal((await cli.run(['frobnicate'])).code, 3);
    const badOption = await cli.run(['run', 'x.yaml', '--frob']);
    assert.equal(badOption.code, 3);
    assert.match(badOption.stderr, /--frob/);
    const missing = await cli.run(['run', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /nope\.yaml: cannot read the spec/);
    const badYaml = join(dir, 'bad.yaml');
    writeFileSync(badYaml, 'eval:\n  name: [unclosed\n');
    assert.match((await cli.run(['run', badYaml])).stderr, /bad\.yaml: line \d+, column \d+: not valid YAML/);
    const badCriterion = writeSpec(dir, 'bad-criterion', { eval: { ...evalBody('x'), testing_criteria: [{ type: 'string_check', name: 'c', input: 'a', reference: 'b', operation: 'sideways' }] }, run: localRun('r', 'rows') });
    const r = await cli.run(['run', badCriterion]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /bad-criterion\.json: eval\.testing_criteria\[0\]\.operation: /);
    const badGate = writeSpec(dir, 'bad-gate', { eval: evalBody('x'), run: localRun('r', 'rows'), gate: { min_pass_rate: { 'no such criterion': 0.5 } } });
    assert.match((await cli.run(['run', badGate])).stderr, /bad-gate\.json: gate\.min_pass_rate\.no such criterion: no testing criterion is named/);
    const unset = writeSpec(dir, 'unset-var', { eval: { ...evalBody('${PROCTOR_TEST_UNSET_VARIABLE}') }, run: localRun('r', 'rows') });
    assert.match((await cli.run(['run', unset])).stderr, /unset-var\.json: eval\.name: \$\{PROCTOR_TEST_UNSET_VARIABLE\} is not set/);
  });

  it('a server that is not there exits 3', async () => {
    const spec = writeSpec(dir, 'unreachable', { eval: evalBody('x'), run: localRun('r', 'unreachable') }, answerRows(2, () => true));
    const r = await cli.run(['run', spec, '--server', 'http://127.0.0.1:9']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /cannot reach the server/);
  });
});

for (const [index, { name, open }] of testDatabases().entries()) {
  // Storage matters for compare, export and import: both databases. The rest: the first one.
  const once = { skip: index > 0 ? 'independent of the database' : false };
  describe(`proctor against a server (${name})`, () => {
    let server: TestProctor;
    let source: TestProctor;
    let fake: FakeOpenAI;
    let client: OpenAI;
    const env = () => ({ PROCTOR_URL: server.url, PROCTOR_API_KEY: KEY });

    before(async () => {
      fake = await startFakeOpenAI();
      server = await startTestProctor(await open(), { PROCTOR_API_KEYS: `${KEY}=cli`, OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: FAKE_OPENAI_API_KEY });
      source = await startTestProctor({ kind: 'pglite', dataDir: null }, { PROCTOR_API_KEYS: 'sk-source-key=src' });
      client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY });
    });
    after(async () => {
      await server?.close();
      await source?.close();
      await fake?.close();
    });

    it('run: 0 when the gates pass (JSON result), the eval reused while unchanged and replaced when changed', once, async () => {
      const spec = writeSpec(dir, `pass-${name}`, { eval: evalBody(`cli-pass-${name}`), run: localRun('nightly', `pass-${name}`), gate: { min_pass_rate: 0.7, max_errored: 0 } }, answerRows(50, (i) => i % 5 !== 0));
      const first = await cli.run(['run', spec, '--json'], { env: env() });
      assert.equal(first.code, 0, first.stderr);
      const out = parseJson(first.stdout);
      assert.equal(out.status, 'completed');
      assert.deepEqual(out.result_counts, { total: 50, errored: 0, failed: 10, passed: 40 });
      assert.match(out.report_url, new RegExp(`/evals/${out.eval_id}/runs/${out.run_id}$`));
      assert.equal(out.per_testing_criteria_results[0].passed, 40);
      assert.deepEqual(out.gates.map((g: { gate: string; passed: boolean }) => [g.gate, g.passed]), [['status', true], ['max_errored', true], ['min_pass_rate', true]]);
      assert.match(first.stderr, /created/);
      const again = await cli.run(['run', spec, '--json'], { env: env() });
      assert.equal(parseJson(again.stdout).eval_id, out.eval_id);
      assert.match(again.stderr, /definition unchanged, reused/);
      const changed = writeSpec(dir, `pass-${name}`, { eval: { ...evalBody(`cli-pass-${name}`), metadata: { team: 'x' }, testing_criteria: [{ ...criteria[0], operation: 'ilike' }] }, run: localRun('nightly', `pass-${name}`) });
      const third = await cli.run(['run', changed, '--json'], { env: env() });
      assert.notEqual(parseJson(third.stdout).eval_id, out.eval_id);
      assert.match(third.stderr, /definition changed, so this is a new eval/);
    });

    it('run: 1 when a pass rate is under its minimum; a summary table without --json', async () => {
      const spec = writeSpec(dir, `low-${name}`, { eval: evalBody(`cli-low-${name}`), run: localRun('nightly', `low-${name}`), gate: { min_pass_rate: { 'answer matches': 0.9 } } }, answerRows(20, (i) => i % 2 === 0));
      const r = await cli.run(['run', spec], { env: env() });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /answer matches\s+50\.0 %\s+\[/);
      assert.match(r.stdout, /FAIL {2}min_pass_rate \(answer matches\): answer matches: 50\.0 % \(at least 90\.0 %\)/);
      assert.match(r.stdout, /Report: http/);
      // Without a terminal, progress is plain lines (no escape codes).
      assert.match(r.stderr, /20\/20 100%/);
      assert.doesNotMatch(r.stderr, /\x1b\[/);
    });

    it('run: 1 on a significant regression against the latest completed run; compare shows it and exits 1', async () => {
      const base = (i: number) => i % 10 !== 0;
      const head = (i: number) => base(i) && i % 4 !== 1; // 20 of 80 regress (odd i), none fixed
      const evalName = `cli-baseline-${name}`;
      const baseSpec = writeSpec(dir, `base-${name}`, { eval: evalBody(evalName), run: localRun('base', `base-${name}`), gate: { baseline: 'latest' } }, answerRows(80, base));
      const b = await cli.run(['run', baseSpec, '--json'], { env: env() });
      assert.equal(b.code, 0, b.stderr);
      const headSpec = writeSpec(dir, `head-${name}`, { eval: evalBody(evalName), run: localRun('head', `head-${name}`), gate: { baseline: 'latest' } }, answerRows(80, head));
      const h = await cli.run(['run', headSpec, '--json'], { env: env() });
      assert.equal(h.code, 1, h.stderr);
      const out = parseJson(h.stdout);
      assert.equal(out.baseline_run_id, parseJson(b.stdout).run_id);
      const gate = out.gates.find((g: { gate: string }) => g.gate === 'baseline');
      assert.equal(gate.passed, false);
      assert.match(gate.detail, /20 regressed, 0 fixed/);

      const cmp = await cli.run(['compare', out.baseline_run_id, out.run_id], { env: env() });
      assert.equal(cmp.code, 1, cmp.stderr);
      assert.match(cmp.stdout, /answer matches\s+80\s+90\.0 %\s+65\.0 %/);
      assert.match(cmp.stdout, /REGRESSED/);
      assert.match(cmp.stdout, /item 1 /);
      const same = await cli.run(['compare', out.baseline_run_id, out.baseline_run_id, '--eval', out.eval_id, '--json'], { env: env() });
      assert.equal(same.code, 0);
      assert.equal(parseJson(same.stdout).criteria[0].regressions, 0);
    });

    it('run: 2 when more rows errored than max_errored allows', once, async () => {
      const rows = [{ item: { answer: 'reply: hi', messages: [{ role: 'user', content: 'hi' }] } }, { item: { answer: 'x' } }];
      const spec = writeSpec(dir, `errored-${name}`, {
        eval: { ...evalBody(`cli-errored-${name}`), testing_criteria: [{ ...criteria[0], input: '{{ sample.output_text }}' }] },
        run: { data_source: { type: 'completions', model: 'gpt-4o-mini', input_messages: { type: 'item_reference', item_reference: 'item.messages' }, source: { type: 'file_content', content: rows } } },
        gate: { max_errored: 0 },
      });
      const r = await cli.run(['run', spec, '--json'], { env: env() });
      assert.equal(r.code, 2, r.stderr);
      const out = parseJson(r.stdout);
      assert.equal(out.result_counts.errored, 1);
      assert.equal(out.gates.find((g: { gate: string }) => g.gate === 'max_errored').passed, false);
    });

    it('run: Ctrl-C cancels the run on the server and exits 130', once, async () => {
      fake.setBehavior({ latencyMs: 200 });
      try {
        const rows = Array.from({ length: 400 }, (_, i) => ({ item: { answer: `a${i}`, messages: [{ role: 'user', content: `q${i}` }] } }));
        const spec = writeSpec(dir, `cancel-${name}`, {
          eval: evalBody(`cli-cancel-${name}`),
          run: { data_source: { type: 'completions', model: 'gpt-4o-mini', input_messages: { type: 'item_reference', item_reference: 'item.messages' }, source: { type: 'file_content', content: rows } } },
        });
        let stderr = '';
        const r = await cli.run(['run', spec, '--poll-ms', '100'], {
          env: env(),
          onStart: (child) => {
            child.stderr!.on('data', (d: Buffer) => {
              stderr += d.toString();
              if (/rows\/s/.test(stderr) && !child.killed) child.kill('SIGINT');
            });
          },
        });
        assert.equal(r.code, 130, r.stderr);
        const runId = /Run (evalrun_\w+) started/.exec(r.stderr)![1]!;
        const evalId = /\((eval_\w+)\)/.exec(r.stderr)![1]!;
        assert.match(r.stderr, /Interrupted: canceling run/);
        const run = await client.evals.runs.retrieve(runId, { eval_id: evalId });
        assert.equal(run.status, 'canceled');
      } finally {
        fake.setBehavior({});
      }
    });

    it('export: every output item, JSONL as the API returns it and CSV flattened; --eval exports every run', async () => {
      const rows = answerRows(800, (i) => i % 3 !== 0).map((r, i) => ({ ...r, item: { ...r.item, note: i % 7 === 0 ? 'has, "quotes"\nand a newline' : `n${i}` } }));
      const spec = writeSpec(dir, `export-${name}`, { eval: { ...evalBody(`cli-export-${name}`) }, run: localRun('export', `export-${name}`) }, rows);
      const out = parseJson((await cli.run(['run', spec, '--json'], { env: env() })).stdout);
      const jsonlFile = join(dir, `export-${name}.out.jsonl`);
      const e = await cli.run(['export', out.run_id, '-o', jsonlFile], { env: env() });
      assert.equal(e.code, 0, e.stderr);
      const lines = readFileSync(jsonlFile, 'utf8').trimEnd().split('\n');
      assert.equal(lines.length, 800);
      let i = 0;
      for await (const item of client.evals.runs.outputItems.list(out.run_id, { eval_id: out.eval_id, limit: 100 })) {
        assert.deepEqual(JSON.parse(lines[i]!), JSON.parse(JSON.stringify(item)), `row ${i}`);
        i++;
      }
      assert.equal(i, 800);
      const csv = await cli.run(['export', out.run_id, '--eval', out.eval_id, '--format', 'csv'], { env: env() });
      assert.equal(csv.code, 0, csv.stderr);
      const [header, first] = csv.stdout.split('\r\n');
      assert.equal(header, 'run_id,output_item_id,datasource_item_id,status,item.answer,item.note,output_text,answer matches.score,answer matches.passed');
      assert.match(first!, new RegExp(`^${out.run_id},outputitem_\\w+,0,fail,a0,"has, ""quotes""\nand a newline",wrong0,0,false$`));
      const all = await cli.run(['export', '--eval', out.eval_id], { env: env() });
      assert.equal(all.stdout.trimEnd().split('\n').length, 800);
    });

    it('import from a second Proctor: everything copied with its ids, nothing twice, resumable after a kill, Azure paths', async () => {
      const src = new OpenAI({ baseURL: `${source.url}/v1`, apiKey: 'sk-source-key' });
      const file = await src.files.create({ file: new File([toJsonl(answerRows(600, (i) => i % 4 !== 0))], 'rows.jsonl'), purpose: 'evals' });
      const ev = await src.evals.create({ ...(evalBody('imported') as unknown as OpenAI.Evals.EvalCreateParams), metadata: { owner: 'me' } });
      const runs: OpenAI.Evals.RunCreateResponse[] = [];
      for (let k = 0; k < 2; k++) {
        const r = await src.evals.runs.create(ev.id, { name: `r${k}`, metadata: { k: String(k) }, data_source: { type: 'jsonl', source: { type: 'file_id', id: file.id } } });
        runs.push(r);
      }
      for (const r of runs) while ((await src.evals.runs.retrieve(r.id, { eval_id: ev.id })).status !== 'completed') await new Promise((res) => setTimeout(res, 100));
      const from = ['--from', source.url, '--api-key', 'sk-source-key'];

      // Killed once the first items arrived, then run again: it continues.
      const killed = await cli.run(['import', ...from], {
        env: env(),
        onStart: (child) => {
          const poll = setInterval(() => {
            client.evals.runs.outputItems.list(runs[0]!.id, { eval_id: ev.id, limit: 1 }).then(
              (page) => {
                if (page.data.length > 0) {
                  clearInterval(poll);
                  child.kill('SIGKILL');
                }
              },
              () => undefined,
            );
          }, 20);
          child.once('close', () => clearInterval(poll));
        },
      });
      assert.equal(killed.signal, 'SIGKILL', `import finished before it could be killed: ${killed.stdout}`);
      const resumed = await cli.run(['import', ...from, '--json'], { env: env() });
      assert.equal(resumed.code, 0, resumed.stderr);
      const copied = parseJson(resumed.stdout).copied;
      assert.ok(copied.output_items > 0 && copied.output_items < 1200, JSON.stringify(copied));

      const got = await client.evals.retrieve(ev.id);
      assert.deepEqual(got, await src.evals.retrieve(ev.id));
      for (const r of runs) {
        const theirs = await src.evals.runs.retrieve(r.id, { eval_id: ev.id });
        const ours = await client.evals.runs.retrieve(r.id, { eval_id: ev.id });
        assert.deepEqual({ ...ours, report_url: '' }, { ...theirs, report_url: '' });
        const a = await cli.run(['export', r.id, '--eval', ev.id], { env: { PROCTOR_URL: source.url, PROCTOR_API_KEY: 'sk-source-key' } });
        const b = await cli.run(['export', r.id, '--eval', ev.id], { env: env() });
        assert.equal(b.stdout.split('\n').length, 601);
        assert.equal(b.stdout, a.stdout, 'the exports of source and copy are identical');
      }
      const copiedFile = await client.files.content(file.id);
      assert.equal(await copiedFile.text(), toJsonl(answerRows(600, (i) => i % 4 !== 0)));

      const again = await cli.run(['import', ...from, '--json'], { env: env() });
      assert.deepEqual(parseJson(again.stdout).copied, { evals: 0, runs: 0, output_items: 0, files: 0, skipped_runs: 0, files_unavailable: 0 });
      for (const azure of ['--azure', '--azure=2025-04-01-preview']) {
        const viaAzure = await cli.run(['import', ...from, azure, '--eval', ev.id, '--json'], { env: env() });
        assert.equal(viaAzure.code, 0, viaAzure.stderr);
        assert.equal(parseJson(viaAzure.stdout).copied.output_items, 0);
      }
      // Azure paths into an empty target copy everything.
      const fresh = await startTestProctor({ kind: 'pglite', dataDir: null });
      try {
        const viaAzure = await cli.run(['import', ...from, '--azure=2025-04-01-preview', '--json'], { env: { PROCTOR_URL: fresh.url } });
        assert.equal(viaAzure.code, 0, viaAzure.stderr);
        assert.deepEqual(parseJson(viaAzure.stdout).copied, { evals: 1, runs: 2, output_items: 1200, files: 1, skipped_runs: 0, files_unavailable: 0 });
      } finally {
        await fresh.close();
      }
    });

    it('evals list, runs list, runs get', async () => {
      const evals = await cli.run(['evals', 'list'], { env: env() });
      assert.equal(evals.code, 0);
      assert.match(evals.stdout, /cli-low-/);
      const list = await cli.run(['evals', 'list', '--json'], { env: env() });
      const ev = (JSON.parse(list.stdout) as { id: string; name: string }[]).find((e) => e.name === `cli-low-${name}`)!;
      const runs = await cli.run(['runs', 'list', ev.id], { env: env() });
      assert.match(runs.stdout, /nightly\s+completed\s+20\s+50\.0 %/);
      const runId = /(evalrun_\w+)/.exec(runs.stdout)![1]!;
      const get = await cli.run(['runs', 'get', runId], { env: env() });
      assert.equal(get.code, 0, get.stderr);
      assert.match(get.stdout, /20 rows: 10 passed, 10 failed, 0 errored/);
      assert.match(get.stdout, /answer matches\s+10\s+10\s+50\.0 %/);
    });
  });
}

describe('proctor with no server (embedded data directory)', () => {
  it('runs the example spec with a progress bar under a terminal and exits 0; a locked data dir exits 3', async () => {
    const dataDir = join(dir, 'embedded');
    const r = await underPty(cli, ['run', 'examples/capitals.yaml'], { PROCTOR_DATA_DIR: dataDir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\r\x1b\[2K.*█/);
    assert.match(r.stdout, /exact capital\s+85\.0 %/);
    assert.match(r.stdout, /Result: all gates passed/);

    const holder = await startTestProctor({ kind: 'pglite', dataDir });
    try {
      const locked = await cli.run(['evals', 'list'], { env: { PROCTOR_DATA_DIR: dataDir } });
      assert.equal(locked.code, 3);
      assert.match(locked.stderr, /in use by process .*--server/s);
    } finally {
      await holder.close();
    }
    const list = await cli.run(['evals', 'list', '--data-dir', dataDir]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /capitals/);
  });
});
