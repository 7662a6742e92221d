"""Hostile submissions, in both languages. Each case asserts the verdict and that nothing
escaped: the `jail` fixture also checks, after every run, that the worker's planted secret is in
no output and that no process of the jail's uid is left on the host.

Network probes only ever target loopback; isolation from the outside is shown by the absence of
any interface but `lo` and of any route, never by sending packets out.
"""

from __future__ import annotations

import ast
import json
import os
import platform
import socket
import subprocess
import sys
import textwrap

import pytest

from apps.sandbox import Limits, grade
from apps.sandbox.runtimes import get_runtime
from apps.sandbox.seccomp.syscalls import SYSCALLS

from .conftest import assert_contained

pytestmark = pytest.mark.sandbox

ARCH_COLUMN = 0 if platform.machine() == "x86_64" else 1


def nr(name: str) -> int:
    return SYSCALLS[name][ARCH_COLUMN]


# Numbers of calls the filter does not name (x86_64, aarch64).
UNLISTED = {
    "splice": (275, 76),
    "vmsplice": (278, 75),
    "setxattr": (188, 5),
    "msgget": (68, 186),
    "mbind": (237, 235),
    "personality": (135, 92),
}


def nr_any(name: str) -> int:
    return UNLISTED[name][ARCH_COLUMN]


def py(code: str) -> str:
    return textwrap.dedent(code).strip() + "\n"


# --- processes ---------------------------------------------------------------------------------


def test_py_fork_bomb(jail):
    code = py("""
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """)
    assert jail("python", code, wall_seconds=2).verdict == "time_limit"


def test_py_process_count_is_capped_per_slot(jail):
    code = py("""
        import os, time
        started = 0
        while started < 1000:
            try:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
            except OSError as exc:
                print("refused after", started, exc.strerror, flush=True)
                break
            started += 1
        time.sleep(60)
    """)
    result = jail("python", code, wall_seconds=2, processes=8)
    assert result.verdict == "time_limit"
    refused_after = int(result.stdout.split()[2])
    assert refused_after < 8, "RLIMIT_NPROC counts the slot's uid"


def test_py_thread_bomb(jail):
    code = py("""
        import threading, time
        threads = 0
        try:
            while True:
                threading.Thread(target=time.sleep, args=(100,), daemon=True).start()
                threads += 1
        except (RuntimeError, MemoryError) as exc:
            print("stopped at", threads, type(exc).__name__, flush=True)
        time.sleep(100)
    """)
    result = jail("python", code, wall_seconds=2)
    assert result.verdict == "time_limit"
    assert int(result.stdout.split()[2]) < 16


def test_py_busy_children_die_with_the_run(jail):
    code = py("""
        import os
        for _ in range(3):
            if os.fork() == 0:
                while True:
                    pass
        os.wait()
    """)
    result = jail("python", code, wall_seconds=1.5)
    assert result.verdict == "time_limit"
    assert result.wall_ms < 1500 + 1000


def test_py_daemon_does_not_outlive_the_run(jail):
    code = py("""
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.closerange(0, 3)
                time.sleep(60)
            os._exit(0)
        os.wait()
        print("parent leaves")
    """)
    result = jail("python", code)
    assert result.verdict == "ok"
    assert result.stdout == "parent leaves\n"
    assert result.wall_ms < 2000, "the run ends with its first process, not with the daemon"
    # (the fixture asserts that no process of the jail's uid is left)


def test_py_signals_reach_nothing_outside(jail):
    code = py("""
        import os, signal
        print("pid", os.getpid(), "ppid", os.getppid())
        for target in (-1, os.getppid(), 1):
            try:
                os.kill(target, signal.SIGKILL)
                print("sent", target)
            except OSError as exc:
                print("refused", target, exc.strerror)
        print("visible", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
    """)
    canary = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        result = jail("python", code)
        assert result.verdict == "ok"
        assert "pid 1 ppid 0" in result.stdout
        assert "refused -1 No such process" in result.stdout, "kill(-1) finds nothing to signal"
        assert "visible [1]" in result.stdout, "only the jail's own process is visible"
        assert canary.poll() is None, "a host process was killed"
    finally:
        canary.kill()
        canary.wait()


def test_js_child_processes_and_workers_are_refused(jail):
    code = """
      const attempts = [
        () => require('child_process').spawn('/opt/node/bin/node', ['-e', '1']),
        () => require('child_process').execSync('id'),
        () => new (require('worker_threads').Worker)('1', { eval: true }),
        () => process.binding('spawn_sync'),
        () => process.dlopen({ exports: {} }, '/usr/lib/x86_64-linux-gnu/libc.so.6'),
        () => require('inspector').open(),
      ];
      for (const attempt of attempts) {
        try { attempt(); console.log('ALLOWED'); } catch (e) { console.log(e.code); }
      }
    """
    result = jail("javascript", code)
    assert result.verdict == "ok"
    assert "ALLOWED" not in result.stdout
    assert result.stdout.count("ERR_ACCESS_DENIED") >= 4


def test_js_signals_reach_nothing_outside(jail):
    code = """
      for (const target of [-1, process.ppid, 1]) {
        try { process.kill(target, 'SIGKILL'); console.log('sent', target); }
        catch (e) { console.log('refused', target, e.code); }
      }
      console.log('alive', process.pid);
    """
    result = jail("javascript", code)
    assert result.verdict == "ok"
    assert "refused -1 ESRCH" in result.stdout
    assert "alive 1" in result.stdout


