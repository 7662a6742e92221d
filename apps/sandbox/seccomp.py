"""The seccomp filter, built as a classic-BPF program in pure Python (no libseccomp).

bubblewrap reads the program (an array of `struct sock_filter`) from a file descriptor given with
`--seccomp FD` and installs it just before it executes the runtime, so the filter covers the
learner's code and everything it starts.

Deny by default: a system call is allowed only when it is in ALLOWED (what Node.js and CPython
were measured to make while running the exercise catalogue and the attack suite, completed per
group with the ordinary calls of the same kind; docs/sandbox.md, "The seccomp filter"). Anything
else fails with ENOSYS, the answer of a kernel that lacks the call (libc and the runtimes fall
back or report it). The kernel surface the filter exists to remove (user namespaces, io_uring,
bpf, userfaultfd, perf events, keyrings, ptrace, mount, terminal injection) is also named in
DENIED and fails with EPERM, as before. A few calls are decided on their arguments: clone (no
namespace flags), ioctl (no terminal injection), socket and socketpair (AF_UNIX, AF_INET and
AF_INET6 only; any other family, netlink, vsock, packet and alg included, fails with
EAFNOSUPPORT: the network namespace does not isolate every family, and neither runtime needs
another one).
"""

from __future__ import annotations

import errno
import platform
import struct
from collections.abc import Iterable

# struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }
_SOCK_FILTER = struct.Struct("=HBBI")

# Instruction classes and fields (linux/bpf_common.h)
BPF_LD, BPF_JMP, BPF_RET, BPF_ALU = 0x00, 0x05, 0x06, 0x04
BPF_W, BPF_ABS, BPF_K = 0x00, 0x20, 0x00
BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET = 0x10, 0x20, 0x30, 0x40

# Return values (linux/seccomp.h)
SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

# struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
OFFSET_NR = 0
OFFSET_ARCH = 4


def offset_arg_low(index: int) -> int:
    """Offset of the low 32 bits of syscall argument `index` (both architectures are
    little-endian)."""
    return 16 + 8 * index


AUDIT_ARCH_X86_64 = 0xC000003E
AUDIT_ARCH_AARCH64 = 0xC00000B7
X32_SYSCALL_BIT = 0x40000000

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
# CLONE_NEWTIME (0x80) shares its bit with the exit signal in clone(2), so it cannot be tested
# there; clone3 (which can carry it) is refused outright and unshare/setns are denied.
CLONE_NAMESPACE_FLAGS = (
    CLONE_NEWNS
    | CLONE_NEWCGROUP
    | CLONE_NEWUTS
    | CLONE_NEWIPC
    | CLONE_NEWUSER
    | CLONE_NEWPID
    | CLONE_NEWNET
)

TIOCSTI = 0x5412
TIOCLINUX = 0x541C

AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
ALLOWED_FAMILIES = (AF_UNIX, AF_INET, AF_INET6)
BPF_JA = 0x00

