# Runs once in every sandbox worker, after Pyodide has booted and before any grader code. It
#  1. takes away what the Python side of Pyodide offers towards the host: the JS bridge modules
#     (js, pyodide_js, pyodide.ffi, ...), ctypes, the environment, process exits;
#  2. defines the per-row call path the worker uses: compile a grader once, call grade(sample, item)
#     with the row decoded from JSON, and check the result is a real number.
# The worker calls `harden` (the last entry point) itself, after this file has run: Pyodide's own
# runPython needs its internals until it returns.
# This is the *first* wall only: the worker also locks its JavaScript realm (python-worker.ts), so a
# grader that still finds a JS object reaches nothing that leads to the host.
#
# The last expression is the tuple of entry points the worker keeps.

import builtins as _builtins
import json as _json
import math as _math
import numbers as _numbers
import os as _os
import sys as _sys
import traceback as _traceback

_MESSAGE_LIMIT = 2000
_FILENAME = '<grader>'


def _harden():
    # No environment: nothing of the host's, nothing of Emscripten's defaults (USER, `_`, ...).
    _os.environ.clear()

    # Module roots a grader may not import: the JS bridge, Pyodide's own package (it re-exports
    # the bridge), the package installer, ctypes (raw access to the interpreter's memory and
    # function table) and CPython's test hooks.
    blocked = frozenset({
        'js', 'pyodide_js', 'pyodide', '_pyodide', '_pyodide_core', 'micropip', 'pyodide_http',
        'ctypes', '_ctypes', '_testcapi', '_testinternalcapi', '_testlimitedcapi',
        '_testmultiphase', '_testsinglephase', '_testbuffer', '_testimportmultiple', '_xxtestfuzz',
        '_testclinic', '_testexternalinspection', '_remote_debugging', 'xxsubtype', 'xxlimited',
        'xxlimited_35', '_xxsubinterpreters', '_interpreters', '_interpqueues', '_interpchannels',
        'subprocess', '_posixsubprocess', 'webbrowser', 'ensurepip', 'venv',
    })

    def is_blocked(name):
        return isinstance(name, str) and name.partition('.')[0] in blocked

    # Pyodide replaced time.sleep and asyncio.run with versions that go through the JS event loop;
    # the standard asyncio.run comes back (it has no loop to run on here), and time.sleep sleeps in
    # short slices so the time limit's interrupt lands between them.
    import time
    blocking_sleep = time.sleep
    webloop = _sys.modules.get('pyodide.webloop')
    if webloop is not None:
        import asyncio
        import warnings
        blocking_sleep = getattr(webloop, '_orig_sleep', blocking_sleep)
        asyncio.run = getattr(webloop, '_orig_run', asyncio.run)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            try:
                asyncio.set_event_loop_policy(None)
            except Exception:
                pass

    def sleep(seconds, /):
        seconds = float(seconds)
        if seconds < 0 or seconds != seconds:
            raise ValueError('sleep length must be non-negative')
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            blocking_sleep(min(left, 0.05))

    sleep.__doc__ = blocking_sleep.__doc__
    time.sleep = sleep

    for name in [n for n in vars(_builtins) if n.startswith('___')]:
        delattr(_builtins, name)

    # Forget the modules already loaded, and scrub what they hold: a module object stays alive as
    # long as something references it, so its JS proxies must go too.
    for name in list(_sys.modules):
        if is_blocked(name):
            module = _sys.modules.pop(name, None)
            namespace = getattr(module, '__dict__', None)
            if isinstance(namespace, dict):
                # The worker never calls back into them after this point: emptied entirely.
                for key in list(namespace):
                    if key not in ('__name__', '__spec__', '__loader__'):
                        namespace.pop(key, None)
    # Every reference Python still holds to a JS object goes: module globals, instance
    # attributes (Pyodide's import hook keeps `js` and `pyodide_js`), lists, closure cells.
    import gc

    def is_js(value):
        kind = type(value)
        return kind.__module__ in ('pyodide.ffi', '_pyodide_core', '_pyodide._core_docs') and kind.__name__.startswith('Js')

    gc.collect()
    for holder in gc.get_objects():
        try:
            if isinstance(holder, dict):
                for key, value in list(holder.items()):
                    if is_js(value):
                        del holder[key]
            elif isinstance(holder, list):
                if any(is_js(value) for value in holder):
                    holder[:] = [value for value in holder if not is_js(value)]
            elif type(holder).__name__ == 'cell':
                if is_js(holder.cell_contents):
                    holder.cell_contents = None
        except Exception:
            pass

    class _BlockedFinder:
        """First on sys.meta_path: refuses the blocked roots before any other finder is asked."""

        @staticmethod
        def find_spec(fullname, path=None, target=None):
            if is_blocked(fullname):
                raise ModuleNotFoundError(
                    f"module '{fullname}' is not available in the python grader sandbox "
                    '(only the standard library, without host access)', name=fullname)
            return None

        @staticmethod
        def invalidate_caches():
            pass

    # Pyodide's JsFinder (serves `import js`) leaves; the blocker goes first.
    _sys.meta_path[:] = [_BlockedFinder] + [
        f for f in _sys.meta_path if 'pyodide' not in (getattr(f, '__module__', '') or '')
        and type(f).__name__ != 'JsFinder']
    _sys.path_hooks[:] = [h for h in _sys.path_hooks if 'pyodide' not in (getattr(h, '__module__', '') or '')]
    _sys.path_importer_cache.clear()

    # The builtin importer creates C modules through `_imp.create_builtin`: refuse blocked names
    # there too, so `importlib`'s own machinery cannot bring them back.
    import _imp
    create_builtin = _imp.create_builtin

    def guarded_create_builtin(spec):
        if is_blocked(getattr(spec, 'name', None)):
            raise ModuleNotFoundError(f"module '{spec.name}' is not available in the python grader sandbox", name=spec.name)
        return create_builtin(spec)

    _imp.create_builtin = guarded_create_builtin

    # No way to end or signal the process from Python (the worker would die with it).
    def refuse(*_args, **_kwargs):
        raise PermissionError('not permitted in the python grader sandbox')

    import posix
    for holder in (_os, posix):
        for attr in ('_exit', 'abort', 'kill', 'killpg', 'fork', 'forkpty', 'execv', 'execve',
                     'spawnv', 'spawnve', 'posix_spawn', 'posix_spawnp', 'system', 'popen',
                     'putenv', 'unsetenv'):
            if hasattr(holder, attr):
                setattr(holder, attr, refuse)


