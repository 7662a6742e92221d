"""Test harness runner for Python exercises (docs/exercise-format.md, docs/sandbox.md).

Usage (inside the jail): python -I runner.py [--results-fd N] [--test-timeout S]
                                             [--output-limit N] [--dir DIR] TESTFILE...

1. Reads one nonce line from standard input, before anything else is loaded.
2. Loads the test files (never the learner's code: that happens lazily, through load()).
3. Writes a "plan" line naming every test, then runs the tests one at a time, each with its
   print output captured, and writes one "result" line per test.
4. Writes a "done" line and exits.
Every line goes to the results descriptor (3 by default), never to stdout, and carries the nonce.

What the nonce protects against: a submission that prints something that looks like results,
writes a forged line to the results descriptor, or exits early and hopes the missing tests are
counted as passed. Without the nonce such lines are ignored, and every planned test needs a result
line of its own. What it does NOT protect against: learner code runs in this same interpreter, so
code written on purpose to subvert the runner (walking stack frames or gc.get_objects() to find
the nonce) can forge results. That only fools the learner's own practice score; the jail, not the
nonce, is the security boundary.
"""

import json.encoder
import os
import posix
import signal
import sys
import threading
import traceback
import types

# The jail's address-space limit is shared by every thread's stack: with the default 8 MiB
# stacks only a handful of threads fit, so tests and learner code using threads would fail with
# "can't start new thread" long before the process limit. 512 KiB is plenty for Python frames.
threading.stack_size(512 * 1024)

# References captured before any test or learner code runs, so that code which rebinds os.write,
# json, sys.exit and friends cannot reach the runner's own channel.
_write = os.write
_read = os.read
_hard_exit = os._exit
_encode_string = json.encoder.encode_basestring_ascii
_setitimer = signal.setitimer
_signal = signal.signal
_ITIMER_REAL = signal.ITIMER_REAL
_SIGALRM = signal.SIGALRM
_real_stdout = sys.stdout
_real_stderr = sys.stderr
_BaseException = BaseException
_str = str
_repr = repr
_isinstance = isinstance
_type = type
_len = len

EXIT_FATAL = 70
MAX_MESSAGE = 2000


def _parse_args(argv):
    options = {
        "results_fd": 3,
        "test_timeout": 5.0,
        "output_limit": 4000,
        "dir": os.path.dirname(os.path.abspath(__file__)),
        "files": [],
    }
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--results-fd":
            i += 1
            options["results_fd"] = int(argv[i])
        elif arg == "--test-timeout":
            i += 1
            options["test_timeout"] = float(argv[i])
        elif arg == "--output-limit":
            i += 1
            options["output_limit"] = int(argv[i])
        elif arg == "--dir":
            i += 1
            options["dir"] = argv[i]
        else:
            options["files"].append(arg)
        i += 1
    return options


OPTIONS = _parse_args(sys.argv[1:])


def _read_nonce():
    data = b""
    for _ in range(1000):
        if b"\n" in data or _len(data) >= 256:
            break
        try:
            chunk = _read(0, 256 - _len(data))
        except BlockingIOError:
            continue
        if not chunk:
            break
        data += chunk
    line = data.split(b"\n", 1)[0].strip().decode("ascii", "replace")
    if not (16 <= _len(line) <= 128) or not all(c.isalnum() or c in "-_" for c in line):
        _real_stderr.write("runner: no nonce on standard input\n")
        _real_stderr.flush()
        _hard_exit(EXIT_FATAL)
    return line


def _json_value(value):
    """JSON for a str, int, None, or a list of already-encoded values: no hooks can run."""
    if value is None:
        return "null"
    if _type(value) is bool:
        return "true" if value else "false"
    if _type(value) is int:
        return _str(value)
    return _encode_string(value)