# name: (x86_64 number, aarch64 number); None where the call does not exist on that arch.
SYSCALLS: dict[str, tuple[int | None, int | None]] = {
    "ioctl": (16, 29),
    "clone": (56, 220),
    "clone3": (435, 435),
    "socket": (41, 198),
    "socketpair": (53, 199),
    # Denied with EPERM:
    "ptrace": (101, 117),
    "process_vm_readv": (310, 270),
    "process_vm_writev": (311, 271),
    "mount": (165, 40),
    "umount2": (166, 39),
    "pivot_root": (155, 41),
    "chroot": (161, 51),
    "unshare": (272, 97),
    "setns": (308, 268),
    "keyctl": (250, 219),
    "add_key": (248, 217),
    "request_key": (249, 218),
    "bpf": (321, 280),
    "perf_event_open": (298, 241),
    "userfaultfd": (323, 282),
    "io_uring_setup": (425, 425),
    "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427),
    "fsopen": (430, 430),
    "fsconfig": (431, 431),
    "fsmount": (432, 432),
    "fspick": (433, 433),
    "move_mount": (429, 429),
    "open_tree": (428, 428),
    "mount_setattr": (442, 442),
    "open_by_handle_at": (304, 265),
    "name_to_handle_at": (303, 264),
    "pidfd_getfd": (438, 438),
    "process_madvise": (440, 440),
    "kcmp": (312, 272),
    "kexec_load": (246, 104),
    "kexec_file_load": (320, 294),
    "init_module": (175, 105),
    "finit_module": (313, 273),
    "delete_module": (176, 106),
    "acct": (163, 89),
    "swapon": (167, 224),
    "swapoff": (168, 225),
    "reboot": (169, 142),
    "syslog": (103, 116),
    "quotactl": (179, 60),
    "quotactl_fd": (443, 443),
    "lookup_dcookie": (212, 18),
    "vhangup": (153, 58),
    "sethostname": (170, 161),
    "setdomainname": (171, 162),
    "settimeofday": (164, 170),
    "clock_settime": (227, 112),
    "clock_adjtime": (305, 266),
    "adjtimex": (159, 171),
    "fanotify_init": (300, 262),
    "iopl": (172, None),
    "ioperm": (173, None),
    "uselib": (134, None),
    "nfsservctl": (180, 42),
    # Anonymous files live outside the /tmp size limit and RLIMIT_AS; nothing the runtimes need.
    "memfd_create": (319, 279),
    "memfd_secret": (447, 447),
}

BY_ARGUMENT = ("ioctl", "clone", "clone3", "socket", "socketpair")
DENIED = tuple(name for name in SYSCALLS if name not in BY_ARGUMENT)