# --- time ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "code"),
    [("python", "while True:\n    pass\n"), ("javascript", "for (;;) {}")],
)
def test_infinite_loop_is_stopped_by_the_cpu_limit(jail, language, code):
    # A generous wall limit, so that the CPU limit ends the run even on a busy machine.
    result = jail(language, code, cpu_seconds=1, wall_seconds=10)
    assert result.verdict == "time_limit"
    assert result.exit_code == 128 + 9, "RLIMIT_CPU ends in SIGKILL (soft == hard)"
    assert result.cpu_ms >= 900


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python", "import time\ntime.sleep(1000)\n"),
        ("javascript", "setInterval(() => {}, 1000)"),
        ("javascript", "new Promise(() => {}); setTimeout(() => {}, 1e9)"),
    ],
)
def test_sleeping_forever_is_stopped_by_the_wall_limit(jail, language, code):
    result = jail(language, code, wall_seconds=1)
    assert result.verdict == "time_limit"
    assert result.exit_code is None
    assert 1000 <= result.wall_ms < 2500
    assert result.cpu_ms < 900


# --- memory --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python", "blocks = []\nwhile True:\n    blocks.append(bytearray(8 * 1024 * 1024))\n"),
        ("python", "x = bytearray(200 * 1024 * 1024)\n"),
        (
            "python",
            "import mmap\nm = mmap.mmap(-1, 200 << 20)\nfor _ in range(200):\n"
            "    m.write(b'x' * (1 << 20))\n",
        ),
        ("python", "s = 'x' * (200 * 1024 ** 2)\n"),
        ("javascript", "const a = []; for (;;) a.push(new Array(1e6).fill(1.5));"),
        ("javascript", "const a = []; for (;;) a.push({ s: 'x'.repeat(1e6) + Math.random() });"),
        ("javascript", "const a = []; for (;;) a.push(Buffer.alloc(16 * 1024 * 1024, 1));"),
        (
            "javascript",
            "const a = []; for (;;) a.push(new Uint8Array(new ArrayBuffer(32 << 20)).fill(1));",
        ),
        (
            "javascript",
            "const m = []; for (;;) { const w = new WebAssembly.Memory({ initial: 1000 });"
            " new Uint8Array(w.buffer).fill(1); m.push(w); }",
        ),
    ],
    ids=[
        "py-heap",
        "py-bytearray",
        "py-mmap",
        "py-string",
        "js-heap",
        "js-strings",
        "js-buffer",
        "js-arraybuffer",
        "js-wasm",
    ],
)
def test_memory_bombs_are_memory_limit(jail, language, code):
    result = jail(language, code, memory_mb=96)
    assert result.verdict == "memory_limit", result.stderr[-800:]
    # Stopped near the limit: memory_mb + the runtime's start-up, plus what it could touch
    # between two of the supervisor's samples (5 ms apart, later when the machine's cores are
    # busy: a write loop touches GBs a second, so allow 96 MB, under what each bomb reaches).
    limit_kb = get_runtime(language).memory_limit_kb(Limits.for_language(language, memory_mb=96))
    assert result.max_rss_kb < limit_kb + 96 * 1024


# The limit is the run's whole memory, not the V8 heap: memory_mb 16, as js-stream-csv has.
JS_WHOLE_FILE_BUFFER = """
const fs = require('fs');
const fd = fs.openSync('/tmp/big', 'w');
const chunk = Buffer.alloc(1 << 20, 'a');
for (let i = 0; i < 64; i += 1) fs.writeSync(fd, chunk);
fs.closeSync(fd);
const whole = fs.readFileSync('/tmp/big');
let lines = 0;
for (let i = 0; i < whole.length; i += 64) if (whole[i] === 10) lines += 1;
console.log('read', whole.length, lines);
"""
JS_WASM_GROW = """
const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096 });
for (let i = 0; i < 64; i += 1) {
  memory.grow(16);
  new Uint8Array(memory.buffer).fill(7);
}
console.log('grew to', memory.buffer.byteLength);
"""


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("javascript", JS_WHOLE_FILE_BUFFER),
        ("javascript", JS_WASM_GROW),
        ("python", "data = bytearray(64 * 1024 * 1024)\nprint('allocated', len(data))\n"),
    ],
    ids=["js-whole-file-buffer", "js-wasm-grow", "py-bytearray"],
)
def test_off_heap_memory_counts_against_the_limit(jail, language, code):
    overrides = {"allow_tmp_read": True, "tmp_mb": 96, "file_size_mb": 96}
    if language == "python":
        overrides = {}
    result = jail(language, code, memory_mb=16, **overrides)
    assert result.verdict == "memory_limit", (result.stdout, result.stderr[-800:])
    assert "read" not in result.stdout and "grew to" not in result.stdout
    assert "allocated" not in result.stdout


