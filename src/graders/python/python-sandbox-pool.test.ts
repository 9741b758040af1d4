import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PythonSandboxPool, type PythonCallResult } from './python-sandbox-pool.ts';

// Set before any worker starts: the sandbox must not see it.
const SECRET_NAME = 'PROCTOR_PYTHON_SANDBOX_TEST_SECRET';
process.env[SECRET_NAME] = 'hunter2-do-not-leak';

const pool = new PythonSandboxPool({ size: 2, timeoutMs: 8_000 });
after(() => pool.close());

async function run(source: string, sample: unknown = {}, item: unknown = {}, target: PythonSandboxPool = pool): Promise<PythonCallResult> {
  return target.run(target.program(source), sample, item);
}

async function value(source: string, sample: unknown = {}, item: unknown = {}): Promise<number> {
  const result = await run(source, sample, item);
  assert.ok(result.ok, `expected a value, got ${JSON.stringify(result)}`);
  return result.value;
}

async function error(source: string, sample: unknown = {}, item: unknown = {}, target: PythonSandboxPool = pool): Promise<{ code: string; message: string }> {
  const result = await run(source, sample, item, target);
  assert.ok(!result.ok, `expected an error, got ${JSON.stringify(result)}`);
  return result.error;
}

/** A TCP listener on loopback that counts the connections it receives. */
async function listener(): Promise<{ server: Server; port: number; hits: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, hits: () => count };
}

