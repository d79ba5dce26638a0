"""Running untrusted Python (model-written programs) in a separate, limited process; never raises.

Each run gets a fresh interpreter (`python -I -S -B`: no environment variables, no site-packages, no user files on
`sys.path`, no bytecode written), resource limits, its own session, and output read with a size bound.

Isolated (the default): bubblewrap (`bwrap`) starts the interpreter in new PID, mount, network, IPC, UTS and cgroup
namespaces, under a seccomp filter (below). The program sees a file system of its own: `/usr`, the Python
installation, a fresh `/proc` and a minimal `/dev`, all read-only, plus two small empty tmpfs folders it may write,
its working folder (`/sandbox/work`) and `/tmp`; nothing else of the machine (no `/etc`, no home folders, no run
directories, no `/dev/shm`). It sees no process but its own, so it can signal none, and when it ends (or is killed)
the kernel kills everything it started. It runs as an unprivileged user: a caller that is root gives the program
uid/gid 65534 (nobody) and no capabilities, without a user namespace; another caller runs it in a user namespace
mapped to itself. Where bwrap is missing or cannot create these namespaces, an isolated run does not start: it fails
with the reason (`isolation_problem()` says it beforehand).

The seccomp filter (built with libseccomp through ctypes, once per process, and handed to bwrap as compiled BPF)
allows every system call but those a stdin-to-stdout program never needs and an escape would: new namespaces
(`unshare`, `setns`, `clone` with a namespace flag, `clone3`), `mount` and the new mount API, `ptrace` and
access to other processes' memory, BPF, perf events, io_uring, userfaultfd, keyrings, kernel modules, file handles,
pidfds, device nodes, terminal input injection, `personality` changes and every other system-call ABI (32-bit
x86 and x32 on x86_64, 32-bit ARM on aarch64) (`SECCOMP_DENIED`). Where libseccomp is missing or the
architecture is neither x86_64 nor aarch64, programs run isolated without it and `seccomp_problem()` says why.

Not isolated (`isolated=False`, an explicit opt-out): the program runs on the host's file system in a throw-away
folder, in a new process group that is killed at the end, in an empty network namespace where the kernel allows
one, as the caller's user.

In both, an audit hook refuses sockets, new processes, ctypes and file access outside the working folder. It is
not a security boundary (a program can switch it off from pure Python); it gives ordinary programs, mistakes
included, a clear error. What is promised against hostile programs rests on the kernel: the namespaces, the
unprivileged user, the seccomp filter, the rlimits and the size of the tmpfs folders.
"""

from __future__ import annotations

import ctypes
import errno
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

# System calls an isolated program is refused, with the error it gets. None is needed by a program that reads
# stdin and prints (the standard library never makes them); each reaches more of the kernel than such a program
# should (namespaces, BPF, io_uring, perf, userfaultfd, keyrings, modules: the usual ways in for a kernel
# exploit) or steps past the namespaces (mounts, file handles, other processes). EPERM, what the kernel tells an
# unprivileged caller; ENOSYS where callers fall back to an older way: glibc's pthread_create and fork use clone
# when clone3 is missing (clone3's flags lie in memory, which a filter cannot read), and programs that probe for
# io_uring or pidfds do without. Names a kernel architecture lacks (mknod, iopl on aarch64) are skipped.
SECCOMP_DENIED: dict[str, int] = {
    **dict.fromkeys((
        "unshare", "setns",  # namespaces (clone's namespace flags: SECCOMP_CLONE_NAMESPACES)
        "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
        "open_tree", "mount_setattr",  # the mount table, old API and new
        "ptrace", "process_vm_readv", "process_vm_writev",  # other processes' memory
        "bpf", "perf_event_open", "userfaultfd",  # large kernel surfaces
        "keyctl", "add_key", "request_key",  # keyrings: shared by a user's processes across namespaces
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon",
        "swapoff", "acct", "quotactl", "quotactl_fd", "syslog", "lookup_dcookie", "iopl", "ioperm", "vhangup",
        "open_by_handle_at", "name_to_handle_at",  # files by handle, past the mount namespace
        "fanotify_init",
    ), errno.EPERM),
    **dict.fromkeys(("clone3", "io_uring_setup", "io_uring_enter", "io_uring_register", "pidfd_open",
                     "pidfd_getfd", "pidfd_send_signal"), errno.ENOSYS),
}
# clone's flags that make a namespace (NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET):
# clone with any of them is refused (EPERM); clone for fork and threads goes on.
SECCOMP_CLONE_NAMESPACES = (0x80, 0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000)
# The architectures the filter is written for: clone's flags are its first argument on both. Elsewhere
# (seccomp_problem says so) programs run without the filter. libseccomp's names for them: AUDIT_ARCH_*.
SECCOMP_ARCHITECTURES = {0xC000003E: "x86_64", 0xC00000B7: "aarch64"}


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
        return _run_in(os.path.realpath(root), code, stdin, limits, isolated,
                       _ISOLATION_CHECKED.get("filter") if isolated else None)
    except Exception as error:  # noqa: BLE001 - a sandbox failure is an outcome of the run, not a crash of the caller
        return RunResult("", "", None, False, f"sandbox error: {type(error).__name__}: {error}"[:200])
    finally:
        _remove(root)


