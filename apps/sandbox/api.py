"""run(): one file of code in the jail."""

from __future__ import annotations

import re

from .jail import MAX_FILE_BYTES, Job, execute
from .limits import Limits
from .results import RUNTIME_ERROR, RunResult, SandboxUnavailable
from .runtimes import BOX, get_runtime

_FILENAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")


def run(
    *,
    language: str,
    code: str,
    limits: Limits | None = None,
    filename: str | None = None,
) -> RunResult:
    """Run one file of `code` in the jail and report how it ended. When the jail cannot be built
    the verdict is `sandbox_error` with the reason in `stderr` (never an exception); the code
    never runs unconfined."""
    runtime = get_runtime(language)
    limits = limits or Limits.for_language(language)
    filename = filename or runtime.default_filename
    plain = _FILENAME.match(filename) and ".." not in filename
    if not plain or not filename.endswith(runtime.extensions):
        raise ValueError(f"bad file name {filename!r} for {language}")
    source = code.encode("utf-8", "replace")
    if len(source) > MAX_FILE_BYTES:
        message = f"The code is larger than the {MAX_FILE_BYTES // 1024} KB limit.\n"
        return RunResult(RUNTIME_ERROR, None, "", message, 0, 0, False)
    try:
        argv = runtime.command(f"{BOX}/{filename}", limits)
    except SandboxUnavailable as exc:  # the runtime could not be staged for the jail
        return RunResult.sandbox_error(exc.reason)
    job = Job(runtime=runtime, limits=limits, files={filename: source}, argv=argv)
    return execute(job).result