describe('python sandbox pool: start and results', () => {
  it('starts no worker before the first call; close() ends them and answers later calls with an error', async () => {
    const lazy = new PythonSandboxPool({ size: 1 });
    assert.equal(lazy.stats().workers, 0);
    assert.deepEqual(await lazy.run(lazy.program('def grade(s, i):\n    return 1\n'), {}, {}), { ok: true, value: 1 });
    assert.equal(lazy.stats().workers, 1);
    await lazy.close();
    assert.equal(lazy.stats().workers, 0);
    const late = await lazy.run(lazy.program('def grade(s, i):\n    return 1\n'), {}, {});
    assert.equal(late.ok ? null : late.error.code, 'python_grader_server_error');
  });

  it('returns the float grade() returns, reading nested sample and item fields', async (t) => {
    const started = performance.now();
    const got = await value(
      'def grade(sample, item):\n    return sample["output"]["scores"][1] + item["meta"]["weight"]\n',
      { output: { scores: [0.1, 0.25] } },
      { meta: { weight: 0.5 } },
    );
    t.diagnostic(`cold start (first call, boot included): ${Math.round(performance.now() - started)} ms`);
    assert.equal(got, 0.75);
    assert.ok(pool.stats().workers >= 1);
  });

  it('accepts ints and other real numbers, and a None sample', async () => {
    assert.equal(await value('def grade(s, i):\n    return 3\n'), 3);
    assert.equal(await value('from fractions import Fraction\ndef grade(s, i):\n    return Fraction(1, 4)\n'), 0.25);
    assert.equal(await value('def grade(s, i):\n    return 1.0 if s is None else 0.0\n', null), 1);
    assert.equal(await value('def grade(s, i):\n    return -2.5\n'), -2.5);
  });

  it('keeps module state per grader across rows (compiled once per worker)', async () => {
    const program = pool.program('calls = 0\ndef grade(s, i):\n    global calls\n    calls += 1\n    return calls\n');
    const first = await pool.run(program, {}, {});
    const second = await pool.run(program, {}, {});
    assert.ok(first.ok && second.ok);
    // Two workers may share the rows, so the counter is per worker; it never resets to 1 twice in a row on one worker.
    assert.ok(first.value >= 1 && second.value >= 1);
  });

  it('reports an exception with the grader traceback', async () => {
    const e = await error('def grade(s, i):\n    x = 1\n    return x / 0\n');
    assert.equal(e.code, 'python_grader_runtime_error');
    assert.match(e.message, /ZeroDivisionError: division by zero/);
    assert.match(e.message, /File "<grader>", line 3, in grade\n {4}return x \/ 0/);
    assert.doesNotMatch(e.message, /sandbox|_call/); // the sandbox's own frames are not shown
  });

  it('truncates long messages to about 2 kB, keeping the end', async () => {
    const e = await error('def grade(s, i):\n    raise ValueError("x" * 100000 + "THE END")\n');
    assert.ok(e.message.length <= 2_100, `message is ${e.message.length} chars`);
    assert.match(e.message, /THE END$/);
  });

  it('rejects results that are not finite numbers', async () => {
    const cases: Array<[string, RegExp]> = [
      ['None', /must return a number \(int or float\), got None/],
      ['True', /got bool/],
      ['"0.5"', /got str/],
      ['[1.0]', /got list/],
      ['float("nan")', /NaN/],
      ['float("inf")', /returned inf/],
      ['10 ** 400', /not a finite float/],
    ];
    for (const [expr, pattern] of cases) {
      const e = await error(`def grade(s, i):\n    return ${expr}\n`);
      assert.equal(e.code, 'python_grader_runtime_error', expr);
      assert.match(e.message, pattern, expr);
    }
  });

  it('reports a syntax error, a missing grade and a failing module body', async () => {
    const syntax = await error('def grade(s, i)\n    return 1\n');
    assert.equal(syntax.code, 'python_grader_runtime_error');
    assert.match(syntax.message, /does not compile/);
    assert.match(syntax.message, /SyntaxError/);
    assert.match((await error('def grader(s, i):\n    return 1\n')).message, /must define a function grade\(sample, item\)/);
    assert.match((await error('grade = 42\n')).message, /must define a function grade/);
    assert.match((await error('import numpy\ndef grade(s, i):\n    return 1\n')).message, /failed while loading[\s\S]*ModuleNotFoundError: No module named 'numpy'/);
  });

  it('validates source without running it', async () => {
    assert.equal(await pool.validate('def grade(s, i):\n    return 1\n'), null);
    assert.equal(await pool.validate('raise SystemExit(1)\n'), null); // compiled, not run
    assert.match((await pool.validate('def grade(s, i):\n  return (\n')) ?? '', /SyntaxError/);
  });

  it('a cancelled call does not run', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await pool.run(pool.program('def grade(s, i):\n    return 1\n'), {}, {}, controller.signal);
    assert.deepEqual(result.ok ? null : result.error.code, 'python_grader_server_error');
  });

  it('runs 200 calls in parallel with the right values', async () => {
    const program = pool.program('def grade(sample, item):\n    return item["n"] * 2 + sample["k"]\n');
    const results = await Promise.all(Array.from({ length: 200 }, (_, n) => pool.run(program, { k: 0.5 }, { n })));
    results.forEach((result, n) => assert.deepEqual(result, { ok: true, value: n * 2 + 0.5 }));
  });

  it('sustains a high warm throughput for a trivial grader', async (t) => {
    const program = pool.program('def grade(sample, item):\n    return 1.0\n');
    const sample = { output_text: 'Paris', choices: [] };
    const item = { question: 'Capital of France?', answer: 'Paris' };
    await Promise.all(Array.from({ length: 2_000 }, () => pool.run(program, sample, item))); // warm both workers
    for (let waited = 0; pool.stats().ready < 2 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all(Array.from({ length: 2_000 }, () => pool.run(program, sample, item)));
    const rows = 20_000;
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: rows }, () => pool.run(program, sample, item)));
    const seconds = (performance.now() - started) / 1000;
    assert.ok(results.every((r) => r.ok && r.value === 1));
    const rate = Math.round(rows / seconds);
    const stats = pool.stats();
    t.diagnostic(`warm throughput: ${rate} rows/s over ${rows} rows with ${stats.ready} ready workers`);
    t.diagnostic(`boot ms per worker: ${stats.bootMs.join(', ')}; wasm heap per worker: ${stats.heapBytes.map((b) => `${Math.round(b / 2 ** 20)} MiB`).join(', ')}`);
    assert.ok(rate > 1_000, `only ${rate} rows/s`);
  });
});

