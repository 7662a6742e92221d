"""The seccomp BPF builder, checked by running its program in a tiny classic-BPF interpreter."""

from __future__ import annotations

import errno
import struct

import pytest

from apps.sandbox.seccomp import bpf, rules, syscalls

pytestmark = pytest.mark.sandbox

ALLOW = bpf.SECCOMP_RET_ALLOW
KILL = bpf.SECCOMP_RET_KILL_PROCESS
EPERM = bpf.SECCOMP_RET_ERRNO | errno.EPERM
ENOSYS = bpf.SECCOMP_RET_ERRNO | errno.ENOSYS
EAFNOSUPPORT = bpf.SECCOMP_RET_ERRNO | errno.EAFNOSUPPORT
ARCH = {"x86_64": rules.AUDIT_ARCH_X86_64, "aarch64": rules.AUDIT_ARCH_AARCH64}
AUDIT_ARCH_I386 = 0x40000003


def seccomp_data(arch: int, nr: int, args: tuple[int, ...] = ()) -> bytes:
    padded = (list(args) + [0] * 6)[:6]
    return struct.pack("=iIQ6Q", nr, arch, 0, *padded)


def evaluate(program: bytes, data: bytes) -> int:
    """Interpret the subset of classic BPF a seccomp filter uses (LD ABS, JA, JEQ/JGE/JSET,
    RET)."""
    instructions = bpf.unpack(program)
    pc = accumulator = 0
    for _ in range(10_000):
        code, jt, jf, k = instructions[pc]
        if code == bpf.BPF_LD | bpf.BPF_W | bpf.BPF_ABS:
            assert k % 4 == 0 and k + 4 <= len(data), "load outside struct seccomp_data"
            accumulator = struct.unpack_from("=I", data, k)[0]
            pc += 1
        elif code == bpf.BPF_JMP | bpf.BPF_JA:
            pc += 1 + k
        elif code & 0x07 == bpf.BPF_JMP:
            operation = code & 0xF0
            if operation == bpf.BPF_JEQ:
                taken = accumulator == k
            elif operation == bpf.BPF_JGE:
                taken = accumulator >= k
            elif operation == bpf.BPF_JGT:
                taken = accumulator > k
            elif operation == bpf.BPF_JSET:
                taken = bool(accumulator & k)
            else:
                raise AssertionError(f"unexpected jump {code:#x}")
            pc += 1 + (jt if taken else jf)
        elif code == bpf.BPF_RET | bpf.BPF_K:
            return k
        else:
            raise AssertionError(f"unexpected instruction {code:#x}")
    raise AssertionError("the filter did not return")


@pytest.fixture(scope="module")
def program() -> bytes:
    """Both architectures' rules (the jail loads only its machine's, see below)."""
    return bpf.pack(rules.build_program())


def test_the_jail_loads_only_its_machines_rules():
    program = rules.program_bytes()
    native = rules.native_arches()
    assert len(native) == 1
    for arch, audit_arch in ARCH.items():
        read = number("read", arch)
        expected = ALLOW if arch in native else KILL
        assert evaluate(program, seccomp_data(audit_arch, read)) == expected, arch


def number(name: str, arch: str) -> int:
    table = syscalls.SYSCALLS if name in syscalls.SYSCALLS else syscalls.ALLOWED
    return table[name][0 if arch == "x86_64" else 1]


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_required_calls_are_denied_with_eperm(program, arch):
    required = [
        "ptrace",
        "process_vm_readv",
        "process_vm_writev",
        "mount",
        "umount2",
        "pivot_root",
        "unshare",
        "setns",
        "keyctl",
        "add_key",
        "request_key",
        "bpf",
        "perf_event_open",
        "userfaultfd",
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
    ]
    for name in required:
        verdict = evaluate(program, seccomp_data(ARCH[arch], number(name, arch)))
        assert verdict == EPERM, f"{name} on {arch}"


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_every_listed_call_is_denied(program, arch):
    for name in syscalls.DENIED:
        nr = number(name, arch)
        if nr is not None:
            assert evaluate(program, seccomp_data(ARCH[arch], nr)) == EPERM, name