@pytest.mark.parametrize(
    ("language", "code", "error"),
    [
        ("python", "x = bytearray(4 * 1024 ** 3)\n", "MemoryError"),
        ("python", "s = 'x' * (4 * 1024 ** 3)\n", "MemoryError"),
        ("javascript", "const b = new ArrayBuffer(4 * 1024 ** 3);", "RangeError"),
    ],
)
def test_an_allocation_the_backstop_refuses_is_the_programs_own_error(jail, language, code, error):
    # Refused by the rlimit at once, before a byte is used: no fact says "memory", so the run is
    # the uncaught error the program got (which it could have caught).
    result = jail(language, code, memory_mb=96)
    assert result.verdict == "runtime_error"
    assert error in result.stderr
    assert result.max_rss_kb < 96 * 1024


@pytest.mark.parametrize(
    ("language", "code"),
    [
        (
            "python",
            "import sys\nsys.stderr.write('Traceback (most recent call last):\\nMemoryError\\n"
            "Cannot allocate memory: out of memory\\n')\nsys.exit(1)\n",
        ),
        (
            "javascript",
            "process.stderr.write('<--- Last few GCs --->\\nFATAL ERROR: Reached heap limit "
            "Allocation failed - JavaScript heap out of memory\\n', () => process.exit(134));",
        ),
    ],
)
def test_printing_out_of_memory_words_is_not_memory_limit(jail, language, code):
    result = jail(language, code)
    assert result.verdict == "runtime_error", result
    assert "memory" in result.stderr


# --- forged set-up failures -----------------------------------------------------------------------
# What bubblewrap, prlimit and setpriv print when they fail. A program that prints the same and
# exits the same way is still the program: the verdict comes from bubblewrap's status channel.

FORGED_SETUP_ERRORS = [
    ("bwrap: Creating new namespace failed: Operation not permitted\n", 1),
    ("bwrap: setting up uid map: Permission denied\n", 1),
    ("prlimit: failed to set the RLIMIT_AS resource limit: Operation not permitted\n", 1),
    ("setpriv: setresuid failed: Operation not permitted\n", 1),
    ("setpriv: failed to execute /usr/bin/bwrap: No such file or directory\n", 127),
]


def forged_setup_error(language: str, text: str, status: int) -> str:
    if language == "python":
        return f"import os\nos.write(2, {text.encode()!r})\nos._exit({status})\n"
    return f"process.stderr.write({text!r}, () => process.reallyExit({status}));"


@pytest.mark.parametrize("language", ["python", "javascript"])
@pytest.mark.parametrize(("text", "status"), FORGED_SETUP_ERRORS, ids=lambda v: str(v)[:14])
def test_printing_a_set_up_failure_is_not_a_sandbox_error(jail, language, text, status):
    result = jail(language, forged_setup_error(language, text, status))
    assert result.verdict == "runtime_error", result
    assert result.exit_code == status
    assert result.stderr == text, "the program's own words, shown as its output"


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_grading_a_forged_set_up_failure_blames_the_code(canary, language):
    text, status = FORGED_SETUP_ERRORS[0]
    code = forged_setup_error(language, text, status)
    code = code.replace("os._exit", "posix._exit").replace("import os", "import os, posix")
    outcome = graded(language, code, canary)
    # The harness may turn the exit into the test's error; either way the code is blamed, the
    # submission is not retryable, and the learner is not told the machine is broken.
    assert outcome.run.verdict in ("runtime_error", "ok"), outcome.to_dict()
    assert outcome.status in ("fail", "error") and outcome.tests, outcome.to_dict()
    assert "sandbox" not in outcome.message.lower()


# --- output --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python", "import sys\nwhile True:\n    sys.stdout.write('x' * 10000)\n"),
        ("python", "import sys\nwhile True:\n    print('y' * 100, file=sys.stderr)\n"),
        ("python", "import os\nwhile True:\n    os.write(1, b'z' * 65536)\n"),
        ("javascript", "for (;;) process.stdout.write('x'.repeat(100000));"),
        ("javascript", "for (;;) console.error('y'.repeat(100));"),
    ],
    ids=["py-stdout", "py-stderr", "py-raw-fd", "js-stdout", "js-stderr"],
)
def test_output_floods_are_output_limit(jail, language, code):
    result = jail(language, code, output_kb=16)
    assert result.verdict == "output_limit"
    assert result.truncated is True
    assert len(result.stdout.encode()) <= 16 * 1024
    assert len(result.stderr.encode()) <= 16 * 1024
    assert result.wall_ms < 2500


# --- files ---------------------------------------------------------------------------------------


def test_py_huge_file_hits_the_file_size_limit(jail):
    code = py("""
        with open("/tmp/big", "wb") as handle:
            for _ in range(64):
                handle.write(b"x" * 1024 * 1024)
    """)
    result = jail("python", code, file_size_mb=4, tmp_mb=64)
    assert result.verdict == "runtime_error"
    assert "File too large" in result.stderr


def test_py_filling_tmp_hits_its_size(jail):
    code = py("""
        import os
        written = 0
        try:
            for i in range(1000):
                with open(f"/tmp/f{i}", "wb") as handle:
                    handle.write(b"x" * 1024 * 1024)
                written += 1
        except OSError as exc:
            print("stopped after", written, "MB:", exc.strerror)
    """)
    result = jail("python", code, tmp_mb=8)
    assert result.verdict == "ok"
    assert "No space left on device" in result.stdout
    assert int(result.stdout.split()[2]) <= 8


def test_py_many_files(jail):
    code = py("""
        import os
        made = 0
        for i in range(20000):
            try:
                open(f"/tmp/{i}", "w").close()
            except OSError as exc:
                print("stopped", exc.strerror)
                break
            made += 1
        print("made", made)
    """)
    result = jail("python", code)
    assert result.verdict in ("ok", "time_limit")