def _make_emit(nonce, fd):
    prefix = '{"nonce":' + _encode_string(nonce) + ',"type":'

    def emit(kind, fields=""):
        # Assembled from strings by concatenation; the bytes go out with the captured os.write.
        data = (prefix + _encode_string(kind) + fields + "}\n").encode("utf-8")
        try:
            while data:
                written = _write(fd, data)
                data = data[written:]
        except OSError:
            _hard_exit(EXIT_FATAL)  # the channel is gone (closed by the submission?)

    return emit


_emit = None


def _fatal(message):
    if _emit is not None:
        _emit("fatal", ',"message":' + _json_value(_clip(message)))
    else:
        _real_stderr.write("runner: " + message + "\n")
        _real_stderr.flush()
    _hard_exit(EXIT_FATAL)


def _clip(text, limit=MAX_MESSAGE):
    return text if _len(text) <= limit else text[:limit] + "… [truncated]"


def _describe(exc):
    try:
        name = _type(exc).__name__
        try:
            text = _str(exc)
        except _BaseException:
            text = ""
        if _isinstance(exc, AssertionError):
            return text or "an assertion failed (the test gave no message)"
        return name + ": " + text if text else name
    except _BaseException:
        return "an exception that could not be described"


def _learner_location(exc):
    """' (submission.py line 12)' when the exception came out of the learner's code."""
    try:
        if _isinstance(exc, AssertionError):
            return ""
        line = None
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename == SUBMISSION_PATH:
                line = frame.lineno
        return "" if line is None else " (submission.py line " + _str(line) + ")"
    except _BaseException:
        return ""


# ---------------------------------------------------------------------------------------------
# Output capture, per test


class _Capture:
    encoding = "utf-8"
    errors = "replace"

    def __init__(self, limit):
        self.limit = limit
        self.parts = []
        self.size = 0
        self.dropped = 0

    def write(self, text):
        if not _isinstance(text, _str):
            text = _str(text)
        room = self.limit - self.size
        if room <= 0:
            self.dropped += _len(text)
        elif _len(text) <= room:
            self.parts.append(text)
            self.size += _len(text)
        else:
            self.parts.append(text[:room])
            self.size += room
            self.dropped += _len(text) - room
        return _len(text)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        raise OSError("captured output has no file descriptor")

    def text(self):
        if not self.parts and not self.dropped:
            return None
        out = "".join(self.parts)
        if self.dropped:
            out += "\n… output truncated (" + _str(self.dropped) + " more characters)"
        return out


# ---------------------------------------------------------------------------------------------
# Tests, load(), and the run


class _TestTimeout(BaseException):
    """Raised by the per-test timer; a BaseException so `except Exception` does not swallow it."""


class _ExitCalled(BaseException):
    pass


class _LoadFailure(Exception):
    pass


_tests: list[dict[str, object]] = []  # id, name, fn, file of each registered test
_registering = True
_loading_file = None
_loaded = None  # ("ok", module) | ("error", message)
SUBMISSION_PATH = os.path.join(OPTIONS["dir"], "submission.py")


def test(name):
    """Decorator registering a test: @test("a duplicate id returns False")."""
    if not _registering:
        raise RuntimeError("test() must be used while a test file loads, not inside a test")
    if not _isinstance(name, _str) or not name:
        raise TypeError("test(name): name must be a non-empty string")

    def register(fn):
        _tests.append({"id": _len(_tests), "name": name, "fn": fn, "file": _loading_file})
        return fn

    return register


def load():
    """The learner's module, imported once; an import failure fails every test that loads it."""
    global _loaded
    if _loaded is None:
        import importlib.util

        try:
            spec = importlib.util.spec_from_file_location("submission", SUBMISSION_PATH)
            module = importlib.util.module_from_spec(spec)
            sys.modules["submission"] = module
            spec.loader.exec_module(module)
            _loaded = ("ok", module)
        except _TestTimeout:
            _loaded = ("error", "it took longer than the test's time limit to import")
        except _ExitCalled as exc:
            _loaded = ("error", _str(exc.args[0]) + " while it was being imported")
        except SystemExit as exc:
            _loaded = ("error", "it called sys.exit(" + _repr(exc.code) + ") while being imported")
        except _BaseException as exc:
            _loaded = ("error", _describe(exc) + _learner_location(exc))
    if _loaded[0] != "ok":
        raise _LoadFailure(_loaded[1])
    return _loaded[1]


