/**
 * The worker_threads entry of the python sandbox: boots one Pyodide, walls it in, then runs the
 * batches `PythonSandboxPool` sends. Started by the pool only (it needs `workerData`).
 *
 * Stock Pyodide on Node is *not* a sandbox: `os.system()` reaches `child_process`, sockets open
 * real WebSocket connections, the `js` module is the worker's globalThis. The walls, in the order
 * they go up:
 *  1. the WebAssembly heap may not grow past `wasmMemoryLimitBytes` (malloc fails → MemoryError);
 *  2. Pyodide boots from the local node_modules copy, with an empty object as the `js` module, no
 *     environment, no packages, stdin/stdout/stderr going nowhere;
 *  3. sandbox-prelude.py removes the JS bridge, ctypes, the environment and process control from
 *     the Python side, and drops every reference Python holds to a JS object;
 *  4. this thread is locked (`lockThread`), because wall 3 is Python and a determined grader may
 *     find its way around it: Node's module loader refuses every further `require` (the lazy ones
 *     Emscripten makes for child_process and ws), the file system, process, network and vm
 *     modules' functions refuse, `process`/`require`/`fetch` leave globalThis, `eval` and every
 *     `Function` constructor refuse, socket() fails with EACCES, and only the in-memory file system
 *     driver stays. So a grader that still gets hold of a JS object finds nothing that reaches the
 *     host from it.
 * The pool adds the rest: an empty `process.env` for this thread, V8 heap limits, the time limit.
 */
import { readFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { loadPyodide } from 'pyodide';
import {
  epochNow,
  STATUS_INTERRUPTED,
  STATUS_RUNNING,
  STATUS_STARTED_AT_OFFSET,
  type BatchMessage,
  type FromWorker,
  type WorkerCall,
  type WorkerInit,
  type WorkerResult,
} from './python-worker-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('python-worker.ts is a worker_threads entry; start it through PythonSandboxPool');
const init = workerData as WorkerInit;
const interrupt = new Int32Array(init.interrupt);
const status = new Int32Array(init.status, 0, 2);
const startedAt = new Float64Array(init.status, STATUS_STARTED_AT_OFFSET, 1);
const send = (message: FromWorker): void => port.postMessage(message);
const nodeRequire = createRequire(import.meta.url);
const preludeSource = readFileSync(new URL('./sandbox-prelude.py', import.meta.url), 'utf8');

type Pyodide = Awaited<ReturnType<typeof loadPyodide>>;
type PyCallable = ((...args: unknown[]) => unknown) & { destroy?: () => void };
type Bag = Record<string, unknown>;
interface Entry {
  call: (key: string, sample: string, item: string) => unknown;
  register: (key: string, source: string) => unknown;
  evict: (key: string) => unknown;
  validate: (source: string) => unknown;
  heapBytes: () => number;
  fromSnapshot: boolean;
}

function refusal(what: string): () => never {
  return () => {
    throw new Error(`${what} is disabled in the python grader sandbox`);
  };
}

/** Wall 1: Emscripten grows its heap through `Memory.prototype.grow`; cap it. */
function capWasmMemory(limitBytes: number): void {
  // (The project's TypeScript libs carry no WebAssembly types.)
  interface WasmMemory {
    readonly buffer: ArrayBuffer;
    grow: (this: WasmMemory, deltaPages: number) => number;
  }
  const memoryProto = (globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } }).WebAssembly.Memory.prototype;
  const grow = memoryProto.grow;
  Object.defineProperty(memoryProto, 'grow', {
    value: function cappedGrow(this: WasmMemory, deltaPages: number): number {
      if (this.buffer.byteLength + deltaPages * 65_536 > limitBytes) throw new RangeError('python grader memory limit reached');
      return grow.call(this, deltaPages);
    },
    writable: false,
    configurable: false,
  });
}