@pytest.mark.parametrize(
    ("language", "code"),
    [
        (
            "python",
            py("""
                handles = []
                try:
                    while True:
                        handles.append(open("/box/main.py"))
                except OSError as exc:
                    print("open files:", len(handles), exc.strerror)
            """),
        ),
        (
            "javascript",
            """
              const fs = require('fs'); const fds = [];
              try { for (;;) fds.push(fs.openSync('/box/main.js', 'r')); }
              catch (e) { console.log('open files:', fds.length, e.code); }
            """,
        ),
    ],
)
def test_descriptor_exhaustion_stops_at_the_limit(jail, language, code):
    result = jail(language, code, open_files=48)
    assert result.verdict == "ok"
    assert int(result.stdout.split()[2]) < 48
    assert "Too many open files" in result.stdout or "EMFILE" in result.stdout


def test_py_writes_to_dev_and_dev_shm_are_bounded(jail):
    code = py("""
        for path in ("/dev/evil", "/dev/shm/big"):
            written = 0
            try:
                with open(path, "wb") as handle:
                    for _ in range(64):
                        handle.write(b"x" * 65536)
                        handle.flush()
                        written += 65536
            except OSError as exc:
                print(path, written // 1024, "KB then", exc.strerror)
        open("/dev/null", "w").write("fine")
        print("null ok")
    """)
    result = jail("python", code)
    assert result.verdict == "ok"
    assert "/dev/evil 0 KB then Read-only file system" in result.stdout
    shm_kb = int(result.stdout.split("/dev/shm/big ")[1].split()[0])
    assert shm_kb <= 1024 and "No space left on device" in result.stdout
    assert "null ok" in result.stdout


def test_py_writes_outside_tmp_are_refused(jail):
    code = py("""
        import os
        targets = ["/evil", "/box/evil", "/box/main.py", "/usr/lib/evil", "/proc/evil",
                   "/opt/evil", os.__file__, "/etc/evil", "/root/evil"]
        for path in targets:
            try:
                with open(path, "a") as handle:
                    handle.write("x")
                print("WROTE", path)
            except OSError as exc:
                print("refused", path, exc.strerror)
        open("/tmp/fine", "w").write("x")
        print("tmp ok")
    """)
    result = jail("python", code)
    assert result.verdict == "ok"
    assert "WROTE" not in result.stdout
    assert "tmp ok" in result.stdout
    for path in ("/evil", "/usr/lib/evil", "/opt/evil", "/etc/evil", "/root/evil"):
        assert not os.path.exists(path)


def test_js_file_access_outside_the_box_is_refused(jail):
    code = """
      const fs = require('fs');
      for (const path of ['/proc/self/environ', '/etc/passwd', '/tmp/x', '/box/main.js']) {
        try { fs.readFileSync(path); console.log('read', path); }
        catch (e) { console.log('refused', path, e.code); }
      }
      try { fs.writeFileSync('/tmp/x', 'x'); console.log('WROTE'); }
      catch (e) { console.log('write refused', e.code); }
    """
    result = jail("javascript", code)
    assert result.verdict == "ok"
    assert "read /box/main.js" in result.stdout
    assert "WROTE" not in result.stdout
    assert result.stdout.count("ERR_ACCESS_DENIED") == 4


def test_js_tmp_is_usable_only_when_allowed_and_still_size_capped(jail):
    code = """
      const fs = require('fs');
      fs.writeFileSync('/tmp/a', 'hello');
      console.log(fs.readFileSync('/tmp/a', 'utf8'));
      try { fs.writeFileSync('/tmp/big', Buffer.alloc(8 * 1024 * 1024)); console.log('BIG'); }
      catch (e) { console.log('big refused', e.code); }
    """
    result = jail("javascript", code, allow_tmp_read=True, file_size_mb=2)
    assert result.verdict == "ok"
    assert result.stdout.startswith("hello\n")
    assert "big refused EFBIG" in result.stdout


# --- what can be seen ----------------------------------------------------------------------------


def test_py_host_files_and_the_portal_are_invisible(jail):
    code = py("""
        import os
        probes = ["/etc/passwd", "/etc/shadow", "/work/main/portal/settings.py", "/work",
                  "/home", "/run", "/var/lib/portal-sandbox", "/root/.ssh", "/sys",
                  "/box/../work/main/portal/settings.py", "/proc/1/root/work",
                  "/proc/self/root/etc/passwd", "/proc/self/cwd/../../work"]
        for path in probes:
            print(path, os.path.exists(path))
        print("root", sorted(os.listdir("/")))
    """)
    result = jail("python", code)
    assert result.verdict == "ok"
    lines = result.stdout.splitlines()
    assert all(line.endswith(" False") for line in lines[:-1]), result.stdout
    root = lines[-1]
    assert "work" not in root and "home" not in root and "etc" not in root


