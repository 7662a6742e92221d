"""The seccomp policy, per architecture, and the classic-BPF program built from it.

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
from collections.abc import Iterable

from .bpf import (
    BPF_JA,
    BPF_JEQ,
    BPF_JGE,
    BPF_JMP,
    BPF_JSET,
    BPF_K,
    OFFSET_ARCH,
    OFFSET_NR,
    SECCOMP_RET_ALLOW,
    SECCOMP_RET_ERRNO,
    SECCOMP_RET_KILL_PROCESS,
    Instruction,
    jump,
    load,
    offset_arg_low,
    pack,
    ret,
    returns_for,
    stmt,
)
from .syscalls import ALLOWED, DENIED, SYSCALLS

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

ARCHES = {"x86_64": (AUDIT_ARCH_X86_64, 0), "aarch64": (AUDIT_ARCH_AARCH64, 1)}


def _arch_block(arch: str) -> list[Instruction]:
    """Rules for one architecture; entered with nothing useful in A, ends in a return."""
    column = ARCHES[arch][1]

    def nr(name: str) -> int | None:
        return (SYSCALLS.get(name) or ALLOWED[name])[column]

    def by_argument(name: str) -> int:
        number = nr(name)
        if number is None:  # every call decided on its arguments exists on both arches
            raise ValueError(f"{name} has no number on {arch}")
        return number

    allow = ret(SECCOMP_RET_ALLOW)
    eperm = ret(SECCOMP_RET_ERRNO | errno.EPERM)
    enosys = ret(SECCOMP_RET_ERRNO | errno.ENOSYS)
    eafnosupport = ret(SECCOMP_RET_ERRNO | errno.EAFNOSUPPORT)
    block = [load(OFFSET_NR)]
    if arch == "x86_64":
        # x32 system calls (nr | 0x40000000) reach a second syscall table: refuse them all.
        block += [jump(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1), eperm]
    # Allowed calls first, the most frequent at the top (the kernel also caches the answer for
    # calls whose answer does not depend on the arguments).
    block += returns_for((n for name in ALLOWED if (n := nr(name)) is not None), SECCOMP_RET_ALLOW)
    # clone3 keeps its flags in a struct the filter cannot read: ENOSYS makes libc fall back to
    # clone(2), whose flags are an argument.
    block += [jump(BPF_JMP | BPF_JEQ | BPF_K, by_argument("clone3"), 0, 1), enosys]
    # clone(2) with any CLONE_NEW* flag -> EPERM. The flags are argument 0 on both arches.
    block += [
        jump(BPF_JMP | BPF_JEQ | BPF_K, by_argument("clone"), 0, 4),
        load(offset_arg_low(0)),
        jump(BPF_JMP | BPF_JSET | BPF_K, CLONE_NAMESPACE_FLAGS, 0, 1),
        eperm,
        allow,
    ]
    # ioctl(fd, TIOCSTI | TIOCLINUX, ...) -> EPERM. The request is an unsigned int in the kernel,
    # so the low 32 bits are all that matter.
    block += [
        jump(BPF_JMP | BPF_JEQ | BPF_K, by_argument("ioctl"), 0, 5),
        load(offset_arg_low(1)),
        jump(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0),
        jump(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0),
        allow,
        eperm,
    ]
    # socket(family, ...) and socketpair(family, ...): the family is an int, argument 0.
    families = [
        jump(BPF_JMP | BPF_JEQ | BPF_K, family, len(ALLOWED_FAMILIES) - index, 0)
        for index, family in enumerate(ALLOWED_FAMILIES)
    ]
    check_family = [load(offset_arg_low(0)), *families, eafnosupport, allow]
    for name in ("socket", "socketpair"):
        block += [jump(BPF_JMP | BPF_JEQ | BPF_K, by_argument(name), 0, len(check_family))]
        block += check_family
    denied = (n for name in DENIED if (n := nr(name)) is not None)
    block += returns_for(denied, SECCOMP_RET_ERRNO | errno.EPERM)
    block.append(enosys)
    return block


def build_program(arches: Iterable[str] = ("x86_64", "aarch64")) -> list[Instruction]:
    """The filter as a list of (code, jt, jf, k). A system call made under any other
    architecture (32-bit x86 through int 0x80, say) kills the process."""
    program: list[Instruction] = []
    for arch in arches:
        audit_arch = ARCHES[arch][0]
        block = _arch_block(arch)
        # Not this architecture: jump over its block (BPF_JA takes a 32-bit offset).
        program += [
            load(OFFSET_ARCH),
            jump(BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 1, 0),
            stmt(BPF_JMP | BPF_JA, len(block)),
        ]
        program += block
    program.append(ret(SECCOMP_RET_KILL_PROCESS))
    if len(program) > 4096:  # BPF_MAXINSNS
        raise ValueError("seccomp program too long")
    return program


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