describe('python sandbox pool: memory', () => {
  it('errors the row on huge allocations and keeps serving', async () => {
    for (const expr of ['bytearray(4 * 1024 ** 3)', '"x" * 10 ** 10', 'bytearray(1500 * 1024 ** 2)', '[0] * (10 ** 9)']) {
      const e = await error(`def grade(s, i):\n    data = ${expr}\n    return 1\n`);
      assert.equal(e.code, 'python_grader_runtime_error', expr);
      assert.match(e.message, /MemoryError|OverflowError/, expr);
    }
    const grow = await error('def grade(s, i):\n    hoard = []\n    while True:\n        hoard.append(bytearray(10 ** 7))\n');
    assert.match(grow.message, /exceeded the memory limit[\s\S]*MemoryError/);
    assert.equal(await value('def grade(s, i):\n    return len(bytearray(10 ** 7)) / 10 ** 7\n'), 1);
    for (const heap of pool.stats().heapBytes) assert.ok(heap <= 512 * 2 ** 20, `heap ${heap}`);
  });

  it('survives a grader that crashes the interpreter', async () => {
    const before = pool.stats().replaced;
    // Only reachable by going around the Python-side wall: Pyodide's own fatal-error switch.
    const crash = `
import sys, importlib.machinery as m
def grade(s, i):
    saved = sys.modules.pop('_imp')
    import _imp as new_imp
    sys.modules['_imp'] = saved
    core = new_imp.create_builtin(m.ModuleSpec('_pyodide_core', None))
    core.trigger_fatal_error()
    return 1
`;
    const e = await error(crash);
    assert.equal(e.code, 'python_grader_runtime_error');
    assert.match(e.message, /crashed the interpreter/);
    assert.equal(await value('def grade(s, i):\n    return 2\n'), 2);
    assert.equal(pool.stats().replaced, before + 1);
  });
});

