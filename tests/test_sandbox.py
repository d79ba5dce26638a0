"""Tests for the sandbox (selfplay/sandbox.py) and the `code` verifier that runs programs in it: rewards as tables
of programs, then hostile programs (loops, memory, forks, output, files, network, processes, ctypes), clean-up,
the cache and problems without tests. Small limits keep the whole file within seconds."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from selfplay.components import make_verifier
from selfplay.config import VerifierConfig
from selfplay.errors import ConfigError
from selfplay.sandbox import (ISOLATED_WORKDIR, RunResult, SandboxLimits, isolation_problem, run_program,
                              seccomp_problem)
from selfplay.tasks import CodingTask
from selfplay.types import Problem
from tests.escape_corpus import DISARM
from verifiers.code import CodeVerifier, normalize_output

LIMITS = SandboxLimits(cpu_seconds=1, wall_seconds=2, memory_mb=128)
VERIFIER = CodeVerifier(cpu_seconds=1, wall_seconds=2, memory_mb=128)
TASK = CodingTask()
SUM = Problem("Print the sum of the integers.", {"tests": [["1 2", "3"], ["10 -4", "6"], ["7", "7"]]})
SUM_PROGRAM = "print(sum(map(int, input().split())))"


def judge(program: str | None, problem: Problem = SUM):
    return VERIFIER.judge(TASK, problem, [program])


def group_members(pgid: int) -> list[int]:
    """Processes still in process group `pgid` (the sandboxed program's, since it leads its own session)."""
    members = []
    for name in os.listdir("/proc"):
        try:
            if name.isdigit() and os.getpgid(int(name)) == pgid:
                members.append(int(name))
        except OSError:
            pass  # exited meanwhile
    return members


# ---------------------------------------------------------------------------------------------------------------
# rewards: the share of tests passed


@pytest.mark.parametrize(
    "program, reward",
    [
        # correct: every test passes
        (SUM_PROGRAM, 1.0),
        # correct, reading all of stdin, with trailing spaces and blank lines around the output (normalised away)
        ("import sys\nprint()\nprint(sum(map(int, sys.stdin.read().split())), '  ')\nprint('\\n')", 1.0),
        # stdin ends in a newline even though the test's input does not
        ("import sys\nprint(sum(map(int, sys.stdin.readline()[:-1].split())))", 1.0),
        # exit() works although the interpreter runs without `site`
        (SUM_PROGRAM + "\nexit()", 1.0),
        # the allowed standard library imports and works
        ("import math, itertools, collections, heapq, bisect, functools, re, string, fractions, random\n"
         "numbers = collections.deque(int(t) for t in re.findall(r'-?\\d+', input()))\n"
         "print(functools.reduce(lambda a, b: a + b, itertools.chain(numbers, [math.floor(0.5)])))", 1.0),
        # wrong output
        ("print(0)", 0.0),
        # partially right: the two tests with two numbers pass, the one with a single number does not
        ("x = list(map(int, input().split()))\nprint(sum(x) if len(x) > 1 else 0)", 2 / 3),
        # the right output, then a non-zero exit status: fails
        (SUM_PROGRAM + "\nraise SystemExit(1)", 0.0),
        # crashing
        ("print(1 / 0)", 0.0),
        # a syntax error
        ("def f(:\n    pass", 0.0),
        # an empty program prints nothing
        ("", 0.0),
        # no program at all
        (None, 0.0),
        # longer than max_code_chars: not run
        ("#" * 20_001 + "\n" + SUM_PROGRAM, 0.0),
    ],
)
def test_reward_is_the_share_of_tests_passed(program, reward):
    verdict = judge(program)
    assert verdict.rewards == [pytest.approx(reward)]
    assert verdict.label is None and verdict.status == "ok"
    assert verdict.diagnostics["passed"] == [round(reward * 3)]


def test_diagnostics_per_answer():
    verdict = VERIFIER.judge(TASK, SUM, [SUM_PROGRAM, "print(1 / 0)", "print(0)", None])
    assert verdict.rewards == [1.0, 0.0, 0.0, 0.0]
    assert verdict.diagnostics == {
        "tests": 3,
        "passed": [3, 0, 0, 0],
        "timeouts": [0, 0, 0, 0],
        "errors": [None, "test 1: ZeroDivisionError: division by zero", "test 1: wrong output", "no program"],
    }


@pytest.mark.parametrize(
    "output, expected, same",
    [
        # trailing spaces, CRLF line ends and blank lines around the text do not matter
        ("3  \r\n4\n\n", "3\n4", True),
        ("\n\n3", "3", True),
        # spaces inside a line, leading spaces and blank lines between lines do
        ("3  4", "3 4", False),
        (" 3", "3", False),
        ("3\n\n4", "3\n4", False),
    ],
)
def test_output_normalization(output, expected, same):
    assert (normalize_output(output) == normalize_output(expected)) is same


# ---------------------------------------------------------------------------------------------------------------
# hostile programs: each fails (reward 0) without harming the caller


@pytest.mark.parametrize(
    "program, limits, error",
    [
        # a busy loop: stopped by the CPU limit (1 s); the wall clock is set far off, so that on a loaded machine,
        # where a second of CPU takes longer than that, the CPU limit still comes first
        ("while True: pass", SandboxLimits(cpu_seconds=1, wall_seconds=10, memory_mb=128), "cpu time limit"),
        # a program that waits without using CPU: stopped by the wall clock (2 s)
        ("import time\ntime.sleep(100)", LIMITS, "wall time limit"),
    ],
)
def test_programs_that_never_end_are_stopped_in_time(program, limits, error):
    # Each is stopped by its limit, well before the wall limit plus this margin (measured on a 2-core EPYC with
    # other work running: 1.0 to 2.0 s over the limit that stopped it); neither would ever end by itself.
    margin = 5.0
    started = time.monotonic()
    result = run_program(program, "", limits)
    assert time.monotonic() - started < limits.wall_seconds + margin
    assert result.timed_out and error in result.error and result.returncode < 0

    started = time.monotonic()
    verdict = judge(program)  # three tests, run side by side, under the CPU limit (1 s) or the wall clock (2 s)
    assert time.monotonic() - started < LIMITS.wall_seconds + margin
    assert verdict.rewards == [0.0] and verdict.diagnostics["timeouts"] == [3]


def test_a_program_that_closes_its_output_still_gets_its_time():
    result = run_program("import os, sys, time\nos.close(1)\nos.close(2)\ntime.sleep(0.3)\nsys.exit(3)", "", LIMITS)
    assert (result.returncode, result.timed_out, result.error) == (3, False, None)


@pytest.mark.parametrize(
    "program",
    [
        # one allocation far over the limit
        "x = 'a' * 10**10",
        # memory growing until it runs out
        "x = []\nwhile True:\n    x.append(' ' * 10**6)",
    ],
)
def test_memory_hogs_fail_inside_the_child(program):
    result = run_program(program, "", LIMITS)  # a MemoryError here would fail the test
    assert "MemoryError" in result.stderr and result.returncode == 1
    assert judge(program).rewards == [0.0]


def test_fork_bomb_is_refused_and_leaves_no_process():
    program = "import os\nprint(os.getpid(), flush=True)\nwhile True:\n    os.fork()"
    result = run_program(program, "", LIMITS)
    assert "os.fork is not allowed" in result.stderr and result.returncode == 1
    assert group_members(int(result.stdout)) == []
    assert judge(program).rewards == [0.0]


def test_the_whole_process_group_is_killed_on_timeout():
    limits = SandboxLimits(wall_seconds=0.5)
    result = run_program("import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(100)", "", limits)
    assert result.timed_out and group_members(int(result.stdout)) == []


@pytest.mark.parametrize(
    "program, error",
    [
        # one huge line
        ("print('x' * 10**8)", None),
        # lines forever: killed as soon as the output passes the bound
        ("while True: print('y')", "output limit"),
        # the same on stderr
        ("import sys\nwhile True: print('y', file=sys.stderr)", "output limit"),
    ],
)
def test_huge_output_is_bounded(program, error):
    result = run_program(program, "", LIMITS)
    bound = LIMITS.max_output_kb * 1024
    assert len(result.stdout) <= bound and len(result.stderr) <= bound
    assert error is None or error in result.error
    assert judge(program).rewards == [0.0]


# Programs that try to reach outside their working directory, the network or other processes. Each must fail with
# the error given (in stderr), and nothing the caller keeps secret may appear in its output.
SECRET = "the-caller's-secret"


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.mark.parametrize(
    "program, error",
    [
        # reading system files
        ("print(open('/etc/passwd').read())", "sandbox: open of /etc/passwd"),
        ("import os\nprint(os.open('/etc/passwd', os.O_RDONLY))", "sandbox: open of /etc/passwd"),
        # reading a file of the caller's, by absolute path, and the sandbox's own files beside the working directory
        ("print(open(SECRET_PATH).read())", "sandbox: open of"),
        ("print(open('../stdin').read())", "sandbox: open of"),
        ("print(open('../program.py').read())", "sandbox: open of"),
        # a path that only looks relative, and a str subclass that could lie to the checks
        ("print(open('x/../../../../../../../etc/passwd').read())", "sandbox: open of /etc/passwd"),
        ("class P(str):\n    pass\nprint(open(P('/etc/passwd')).read())", "paths must be str or bytes"),
        # listing folders outside
        ("import os\nprint(os.listdir('/'))", "sandbox: os.listdir of /"),
        # moving out of the working directory, or linking to a file outside it
        ("import os\nos.chdir('/')\nprint(open('etc/passwd').read())", "os.chdir is not allowed"),
        ("import os\nos.symlink('/etc/passwd', 'link')\nprint(open('link').read())", "os.symlink is not allowed"),
        # the network: a socket, a connection to a server the caller runs, a name lookup
        ("import socket\nsocket.socket()", "socket.__new__ is not allowed"),
        ("import socket\nsocket.create_connection(('127.0.0.1', PORT), timeout=1)", "is not allowed"),
        ("import socket\nprint(socket.gethostbyname('localhost'))", "socket.gethostbyname is not allowed"),
        # other processes: subprocess (its module starts processes without an audit event, so even importing it
        # fails), os.system, exec, posix_spawn
        ("import subprocess\nprint(subprocess.run(['cat', SECRET_PATH]).stdout)",
         "import _posixsubprocess is not allowed"),
        ("import os\nos.system('cat ' + SECRET_PATH)", "os.system is not allowed"),
        ("import os\nos.execv('/bin/cat', ['cat', SECRET_PATH])", "os.exec is not allowed"),
        ("import os\nos.posix_spawn('/bin/cat', ['cat', SECRET_PATH], {})", "os.posix_spawn is not allowed"),
        # signalling the caller, changing limits
        ("import os\nos.kill(os.getppid(), 0)", "os.kill is not allowed"),
        ("import resource\nresource.setrlimit(resource.RLIMIT_CPU, (100, 100))", "resource.setrlimit is not allowed"),
        # ctypes, raw memory and finding the hook
        ("import ctypes", "import ctypes is not allowed"),
        ("import gc\ngc.get_objects()", "gc.get_objects is not allowed"),
        ("(lambda: 0).__code__.replace(co_consts=())", "code.__new__ is not allowed"),
    ],
)
def test_hostile_programs_are_blocked(program, error, secret_file):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.2)
        program = program.replace("SECRET_PATH", repr(str(secret_file))).replace("PORT", str(server.getsockname()[1]))
        result = run_program(program, "", LIMITS)
        with pytest.raises(TimeoutError):
            server.accept()  # no connection arrived
    assert result.returncode == 1 and error in result.stderr.splitlines()[-1]
    for leaked in (SECRET, "root:", "selfplay-sandbox"):
        assert leaked not in result.stdout
    assert judge(program).rewards == [0.0]