# Allowed without looking at the arguments, by group; (x86_64, aarch64) as in SYSCALLS. The
# measured calls are listed in docs/sandbox.md; the rest of each group are the calls of the same
# kind that the runtimes' libraries use on other paths (libuv's file copy, Python's os module).
ALLOWED: dict[str, tuple[int | None, int | None]] = {
    # io
    "read": (0, 63),
    "write": (1, 64),
    "readv": (19, 65),
    "writev": (20, 66),
    "pread64": (17, 67),
    "pwrite64": (18, 68),
    "preadv": (295, 69),
    "pwritev": (296, 70),
    "preadv2": (327, 286),
    "pwritev2": (328, 287),
    "lseek": (8, 62),
    "sendfile": (40, 71),
    "copy_file_range": (326, 285),
    # files
    "open": (2, None),
    "openat": (257, 56),
    "openat2": (437, 437),
    "creat": (85, None),
    "close": (3, 57),
    "close_range": (436, 436),
    "stat": (4, None),
    "fstat": (5, 80),
    "lstat": (6, None),
    "newfstatat": (262, 79),
    "statx": (332, 291),
    "statfs": (137, 43),
    "fstatfs": (138, 44),
    "access": (21, None),
    "faccessat": (269, 48),
    "faccessat2": (439, 439),
    "readlink": (89, None),
    "readlinkat": (267, 78),
    "getdents": (78, None),
    "getdents64": (217, 61),
    "fcntl": (72, 25),
    "flock": (73, 32),
    "fsync": (74, 82),
    "fdatasync": (75, 83),
    "sync": (162, 81),
    "syncfs": (306, 267),
    "truncate": (76, 45),
    "ftruncate": (77, 46),
    "fallocate": (285, 47),
    "fadvise64": (221, 223),
    "mkdir": (83, None),
    "mkdirat": (258, 34),
    "rmdir": (84, None),
    "unlink": (87, None),
    "unlinkat": (263, 35),
    "rename": (82, None),
    "renameat": (264, 38),
    "renameat2": (316, 276),
    "link": (86, None),
    "linkat": (265, 37),
    "symlink": (88, None),
    "symlinkat": (266, 36),
    "chmod": (90, None),
    "fchmod": (91, 52),
    "fchmodat": (268, 53),
    "fchmodat2": (452, 452),
    "chown": (92, None),
    "fchown": (93, 55),
    "lchown": (94, None),
    "fchownat": (260, 54),
    "utime": (132, None),
    "utimes": (235, None),
    "utimensat": (280, 88),
    "futimesat": (261, None),
    "umask": (95, 166),
    "getcwd": (79, 17),
    "chdir": (80, 49),
    "fchdir": (81, 50),
    "dup": (32, 23),
    "dup2": (33, None),
    "dup3": (292, 24),
    "pipe": (22, None),
    "pipe2": (293, 59),
    "inotify_init": (253, None),
    "inotify_init1": (294, 26),
    "inotify_add_watch": (254, 27),
    "inotify_rm_watch": (255, 28),
    # memory
    "mmap": (9, 222),
    "munmap": (11, 215),
    "mprotect": (10, 226),
    "mremap": (25, 216),
    "madvise": (28, 233),
    "brk": (12, 214),
    "msync": (26, 227),
    "mincore": (27, 232),
    "mlock": (149, 228),
    "mlock2": (325, 284),
    "munlock": (150, 229),
    "mlockall": (151, 230),
    "munlockall": (152, 231),
    "membarrier": (324, 283),
    "pkey_mprotect": (329, 288),
    "pkey_alloc": (330, 289),
    "pkey_free": (331, 290),
    "mseal": (462, 462),
    # process
    "execve": (59, 221),
    "execveat": (322, 281),
    "fork": (57, None),
    "vfork": (58, None),
    "exit": (60, 93),
    "exit_group": (231, 94),
    "wait4": (61, 260),
    "waitid": (247, 95),
    "kill": (62, 129),
    "tgkill": (234, 131),
    "tkill": (200, 130),
    "getpid": (39, 172),
    "getppid": (110, 173),
    "gettid": (186, 178),
    "getpgid": (121, 155),
    "setpgid": (109, 154),
    "getpgrp": (111, None),
    "getsid": (124, 156),
    "setsid": (112, 157),
    "getuid": (102, 174),
    "geteuid": (107, 175),
    "getgid": (104, 176),
    "getegid": (108, 177),
    "getresuid": (118, 148),
    "getresgid": (120, 150),
    "getgroups": (115, 158),
    "capget": (125, 90),
    "capset": (126, 91),
    "prctl": (157, 167),
    "arch_prctl": (158, None),
    "set_tid_address": (218, 96),
    "set_robust_list": (273, 99),
    "get_robust_list": (274, 100),
    "rseq": (334, 293),
    "futex": (202, 98),
    "futex_waitv": (449, 449),
    "sched_yield": (24, 124),
    "sched_getaffinity": (204, 123),
    "sched_setaffinity": (203, 122),
    "sched_getparam": (143, 121),
    "sched_setparam": (142, 118),
    "sched_getscheduler": (145, 120),
    "sched_setscheduler": (144, 119),
    "sched_get_priority_max": (146, 125),
    "sched_get_priority_min": (147, 126),
    "sched_rr_get_interval": (148, 127),
    "getpriority": (140, 141),
    "setpriority": (141, 140),
    "getrlimit": (97, 163),
    "setrlimit": (160, 164),
    "prlimit64": (302, 261),
    "getrusage": (98, 165),
    "times": (100, 153),
    "sysinfo": (99, 179),
    "uname": (63, 160),
    "getcpu": (309, 168),
    "pidfd_open": (434, 434),
    "pidfd_send_signal": (424, 424),
    # signals
    "rt_sigaction": (13, 134),
    "rt_sigprocmask": (14, 135),
    "rt_sigreturn": (15, 139),
    "rt_sigpending": (127, 136),
    "rt_sigtimedwait": (128, 137),
    "rt_sigqueueinfo": (129, 138),
    "rt_tgsigqueueinfo": (297, 240),
    "rt_sigsuspend": (130, 133),
    "sigaltstack": (131, 132),
    "pause": (34, None),
    "alarm": (37, None),
    "signalfd": (282, None),
    "signalfd4": (289, 74),
    "restart_syscall": (219, 128),
    # time
    "clock_gettime": (228, 113),
    "clock_getres": (229, 114),
    "clock_nanosleep": (230, 115),
    "nanosleep": (35, 101),
    "gettimeofday": (96, 169),
    "time": (201, None),
    "getitimer": (36, 102),
    "setitimer": (38, 103),
    "timer_create": (222, 107),
    "timer_settime": (223, 110),
    "timer_gettime": (224, 108),
    "timer_getoverrun": (225, 109),
    "timer_delete": (226, 111),
    "timerfd_create": (283, 85),
    "timerfd_settime": (286, 86),
    "timerfd_gettime": (287, 87),
    # events
    "epoll_create": (213, None),
    "epoll_create1": (291, 20),
    "epoll_ctl": (233, 21),
    "epoll_wait": (232, None),
    "epoll_pwait": (281, 22),
    "epoll_pwait2": (441, 441),
    "poll": (7, None),
    "ppoll": (271, 73),
    "select": (23, None),
    "pselect6": (270, 72),
    "eventfd": (284, None),
    "eventfd2": (290, 19),
    "getrandom": (318, 278),
    # sockets
    "bind": (49, 200),
    "listen": (50, 201),
    "accept": (43, 202),
    "accept4": (288, 242),
    "connect": (42, 203),
    "getsockname": (51, 204),
    "getpeername": (52, 205),
    "sendto": (44, 206),
    "recvfrom": (45, 207),
    "sendmsg": (46, 211),
    "recvmsg": (47, 212),
    "sendmmsg": (307, 269),
    "recvmmsg": (299, 243),
    "shutdown": (48, 210),
    "setsockopt": (54, 208),
    "getsockopt": (55, 209),
}
ARCHES = {"x86_64": (AUDIT_ARCH_X86_64, 0), "aarch64": (AUDIT_ARCH_AARCH64, 1)}


