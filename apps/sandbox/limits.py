"""Resource limits for one jailed run, with per-language defaults.

An exercise's front matter may override any field (`limits:` in exercise.md); the loader passes
them to `Limits.for_language(language, **overrides)`, which rejects unknown names and values out
of range, so a typo in content fails loudly instead of running with a silent default.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from .languages import JAVASCRIPT, LANGUAGE_KEYS, PYTHON

# (minimum, maximum) per field: a guard against content typos such as `memory_mb: 25600`.
_BOUNDS: dict[str, tuple[float, float]] = {
    "wall_seconds": (0.1, 300),
    "cpu_seconds": (0.1, 300),
    "memory_mb": (16, 8192),
    "processes": (1, 4096),
    "file_size_mb": (1, 4096),
    "open_files": (8, 65536),
    "output_kb": (1, 65536),
    "tmp_mb": (1, 8192),
    "test_timeout_seconds": (0.1, 300),
}


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits for one run. `memory_mb` is the run's whole memory (heaps, Buffers, wasm, native
    allocations, summed over its processes) on top of the runtime's start-up allowance, measured
    and enforced by the supervisor (docs/sandbox.md, "Memory"); for Node it is also the V8 heap.
    `processes` counts threads too (RLIMIT_NPROC), including the jail's own process.
    `output_kb` caps stdout and stderr each. `allow_tmp_read` lets Node's permission model read
    and write the private /tmp (Python can always use it). `test_timeout_seconds` is the harness
    runner's real-time limit for a single test (an extension of the documented fields)."""

    wall_seconds: float = 10.0
    cpu_seconds: float = 5.0
    memory_mb: int = 256
    processes: int = 16
    file_size_mb: int = 16
    open_files: int = 64
    output_kb: int = 64
    tmp_mb: int = 32
    allow_tmp_read: bool = False
    test_timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        for name, (low, high) in _BOUNDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"limit {name} must be a number, not {value!r}")
            if not low <= value <= high:
                raise ValueError(f"limit {name}={value!r} is outside {low}..{high}")
        if not isinstance(self.allow_tmp_read, bool):
            shown = repr(self.allow_tmp_read)
            raise ValueError(f"limit allow_tmp_read must be true or false, not {shown}")

    @classmethod
    def for_language(cls, language: str, **overrides: Any) -> Limits:
        """The defaults for `language`, with `overrides` applied (unknown names raise TypeError)."""
        if language not in _DEFAULTS:
            expected = ", ".join(LANGUAGE_KEYS)
            raise ValueError(f"unknown language {language!r}; expected one of {expected}")
        return dataclasses.replace(_DEFAULTS[language], **overrides)

    def replace(self, **changes: Any) -> Limits:
        return dataclasses.replace(self, **changes)


_DEFAULTS: dict[str, Limits] = {
    # Node starts about a dozen threads (V8 platform workers, libuv) and keeps ~20 descriptors
    # open on its own; child processes and workers are refused by its permission model anyway.
    JAVASCRIPT.key: Limits(processes=32, open_files=128),
    PYTHON.key: Limits(),
}