# --------------------------------------------------------------------------------------------------
# The call path

_programs = {}  # key -> [source, grade function or None, permanent error or None]


def _register(key, source):
    _programs[key] = [source, None, None]


def _evict(key):
    _programs.pop(key, None)


def _tail(text):
    if len(text) <= _MESSAGE_LIMIT:
        return text
    return '...\n' + text[-_MESSAGE_LIMIT:]


def _format(error, source):
    """The traceback restricted to the grader's own frames, source lines included, tail-truncated."""
    lines = source.splitlines()
    frames = [f for f in _traceback.extract_tb(error.__traceback__) if f.filename == _FILENAME]
    out = []
    if frames:
        out.append('Traceback (most recent call last):')
        if len(frames) > 12:  # deep recursion: the first frames and the last ones tell the story
            skipped = len(frames) - 8
            frames = frames[:3] + [None] + frames[-5:]
        for frame in frames:
            if frame is None:
                out.append(f'  [... {skipped} more frames ...]')
                continue
            out.append(f'  File "{_FILENAME}", line {frame.lineno}, in {frame.name}')
            if frame.lineno is not None and 0 < frame.lineno <= len(lines):
                out.append('    ' + lines[frame.lineno - 1].strip())
    out.extend(line.rstrip('\n') for line in _traceback.format_exception_only(type(error), error))
    return _tail('\n'.join(out))


def _load(key):
    entry = _programs.get(key)
    if entry is None:
        raise LookupError(key)
    if entry[1] is not None or entry[2] is not None:
        return entry
    source = entry[0]
    try:
        code = compile(source, _FILENAME, 'exec', dont_inherit=True)
    except (SyntaxError, ValueError) as error:  # ValueError: source with NUL bytes
        entry[2] = 'python grader source does not compile: ' + _format(error, source)
        return entry
    namespace = {'__name__': '__grader__', '__builtins__': _builtins, '__file__': _FILENAME}
    exec(code, namespace)  # errors here are the row's, and the next row tries again
    grade = namespace.get('grade')
    if not callable(grade):
        entry[2] = 'python grader source must define a function grade(sample, item) at top level'
    else:
        entry[1] = grade
    return entry


def _check(value):
    if isinstance(value, bool) or not isinstance(value, _numbers.Real):
        shown = 'None' if value is None else type(value).__name__
        return 'Rgrade() must return a number (int or float), got ' + shown
    try:
        number = float(value)
    except (OverflowError, ValueError, TypeError) as error:
        return f'Rgrade() returned a number that is not a finite float: {error}'
    if _math.isnan(number):
        return 'Rgrade() returned NaN; it must return a finite number'
    if _math.isinf(number):
        return f'Rgrade() returned {number}; it must return a finite number'
    return number


def _call(key, sample_json, item_json):
    """float on success; otherwise a string: 'R' + message (the grader's fault), 'K' (interrupted),
    'S' + message (the sandbox's fault)."""
    try:
        entry = _load(key)
    except LookupError:
        return 'Sgrader source was not loaded in this sandbox worker'
    except KeyboardInterrupt:
        return 'K'
    except MemoryError:
        return 'Rpython grader ran out of memory while loading (MemoryError)'
    except BaseException as error:
        return 'Rpython grader source failed while loading: ' + _format(error, _programs[key][0])
    if entry[2] is not None:
        return 'R' + entry[2]
    try:
        value = entry[1](_json.loads(sample_json), _json.loads(item_json))
        return _check(value)
    except KeyboardInterrupt:
        return 'K'
    except MemoryError as error:
        return 'Rpython grader exceeded the memory limit: ' + _format(error, entry[0])
    except BaseException as error:
        return 'R' + _format(error, entry[0])


def _validate(source):
    """'V' when the source compiles, else 'R' + the message. Compiles only: no grader code runs."""
    try:
        compile(source, _FILENAME, 'exec', dont_inherit=True)
        return 'V'
    except KeyboardInterrupt:
        return 'K'
    except BaseException as error:
        return 'Rpython grader source does not compile: ' + _format(error, source)


(_call, _register, _evict, _validate, _harden)
