"""Running untrusted Python (model-written programs) in a separate, limited process; never raises.

Each run gets a fresh interpreter (`python -I -S -B`: no environment variables, no site-packages, no user files on
`sys.path`, no bytecode written), resource limits, its own session, and output read with a size bound.

Isolated (the default): bubblewrap (`bwrap`) starts the interpreter in new PID, mount, network, IPC, UTS and cgroup
namespaces. The program sees a file system of its own: `/usr`, the Python installation, a fresh `/proc` and a
minimal `/dev`, all read-only, plus two small empty tmpfs folders it may write, its working folder
(`/sandbox/work`) and `/tmp`; nothing else of the machine (no `/etc`, no home folders, no run directories, no
`/dev/shm`). It sees no process but its own, so it can signal none, and when it ends (or is killed) the kernel
kills everything it started. It runs as an unprivileged user: a caller that is root gives the program uid/gid
65534 (nobody) and no capabilities, without a user namespace; another caller runs it in a user namespace mapped to
itself. Where bwrap is missing or cannot create these namespaces, an isolated run does not start: it fails with the
reason (`isolation_problem()` says it beforehand).

Not isolated (`isolated=False`, an explicit opt-out): the program runs on the host's file system in a throw-away
folder, in a new process group that is killed at the end, in an empty network namespace where the kernel allows
one, as the caller's user.

In both, an audit hook refuses sockets, new processes, ctypes and file access outside the working folder. It is
not a security boundary (a program can switch it off from pure Python); it gives ordinary programs, mistakes
included, a clear error. What is promised against hostile programs rests on the kernel: the namespaces, the
unprivileged user, the rlimits and the size of the tmpfs folders.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

# The user an isolated program runs as when the caller is root: nobody.
UNPRIVILEGED_ID = 65534
# Where an isolated program finds itself; these paths exist only inside its own mount namespace.
ISOLATED_PROGRAM = "/sandbox/program.py"
ISOLATED_WORKDIR = "/sandbox/work"


@dataclass(frozen=True)
class SandboxLimits:
    """What one run may use. The defaults suit small stdin-to-stdout programs."""

    # CPU time in seconds (RLIMIT_CPU): SIGXCPU at the limit, SIGKILL one second later. Catches busy loops early,
    # before the wall clock does.
    cpu_seconds: int = 2
    # Wall-clock seconds from start to kill (interpreter start-up included): catches programs that sleep or
    # block, which use no CPU.
    wall_seconds: float = 5.0
    # Address space in MB (RLIMIT_AS): an allocation past it is a MemoryError inside the program, never in the
    # caller. The bare interpreter needs about 20 MB.
    memory_mb: int = 256
    # RLIMIT_NPROC. The kernel counts every process and thread of the *user*, not only this program's, and root
    # is exempt; 1 is below what any user already runs, so for a non-root user the program can start no process
    # or thread at all (a fork bomb fails at once). Root relies on the audit hook and the group kill.
    max_processes: int = 1
    # Largest file the program may write, in KB (RLIMIT_FSIZE): a write past it fails with EFBIG, an OSError in
    # the program (Python ignores the SIGXFSZ that would otherwise kill it).
    file_size_kb: int = 64
    # Files the program may create or open for writing, so it fills at most max_files x file_size_kb of disk.
    max_files: int = 16
    # Open file descriptors (RLIMIT_NOFILE): enough for stdin/stdout/stderr, imports and a few files.
    max_open_files: int = 32
    # Stdout and stderr are each kept up to this many KB; a program printing more is killed at once.
    max_output_kb: int = 64

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not value > 0:
                raise ValueError(f"sandbox limit {name} must be positive, got {value!r}")


@dataclass(frozen=True)
class RunResult:
    """How one run ended.

    stdout, stderr: what the program printed, each cut to `max_output_kb` and decoded as UTF-8 (bad bytes replaced).
    returncode:     the exit status; negative for a signal (-9: killed); None if the program never started.
    timed_out:      the program ran out of wall-clock time or CPU time.
    error:          why the sandbox stopped the program or could not run it (the time or output limit, a signal,
                    a failed start); None when the program ended by itself, whatever its exit status.
    """

    stdout: str
    stderr: str
    returncode: int | None
    timed_out: bool
    error: str | None = None


def run_program(code: str, stdin: str, limits: SandboxLimits | None = None, isolated: bool = True) -> RunResult:
    """Run the Python source `code` with `stdin` as its standard input, within `limits`, in its own namespaces
    unless `isolated` is False. Every failure, of the program or of the sandbox, is a RunResult, never an
    exception; an isolated run where isolation is impossible fails to start, saying why.

    >>> run_program("print(sum(map(int, input().split())))", "1 2 3\\n").stdout
    '6\\n'
    >>> result = run_program("import socket\\nsocket.socket()", "")
    >>> result.returncode, result.stderr.splitlines()[-1]
    (1, 'PermissionError: sandbox: socket.__new__ is not allowed')
    """
    limits = limits or SandboxLimits()
    if isolated and (problem := isolation_problem()) is not None:
        return RunResult("", "", None, False, f"sandbox could not start: no kernel isolation: {problem}"[:200])
    try:
        root = tempfile.mkdtemp(prefix="selfplay-sandbox-")
    except OSError as error:
        return RunResult("", "", None, False, f"sandbox could not start: {error}"[:200])
    try:
        return _run_in(os.path.realpath(root), code, stdin, limits, isolated)
    except Exception as error:  # noqa: BLE001 - a sandbox failure is an outcome of the run, not a crash of the caller
        return RunResult("", "", None, False, f"sandbox error: {type(error).__name__}: {error}"[:200])
    finally:
        _remove(root)


_ISOLATION_CHECKED: dict[str, str | None] = {}  # "problem" -> the answer of the one check per process
_ISOLATION_LOCK = threading.Lock()


def isolation_problem() -> str | None:
    """Why programs cannot run isolated here, in one line, or None when they can. Checked once per process, by
    running a tiny program in the isolated sandbox and looking at what it sees (its user and process id)."""
    with _ISOLATION_LOCK:
        if "problem" not in _ISOLATION_CHECKED:
            _ISOLATION_CHECKED["problem"] = _check_isolation()
        return _ISOLATION_CHECKED["problem"]


def _check_isolation() -> str | None:
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = "import os, json  # json: the standard library is readable too\nprint(os.getuid(), os.getpid(), os.path.exists('/etc'))"
    root = tempfile.mkdtemp(prefix="selfplay-sandbox-")
    try:
        result = _run_in(os.path.realpath(root), probe, "", SandboxLimits(wall_seconds=30), isolated=True)
    except Exception as error:  # noqa: BLE001 - any failure means: no isolation
        return f"bwrap failed: {type(error).__name__}: {error}"
    finally:
        _remove(root)
    if result.stdout.split() != [str(os.getuid() if os.geteuid() else UNPRIVILEGED_ID), "2", "False"]:
        said = (result.stderr.strip().splitlines() or [result.error or f"exit status {result.returncode}"])[-1]
        return f"bwrap could not create the sandbox's namespaces ({said.strip()})"[:300]
    return None


def _isolation_arguments(program: str, limits: SandboxLimits) -> list[str]:
    """bwrap's command line before the interpreter's: the namespaces and the file system the program sees."""
    tmpfs_bytes = str(limits.max_files * limits.file_size_kb * 2**10)  # each writable folder holds at most this
    arguments = [shutil.which("bwrap") or "bwrap", "--die-with-parent", "--new-session", "--unshare-pid",
                 "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() == 0:
        # Root needs no user namespace (one would map the program to root outside). The wrapper keeps only the
        # capabilities to become nobody, and gives them up with root before the program runs.
        arguments += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        arguments += ["--unshare-user", "--disable-userns"]
    arguments += ["--ro-bind", "/usr", "/usr"]
    for path in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):  # merged /usr: links; else folders
        if os.path.islink(path):
            arguments += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            arguments += ["--ro-bind", path, path]
    for folder in _python_folders():
        # Folders on the way are made traversable (bwrap would copy their modes: /root is 0700), then bound.
        parts = folder.strip("/").split("/")
        for depth in range(1, len(parts)):
            arguments += ["--perms", "0755", "--dir", "/" + "/".join(parts[:depth])]
        arguments += ["--ro-bind", folder, folder]
    return arguments + [
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", "--size", tmpfs_bytes, "--tmpfs", "/tmp",
        "--perms", "0777", "--size", tmpfs_bytes, "--tmpfs", ISOLATED_WORKDIR,
        "--ro-bind", program, ISOLATED_PROGRAM, "--chdir", ISOLATED_WORKDIR, "--"]


def _python_folders() -> list[str]:
    """The Python installation the program runs on, where it lies outside /usr (pyenv, conda, a venv's copy)."""
    executable = os.path.realpath(sys.executable)
    folders = sorted({os.path.realpath(path) for path in (sys.base_prefix, sys.base_exec_prefix,
                                                           os.path.dirname(os.path.dirname(executable)))})
    kept: list[str] = []
    for folder in folders:  # sorted, so a folder comes before the ones inside it
        if folder != "/" and not folder.startswith("/usr/") and not any(folder.startswith(k + "/") for k in kept):
            kept.append(folder)
    return kept


def _run_in(root: str, code: str, stdin: str, limits: SandboxLimits, isolated: bool) -> RunResult:
    # `root` (mode 0700, ours) holds the program and its input. Isolated, the program sees only a read-only copy
    # of its source and works in a tmpfs of its own. Not isolated, it works in `root/work` and only the hook
    # keeps it from the rest. The wrapper travels as a `-c` argument: no file that anything could replace.
    program, workdir, stdin_path = (os.path.join(root, name) for name in ("program.py", "work", "stdin"))
    os.mkdir(workdir)
    with open(program, "w", encoding="utf-8", errors="replace") as file:
        file.write(code)
    with open(stdin_path, "w", encoding="utf-8", errors="replace") as file:
        file.write(stdin)
    executable = os.path.realpath(sys.executable) if isolated else sys.executable
    if isolated and not os.access(executable, os.X_OK):
        return RunResult("", "", None, False, f"could not start the program: no interpreter at {executable}"[:200])
    command = [*(_isolation_arguments(program, limits) if isolated else []),
               executable, "-I", "-S", "-B", "-X", "utf8", "-c", _CHILD,
               *((ISOLATED_PROGRAM, ISOLATED_WORKDIR) if isolated else (program, workdir)),
               *(str(value) for value in (limits.cpu_seconds, limits.memory_mb * 2**20, limits.file_size_kb * 2**10,
                                          limits.max_processes, limits.max_open_files, limits.max_files,
                                          UNPRIVILEGED_ID if isolated and os.geteuid() == 0 else -1))]
    with open(stdin_path, "rb") as stdin_file:
        try:
            # start_new_session: the child leads a new session and process group, so one killpg reaches
            # everything it starts. Limits are set by the wrapper, not a preexec_fn, which is unsafe when the
            # caller has threads (the verifier runs programs from worker threads).
            process = subprocess.Popen(command, stdin=stdin_file, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       cwd=workdir, env={"PATH": os.defpath}, start_new_session=True)
        except OSError as error:
            return RunResult("", "", None, False, f"could not start the program: {error}"[:200])
    with process:
        try:
            stdout, stderr, wall_timeout, overflow = _read_bounded(process, limits)
        finally:
            # Kill the group before reaping the leader: until it is reaped its id cannot be reused, so this
            # signal cannot reach an unrelated process.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                pass
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
    returncode = process.returncode
    if isolated and 128 < returncode < 128 + signal.NSIG:
        returncode = 128 - returncode  # bwrap reports a program killed by signal n as exit status 128 + n
    # SIGXCPU at the soft CPU limit; SIGKILL at the hard one if the program ignored SIGXCPU.
    cpu_timeout = returncode == -signal.SIGXCPU or (
        returncode == -signal.SIGKILL and usage.ru_utime + usage.ru_stime >= limits.cpu_seconds)
    if overflow:
        error = f"output limit ({limits.max_output_kb} KB)"
    elif wall_timeout:
        error = f"wall time limit ({limits.wall_seconds:g} s)"
    elif cpu_timeout:
        error = f"cpu time limit ({limits.cpu_seconds} s)"
    elif returncode < 0:
        error = f"killed by signal {-returncode} ({signal.strsignal(-returncode)})"
    else:
        error = None
    bound = limits.max_output_kb * 2**10
    return RunResult(stdout[:bound].decode("utf-8", errors="replace"), stderr[:bound].decode("utf-8", errors="replace"),
                     returncode, wall_timeout or cpu_timeout, error)


def _read_bounded(process: subprocess.Popen, limits: SandboxLimits) -> tuple[bytes, bytes, bool, bool]:
    """Read stdout and stderr as they come until the program ends, the wall-clock limit passes or either output
    passes its bound: (stdout, stderr, timed out, overflowed). Memory stays within the bound plus one read."""
    deadline = time.monotonic() + limits.wall_seconds
    bound = limits.max_output_kb * 2**10
    stdout, stderr = bytearray(), bytearray()
    buffers = {process.stdout.fileno(): stdout, process.stderr.fileno(): stderr}
    timed_out = overflow = False
    with selectors.DefaultSelector() as selector:
        for fd in buffers:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map() and not (timed_out or overflow):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, 2**16)
                if not chunk:  # closed
                    selector.unregister(key.fd)
                    continue
                buffers[key.fd] += chunk
                overflow = overflow or len(buffers[key.fd]) > bound
    # Both outputs closed: usually the program ended, but it may have closed them and kept running. Wait for its
    # end without reaping it (WNOWAIT), so that its group can still be killed safely afterwards.
    while not (timed_out or overflow) and os.waitid(os.P_PID, process.pid,
                                                    os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        timed_out = time.monotonic() > deadline
        time.sleep(0.005)
    return bytes(stdout), bytes(stderr), timed_out, overflow


def _remove(root: str) -> None:
    """Delete the run's folder. A program can leave a folder without permissions (mode 000), which only root may
    empty, so on failure the folders are made accessible (real folders only, never a link's target) and it is
    tried again."""
    shutil.rmtree(root, ignore_errors=True)
    if not os.path.lexists(root):
        return
    for folder, subfolders, _ in os.walk(root):
        for name in subfolders:
            path = os.path.join(folder, name)
            try:
                if stat.S_ISDIR(os.lstat(path).st_mode):
                    os.chmod(path, stat.S_IRWXU)
            except OSError:
                pass  # what cannot be fixed stays behind; deleting must not raise
    shutil.rmtree(root, ignore_errors=True)


# The wrapper, run as `python -I -S -B -X utf8 -c _CHILD program workdir cpu memory file_size processes
# open_files files user` (user: the id to give up root for, or -1). It reads the program, then isolates and limits itself, installs the hook, and only then
# runs the program, as `__main__`, in a fresh module.
_CHILD = r'''
import os
import sys


def isolate_network():
    # An empty network namespace: only a loopback, and that is down. Root may make one; another user may
    # where the kernel allows a user namespace too, mapped to the user's own ids so the files stay theirs.
    # Where neither works, the audit hook alone keeps the program off the network.
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(0x40000000) != 0:  # CLONE_NEWNET
            uid, gid = os.getuid(), os.getgid()
            if libc.unshare(0x10000000 | 0x40000000) == 0:  # CLONE_NEWUSER | CLONE_NEWNET
                for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
                    with open(f"/proc/self/{name}", "w") as file:
                        file.write(text)
    except Exception:
        pass
    for name in [name for name in sys.modules if name.split(".")[0] in ("ctypes", "_ctypes")]:
        del sys.modules[name]  # imported again, they would meet the hook


def limit_resources(cpu, memory, file_size, processes, open_files):
    import resource
    limits = [(resource.RLIMIT_AS, memory), (resource.RLIMIT_FSIZE, file_size), (resource.RLIMIT_NPROC, processes),
              (resource.RLIMIT_NOFILE, open_files), (resource.RLIMIT_CORE, 0)]
    for limit, value in limits:
        hard = resource.getrlimit(limit)[1]
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, value))  # soft = hard: the program cannot raise them again
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    cpu = cpu if hard == resource.RLIM_INFINITY else min(cpu, hard - 1)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU first, SIGKILL if that is ignored


def install_hook(workdir, readable, max_files):
    # Everything the hook uses is bound here, in its closure: a program can rebind names in builtins, os or
    # os.path, but it cannot reach these cells (the hook object is reachable from nothing it can see, and the
    # gc functions that could find it are refused). Paths are resolved from their text alone, with no calls
    # into modules a program could patch; links cannot fool that because the hook refuses to make any.
    type_of, text, raw, number, size, Denied = type, str, bytes, int, len, PermissionError
    decode = bytes.decode
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND  # O_TMPFILE needs one of them
    written = set()
    denied_events = frozenset({
        "os.system", "os.exec", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "subprocess.Popen",
        "pty.spawn", "os.startfile", "os.kill", "os.killpg", "os.chdir", "os.chroot", "os.symlink", "os.link",
        "resource.setrlimit", "resource.prlimit", "sys.settrace", "sys.setprofile", "code.__new__",
        "gc.get_objects", "gc.get_referrers", "gc.get_referents",
    })
    denied_prefixes = ("socket.", "ctypes.", "webbrowser.")
    # Modules whose import is refused: ctypes (raw memory), _posixsubprocess (starts processes without an audit
    # event, so `subprocess` cannot be imported either), multiprocessing, sub-interpreters (they start without
    # this hook) and CPython's test modules, `_test*` (unsafe by design).
    denied_modules = frozenset({"ctypes", "_ctypes", "_posixsubprocess", "_xxsubinterpreters", "multiprocessing"})
    write_events = {"os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1), "os.chmod": (0,),
                    "os.chown": (0,), "os.truncate": (0,), "os.utime": (0,), "os.chflags": (0,),
                    "os.setxattr": (0,), "os.removexattr": (0,)}
    read_events = {"os.listdir", "os.scandir", "os.getxattr", "os.listxattr"}

    def deny(event):
        raise Denied(f"sandbox: {event} is not allowed")

    def resolve(path):
        if type_of(path) is number:
            return None  # a descriptor the program already holds
        if type_of(path) is raw:
            path = decode(path, "utf-8", "surrogateescape")
        if type_of(path) is not text:
            raise Denied("sandbox: paths must be str or bytes")
        if not path.startswith("/"):
            path = workdir + "/" + path
        parts = []
        for part in path.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part and part != ".":
                parts.append(part)
        return "/" + "/".join(parts)

    def under(path, folder):
        return path == folder or path.startswith(folder + "/")

    def check_write(event, path):
        where = resolve(path)
        if where is None:
            return
        if not under(where, workdir):
            deny(f"{event} outside the working directory")
        written.add(where)
        if size(written) > max_files:
            deny(f"{event} of more than {max_files} files")

    def check_read(event, path):
        where = resolve(path)
        if where is None or under(where, workdir):
            return
        for folder in readable:
            if under(where, folder):
                return
        deny(f"{event} of {where}")

    def hook(event, args):
        if event in denied_events or event.startswith(denied_prefixes):
            deny(event)
        elif event == "import":
            name = args[0]
            if type_of(name) is not text:
                deny("import of a module named by a non-str")
            for part in name.split("."):
                if part in denied_modules or part.startswith("_test"):
                    deny(f"import {name}")
        elif event == "open":
            path, flags = args[0], args[2]
            if type_of(flags) is not number:
                deny("open with non-int flags")
            if flags & write_flags:
                check_write(event, path)
            else:
                check_read(event, path)
        elif event in write_events:
            for index in write_events[event]:
                check_write(event, args[index])
        elif event in read_events:
            check_read(event, "." if args[0] is None else args[0])

    sys.addaudithook(hook)


def drop_root(user):
    # Isolated under a root caller: the kernel, not this hook, must keep the program from everything root may
    # do. setresuid away from 0 clears every capability, and bwrap set no_new_privs, so none comes back.
    os.setgroups([])
    os.setresgid(user, user, user)
    os.setresuid(user, user, user)
    if os.getuid() != user or os.geteuid() != user or os.getgid() != user:
        raise SystemExit("sandbox: could not give up root")


def main(program, workdir, cpu, memory, file_size, processes, open_files, max_files, user):
    with open(program, "rb") as file:
        source = file.read()
    if workdir != "/sandbox/work":
        isolate_network()  # isolated runs already have an empty network namespace of their own
    limit_resources(int(cpu), int(memory), int(file_size), int(processes), int(open_files))
    if int(user) >= 0:
        drop_root(int(user))
    import builtins
    builtins.exit = builtins.quit = sys.exit  # `site` defines them and -S skips it; programs use them
    # With -I -S, sys.path is exactly the standard library: the only folders outside its own the program may read.
    install_hook(workdir, tuple(path.rstrip("/") for path in sys.path if path.startswith("/")), int(max_files))
    sys.argv = ["program.py"]
    module = type(sys)("__main__")
    sys.modules["__main__"] = module
    exec(compile(source, "program.py", "exec"), module.__dict__)


main(*sys.argv[1:])
'''