@pytest.mark.parametrize(
    "program, error",
    [
        # an absolute path outside, and a relative one
        ("open(OUTSIDE, 'w').write('x')", "open outside the working directory"),
        ("open('../../' + NAME, 'w').write('x')", "open outside the working directory"),
        # renaming a file out
        ("import os\nopen('f', 'w').close()\nos.rename('f', OUTSIDE)", "os.rename outside the working directory"),
        ("import os\nos.mkdir(OUTSIDE)", "os.mkdir outside the working directory"),
    ],
)
def test_writing_outside_the_working_directory_is_blocked(program, error, tmp_path):
    outside = tmp_path / f"escaped-{tmp_path.name}"
    beside_sandbox = os.path.join(tempfile.gettempdir(), outside.name)  # where '../../NAME' would land
    program = program.replace("OUTSIDE", repr(str(outside))).replace("NAME", repr(outside.name))
    result = run_program(program, "", LIMITS)
    assert error in result.stderr.splitlines()[-1]
    assert not outside.exists() and not os.path.exists(beside_sandbox)


@pytest.mark.parametrize(
    "program, error",
    [
        # a file over file_size_kb: the write fails (Python ignores SIGXFSZ, so the kernel returns EFBIG)
        ("open('big', 'w').write('x' * 10**6)", "OSError: [Errno 27] File too large"),
        # more than max_files files
        ("for i in range(100):\n    open(f'f{i}', 'w').write('x')", "more than 16 files"),
    ],
)
def test_disk_use_is_bounded(program, error):
    assert error in run_program(program, "", LIMITS).stderr.splitlines()[-1]