def _stmt(code: int, k: int) -> tuple[int, int, int, int]:
    return (code, 0, 0, k)


def _jump(code: int, k: int, jt: int, jf: int) -> tuple[int, int, int, int]:
    if not (0 <= jt <= 255 and 0 <= jf <= 255):
        raise ValueError("seccomp program too long for a classic-BPF jump")
    return (code, jt, jf, k)


def _ret(value: int) -> tuple[int, int, int, int]:
    return _stmt(BPF_RET | BPF_K, value)


def _load(offset: int) -> tuple[int, int, int, int]:
    return _stmt(BPF_LD | BPF_W | BPF_ABS, offset)


def _runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted numbers as runs of consecutive values, (first, last)."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and runs[-1][1] == number - 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return [(first, last) for first, last in runs]


def _returns_for(numbers: Iterable[int], value: int) -> list[tuple[int, int, int, int]]:
    """Instructions that return `value` when A (the syscall number) is one of `numbers`, and
    otherwise fall through with A unchanged. Consecutive numbers are tested as one range, so
    the program stays short (the kernel compiles and analyses it at every run's start)."""
    runs = _runs(numbers)
    # Each run is one JEQ, or a JGE + JGT pair; all jump forward to one shared return.
    length = sum(1 if first == last else 2 for first, last in runs)
    section: list[tuple[int, int, int, int]] = []
    for first, last in runs:
        to_return = length - len(section)  # from the instruction after this one to the RET
        if first == last:
            section.append(_jump(BPF_JMP | BPF_JEQ | BPF_K, first, to_return, 0))
        else:
            section.append(_jump(BPF_JMP | BPF_JGE | BPF_K, first, 0, 1))
            section.append(_jump(BPF_JMP | BPF_JGT | BPF_K, last, 0, to_return - 1))
    # Not matched: jump over the return.
    return [*section, _stmt(BPF_JMP | BPF_JA, 1), _ret(value)]