def test_py_symlink_tricks_stay_inside(jail):
    code = py("""
        import os
        os.symlink("/proc/1/root", "/tmp/root")
        os.symlink("../../../../../../work/main/portal/settings.py", "/tmp/settings")
        os.symlink("/", "/tmp/slash")
        print("root", sorted(os.listdir("/tmp/root")))
        print("settings", os.path.exists("/tmp/settings"))
        print("slash", os.path.exists("/tmp/slash/work"))
        try:
            os.symlink("/tmp/x", "/box/link")
            print("LINKED")
        except OSError as exc:
            print("box link refused", exc.strerror)
    """)
    result = jail("python", code)
    assert result.verdict == "ok"
    assert "'work'" not in result.stdout
    assert "settings False" in result.stdout
    assert "slash False" in result.stdout
    assert "box link refused" in result.stdout


def test_py_worker_environment_is_not_visible(jail, canary):
    code = py("""
        import os
        print(dict(os.environ))
        for pid in [p for p in os.listdir("/proc") if p.isdigit()] + ["self"]:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                print(pid, handle.read())
    """)
    result = jail("python", code)
    assert result.verdict == "ok"
    assert canary not in result.stdout
    assert "PORTAL_SECRET_CANARY" not in result.stdout
    assert "1 b'HOME=/tmp\\x00PATH=" in result.stdout  # pid 1's environment is the jail's own


def test_js_worker_environment_is_not_visible(jail, canary):
    result = jail("javascript", "console.log(JSON.stringify(process.env))")
    assert result.verdict == "ok"
    assert canary not in result.stdout
    assert set(json.loads(result.stdout)) <= {"HOME", "PATH", "LANG", "PWD"}


def test_py_only_loopback_no_route(jail):
    code = py("""
        import os
        with open("/proc/net/dev") as handle:
            print("interfaces", sorted(l.split(":")[0].strip() for l in handle.readlines()[2:]))
        with open("/proc/net/route") as handle:
            print("ipv4 routes", len(handle.readlines()) - 1)
        with open("/proc/net/ipv6_route") as handle:
            print("ipv6 devices", sorted({l.split()[-1] for l in handle if l.strip()}))
        print("hostname", os.uname().nodename)
    """)
    result = jail("python", code)
    assert result.verdict == "ok"
    assert "interfaces ['lo']" in result.stdout
    assert "ipv4 routes 0" in result.stdout
    assert "ipv6 devices ['lo']" in result.stdout or "ipv6 devices []" in result.stdout
    assert "hostname sandbox" in result.stdout


@pytest.fixture
def host_listener():
    """A listening socket on the host's loopback: the jail must not be able to reach it."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.2)
    yield listener
    listener.close()


def test_py_host_loopback_services_are_unreachable(jail, host_listener):
    port = host_listener.getsockname()[1]
    code = py(f"""
        import socket
        for family, address in ((socket.AF_INET, ("127.0.0.1", 6379)),
                                (socket.AF_INET6, ("::1", 6379)),
                                (socket.AF_INET, ("127.0.0.1", {port}))):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.settimeout(1)
            try:
                sock.connect(address)
                print("CONNECTED", address)
            except OSError as exc:
                print("refused", address[1], exc.strerror)
    """)
    result = jail("python", code)
    assert result.verdict == "ok"
    assert "CONNECTED" not in result.stdout
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["refused"] * 3
    with pytest.raises(TimeoutError):
        host_listener.accept()


def test_js_host_loopback_services_are_unreachable(jail, host_listener):
    port = host_listener.getsockname()[1]
    code = f"""
      const net = require('net');
      let left = 3;
      for (const [host, port] of [['127.0.0.1', 6379], ['::1', 6379], ['127.0.0.1', {port}]]) {{
        const s = net.connect(port, host);
        s.on('connect', () => {{ console.log('CONNECTED', host, port); s.destroy(); }});
        s.on('error', (e) => console.log('refused', port, e.code));
      }}
    """
    result = jail("javascript", code)
    assert result.verdict == "ok"
    assert "CONNECTED" not in result.stdout
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["refused"] * 3
    with pytest.raises(TimeoutError):
        host_listener.accept()


# --- kernel surface (the seccomp filter, from inside) ---------------------------------------------


def test_py_dangerous_syscalls_are_denied(jail):
    calls = {
        "ptrace(TRACEME)": (nr("ptrace"), 0, 0, 0, 0),
        "process_vm_readv": (nr("process_vm_readv"), 1, 0, 0, 0, 0, 0),
        "keyctl": (nr("keyctl"), 0, -3, 0),
        "add_key": (nr("add_key"), 0, 0, 0, 0, 0),
        "bpf": (nr("bpf"), 0, 0, 0),
        "perf_event_open": (nr("perf_event_open"), 0, 0, -1, -1, 0),
        "userfaultfd": (nr("userfaultfd"), 0),
        "io_uring_setup": (nr("io_uring_setup"), 8, 0),
        "mount": (nr("mount"), 0, 0, 0, 0, 0),
        "pivot_root": (nr("pivot_root"), 0, 0),
        "open_by_handle_at": (nr("open_by_handle_at"), 0, 0, 0),
        "memfd_create": (nr("memfd_create"), 0, 0),
    }
    code = py(f"""
        import ctypes, errno
        libc = ctypes.CDLL(None, use_errno=True)
        for name, args in {calls!r}.items():
            result = libc.syscall(*args)
            print(name, result, errno.errorcode.get(ctypes.get_errno()) if result == -1 else "")
        print("seccomp", open("/proc/self/status").read().split("Seccomp:")[1].split()[0])
    """)
    result = jail("python", code)
    assert result.verdict == "ok", result.stderr
    lines = result.stdout.splitlines()
    for name in calls:
        assert f"{name} -1 EPERM" in lines, result.stdout
    assert "seccomp 2" in lines


# Families the network namespace does not isolate, or that reach kernel subsystems: vsock talks
# to the hypervisor, netlink to the kernel's routing and audit, packet and XDP to the devices,
# alg to the crypto API, and so on. Every family but unix, inet and inet6 is refused.
OTHER_FAMILIES = {
    "AF_VSOCK": 40,
    "AF_NETLINK": 16,
    "AF_PACKET": 17,
    "AF_ALG": 38,
    "AF_BLUETOOTH": 31,
    "AF_KEY": 15,
    "AF_CAN": 29,
    "AF_TIPC": 30,
    "AF_RDS": 21,
    "AF_QIPCRTR": 42,
    "AF_XDP": 44,
    "AF_NFC": 39,
}


def test_py_sockets_of_other_families_are_refused(jail):
    code = py(f"""
        import ctypes, errno, socket
        libc = ctypes.CDLL(None, use_errno=True)
        for name, family in {OTHER_FAMILIES!r}.items():
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_RAW, 5):
                try:
                    socket.socket(family, kind).close()
                    print("OPENED", name, kind)
                except OSError as exc:
                    print(name, kind, errno.errorcode.get(exc.errno))
            pair = (ctypes.c_int * 2)()
            result = libc.syscall({nr("socketpair")}, family, socket.SOCK_DGRAM, 0, pair)
            print(name, "socketpair", result, errno.errorcode.get(ctypes.get_errno()))
        # The families the runtimes use still work.
        a, b = socket.socketpair(socket.AF_UNIX)
        a.send(b"ping")
        print("unix pair", b.recv(4))
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            server = socket.socket(family)
            server.bind((host, 0))
            server.listen()
            client = socket.create_connection(server.getsockname()[:2])
            print("loopback", family.name, client.getpeername()[0])
    """)
    result = jail("python", code)
    assert result.verdict == "ok", result.stderr
    assert "OPENED" not in result.stdout
    lines = result.stdout.splitlines()
    for name in OTHER_FAMILIES:
        for kind in (1, 2, 3, 5):
            assert f"{name} {kind} EAFNOSUPPORT" in lines, (name, result.stdout)
        assert f"{name} socketpair -1 EAFNOSUPPORT" in lines
    assert "unix pair b'ping'" in lines
    assert "loopback AF_INET 127.0.0.1" in lines and "loopback AF_INET6 ::1" in lines


def test_js_netlink_is_refused_and_loopback_still_works(jail):
    code = """