def test_files_inside_the_working_directory_work():
    program = ("import os\nopen('a.txt', 'w').write(input())\nos.mkdir('d')\n"
               "print(open('a.txt').read(), sorted(os.listdir()))")
    assert run_program(program, "hello\n", LIMITS).stdout == "hello ['a.txt', 'd']\n"


def test_the_child_runs_under_the_limits():
    program = ("import resource\nfor name in ('CPU', 'AS', 'FSIZE', 'NPROC', 'NOFILE', 'CORE'):\n"
               "    print(*resource.getrlimit(getattr(resource, 'RLIMIT_' + name)))")
    lines = run_program(program, "", LIMITS).stdout.splitlines()
    assert lines == ["1 2", f"{128 * 2**20} {128 * 2**20}", f"{64 * 1024} {64 * 1024}", "1 1", "32 32", "0 0"]


def test_network_namespace_when_the_platform_allows_it():
    probe = ("import ctypes, sys\nlibc = ctypes.CDLL(None)\n"
             "sys.exit(libc.unshare(0x40000000) != 0 and libc.unshare(0x50000000) != 0)")
    if subprocess.run([sys.executable, "-c", probe]).returncode != 0:
        pytest.skip("no new network namespace allowed here: the audit hook alone keeps programs off the network")
    result = run_program("import os\nprint(os.readlink('/proc/self/ns/net'))", "", LIMITS)
    assert result.stdout.startswith("net:") and result.stdout.strip() != os.readlink("/proc/self/ns/net")