/** Replaces every function an object exposes (own, enumerable or not) with a refusal. */
function neuter(target: Bag, what: string, keep: readonly string[] = []): void {
  for (const name of Object.getOwnPropertyNames(target)) {
    if (keep.includes(name)) continue;
    const d = Object.getOwnPropertyDescriptor(target, name);
    if (d === undefined || typeof d.value !== 'function') continue;
    try {
      Object.defineProperty(target, name, { value: refusal(`${what}.${name}`), writable: false, configurable: false });
    } catch {
      // a non-configurable built-in: left as it is
    }
  }
}

/** Wall 4 (see the file comment). Runs after the interpreter is up and the prelude has hardened it. */
function lockThread(api: Bag, module: Bag): void {
  // Node's side: no further module loads, and the host-reaching modules already loaded refuse.
  for (const name of ['fs', 'fs/promises', 'child_process', 'net', 'tls', 'http', 'https', 'dgram', 'dns', 'vm', 'inspector', 'v8']) {
    try {
      neuter(nodeRequire(name) as Bag, name);
    } catch {
      // not in this build of Node: nothing to reach it through either
    }
  }
  neuter(nodeRequire('worker_threads') as Bag, 'worker_threads', ['markAsUntransferable', 'isMarkedAsUntransferable']);
  syncBuiltinESMExports();
  const nodeModule = nodeRequire('module') as Bag;
  for (const name of ['_load', '_resolveFilename', 'createRequire', 'register']) {
    if (typeof nodeModule[name] === 'function') nodeModule[name] = refusal(`module.${name}`);
  }
  const proc = process as unknown as Bag;
  for (const name of ['binding', '_linkedBinding', 'dlopen', 'kill', '_kill', 'exit', 'reallyExit', 'abort', 'chdir', 'getBuiltinModule', 'setuid', 'setgid', 'seteuid', 'setegid', 'setgroups', 'initgroups', 'loadEnvFile', 'openStdin']) {
    if (typeof proc[name] === 'function') {
      try {
        proc[name] = refusal(`process.${name}`);
      } catch {
        // read-only: left as it is
      }
    }
  }

  // The realm: no code generation from strings. Guarded proxies keep `name` and `prototype` (so
  // `instanceof` still works) but cannot run.
  const guard = <T extends object>(target: T): T => new Proxy(target, { apply: refusal('code generation'), construct: refusal('code generation') });
  for (const proto of [Function.prototype, Object.getPrototypeOf(async function () {}) as object, Object.getPrototypeOf(function* () {}) as object, Object.getPrototypeOf(async function* () {}) as object]) {
    Object.defineProperty(proto, 'constructor', { value: guard((proto as { constructor: object }).constructor), writable: false, configurable: false });
  }
  const g = globalThis as unknown as Bag;
  for (const name of ['eval', 'Function']) Object.defineProperty(g, name, { value: guard(g[name] as object), writable: false, configurable: false });
  for (const name of ['require', 'process', 'fetch', 'Request', 'Response', 'Headers', 'WebSocket', 'EventSource', 'XMLHttpRequest', 'BroadcastChannel', 'navigator', 'module', 'exports', '__filename', '__dirname']) {
    // Delete first, and look at the descriptor only if that fails: Node 22+ defines `fetch`,
    // `WebSocket`, `navigator` and friends as lazy data properties, and reading the descriptor
    // materializes them — it loads undici, which loads `http`, which subclasses the `net.Server`
    // neutered above and fails ("Object prototype may only be an Object or null"). Deleting
    // does not load anything.
    if (!Object.hasOwn(g, name) || Reflect.deleteProperty(g, name)) continue;
    const d = Object.getOwnPropertyDescriptor(g, name);
    if (d?.writable === true) g[name] = undefined;
  }

  // Emscripten's side: only the in-memory file system, no sockets, no dynamic libraries, no fetches.
  const fs = module['FS'] as Bag | undefined;
  const filesystems = fs?.['filesystems'] as Bag | undefined;
  for (const name of Object.keys(filesystems ?? {})) if (name !== 'MEMFS') delete filesystems?.[name];
  const ErrnoError = fs?.['ErrnoError'] as (new (errno: number) => Error) | undefined;
  const errno = (module['ERRNO_CODES'] as Record<string, number> | undefined)?.['EACCES'] ?? 2;
  const sockfs = module['SOCKFS'] as Bag | undefined;
  if (sockfs !== undefined) {
    sockfs['createSocket'] = () => {
      throw ErrnoError !== undefined ? new ErrnoError(errno) : new Error('sockets are disabled in the python grader sandbox');
    };
  }
  for (const name of ['NODEFS', 'IDBFS', 'WORKERFS', 'PROXYFS', 'NATIVEFS_ASYNC', 'wget', 'asyncLoad', 'loadDynamicLibrary', 'loadWebAssemblyModule', 'loadDylibs', 'dlopenInternal', 'FS_createLazyFile', 'FS_createPreloadedFile', 'FS_preloadFile']) {
    if (name in module) module[name] = refusal(`Emscripten ${name}`);
  }
  const env = module['ENV'] as Bag | undefined;
  for (const name of Object.keys(env ?? {})) delete env?.[name];

  // Pyodide's side: packages, host mounts, more code, snapshots — on the public and internal API.
  const internal = (api['_api'] ?? module['API']) as Bag | undefined;
  for (const name of ['loadPackage', 'loadPackagesFromImports', 'mountNodeFS', 'mountNativeFS', 'unpackArchive', 'runPython', 'runPythonAsync', 'pyimport', 'registerJsModule', 'unregisterJsModule', 'setStdin', 'setStdout', 'setStderr', 'setInterruptBuffer', 'registerComlink', 'makeMemorySnapshot', 'setDebug']) {
    if (name in api) api[name] = refusal(`pyodide.${name}`);
  }
  if (internal !== undefined) {
    for (const name of ['loadBinaryFile', 'loadDynlib', 'install', 'initializeNodeSockFS', 'packageManager', 'flushPackageManagerBuffers', 'finalizeBootstrap', 'restoreSnapshot', 'makeSnapshot', 'saveSnapshot', 'serializeHiwireState', 'initializeStreams', 'rawRun', 'runPythonInternal', 'lockFilePromise', 'packageIndexReady', 'bootstrapFinalizedPromise']) {
      if (name in internal) internal[name] = refusal(`pyodide internal ${name}`);
    }
    internal['config'] = {};
  }
  for (const name of ['FS', 'PATH', '_module', '_api', 'globals', 'pyodide_py', 'ffi', 'canvas', 'ERRNO_CODES', 'loadedPackages', 'lockfile', 'lockfileBaseUrl']) {
    try {
      delete api[name];
    } catch {
      // non-configurable: left as it is
    }
  }
}