const os = require('os');
const dgram = require('dgram');
try {
  console.log('interfaces', JSON.stringify(os.networkInterfaces()));
} catch (err) {
  console.log('interfaces refused', err.info && err.info.code, err.errno);
}
const udp = dgram.createSocket('udp6');
udp.bind(0, '::1', () => {
  console.log('udp6 bound', udp.address().address);
  udp.close();
});
"""
    result = jail("javascript", code)
    assert result.verdict == "ok", result.stderr
    # libuv lists interfaces through a netlink socket: refused (errno 97, EAFNOSUPPORT).
    assert "interfaces refused" in result.stdout and " 97" in result.stdout, result.stdout
    assert "udp6 bound ::1" in result.stdout


def test_py_calls_outside_the_allow_list_fail_with_enosys(jail):
    calls = {
        "splice": nr_any("splice"),
        "vmsplice": nr_any("vmsplice"),
        "setxattr": nr_any("setxattr"),
        "msgget": nr_any("msgget"),
        "mbind": nr_any("mbind"),
        "personality": nr_any("personality"),
    }
    code = py(f"""
        import ctypes, errno
        libc = ctypes.CDLL(None, use_errno=True)
        for name, number in {calls!r}.items():
            result = libc.syscall(number, 0, 0, 0, 0, 0, 0)
            print(name, result, errno.errorcode.get(ctypes.get_errno()) if result == -1 else "")
        import os, shutil, tempfile
        # What the standard library does with files still works.
        with tempfile.NamedTemporaryFile(dir="/tmp", delete=False) as handle:
            handle.write(b"x" * 100000)
        shutil.copy(handle.name, "/tmp/copy")
        os.rename("/tmp/copy", "/tmp/moved")
        print("copied", os.stat("/tmp/moved").st_size, os.statvfs("/tmp").f_bsize > 0)
    """)
    result = jail("python", code)
    assert result.verdict == "ok", result.stderr
    for name in calls:
        assert f"{name} -1 ENOSYS" in result.stdout.splitlines(), result.stdout
    assert "copied 100000 True" in result.stdout


def test_py_nested_namespaces_are_denied(jail):
    clone_newuser = 0x10000000 | 17  # CLONE_NEWUSER | SIGCHLD
    code = py(f"""
        import ctypes, errno, os
        libc = ctypes.CDLL(None, use_errno=True)
        def call(name, *args):
            result = libc.syscall(*args)
            print(name, result, errno.errorcode.get(ctypes.get_errno()) if result == -1 else "")
        call("unshare(NEWUSER)", {nr("unshare")}, 0x10000000)
        call("unshare(NEWNET)", {nr("unshare")}, 0x40000000)
        call("unshare(NEWNS)", {nr("unshare")}, 0x00020000)
        call("clone(NEWUSER)", {nr("clone")}, {clone_newuser}, 0, 0, 0, 0)
        call("clone3", {nr("clone3")}, 0, 0)
        call("setns", {nr("setns")}, 0, 0)
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        print("fork still works", os.waitpid(pid, 0)[1] >> 8)
    """)
    result = jail("python", code)
    assert result.verdict == "ok", result.stderr
    for name in ("unshare(NEWUSER)", "unshare(NEWNET)", "unshare(NEWNS)", "clone(NEWUSER)"):
        assert f"{name} -1 EPERM" in result.stdout
    assert "clone3 -1 ENOSYS" in result.stdout
    assert "setns -1 EPERM" in result.stdout
    assert "fork still works 7" in result.stdout


def test_py_terminal_injection_is_denied(jail):
    code = py("""
        import fcntl, os, termios
        for fd in (0, 1, 2):
            for name, request in (("TIOCSTI", termios.TIOCSTI), ("TIOCLINUX", 0x541C)):
                try:
                    fcntl.ioctl(fd, request, b"x")
                    print("INJECTED", fd)
                except OSError as exc:
                    print(name, fd, exc.strerror)
        try:
            os.open("/dev/tty", os.O_RDWR)
            print("TTY OPEN")
        except OSError as exc:
            print("no tty", exc.strerror)
    """)
    result = jail("python", code)
    assert result.verdict == "ok"
    assert "INJECTED" not in result.stdout and "TTY OPEN" not in result.stdout
    assert result.stdout.count("Operation not permitted") == 6


def test_py_ptrace_of_another_jailed_process_is_denied(jail):
    code = py(f"""
        import ctypes, errno, os, time
        libc = ctypes.CDLL(None, use_errno=True)
        child = os.fork()
        if child == 0:
            time.sleep(5)
            os._exit(0)
        result = libc.syscall({nr("ptrace")}, 16, child, 0, 0)  # PTRACE_ATTACH
        print("attach", result, errno.errorcode.get(ctypes.get_errno()))
        os.kill(child, 9)
    """)
    result = jail("python", code)
    assert result.verdict == "ok"
    assert "attach -1 EPERM" in result.stdout


@pytest.mark.skipif(platform.machine() != "x86_64", reason="int 0x80 is x86 only")
def test_py_32bit_system_calls_kill_the_process(jail):
    code = py("""
        import ctypes, mmap
        # mov eax, 20 (getpid in the i386 table); int 0x80; ret
        machine_code = bytes([0xB8, 20, 0, 0, 0, 0xCD, 0x80, 0xC3])
        page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        page.write(machine_code)
        address = ctypes.addressof(ctypes.c_char.from_buffer(page))
        print("calling", flush=True)
        print("returned", ctypes.CFUNCTYPE(ctypes.c_int)(address)())
    """)
    result = jail("python", code)
    assert result.verdict == "runtime_error"
    assert result.exit_code == 128 + 31, "killed by SIGSYS"
    assert "returned" not in result.stdout


# --- plain mistakes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "code", "expected"),
    [
        ("python", "def f(n):\n    return f(n + 1)\nf(0)\n", "RecursionError"),
        ("javascript", "function f(n) { return f(n + 1) + 1; } f(0);", "Maximum call stack"),
        ("python", "def broken(:\n", "SyntaxError"),
        ("javascript", "const x = ;", "SyntaxError"),
        ("python", "raise SystemExit(3)\n", ""),
        ("javascript", "throw 'a string'", "a string"),
    ],
)
def test_ordinary_failures_are_runtime_errors(jail, language, code, expected):
    result = jail(language, code)
    assert result.verdict == "runtime_error"
    assert expected in result.stderr


def test_py_deep_recursion_with_the_limit_raised_crashes_cleanly(jail):
    code = "import sys\nsys.setrecursionlimit(10**7)\ndef f(n):\n    return f(n + 1)\nf(0)\n"
    result = jail("python", code, memory_mb=64)
    # Python 3.11 keeps frames on the heap: this ends in whichever limit comes first.
    assert result.verdict in ("runtime_error", "memory_limit", "time_limit")


# --- faked results (grade) -----------------------------------------------------------------------

JS_TESTS = {
    "tests.js": """