# ---------------------------------------------------------------------------------------------------------------
# clean-up, failures of the sandbox itself, the cache, problems without tests


@pytest.mark.parametrize("isolated", [True, False])
@pytest.mark.parametrize(
    "program",
    [
        # a program that ends
        "import os\nprint(os.getcwd())\nopen('f', 'w').write('x')",
        # one killed on timeout
        "import os\nprint(os.getcwd(), flush=True)\nwhile True: pass",
        # one that leaves a folder nobody may enter (only root could empty it without help)
        "import os\nprint(os.getcwd())\nos.makedirs('a/b')\nopen('a/b/f', 'w').close()\nos.chmod('a', 0)",
    ],
)
def test_the_working_directory_is_deleted(program, isolated, monkeypatch):
    # Isolated, the working folder is a tmpfs that exists only in the program's mount namespace; either way the
    # folder made on the host for the run (the program's source, its input) is gone afterwards.
    if isolated and isolation_problem() is not None:
        pytest.skip(f"no kernel isolation here: {isolation_problem()}")
    made, mkdtemp = [], tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **options: made.append(mkdtemp(**options)) or made[-1])
    workdir = run_program(program, "", LIMITS, isolated).stdout.strip()
    assert workdir == (ISOLATED_WORKDIR if isolated else os.path.join(os.path.realpath(made[-1]), "work"))
    assert made and not any(os.path.exists(folder) for folder in made)