# The one check per process: "problem" (isolation_problem), "seccomp" (seccomp_problem), "filter" (the BPF).
_ISOLATION_CHECKED: dict[str, str | bytes | None] = {}
_ISOLATION_LOCK = threading.Lock()


def isolation_problem() -> str | None:
    """Why programs cannot run isolated here, in one line, or None when they can. Checked once per process, by
    running a tiny program in the isolated sandbox and looking at what it sees (its user and process id, and
    whether the seccomp filter refuses it a system call)."""
    with _ISOLATION_LOCK:
        if "problem" not in _ISOLATION_CHECKED:
            problem, seccomp, bpf = _check_isolation()
            _ISOLATION_CHECKED.update(problem=problem, seccomp=seccomp, filter=bpf)
        return _ISOLATION_CHECKED["problem"]


def seccomp_problem() -> str | None:
    """Why isolated programs run without the seccomp filter, in one line, or None when they run under it. The
    namespaces do not depend on it: isolation_problem() may be None while this is not."""
    isolation_problem()
    return _ISOLATION_CHECKED["seccomp"] if _ISOLATION_CHECKED["problem"] is None else "programs are not isolated"


def _check_isolation() -> tuple[str | None, str | None, bytes | None]:
    """(why there is no isolation, why there is no seccomp filter, the filter) from a probe run in the sandbox."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)", None, None
    try:
        bpf, seccomp = _seccomp_filter()
    except Exception as error:  # noqa: BLE001 - a library that misbehaves means: no filter, said so
        bpf, seccomp = None, f"libseccomp failed: {type(error).__name__}: {error}"[:300]
    said, denied = _probe(bpf)
    if bpf is not None and said is not None:  # bwrap or the kernel would not load the filter: try without it
        seccomp, bpf = f"bwrap could not load the seccomp filter ({said})"[:300], None
        said, denied = _probe(None)
    if said is not None:
        return f"bwrap could not create the sandbox's namespaces ({said})"[:300], None, None
    if bpf is not None and denied != errno.ENOSYS:
        seccomp, bpf = f"the seccomp filter did not refuse pidfd_open (errno {denied})", None
    return None, seccomp, bpf


def _probe(bpf: bytes | None) -> tuple[str | None, int]:
    """Run a tiny program isolated, under the filter `bpf` if given: (what went wrong, or None; the error number
    of its pidfd_open, a call the filter refuses, or 0 when the call worked)."""
    probe = ("import os, json  # json: the standard library is readable too\n"
             "try:\n    os.close(os.pidfd_open(os.getpid()))\n    denied = 0\n"
             "except OSError as error:\n    denied = error.errno\n"
             "print(os.getuid(), os.getpid(), os.path.exists('/etc'), denied)")
    root = tempfile.mkdtemp(prefix="selfplay-sandbox-")
    try:
        result = _run_in(os.path.realpath(root), probe, "", SandboxLimits(wall_seconds=30), True, bpf)
    except Exception as error:  # noqa: BLE001 - any failure means: no isolation
        return f"bwrap failed: {type(error).__name__}: {error}", 0
    finally:
        _remove(root)
    seen = result.stdout.split()
    if seen[:3] != [str(os.getuid() if os.geteuid() else UNPRIVILEGED_ID), "2", "False"] or len(seen) != 4:
        said = (result.stderr.strip().splitlines() or [result.error or f"exit status {result.returncode}"])[-1]
        return said.strip(), 0
    return None, int(seen[3])


class _ArgumentComparison(ctypes.Structure):
    """libseccomp's `struct scmp_arg_cmp`: argument number, operator, two 64-bit operands."""

    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