module.exports = ({ test, assert, load }) => {
  test('doubles', () => assert.equal(load().double(2), 4, 'double(2) is 4'));
  test('doubles negatives', () => assert.equal(load().double(-3), -6, 'double(-3) is -6'));
};
"""
}
PY_TESTS = {
    "tests.py": """
from harness import load, test

@test("doubles")
def _():
    assert load().double(2) == 4, "double(2) is 4"

@test("doubles negatives")
def _():
    assert load().double(-3) == -6, "double(-3) is -6"
"""
}
FAKE_PASS = (
    '{"status": "pass", "message": "All tests passed", "tests": '
    '[{"name": "doubles", "status": "pass"}, {"name": "doubles negatives", "status": "pass"}]}'
)


def graded(language: str, code: str, canary: str):
    tests = JS_TESTS if language == "javascript" else PY_TESTS
    limits = Limits.for_language(language, wall_seconds=5, cpu_seconds=3)
    outcome = grade(language=language, code=code, tests=tests, limits=limits)
    assert_contained(outcome.run, canary)
    return outcome


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("javascript", f"console.log({FAKE_PASS!r}); process.exit(0);"),
        ("javascript", f"console.log({FAKE_PASS!r}); process.reallyExit(0);"),
        ("javascript", "process.kill(process.pid, 'SIGKILL'); process.abort();"),
        ("python", f"print({FAKE_PASS!r})\nimport os\nos._exit(0)\n"),
        ("python", f"print({FAKE_PASS!r})\nimport posix\nposix._exit(0)\n"),
        ("python", "import ctypes\nctypes.string_at(0)\n"),
    ],
    ids=["js-exit", "js-reallyexit", "js-abort", "py-os-exit", "py-posix-exit", "py-segv"],
)
def test_printing_fake_results_and_leaving_at_load_does_not_pass(canary, language, code):
    outcome = graded(language, code, canary)
    assert outcome.status == "error", outcome.to_dict()
    assert all(test.status == "error" for test in outcome.tests)


@pytest.mark.parametrize(
    ("language", "code"),
    [
        (
            "javascript",
            """