async function loadInterpreter(): Promise<{ pyodide: Pyodide; fromSnapshot: boolean }> {
  const discard = (): void => {};
  const options = {
    indexURL: init.indexURL,
    env: { HOME: '/home/pyodide' },
    jsglobals: Object.create(null) as object,
    stdout: discard,
    stderr: discard,
    args: [],
    packages: [],
  };
  if (init.snapshot !== null) {
    try {
      // A private copy: Pyodide reads it with APIs that refuse shared memory.
      const pyodide = await loadPyodide({ ...options, _loadSnapshot: new Uint8Array(init.snapshot).slice() });
      return { pyodide, fromSnapshot: true };
    } catch {
      // fall through to a normal boot
    }
  }
  if (!init.makeSnapshot) return { pyodide: await loadPyodide(options), fromSnapshot: false };
  const pyodide = await loadPyodide({ ...options, _makeSnapshot: true });
  try {
    // Taken right after boot, before the sandbox prelude: every worker hardens itself (and
    // reseeds `random`) after restoring it.
    const image = pyodide.makeMemorySnapshot();
    const shared = new SharedArrayBuffer(image.byteLength);
    new Uint8Array(shared).set(image);
    send({ kind: 'snapshot', buffer: shared });
  } catch {
    // no snapshot: later workers boot normally
  }
  return { pyodide, fromSnapshot: false };
}