def _seccomp_filter() -> tuple[bytes | None, str | None]:
    """The filter as classic BPF (what `seccomp_export_bpf` writes and bwrap's `--seccomp` reads), or None and
    why not. libseccomp does the compiling: the architecture check, the syscall numbers, the argument tests."""
    try:
        library = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    except OSError as error:
        return None, f"libseccomp is not installed ({error}; Debian/Ubuntu: apt-get install libseccomp2)"[:300]
    library.seccomp_version.restype = ctypes.POINTER(ctypes.c_uint * 3)
    version = tuple(library.seccomp_version().contents)
    if version < (2, 4, 0):  # SCMP_ACT_KILL_PROCESS
        return None, f"libseccomp {'.'.join(map(str, version))} is older than 2.4"
    library.seccomp_arch_native.restype = ctypes.c_uint32
    architecture = library.seccomp_arch_native()
    if architecture not in SECCOMP_ARCHITECTURES:
        return None, f"no seccomp filter is written for this architecture (AUDIT_ARCH {architecture:#x})"
    library.seccomp_init.restype = ctypes.c_void_p
    library.seccomp_init.argtypes = [ctypes.c_uint32]
    library.seccomp_release.argtypes = [ctypes.c_void_p]
    library.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    library.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    library.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                               ctypes.POINTER(_ArgumentComparison)]
    library.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    allow, kill_process, masked_equal, not_equal = 0x7FFF0000, 0x80000000, 7, 1  # SCMP_ACT_*, SCMP_CMP_*

    def refuse(code: int) -> int:
        return 0x00050000 | code  # SCMP_ACT_ERRNO(code)

    # (system call, error, argument tests all of which must hold): the rules; a call no rule matches is allowed
    rules: list[tuple[str, int, list[tuple[int, int, int, int]]]] = [
        (name, code, []) for name, code in SECCOMP_DENIED.items()]
    rules += [("clone", errno.EPERM, [(0, masked_equal, flag, flag)]) for flag in SECCOMP_CLONE_NAMESPACES]
    # any persona but the default (PER_LINUX): no turning address randomisation off, no other ABI's quirks
    rules.append(("personality", errno.EPERM, [(0, not_equal, 0, 0)]))
    for name, mode_argument in (("mknod", 1), ("mknodat", 2)):  # device nodes (S_IFMT bits); files, FIFOs stay
        rules += [(name, errno.EPERM, [(mode_argument, masked_equal, 0o170000, kind)])
                  for kind in (stat.S_IFCHR, stat.S_IFBLK)]
    # TIOCSTI (types into the terminal) and TIOCLINUX; the kernel reads the request as 32 bits
    rules += [("ioctl", errno.EPERM, [(1, masked_equal, 0xFFFFFFFF, request)]) for request in (0x5412, 0x541C)]
    context = library.seccomp_init(allow)
    if not context:
        return None, "libseccomp could not make a filter (seccomp_init)"
    try:
        # A system call of another ABI than the native one (32-bit int 0x80 on x86_64) kills the program: the
        # numbers above would mean other calls there.
        if library.seccomp_attr_set(context, 2, kill_process) != 0:  # SCMP_FLTATR_ACT_BADARCH
            return None, "libseccomp refused the action for other architectures"
        for name, code, tests in rules:
            number = library.seccomp_syscall_resolve_name(name.encode())
            if number < 0:  # not a system call on this architecture
                continue
            comparisons = (_ArgumentComparison * max(len(tests), 1))(*(_ArgumentComparison(*t) for t in tests))
            if (failed := library.seccomp_rule_add_array(context, refuse(code), number, len(tests), comparisons)):
                return None, f"libseccomp refused the rule for {name} ({os.strerror(-failed)})"
        with tempfile.TemporaryFile() as file:
            if (failed := library.seccomp_export_bpf(context, file.fileno())) != 0:
                return None, f"libseccomp could not export the filter ({os.strerror(-failed)})"
            file.seek(0)
            return file.read(), None
    finally:
        library.seccomp_release(context)