def test_a_sandbox_that_cannot_start_is_a_result(monkeypatch):
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    result = run_program("print(1)", "", LIMITS)
    assert result == RunResult("", "", None, False, result.error) and "could not start" in result.error


def test_isolation_works_here_or_the_reason_is_one_line():
    # .ci/run installs bubblewrap; on a machine without it this documents why every isolated run is refused
    problem = isolation_problem()
    if problem is not None:
        assert "\n" not in problem
        result = run_program(SUM_PROGRAM, "1 2\n", LIMITS, isolated=True)
        assert result.returncode is None and "no kernel isolation" in result.error
        pytest.skip(f"no kernel isolation here: {problem}")
    result = run_program("import os\nprint(os.getuid(), os.getpid(), os.getcwd(), os.path.exists('/etc'))", "", LIMITS,
                         isolated=True)
    uid = 65534 if os.geteuid() == 0 else os.getuid()
    assert result.stdout.split() == [str(uid), "2", ISOLATED_WORKDIR, "False"]


# Programs as a coding problem's answers are written: the standard library modules they import, used the usual way.
ORDINARY_PROGRAM = """
import bisect, collections, decimal, fractions, functools, heapq, itertools, json, math, re, string, sys
numbers = list(map(int, sys.stdin.read().split()))
counts = collections.Counter(numbers)
print(sum(numbers), max(counts.values()), sorted(heapq.nsmallest(2, numbers)), bisect.bisect(sorted(numbers), 3))
print(list(itertools.accumulate(numbers)), functools.reduce(lambda a, b: a * b, numbers), math.gcd(*numbers))
print(fractions.Fraction(numbers[0], numbers[1]), decimal.Decimal(1) / decimal.Decimal(8))
print(json.dumps({"words": re.findall(r"[a-z]+", "one two"), "letters": string.ascii_lowercase[:3]}))
"""
ORDINARY_OUTPUT = ("18 2 [3, 3] 2\n[6, 9, 12, 18] 324 3\n2 0.125\n"
                   '{"words": ["one", "two"], "letters": "abc"}\n')


def test_ordinary_programs_run_unchanged_isolated_and_not():
    # under the seccomp filter where it is on, as without the sandbox's kernel layers
    for isolated in (True, False) if isolation_problem() is None else (False,):
        result = run_program(ORDINARY_PROGRAM, "6 3 3 6\n", LIMITS, isolated)
        assert (result.stdout, result.stderr, result.returncode) == (ORDINARY_OUTPUT, "", 0), isolated


def test_threads_start_under_the_seccomp_filter():
    # glibc starts threads with clone3, which the filter answers ENOSYS; it falls back to clone (no namespace flag)
    if isolation_problem() is not None:
        pytest.skip(f"no kernel isolation here: {isolation_problem()}")
    program = "import threading\nthread = threading.Thread(target=print, args=('in a thread',))\nthread.start()"
    limits = SandboxLimits(cpu_seconds=1, wall_seconds=2, memory_mb=128, max_processes=10_000)
    assert run_program(program, "", limits).stdout == "in a thread\n"