def _on_alarm(signum, frame):
    raise _TestTimeout()


def _blocked_exit(code=0):
    raise _ExitCalled("Your code called os._exit(" + _repr(code) + ")")


def _run_one(entry):
    capture = _Capture(OPTIONS["output_limit"])
    sys.stdout = capture
    sys.stderr = capture
    _signal(_SIGALRM, _on_alarm)
    _setitimer(_ITIMER_REAL, OPTIONS["test_timeout"])
    try:
        result = entry["fn"]()
        if _type(result) is types.CoroutineType:
            import asyncio

            asyncio.run(result)
        outcome = ("pass", None, None)
    except _TestTimeout:
        seconds = OPTIONS["test_timeout"]
        shown = _str(int(seconds)) if seconds == int(seconds) else _str(seconds)
        outcome = ("error", "The test did not finish within " + shown + " s", "timeout")
    except _LoadFailure as exc:
        outcome = ("error", "Your code could not be loaded: " + _str(exc.args[0]), "load")
    except _ExitCalled as exc:
        outcome = ("error", _str(exc.args[0]) + " during the test", "exit")
    except SystemExit as exc:
        message = "Your code called sys.exit(" + _repr(exc.code) + ") during the test"
        outcome = ("error", message, "exit")
    except KeyboardInterrupt:
        outcome = ("error", "The test was interrupted (KeyboardInterrupt)", "exit")
    except MemoryError as exc:
        message = "Your code ran out of memory (MemoryError)" + _learner_location(exc)
        outcome = ("fail", message, None)
    except _BaseException as exc:
        outcome = ("fail", _describe(exc) + _learner_location(exc), None)
    finally:
        _setitimer(_ITIMER_REAL, 0)
        sys.stdout = _real_stdout
        sys.stderr = _real_stderr
    status, message, kind = outcome
    return status, None if message is None else _clip(message), capture.text(), kind


def _load_test_file(index, filename):
    import importlib.util

    path = os.path.join(OPTIONS["dir"], filename)
    name = "_exercise_tests_" + _str(index)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


def main():
    global _emit, _registering, _loading_file
    nonce = _read_nonce()
    _emit = _make_emit(nonce, OPTIONS["results_fd"])

    harness = types.ModuleType("harness", "The test harness API: test and load.")
    harness.test = test
    harness.load = load
    sys.modules["harness"] = harness

    for index, filename in enumerate(OPTIONS["files"]):
        _loading_file = filename
        try:
            _load_test_file(index, filename)
        except _BaseException as exc:
            _fatal("the test file " + filename + " failed to load: " + _describe(exc))
    _registering = False
    _loading_file = None
    if not _tests:
        _fatal("the test files define no tests")

    plan = ",".join(
        '{"id":'
        + _json_value(entry["id"])
        + ',"name":'
        + _json_value(entry["name"])
        + ',"file":'
        + _json_value(entry["file"])
        + "}"
        for entry in _tests
    )
    _emit("plan", ',"tests":[' + plan + "]")

    # From here on the learner's code may run. It cannot end the interpreter quietly.
    os._exit = _blocked_exit
    posix._exit = _blocked_exit

    for entry in _tests:
        status, message, output, kind = _run_one(entry)
        _emit(
            "result",
            ',"id":'
            + _json_value(entry["id"])
            + ',"status":'
            + _json_value(status)
            + ',"message":'
            + _json_value(message)
            + ',"output":'
            + _json_value(output)
            + ',"kind":'
            + _json_value(kind),
        )
    _emit("done")
    try:
        _real_stdout.flush()
        _real_stderr.flush()
    except _BaseException:
        pass
    _hard_exit(0)


if __name__ == "__main__":
    try:
        main()
    except _BaseException as exc:
        _fatal("the runner failed: " + _describe(exc))
