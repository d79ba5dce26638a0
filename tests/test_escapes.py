"""The escape corpus (tests/escape_corpus.py) against the isolated sandbox: every program switches the audit hook
off and tries one attack; nothing it does may be seen from outside (ESCAPE-CORPUS-TRAINER-MARKER: a secret only
this file holds, for the program that tries to read the trainer's files). Skipped where this machine cannot
isolate programs (then the `code` verifier refuses to start, tests/test_sandbox.py); the attacks only the seccomp
filter stops (`SECCOMP_ATTACKS`) skip where the filter is off, saying why."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import pytest

from selfplay import sandbox
from selfplay.sandbox import SandboxLimits, isolation_problem, run_program, seccomp_problem
from selfplay.tasks import CodingTask
from selfplay.types import Problem
from tests.escape_corpus import ATTACKS, DISARM, SECCOMP_ATTACKS
from verifiers.code import CodeVerifier

pytestmark = pytest.mark.skipif(isolation_problem() is not None,
                                reason=f"no kernel isolation here: {isolation_problem()}")

LIMITS = SandboxLimits(cpu_seconds=1, wall_seconds=3, memory_mb=256)
# Each run is judged within its limits: the wall clock plus this margin (start-up and the kill on a loaded machine).
MARGIN_SECONDS = 5.0
SECRET = "caller-secret-" + uuid.uuid4().hex
ENV_SECRET = "env-secret-" + uuid.uuid4().hex
TRAINER_MARKER = "ESCAPE-CORPUS-TRAINER" + "-MARKER"  # split, so that only this file's text holds it whole
STDLIB = os.path.dirname(os.__file__)
# Every attack the sandbox here must stop: the filter's own only where it is on.
FILTER_ON = isolation_problem() is None and seccomp_problem() is None
ALL_ATTACKS = ATTACKS + (SECCOMP_ATTACKS if FILTER_ON else [])


@pytest.fixture(scope="module")
def world():
    """What an escape would touch: a world-writable folder with a secret, a decoy in the host's /tmp, a TCP
    server, an abstract unix socket, a secret in the environment, and a sentinel process of the same user as the
    programs (so only the namespaces protect it)."""
    out = tempfile.mkdtemp(prefix="selfplay-escape-out-")
    os.chmod(out, 0o777)
    secret_path = os.path.join(out, "secret.txt")
    with open(secret_path, "w") as file:
        file.write(SECRET)
    os.chmod(secret_path, 0o644)
    decoy = tempfile.mkdtemp(prefix="selfplay-escape-decoy-")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    abstract_name = "selfplay-escape-" + uuid.uuid4().hex
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind("\0" + abstract_name)
    abstract.listen()
    abstract.setblocking(False)
    user = {"user": 65534, "group": 65534, "extra_groups": []} if os.geteuid() == 0 else {}
    sentinel = subprocess.Popen(["sleep", "600"], **user)
    os.environ["SELFPLAY_ESCAPE_SECRET"] = ENV_SECRET
    try:
        yield {"out": out, "secret_path": secret_path, "decoy": os.path.basename(decoy), "server": server,
               "abstract": abstract, "abstract_name": abstract_name, "sentinel": sentinel,
               "secret_ino": os.stat(secret_path).st_ino, "hostname": socket.gethostname()}
    finally:
        del os.environ["SELFPLAY_ESCAPE_SECRET"]
        sentinel.kill()
        sentinel.wait()
        server.close()
        abstract.close()
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(decoy, ignore_errors=True)


def make_program(attack: str, world: dict, token: str) -> str:
    values = {"OUT": world["out"], "SECRET_PATH": world["secret_path"], "PORT": world["server"].getsockname()[1],
              "ABSTRACT": world["abstract_name"], "SENTINEL": world["sentinel"].pid, "CALLER": os.getpid(),
              "TOKEN": token, "STDLIB": STDLIB, "TRAINER_FILE": os.path.abspath(__file__)}
    for name, value in values.items():
        attack = attack.replace(f"@{name}@", repr(value))
    return DISARM + "\n" + attack + "\n"


def token_processes(token: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/cmdline", "rb") as file:
                if name.isdigit() and token.encode() in file.read():
                    found.append(int(name))
        except OSError:
            pass
    return found


def evidence(world: dict, token: str, output: str) -> list[str]:
    """Every trace of an escape seen from outside; empty when the program stayed inside."""
    found = []
    if world["sentinel"].poll() is not None:
        found.append("the sentinel process was killed")
    if sorted(os.listdir(world["out"])) != ["secret.txt"]:
        found.append(f"files written outside: {sorted(os.listdir(world['out']))}")
    for folder in (STDLIB, tempfile.gettempdir(), "/tmp", "/dev/shm", "/usr", os.path.expanduser("~"), os.getcwd()):
        if os.path.isdir(folder) and any(token in name for name in os.listdir(folder)):
            found.append(f"a file named with the token in {folder}")
    for listener in ("server", "abstract"):
        try:
            world[listener].accept()[0].close()
            found.append(f"a connection to the caller's {listener}")
        except BlockingIOError:
            pass
    if token_processes(token):
        found.append("a process left behind")
    if socket.gethostname() != world["hostname"]:
        found.append("the host's name changed")
    for secret in (SECRET, ENV_SECRET, TRAINER_MARKER, "root:x:0:0", "root:*:", world["decoy"],
                   f"ino={world['secret_ino']}", "ESCAPED"):
        if secret in output:
            found.append(f"the output holds {secret!r}")
    if re.search(r"\buid=0\b", output):
        found.append("something ran as root")
    return found


def clean(world: dict, token: str) -> None:
    """Undo what an escape left, so that one failure does not spill into the next test."""
    for name in os.listdir(world["out"]):
        if name != "secret.txt":
            path = os.path.join(world["out"], name)
            shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
    for folder in (STDLIB, "/tmp", "/dev/shm", "/usr", os.path.expanduser("~")):
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            if token in name:
                os.remove(os.path.join(folder, name))
    for pid in token_processes(token):
        os.kill(pid, 9)


@pytest.mark.parametrize("name, attack, late", [pytest.param(*attack, id=attack[0]) for attack in ATTACKS] + [
    pytest.param(*attack, id=attack[0], marks=pytest.mark.skipif(
        not FILTER_ON, reason=f"no seccomp filter here: {seccomp_problem()}")) for attack in SECCOMP_ATTACKS])
def test_no_attack_escapes(name, attack, late, world):
    token = "selfplay-token-" + uuid.uuid4().hex
    started = time.monotonic()
    result = run_program(make_program(attack, world, token), "", LIMITS)
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    try:
        found = evidence(world, token, output)
        if late and not found:
            time.sleep(2.0)  # the attack's child would act 1-1.2 s after the start
            found = evidence(world, token, output)
    finally:
        clean(world, token)
    assert not found, f"{name} escaped: {found}\n{output[-2000:]}"
    assert elapsed < LIMITS.wall_seconds + MARGIN_SECONDS, f"{name} was judged in {elapsed:.1f} s"
    assert result.error is None or not result.error.startswith(("sandbox", "could not start")), result.error


def test_the_corpus_is_large_and_disarms_the_hook():
    # at least 60 attacks; the prelude really switches the audit hook off, so the corpus tests the kernel
    assert len(ATTACKS) >= 60
    result = run_program(DISARM + "import _posixsubprocess, socket\nsocket.socket()\nprint('hook off')", "", LIMITS)
    assert result.stdout == "hook off\n", result.stderr


def test_the_whole_corpus_as_one_batch_leaves_honest_programs_untouched(world):
    # As the verifier runs them: side by side (4 at a time), honest programs among the attacks. Every attack
    # fails its test, every honest program passes, and nothing escapes.
    token = "selfplay-token-" + uuid.uuid4().hex
    honest = "print(sum(map(int, input().split())))"
    problem = Problem("Print the sum.", {"tests": [["1 2", "3"]]})
    programs = [make_program(attack, world, token) for _, attack, _ in ALL_ATTACKS] + [honest]
    verifier = CodeVerifier(cpu_seconds=1, wall_seconds=3, memory_mb=256, max_code_chars=100_000)
    started = time.monotonic()
    verdict = verifier.judge(CodingTask(), problem, programs)
    elapsed = time.monotonic() - started
    try:
        time.sleep(2.0)  # late attacks
        found = evidence(world, token, "")
    finally:
        clean(world, token)
    assert not found, found
    assert verdict.rewards[-1] == 1.0 and verdict.rewards[:-1] == [0.0] * len(ALL_ATTACKS)
    assert elapsed < len(ALL_ATTACKS) * (LIMITS.wall_seconds + MARGIN_SECONDS) / verifier.workers


def evidence_of(attack: str, world: dict, isolated: bool = True) -> list[str]:
    """What one attack of the corpus leaves behind, run alone (and cleaned up after)."""
    token = "selfplay-token-" + uuid.uuid4().hex
    result = run_program(make_program(attack, world, token), "", LIMITS, isolated)
    try:
        return evidence(world, token, result.stdout + result.stderr)
    finally:
        clean(world, token)


@pytest.mark.parametrize("name", ["write_out_directly", "read_secret_by_path", "tcp_connect_to_caller"])
def test_the_evidence_checks_see_an_escape(name, world):
    # The same harmless attacks without isolation (the in-process sandbox only, the hook switched off) do get
    # out, and the checks above say so: they can fail.
    found = evidence_of(dict((entry[0], entry[1]) for entry in ATTACKS)[name], world, isolated=False)
    if name == "tcp_connect_to_caller" and not found:
        pytest.skip("the in-process sandbox got a network namespace here")
    assert found


@pytest.mark.parametrize("name", ["pidfd_open_init", "personality_without_address_randomisation",
                                  "name_to_handle_at_usr", "unshare_user_then_map_root"])
def test_the_filtered_attacks_get_past_the_namespaces_alone(name, world, monkeypatch):
    # The same attacks isolated but without the seccomp filter do what they try (the namespaces and the
    # unprivileged user allow it), and the checks above say so: the filter is what stops them.
    if not FILTER_ON:
        pytest.skip(f"no seccomp filter here: {seccomp_problem()}")
    monkeypatch.setitem(sandbox._ISOLATION_CHECKED, "filter", None)
    found = evidence_of(dict((entry[0], entry[1]) for entry in SECCOMP_ATTACKS)[name], world)
    if name == "unshare_user_then_map_root" and not found:
        pytest.skip("user namespaces are refused here without the filter too (a non-root caller's sandbox "
                    "disables them)")
    assert found