# (system call as the program makes it, the error number it gets under the filter: 0 for success). Without the
# filter most work or fail with another error; mount and fsopen fail for nobody anyway (the filter answers first).
# The hook is switched off first, so ctypes is at hand. System call numbers over 423 are the same everywhere.
FILTERED_CALLS = [
    ("libc.unshare(0x10000000)", errno.EPERM),  # a new user namespace (nobody may make one without the filter)
    ("libc.syscall(56 if x86 else 220, 0x10000000 | 17, 0, 0, 0, 0)", errno.EPERM),  # clone, CLONE_NEWUSER
    ("libc.syscall(56 if x86 else 220, 0x40000000 | 17, 0, 0, 0, 0)", errno.EPERM),  # clone, CLONE_NEWNET
    ("libc.syscall(435, ctypes.create_string_buffer(88), 88)", errno.ENOSYS),  # clone3
    ("libc.syscall(425, 8, ctypes.create_string_buffer(120))", errno.ENOSYS),  # io_uring_setup
    ("libc.syscall(434, os.getpid(), 0)", errno.ENOSYS),  # pidfd_open
    ("libc.syscall(430, b'tmpfs', 0)", errno.EPERM),  # fsopen, the new mount API
    ("libc.mount(b'none', b'/tmp', b'tmpfs', 0, None)", errno.EPERM),
    ("libc.ptrace(0, 0, 0, 0)", errno.EPERM),  # PTRACE_TRACEME
    ("libc.personality(0x0040000)", errno.EPERM),  # ADDR_NO_RANDOMIZE
    ("libc.personality(0)", 0),  # the default persona stays allowed
    ("libc.mknod(b'device', 0o20600, ctypes.c_uint64(0))", errno.EPERM),  # a character device (0:0, a whiteout)
    ("libc.mknod(b'fifo', 0o10600, ctypes.c_uint64(0))", 0),  # a FIFO stays allowed
    ("libc.ioctl(0, 0x5412, b'x')", errno.EPERM),  # TIOCSTI on stdin (a file: ENOTTY without the filter)
]


def test_the_seccomp_filter_refuses_what_no_program_needs():
    if seccomp_problem() is not None:
        pytest.skip(f"no seccomp filter here: {seccomp_problem()}")
    program = DISARM + (
        "import platform\nx86 = platform.machine() == 'x86_64'\n"
        "def errno_of(call):\n    ctypes.set_errno(0)\n    result = eval(call)\n"
        "    if result == 0 and call.startswith('libc.syscall(5'):\n        os._exit(0)  # a clone that worked\n"
        "    return 0 if result != -1 else ctypes.get_errno()\n"
        f"print([errno_of(call) for call in {[call for call, _ in FILTERED_CALLS]!r}])")
    result = run_program(program, "", LIMITS)
    assert result.stdout == f"{[code for _, code in FILTERED_CALLS]}\n", (result.stdout, result.stderr)


@pytest.mark.parametrize("machine_code", [
    "b814000000cd80c3",  # mov eax, 20 (getpid in the 32-bit ABI); int 0x80; ret
    "b827000040" "0f05c3",  # mov eax, 0x40000000 | 39 (getpid in the x32 ABI); syscall; ret
])
def test_other_system_call_abis_kill_the_program(machine_code):
    # The filter's numbers are x86_64's; a call through another ABI would mean another call, so it kills.
    if seccomp_problem() is not None or os.uname().machine != "x86_64":
        pytest.skip(f"no seccomp filter here ({seccomp_problem()}) or not x86_64")
    program = DISARM + (
        "import mmap\ncode = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
        f"code.write(bytes.fromhex({machine_code!r}))\n"
        "print(ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(code)))())")
    result = run_program(program, "", LIMITS)
    assert (result.stdout, result.returncode) == ("", -signal.SIGSYS), (result.stdout, result.stderr)


def test_without_the_seccomp_filter_isolation_still_holds_and_says_so_once(monkeypatch, capsys):
    # Missing libseccomp is not a refusal under isolation: required (the namespaces hold without it); one line
    # says the layer is off, once per process, however many verifiers are built.
    monkeypatch.setattr("verifiers.code.isolation_problem", lambda: None)
    monkeypatch.setattr("verifiers.code.seccomp_problem", lambda: "libseccomp is not installed")
    monkeypatch.setattr("verifiers.code._SAID", set())
    capsys.readouterr()
    CodeVerifier()
    CodeVerifier(isolation="required")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "seccomp layer is off (libseccomp is not installed)" in lines[0]


