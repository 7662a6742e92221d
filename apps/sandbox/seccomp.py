"""The seccomp filter, built as a classic-BPF program in pure Python (no libseccomp).

bubblewrap reads the program (an array of `struct sock_filter`) from a file descriptor given with
`--seccomp FD` and installs it just before it executes the runtime, so the filter covers the
learner's code and everything it starts.

The filter is a deny list on top of the jail's other layers (namespaces, no capabilities, an
unprivileged uid): most of these calls would fail anyway for lack of privilege, and the filter
removes kernel attack surface that an unprivileged process can otherwise reach (user namespaces,
io_uring, bpf, userfaultfd, perf events, keyrings, ptrace, terminal injection).
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Iterable

# struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }
_SOCK_FILTER = struct.Struct("=HBBI")

# Instruction classes and fields (linux/bpf_common.h)
BPF_LD, BPF_JMP, BPF_RET, BPF_ALU = 0x00, 0x05, 0x06, 0x04
BPF_W, BPF_ABS, BPF_K = 0x00, 0x20, 0x00
BPF_JEQ, BPF_JGE, BPF_JSET = 0x10, 0x30, 0x40

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

# name: (x86_64 number, aarch64 number); None where the call does not exist on that arch.
SYSCALLS: dict[str, tuple[int | None, int | None]] = {
    "ioctl": (16, 29),
    "clone": (56, 220),
    "clone3": (435, 435),
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

DENIED = tuple(name for name in SYSCALLS if name not in ("ioctl", "clone", "clone3"))
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


def _arch_block(arch: str) -> list[tuple[int, int, int, int]]:
    """Rules for one architecture; entered with nothing useful in A, ends in ALLOW."""
    column = ARCHES[arch][1]

    def nr(name: str) -> int | None:
        return SYSCALLS[name][column]

    eperm = _ret(SECCOMP_RET_ERRNO | errno.EPERM)
    enosys = _ret(SECCOMP_RET_ERRNO | errno.ENOSYS)
    block = [_load(OFFSET_NR)]
    if arch == "x86_64":
        # x32 system calls (nr | 0x40000000) reach a second syscall table: refuse them all.
        block += [_jump(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1), eperm]
    for name in DENIED:
        number = nr(name)
        if number is not None:
            block += [_jump(BPF_JMP | BPF_JEQ | BPF_K, number, 0, 1), eperm]
    # clone3 keeps its flags in a struct the filter cannot read: ENOSYS makes libc fall back to
    # clone(2), whose flags are an argument.
    block += [_jump(BPF_JMP | BPF_JEQ | BPF_K, nr("clone3"), 0, 1), enosys]
    # clone(2) with any CLONE_NEW* flag -> EPERM. The flags are argument 0 on both arches.
    block += [
        _jump(BPF_JMP | BPF_JEQ | BPF_K, nr("clone"), 0, 4),
        _load(offset_arg_low(0)),
        _jump(BPF_JMP | BPF_JSET | BPF_K, CLONE_NAMESPACE_FLAGS, 0, 1),
        eperm,
        _ret(SECCOMP_RET_ALLOW),
    ]
    # ioctl(fd, TIOCSTI | TIOCLINUX, ...) -> EPERM. The request is an unsigned int in the kernel,
    # so the low 32 bits are all that matter.
    block += [
        _jump(BPF_JMP | BPF_JEQ | BPF_K, nr("ioctl"), 0, 5),
        _load(offset_arg_low(1)),
        _jump(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0),
        _jump(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0),
        _ret(SECCOMP_RET_ALLOW),
        eperm,
    ]
    block.append(_ret(SECCOMP_RET_ALLOW))
    return block


def build_program(arches: Iterable[str] = ("x86_64", "aarch64")) -> list[tuple[int, int, int, int]]:
    """The filter as a list of (code, jt, jf, k). A system call made under any other
    architecture (32-bit x86 through int 0x80, say) kills the process."""
    program: list[tuple[int, int, int, int]] = []
    for arch in arches:
        audit_arch = ARCHES[arch][0]
        block = _arch_block(arch)
        program += [_load(OFFSET_ARCH), _jump(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 0, len(block))]
        program += block
    program.append(_ret(SECCOMP_RET_KILL_PROCESS))
    if len(program) > 4096:  # BPF_MAXINSNS
        raise ValueError("seccomp program too long")
    return program


def pack(program: list[tuple[int, int, int, int]]) -> bytes:
    return b"".join(_SOCK_FILTER.pack(*instruction) for instruction in program)


_PROGRAM_BYTES: bytes | None = None


def program_bytes() -> bytes:
    """The packed filter bubblewrap expects on its --seccomp descriptor (built once)."""
    global _PROGRAM_BYTES
    if _PROGRAM_BYTES is None:
        _PROGRAM_BYTES = pack(build_program())
    return _PROGRAM_BYTES


def unpack(data: bytes) -> list[tuple[int, int, int, int]]:
    return [
        _SOCK_FILTER.unpack_from(data, offset) for offset in range(0, len(data), _SOCK_FILTER.size)
    ]