describe('python sandbox pool: no way to the host', () => {
  const blocked = /not available in the python grader sandbox/;

  it('has no JS bridge: js, pyodide_js, pyodide.ffi', async () => {
    const attempts = [
      'import js',
      'import pyodide_js',
      'from pyodide.ffi import to_js',
      'import pyodide.http',
      '__import__("js")',
      'import importlib; importlib.import_module("pyodide_js")',
      'import _pyodide_core',
      'import micropip',
    ];
    for (const attempt of attempts) {
      const e = await error(`def grade(s, i):\n    ${attempt}\n    return 1\n`);
      assert.match(e.message, blocked, attempt);
    }
    // sys.modules holds none of them, and no container Python can reach holds a JS object.
    assert.equal(await value('import sys\ndef grade(s, i):\n    return float(sum(1 for k in ("js", "pyodide_js", "pyodide", "pyodide.ffi", "_pyodide_core") if k in sys.modules))\n'), 0);
    const sweep = `
import gc
def grade(s, i):
    found = 0
    for holder in gc.get_objects():
        values = holder.values() if isinstance(holder, dict) else holder if isinstance(holder, (list, tuple, set)) else ()
        for v in list(values):
            if type(v).__module__ == 'pyodide.ffi' and type(v).__name__.startswith('Js'):
                found += 1
    return float(found)
`;
    assert.equal(await value(sweep), 0);
  });

  it('has no ctypes and no subprocess', async () => {
    for (const attempt of ['import ctypes', 'import _ctypes', 'import subprocess']) {
      assert.match((await error(`def grade(s, i):\n    ${attempt}\n    return 1\n`)).message, blocked, attempt);
    }
  });

  it('sees no host file', async () => {
    const real = readFileSync('/etc/passwd', 'utf8');
    const source = `
def grade(s, i):
    try:
        data = open('/etc/passwd').read()
    except OSError:
        return 0.0
    return 1.0 if data == i['real'] else 0.5
`;
    assert.notEqual(await value(source, {}, { real }), 1);
    const here = `
import os
def grade(s, i):
    for path in (i['cwd'] + '/package.json', '/proc/self/environ', '/proc/1/cmdline'):
        try:
            with open(path, 'rb') as f:
                if f.read():
                    return 1.0
        except OSError:
            pass
    return 0.0
`;
    assert.equal(await value(here, {}, { cwd: process.cwd() }), 0);
  });

  it('sees no environment', async () => {
    const source = `
import os
def grade(s, i):
    if os.environ or os.getenv('${SECRET_NAME}') is not None or os.environ.get('PATH'):
        raise Exception(repr(dict(os.environ)))
    return 1.0
`;
    assert.equal(await value(source), 1);
  });

  it('has no network: socket and urllib fail, nothing arrives', async () => {
    const { server, port, hits } = await listener();
    try {
      const socketError = await error(`import socket\ndef grade(s, i):\n    socket.create_connection(('127.0.0.1', ${port}), timeout=1)\n    return 1\n`);
      assert.match(socketError.message, /Error/);
      const urlError = await error(`import urllib.request\ndef grade(s, i):\n    urllib.request.urlopen('http://127.0.0.1:${port}/', timeout=1)\n    return 1\n`);
      assert.match(urlError.message, /Error/);
      const httpError = await error(`import http.client\ndef grade(s, i):\n    c = http.client.HTTPConnection('127.0.0.1', ${port}, timeout=1)\n    c.request('GET', '/')\n    return 1\n`);
      assert.match(httpError.message, /Error/);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(hits(), 0);
    } finally {
      server.close();
    }
  });

  it('cannot run host commands or end the process', async () => {
    const marker = join(tmpdir(), `proctor-sandbox-${process.pid}-${Date.now()}`);
    try {
      for (const attempt of [`os.system('touch ${marker}')`, `os.popen('touch ${marker}')`, 'os._exit(3)', 'os.kill(1, 9)']) {
        const e = await error(`import os\ndef grade(s, i):\n    ${attempt}\n    return 1\n`);
        assert.match(e.message, /PermissionError|not permitted|Error/, attempt);
      }
      assert.equal(existsSync(marker), false);
      assert.equal(await value('def grade(s, i):\n    return 5\n'), 5);
    } finally {
      rmSync(marker, { force: true });
    }
  });

  it('holds when the Python-side wall is bypassed: a fresh posix, _socket and ctypes reach nothing', async () => {
    // A grader can rebuild modules the prelude took away (a fresh `_imp` from the builtin importer).
    const bypass = `
import sys, importlib.machinery as m
def fresh(name):
    saved = sys.modules.pop('_imp')
    try:
        import _imp as new_imp
    finally:
        sys.modules['_imp'] = saved
    module = new_imp.create_builtin(m.ModuleSpec(name, None))
    new_imp.exec_builtin(module)
    return module
`;
    const marker = join(tmpdir(), `proctor-sandbox-bypass-${process.pid}-${Date.now()}`);
    const { server, port, hits } = await listener();
    try {
      const system = await error(`${bypass}\ndef grade(s, i):\n    fresh('posix').system('touch ${marker}')\n    return 1\n`);
      assert.equal(system.code, 'python_grader_runtime_error');
      assert.equal(existsSync(marker), false);

      const sock = await error(`${bypass}\ndef grade(s, i):\n    k = fresh('_socket')\n    c = k.socket(2, 1)\n    c.connect(('127.0.0.1', ${port}))\n    return 1\n`);
      assert.match(sock.message, /PermissionError/);

      const ctypesScript = `${bypass}\ndef grade(s, i):\n    fresh('_ctypes')\n    sys.meta_path.pop(0)\n    import ctypes\n    ctypes.CDLL(None).emscripten_run_script(b"require('fs').writeFileSync('${marker}', 'x')")\n    return 1\n`;
      const script = await error(ctypesScript);
      assert.equal(script.code, 'python_grader_runtime_error');
      assert.equal(existsSync(marker), false);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(hits(), 0);
      // Whatever crashed was replaced; the pool serves on.
      assert.equal(await value('def grade(s, i):\n    return 6\n'), 6);
    } finally {
      server.close();
      rmSync(marker, { force: true });
    }
  });
});