def test_without_isolation_the_verifier_refuses_to_start_unless_told(monkeypatch, capsys):
    monkeypatch.setattr("verifiers.code.isolation_problem", lambda: "bubblewrap (bwrap) is not installed")
    from verifiers.code import CodeVerifier

    assert CodeVerifier.__dataclass_fields__["isolation"].default == "required"  # what a config gets unsaid
    with pytest.raises(ConfigError, match="^verifier 'code': cannot isolate .*bwrap.*best_effort") as caught:
        make_verifier(VerifierConfig("code", {"isolation": "required"}))
    assert "\n" not in str(caught.value)
    with pytest.raises(ConfigError, match="isolation must be one of required, best_effort"):
        make_verifier(VerifierConfig("code", {"isolation": "off"}))
    capsys.readouterr()
    runs = []
    monkeypatch.setattr("verifiers.code.run_program", lambda code, stdin, limits, isolated: runs.append(isolated) or
                        run_program(code, stdin, limits, isolated))
    verifier = make_verifier(VerifierConfig("code", {"isolation": "best_effort", "cpu_seconds": 1}))
    assert "WITHOUT kernel isolation" in capsys.readouterr().err  # every time one is built
    assert verifier.judge(TASK, SUM, [SUM_PROGRAM]).rewards == [1.0] and runs == [False] * 3
    make_verifier(VerifierConfig("code", {"isolation": "best_effort"}))
    assert "WITHOUT kernel isolation" in capsys.readouterr().err


@pytest.mark.parametrize("limits", [{"cpu_seconds": 0}, {"memory_mb": -1}, {"max_output_kb": 0}])
def test_limits_must_be_positive(limits):
    with pytest.raises(ValueError, match=next(iter(limits))):
        SandboxLimits(**limits)


def test_identical_programs_run_once_and_get_identical_results(monkeypatch):
    runs = []

    def counting_run(code, stdin, limits, isolated):
        runs.append(code)
        return run_program(code, stdin, limits, isolated)

    monkeypatch.setattr("verifiers.code.run_program", counting_run)
    verifier = CodeVerifier(cpu_seconds=1, wall_seconds=2, memory_mb=128)
    crash = "import random\nprint(random.choice([3, 0]) if input() else 1 / 0)"
    verdict = verifier.judge(TASK, SUM, [crash, SUM_PROGRAM, crash, None, SUM_PROGRAM, crash])
    assert len(runs) == 2 * 3  # two distinct programs, three tests each
    assert verdict.rewards[0] == verdict.rewards[2] == verdict.rewards[5]
    assert [verdict.diagnostics[key][0] == verdict.diagnostics[key][5] for key in ("passed", "errors")] == [True] * 2
    assert verdict.rewards[1] == verdict.rewards[4] == 1.0
    verifier.judge(TASK, SUM, [SUM_PROGRAM])  # judged before: no new runs
    assert len(runs) == 6


@pytest.mark.parametrize(
    "features",
    [
        # no tests at all, an empty list, tests that are not [input, output] string pairs
        {},
        {"tests": []},
        {"tests": [["1 2"]]},
        {"tests": [["1 2", 3]]},
        {"tests": "1 2 ||| 3"},
    ],
)
def test_a_problem_without_valid_tests_cannot_be_judged(features):
    verdict = VERIFIER.judge(TASK, Problem("Print the sum.", features), [SUM_PROGRAM, None])
    assert verdict.rewards == [None, None] and verdict.status == "invalid" and verdict.label is None
    assert "tests" in verdict.diagnostics["reason"]


def test_only_the_first_max_tests_run():
    problem = Problem("Echo.", {"tests": [[str(i), str(i)] for i in range(5)] + [["5", "wrong"]]})
    verdict = CodeVerifier(cpu_seconds=1, wall_seconds=2, max_tests=5).judge(TASK, problem, ["print(input())"])
    assert verdict.rewards == [1.0] and verdict.diagnostics["tests"] == 5


@pytest.mark.parametrize("options", [{"max_tests": 0}, {"workers": 0}, {"wall_seconds": 0}])
def test_bad_options_fail_at_construction(options):
    with pytest.raises(ValueError):
        CodeVerifier(**options)


def test_shipped_reference_programs_pass_their_tests():
    from selfplay.tasks.coding import shipped_problems

    for entry in shipped_problems()[:3]:
        problem = TASK.make_problem(entry["statement"], entry["tests"], entry["level"])
        assert judge(entry["reference"], problem).rewards == [1.0], entry["statement"]