def _isolation_arguments(program: str, limits: SandboxLimits, seccomp_fd: int | None = None) -> list[str]:
    """bwrap's command line before the interpreter's: the namespaces, the file system the program sees and the
    seccomp filter bwrap reads from `seccomp_fd` (none if None)."""
    tmpfs_bytes = str(limits.max_files * limits.file_size_kb * 2**10)  # each writable folder holds at most this
    arguments = [shutil.which("bwrap") or "bwrap", "--die-with-parent", "--new-session", "--unshare-pid",
                 "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() == 0:
        # Root needs no user namespace (one would map the program to root outside). The wrapper keeps only the
        # capabilities to become nobody, and gives them up with root before the program runs.
        arguments += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        arguments += ["--unshare-user", "--disable-userns"]
    if seccomp_fd is not None:
        arguments += ["--seccomp", str(seccomp_fd)]  # loaded last, just before the interpreter starts
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


def _run_in(root: str, code: str, stdin: str, limits: SandboxLimits, isolated: bool,
            seccomp: bytes | None = None) -> RunResult:
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
    # The filter travels in a file of its own per run (in memory): bwrap reads it to the end, which would move the
    # offset of a descriptor shared by all runs. Writing its few hundred bytes costs microseconds.
    seccomp_fd = _memory_file(seccomp) if isolated and seccomp is not None else None
    try:
        command = [*(_isolation_arguments(program, limits, seccomp_fd) if isolated else []),
                   executable, "-I", "-S", "-B", "-X", "utf8", "-c", _CHILD,
                   *((ISOLATED_PROGRAM, ISOLATED_WORKDIR) if isolated else (program, workdir)),
                   *(str(value) for value in (limits.cpu_seconds, limits.memory_mb * 2**20,
                                              limits.file_size_kb * 2**10, limits.max_processes,
                                              limits.max_open_files, limits.max_files,
                                              UNPRIVILEGED_ID if isolated and os.geteuid() == 0 else -1))]
        with open(stdin_path, "rb") as stdin_file:
            try:
                # start_new_session: the child leads a new session and process group, so one killpg reaches
                # everything it starts. Limits are set by the wrapper, not a preexec_fn, which is unsafe when the
                # caller has threads (the verifier runs programs from worker threads).
                process = subprocess.Popen(command, stdin=stdin_file, stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE, cwd=workdir, env={"PATH": os.defpath},
                                           start_new_session=True, pass_fds=() if seccomp_fd is None else (seccomp_fd,))
            except OSError as error:
                return RunResult("", "", None, False, f"could not start the program: {error}"[:200])
    finally:
        if seccomp_fd is not None:
            os.close(seccomp_fd)  # bwrap holds its own copy
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


def _memory_file(data: bytes) -> int:
    """A descriptor of a new file in memory holding `data`, read from its start (closed on exec unless passed)."""
    fd = os.memfd_create("selfplay-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, data)  # a memfd takes a short write whole
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        os.close(fd)
        raise
    return fd


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