@pytest.mark.parametrize(
    ("arch", "calls"),
    [
        ("x86_64", {"read": 0, "write": 1, "openat": 257, "mmap": 9, "futex": 202, "exit": 60}),
        ("aarch64", {"read": 63, "write": 64, "openat": 56, "mmap": 222, "futex": 98, "exit": 93}),
    ],
)
def test_ordinary_calls_are_allowed(program, arch, calls):
    for name, nr in calls.items():
        assert evaluate(program, seccomp_data(ARCH[arch], nr)) == ALLOW, name


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_clone3_returns_enosys_so_libc_falls_back_to_clone(program, arch):
    assert evaluate(program, seccomp_data(ARCH[arch], 435)) == ENOSYS


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
@pytest.mark.parametrize(
    "flag",
    [
        rules.CLONE_NEWUSER,
        rules.CLONE_NEWNS,
        rules.CLONE_NEWPID,
        rules.CLONE_NEWNET,
        rules.CLONE_NEWIPC,
        rules.CLONE_NEWUTS,
        rules.CLONE_NEWCGROUP,
    ],
)
def test_clone_with_a_namespace_flag_is_denied(program, arch, flag):
    sigchld = 17
    data = seccomp_data(ARCH[arch], number("clone", arch), (flag | sigchld,))
    assert evaluate(program, data) == EPERM


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_clone_for_fork_and_threads_is_allowed(program, arch):
    fork_flags = 0x01200011  # CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD (glibc fork)
    thread_flags = 0x003D0F00  # VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|...
    for flags in (fork_flags, thread_flags):
        data = seccomp_data(ARCH[arch], number("clone", arch), (flags,))
        assert evaluate(program, data) == ALLOW, hex(flags)


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_terminal_injection_ioctls_are_denied_and_others_allowed(program, arch):
    ioctl = number("ioctl", arch)
    assert evaluate(program, seccomp_data(ARCH[arch], ioctl, (1, rules.TIOCSTI))) == EPERM
    assert evaluate(program, seccomp_data(ARCH[arch], ioctl, (1, rules.TIOCLINUX))) == EPERM
    # Upper bits set: the kernel compares an unsigned int, so this is still TIOCSTI.
    sneaky = (1 << 32) | rules.TIOCSTI
    assert evaluate(program, seccomp_data(ARCH[arch], ioctl, (1, sneaky))) == EPERM
    tcgets, fionread = 0x5401, 0x541B
    assert evaluate(program, seccomp_data(ARCH[arch], ioctl, (1, tcgets))) == ALLOW
    assert evaluate(program, seccomp_data(ARCH[arch], ioctl, (1, fionread))) == ALLOW


def test_x32_system_calls_are_denied(program):
    getpid_x32 = rules.X32_SYSCALL_BIT | 39
    assert evaluate(program, seccomp_data(ARCH["x86_64"], getpid_x32)) == EPERM


@pytest.mark.parametrize("arch", [AUDIT_ARCH_I386, 0x40000028, 0])  # i386, arm, garbage
def test_an_unknown_architecture_kills_the_process(program, arch):
    assert evaluate(program, seccomp_data(arch, 20)) == KILL


def test_numbers_differ_per_architecture(program):
    # aarch64's ptrace (117) is setresuid on x86_64, which the runtimes do not need.
    assert evaluate(program, seccomp_data(ARCH["x86_64"], 117)) == ENOSYS
    assert evaluate(program, seccomp_data(ARCH["aarch64"], 117)) == EPERM
    # x86_64's ptrace (101) is an ordinary call on aarch64 (nanosleep).
    assert evaluate(program, seccomp_data(ARCH["aarch64"], 101)) == ALLOW


def test_program_is_well_formed():
    instructions = rules.build_program()
    assert len(instructions) <= 4096
    for position, (code, jt, jf, _) in enumerate(instructions):
        if code == bpf.BPF_JMP | bpf.BPF_JA:
            assert position + 1 + _ < len(instructions), "jump past the end"
        elif code & 0x07 == bpf.BPF_JMP:
            assert position + 1 + max(jt, jf) < len(instructions), "jump past the end"
    assert instructions[-1] == (bpf.BPF_RET | bpf.BPF_K, 0, 0, KILL)
    packed = bpf.pack(instructions)
    assert len(packed) == 8 * len(instructions)
    assert bpf.unpack(packed) == instructions


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_every_allowed_call_is_allowed(program, arch):
    for name in syscalls.ALLOWED:
        nr = number(name, arch)
        if nr is not None:
            assert evaluate(program, seccomp_data(ARCH[arch], nr)) == ALLOW, name


@pytest.mark.parametrize(
    ("arch", "calls"),
    [
        # splice, vmsplice, tee, setxattr, msgget, mbind, personality, modify_ldt, a future call
        ("x86_64", (275, 278, 276, 188, 68, 237, 135, 154, 999)),
        # splice, vmsplice, tee, setxattr, msgget, mbind, personality, a future call
        ("aarch64", (76, 75, 77, 5, 186, 235, 92, 999)),
    ],
)
def test_calls_outside_the_allow_list_fail_with_enosys(program, arch, calls):
    for nr in calls:
        assert evaluate(program, seccomp_data(ARCH[arch], nr)) == ENOSYS, nr


OTHER_FAMILIES = {
    "AF_KEY": 15,
    "AF_NETLINK": 16,
    "AF_PACKET": 17,
    "AF_RDS": 21,
    "AF_CAN": 29,
    "AF_TIPC": 30,
    "AF_BLUETOOTH": 31,
    "AF_ALG": 38,
    "AF_VSOCK": 40,
    "AF_QIPCRTR": 42,
    "AF_XDP": 44,
    "AF_UNSPEC": 0,
    "AF_MAX and beyond": 46,
}


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
@pytest.mark.parametrize("call", ["socket", "socketpair"])
def test_sockets_of_other_families_fail_with_eafnosupport(program, arch, call):
    nr = number(call, arch)
    for family in (rules.AF_UNIX, rules.AF_INET, rules.AF_INET6):
        assert evaluate(program, seccomp_data(ARCH[arch], nr, (family, 1, 0))) == ALLOW
    for name, family in OTHER_FAMILIES.items():
        verdict = evaluate(program, seccomp_data(ARCH[arch], nr, (family, 1, 0)))
        assert verdict == EAFNOSUPPORT, name
    # The kernel reads an int: upper bits do not turn netlink into AF_UNIX, nor the reverse.
    sneaky = (1 << 32) | 16
    assert evaluate(program, seccomp_data(ARCH[arch], nr, (sneaky, 1, 0))) == EAFNOSUPPORT
