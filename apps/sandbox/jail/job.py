"""What one run in the jail is (a Job), what comes back (an Execution), and the caps every run
shares."""

from __future__ import annotations

from dataclasses import dataclass

from ..limits import Limits
from ..results import RunResult
from ..runtimes import MB, Runtime

RESULTS_FD = "@RESULTS_FD@"  # placeholder in a Job's argv, replaced by the descriptor number
RESULTS_CAP = 2 * MB
STATUS_CAP = 64 * 1024  # bubblewrap's JSON status: two short lines
MAX_FILE_BYTES = 1 * MB  # per file placed in /box (the smallest file_size_mb allowed)


@dataclass(slots=True)
class Job:
    runtime: Runtime
    limits: Limits
    files: dict[str, bytes]  # name -> content, placed read-only in /box
    argv: list[str]  # the command inside the jail; RESULTS_FD is replaced when a channel is open
    stdin: bytes = b""
    results_channel: bool = False


@dataclass(slots=True)
class Execution:
    result: RunResult
    channel: bytes = b""
    limit_hit: str | None = None  # "wall", "cpu", "memory", "output" (details for messages)
    channel_truncated: bool = False
    killed: bool = False  # the supervisor killed the jail (wall time, output flood)