describe('python sandbox pool: time limit', () => {
  const quick = new PythonSandboxPool({ size: 1, timeoutMs: 1_000, hardKillGraceMs: 1_000 });
  before(async () => {
    // Boot outside the measured calls.
    await quick.run(quick.program('def grade(s, i):\n    return 0\n'), {}, {});
  });
  after(() => quick.close());

  it('interrupts a busy loop at the limit', async () => {
    const started = performance.now();
    const e = await error('def grade(s, i):\n    while True:\n        pass\n', {}, {}, quick);
    const elapsed = performance.now() - started;
    assert.equal(e.code, 'timeout');
    assert.match(e.message, /time limit of 1 s/);
    assert.ok(elapsed < 3_000, `took ${Math.round(elapsed)} ms`);
    assert.equal(quick.stats().replaced, 0); // soft: the worker lives on
    assert.equal((await quick.run(quick.program('def grade(s, i):\n    return 1\n'), {}, {})).ok, true);
  });

  it('terminates and replaces a worker whose grader ignores the interrupt', async () => {
    const stubborn = 'def grade(s, i):\n    while True:\n        try:\n            while True:\n                pass\n        except BaseException:\n            pass\n';
    const started = performance.now();
    const e = await error(stubborn, {}, {}, quick);
    const elapsed = performance.now() - started;
    assert.equal(e.code, 'timeout');
    assert.match(e.message, /terminated and replaced/);
    assert.ok(elapsed < 4_000, `took ${Math.round(elapsed)} ms`);
    assert.ok(quick.stats().replaced >= 1);
    const next = await quick.run(quick.program('def grade(s, i):\n    return 9\n'), {}, {});
    assert.deepEqual(next, { ok: true, value: 9 });
  });

  it('bounds runaway recursion (a raised recursion limit)', async () => {
    const e = await error('import sys\nsys.setrecursionlimit(10 ** 6)\ndef f(n):\n    return f(n + 1) + 1\ndef grade(s, i):\n    return f(0)\n', {}, {}, quick);
    assert.ok(e.code === 'timeout' || e.code === 'python_grader_runtime_error', e.code);
    assert.deepEqual(await quick.run(quick.program('def grade(s, i):\n    return 1\n'), {}, {}), { ok: true, value: 1 });
  });

  it('interrupts time.sleep softly, and the other rows of the batch still get their grades', async () => {
    const replaced = quick.stats().replaced;
    const started = performance.now();
    const sleeper = quick.program('import time\ndef grade(s, i):\n    if i["sleep"]:\n        time.sleep(30)\n    return i["n"]\n');
    const results = await Promise.all([0, 1, 2, 3].map((n) => quick.run(sleeper, {}, { n, sleep: n === 1 })));
    assert.deepEqual(results[0], { ok: true, value: 0 });
    assert.equal(results[1]?.ok, false);
    assert.equal(results[1]?.ok === false && results[1].error.code, 'timeout');
    assert.deepEqual(results[2], { ok: true, value: 2 });
    assert.deepEqual(results[3], { ok: true, value: 3 });
    assert.ok(performance.now() - started < 2_500);
    assert.equal(quick.stats().replaced, replaced);
    assert.equal(await value('import time\ndef grade(s, i):\n    time.sleep(0.01)\n    return 1\n'), 1);
  });
});