def _arch_block(arch: str) -> list[tuple[int, int, int, int]]:
    """Rules for one architecture; entered with nothing useful in A, ends in a return."""
    column = ARCHES[arch][1]

    def nr(name: str) -> int | None:
        return (SYSCALLS.get(name) or ALLOWED[name])[column]

    allow = _ret(SECCOMP_RET_ALLOW)
    eperm = _ret(SECCOMP_RET_ERRNO | errno.EPERM)
    enosys = _ret(SECCOMP_RET_ERRNO | errno.ENOSYS)
    eafnosupport = _ret(SECCOMP_RET_ERRNO | errno.EAFNOSUPPORT)
    block = [_load(OFFSET_NR)]
    if arch == "x86_64":
        # x32 system calls (nr | 0x40000000) reach a second syscall table: refuse them all.
        block += [_jump(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1), eperm]
    # Allowed calls first, the most frequent at the top (the kernel also caches the answer for
    # calls whose answer does not depend on the arguments).
    block += _returns_for((n for name in ALLOWED if (n := nr(name)) is not None), SECCOMP_RET_ALLOW)
    # clone3 keeps its flags in a struct the filter cannot read: ENOSYS makes libc fall back to
    # clone(2), whose flags are an argument.
    block += [_jump(BPF_JMP | BPF_JEQ | BPF_K, nr("clone3"), 0, 1), enosys]
    # clone(2) with any CLONE_NEW* flag -> EPERM. The flags are argument 0 on both arches.
    block += [
        _jump(BPF_JMP | BPF_JEQ | BPF_K, nr("clone"), 0, 4),
        _load(offset_arg_low(0)),
        _jump(BPF_JMP | BPF_JSET | BPF_K, CLONE_NAMESPACE_FLAGS, 0, 1),
        eperm,
        allow,
    ]
    # ioctl(fd, TIOCSTI | TIOCLINUX, ...) -> EPERM. The request is an unsigned int in the kernel,
    # so the low 32 bits are all that matter.
    block += [
        _jump(BPF_JMP | BPF_JEQ | BPF_K, nr("ioctl"), 0, 5),
        _load(offset_arg_low(1)),
        _jump(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0),
        _jump(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0),
        allow,
        eperm,
    ]
    # socket(family, ...) and socketpair(family, ...): the family is an int, argument 0.
    families = [
        _jump(BPF_JMP | BPF_JEQ | BPF_K, family, len(ALLOWED_FAMILIES) - index, 0)
        for index, family in enumerate(ALLOWED_FAMILIES)
    ]
    check_family = [_load(offset_arg_low(0)), *families, eafnosupport, allow]
    for name in ("socket", "socketpair"):
        block += [_jump(BPF_JMP | BPF_JEQ | BPF_K, nr(name), 0, len(check_family))]
        block += check_family
    denied = (n for name in DENIED if (n := nr(name)) is not None)
    block += _returns_for(denied, SECCOMP_RET_ERRNO | errno.EPERM)
    block.append(enosys)
    return block


def build_program(arches: Iterable[str] = ("x86_64", "aarch64")) -> list[tuple[int, int, int, int]]:
    """The filter as a list of (code, jt, jf, k). A system call made under any other
    architecture (32-bit x86 through int 0x80, say) kills the process."""
    program: list[tuple[int, int, int, int]] = []
    for arch in arches:
        audit_arch = ARCHES[arch][0]
        block = _arch_block(arch)
        # Not this architecture: jump over its block (BPF_JA takes a 32-bit offset).
        program += [
            _load(OFFSET_ARCH),
            _jump(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 1, 0),
            _stmt(BPF_JMP | BPF_JA, len(block)),
        ]
        program += block
    program.append(_ret(SECCOMP_RET_KILL_PROCESS))
    if len(program) > 4096:  # BPF_MAXINSNS
        raise ValueError("seccomp program too long")
    return program


def pack(program: list[tuple[int, int, int, int]]) -> bytes:
    return b"".join(_SOCK_FILTER.pack(*instruction) for instruction in program)


_PROGRAM_BYTES: bytes | None = None


def native_arches() -> tuple[str, ...]:
    """The worker's own architecture: the jail runs its binaries, so a call made under any other
    (the 32-bit compat entry points included) is an attack, and the filter kills it."""
    machine = platform.machine()
    return (machine,) if machine in ARCHES else tuple(ARCHES)


def program_bytes() -> bytes:
    """The packed filter bubblewrap expects on its --seccomp descriptor (built once, for this
    machine's architecture: a shorter program is faster to load at every run's start)."""
    global _PROGRAM_BYTES
    if _PROGRAM_BYTES is None:
        _PROGRAM_BYTES = pack(build_program(native_arches()))
    return _PROGRAM_BYTES


def unpack(data: bytes) -> list[tuple[int, int, int, int]]:
    return [
        _SOCK_FILTER.unpack_from(data, offset) for offset in range(0, len(data), _SOCK_FILTER.size)
    ]