async function boot(): Promise<Entry> {
  capWasmMemory(init.wasmMemoryLimitBytes);
  const discard = (): void => {};
  const { pyodide, fromSnapshot } = await loadInterpreter();
  pyodide.setStdout({ batched: discard });
  pyodide.setStderr({ batched: discard });
  pyodide.setStdin({ error: true });
  pyodide.setInterruptBuffer(interrupt);
  // Emscripten sets up its random source lazily, with a `require('node:crypto')`: do it now,
  // before module loading is shut. And a restored snapshot carries the snapshot maker's `random`
  // state: reseed it from the OS source (the str hash seed stays per process).
  pyodide.runPython('import os, random; os.urandom(16); random.seed()');

  const api = pyodide as unknown as Bag;
  const module = api['_module'] as Bag & { HEAPU8: Uint8Array };
  // The prelude runs in a namespace of its own, not in __main__.
  const namespace = (pyodide.globals.get('dict') as PyCallable)() as PyCallable;
  const entries = pyodide.runPython(preludeSource, { globals: namespace as never, filename: '<sandbox>' }) as { toJs: (o: { depth: number }) => PyCallable[]; destroy: () => void };
  const [call, register, evict, validate, harden] = entries.toJs({ depth: 1 });
  entries.destroy();
  namespace.destroy?.();
  if (call === undefined || register === undefined || evict === undefined || validate === undefined || harden === undefined) throw new Error('sandbox prelude did not return its entry points');
  harden();
  harden.destroy?.();
  lockThread(api, module);
  return {
    call,
    register,
    evict,
    validate,
    heapBytes: () => module.HEAPU8.byteLength,
    fromSnapshot,
  };
}

function isPythonError(error: unknown): error is Error & { type?: string } {
  return error instanceof Error && error.constructor.name === 'PythonError';
}

function runOnce(entry: Entry, call: WorkerCall): WorkerResult {
  Atomics.store(interrupt, 0, 0);
  startedAt[0] = epochNow();
  Atomics.store(status, STATUS_RUNNING, call.seq);
  try {
    const out = call.op === 'grade' ? entry.call(call.key, call.sample, call.item) : entry.validate(call.source);
    if (typeof out === 'number' || typeof out === 'string') return out;
    (out as PyCallable | undefined)?.destroy?.();
    return 'Sthe sandbox returned an unexpected value';
  } catch (error) {
    // A Python exception that escaped the prelude's handlers (only an interrupt landing between
    // them can): the interpreter is fine. Anything else means it is gone (stack overflow, exit).
    if (isPythonError(error)) return error.type === 'KeyboardInterrupt' ? 'K' : `S${error.message.slice(-2000)}`;
    return `X${error instanceof Error ? error.message : String(error)}`.slice(0, 2000);
  } finally {
    Atomics.store(status, STATUS_RUNNING, 0);
    Atomics.store(interrupt, 0, 0);
  }
}

function runCall(entry: Entry, call: WorkerCall): WorkerResult {
  let result = runOnce(entry, call);
  if (result !== 'K') return result;
  if (Atomics.load(status, STATUS_INTERRUPTED) === call.seq) return 'T';
  // An interrupt meant for the previous call can land in this one; run it again. A grader that
  // raises KeyboardInterrupt itself does so twice and gets it reported.
  result = runOnce(entry, call);
  if (result !== 'K') return result;
  return Atomics.load(status, STATUS_INTERRUPTED) === call.seq ? 'T' : 'Rthe grader raised KeyboardInterrupt';
}

function runBatch(entry: Entry, message: BatchMessage): void {
  for (const key of message.evict) entry.evict(key);
  for (const [key, source] of message.load) entry.register(key, source);
  const results: WorkerResult[] = [];
  for (const call of message.calls) {
    const result = runCall(entry, call);
    results.push(result);
    if (typeof result === 'string' && result.startsWith('X')) break;
  }
  send({ kind: 'results', batch: message.batch, results, heapBytes: entry.heapBytes() });
}

const bootStarted = epochNow();
try {
  const entry = await boot();
  port.on('message', (message: BatchMessage) => runBatch(entry, message));
  send({ kind: 'ready', heapBytes: entry.heapBytes(), bootMs: Math.round(epochNow() - bootStarted), fromSnapshot: entry.fromSnapshot });
} catch (error) {
  send({ kind: 'boot_failed', message: error instanceof Error ? error.message : String(error) });
}
