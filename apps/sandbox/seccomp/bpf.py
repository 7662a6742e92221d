"""Classic BPF, as much of it as a seccomp filter needs: the opcodes, the return values, the
layout of `struct seccomp_data`, a few instruction builders and the packing of a program into
the array of `struct sock_filter` the kernel (through bubblewrap) expects."""

from __future__ import annotations

import struct
from collections.abc import Iterable

# One instruction: (code, jt, jf, k), as in struct sock_filter.
Instruction = tuple[int, int, int, int]

# struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }
_SOCK_FILTER = struct.Struct("=HBBI")

# Instruction classes and fields (linux/bpf_common.h)
BPF_LD, BPF_JMP, BPF_RET, BPF_ALU = 0x00, 0x05, 0x06, 0x04
BPF_W, BPF_ABS, BPF_K = 0x00, 0x20, 0x00
BPF_JA, BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET = 0x00, 0x10, 0x20, 0x30, 0x40

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


def stmt(code: int, k: int) -> Instruction:
    return (code, 0, 0, k)


def jump(code: int, k: int, jt: int, jf: int) -> Instruction:
    if not (0 <= jt <= 255 and 0 <= jf <= 255):
        raise ValueError("seccomp program too long for a classic-BPF jump")
    return (code, jt, jf, k)


def ret(value: int) -> Instruction:
    return stmt(BPF_RET | BPF_K, value)


def load(offset: int) -> Instruction:
    return stmt(BPF_LD | BPF_W | BPF_ABS, offset)


def _runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted numbers as runs of consecutive values, (first, last)."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and runs[-1][1] == number - 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return [(first, last) for first, last in runs]


def returns_for(numbers: Iterable[int], value: int) -> list[Instruction]:
    """Instructions that return `value` when A (the syscall number) is one of `numbers`, and
    otherwise fall through with A unchanged. Consecutive numbers are tested as one range, so
    the program stays short (the kernel compiles and analyses it at every run's start)."""
    runs = _runs(numbers)
    # Each run is one JEQ, or a JGE + JGT pair; all jump forward to one shared return.
    length = sum(1 if first == last else 2 for first, last in runs)
    section: list[Instruction] = []
    for first, last in runs:
        to_return = length - len(section)  # from the instruction after this one to the RET
        if first == last:
            section.append(jump(BPF_JMP | BPF_JEQ | BPF_K, first, to_return, 0))
        else:
            section.append(jump(BPF_JMP | BPF_JGE | BPF_K, first, 0, 1))
            section.append(jump(BPF_JMP | BPF_JGT | BPF_K, last, 0, to_return - 1))
    # Not matched: jump over the return.
    return [*section, stmt(BPF_JMP | BPF_JA, 1), ret(value)]


def pack(program: list[Instruction]) -> bytes:
    return b"".join(_SOCK_FILTER.pack(*instruction) for instruction in program)


def unpack(data: bytes) -> list[Instruction]:
    return [
        _SOCK_FILTER.unpack_from(data, offset) for offset in range(0, len(data), _SOCK_FILTER.size)
    ]