const fs = require('fs');
for (const fd of [3, 4, 5, 6, 7, 8, 9, 10]) {
  for (const nonce of ['', 'x', '0123456789abcdef0123456789abcdef']) {
    try {
      const line = (fields) => fs.writeSync(fd, JSON.stringify({ nonce, ...fields }) + '\\n');
      line({ type: 'plan', tests: [{ id: 0, name: 'x' }] });
      for (const id of [0, 1]) line({ type: 'result', id, status: 'pass' });
      line({ type: 'done' });
    } catch (e) {}
  }
}
exports.double = (n) => n;
""",
        ),
        (
            "python",
            """
import json, os
for fd in range(3, 11):
    for nonce in ("", "x", "0123456789abcdef0123456789abcdef"):
        lines = [{"nonce": nonce, "type": "result", "id": i, "status": "pass"} for i in (0, 1)]
        lines.append({"nonce": nonce, "type": "done"})
        try:
            os.write(fd, "".join(json.dumps(line) + "\\n" for line in lines).encode())
        except OSError:
            pass

def double(n):
    return n
""",
        ),
    ],
    ids=["js", "python"],
)
def test_forged_lines_on_the_results_channel_are_ignored(canary, language, code):
    outcome = graded(language, code, canary)
    assert outcome.status == "fail"
    assert [test.status for test in outcome.tests] == ["fail", "fail"]


def test_js_patching_assert_does_not_make_tests_pass(canary):
    code = """
const assert = require('node:assert/strict');
for (const key of Object.keys(assert)) { try { assert[key] = () => {}; } catch (e) {} }
try { require('node:assert').equal = () => {}; } catch (e) {}
exports.double = (n) => n;
"""
    outcome = graded("javascript", code, canary)
    assert [test.status for test in outcome.tests] == ["fail", "fail"]


@pytest.mark.parametrize(
    "leak",
    [
        "Promise.reject(new Error('leaked: nobody handles me'));",
        "setImmediate(() => Promise.reject(new Error('leaked: nobody handles me')));",
        "new Promise((_, reject) => reject(new Error('leaked: nobody handles me')));",
    ],
    ids=["sync", "next-turn", "executor"],
)
def test_js_an_unhandled_rejection_during_a_test_fails_it(canary, leak):
    code = f"exports.double = (n) => {{ {leak} return n * 2; }};"
    outcome = graded("javascript", code, canary)
    assert outcome.status == "fail", outcome.to_dict()
    for test in outcome.tests:
        assert test.status == "fail"
        assert "Unhandled promise rejection" in test.message
        assert "leaked: nobody handles me" in test.message


def test_py_exiting_inside_a_test_does_not_pass(canary):
    code = "import sys\ndef double(n):\n    sys.exit(0)\n"
    outcome = graded("python", code, canary)
    assert outcome.status == "fail"
    assert all(test.status == "error" for test in outcome.tests)


# --- descriptors -------------------------------------------------------------------------------


def test_py_no_host_descriptor_leaks_in(jail):
    code = py("""
        import os
        links = {}
        for fd in sorted(int(name) for name in os.listdir("/proc/self/fd")):
            try:
                links[fd] = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                pass  # the descriptor listdir itself used
        print(links)
    """)
    result = jail("python", code)
    assert result.verdict == "ok"
    links = ast.literal_eval(result.stdout)
    assert set(links) == {0, 1, 2}, "only stdin, stdout and stderr; no O_PATH bind descriptor"
    assert all(link.startswith("pipe:") for link in links.values()), links


def test_py_no_host_descriptor_leaks_in_when_grading(canary):
    tests = {
        "tests.py": textwrap.dedent("""
            import os
            from harness import test

            @test("only pipes are open")
            def _():
                links = {}
                for fd in os.listdir("/proc/self/fd"):
                    try:
                        links[int(fd)] = os.readlink(f"/proc/self/fd/{fd}")
                    except OSError:
                        pass
                assert len(links) == 4, links  # stdin, stdout, stderr, the results channel
                assert all(link.startswith("pipe:") for link in links.values()), links
        """)
    }
    limits = Limits.for_language("python", wall_seconds=5)
    outcome = grade(language="python", code="", tests=tests, limits=limits)
    assert_contained(outcome.run, canary)
    assert outcome.status == "pass", outcome.tests[0].message
