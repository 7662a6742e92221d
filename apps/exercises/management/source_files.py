"""Reading the file a command-line contract (`grade`, `sandbox_run`) is given."""

from pathlib import Path

from django.core.management.base import CommandError


def read_source(path: str) -> str:
    """The file's text, or a CommandError that says plainly why it cannot be read."""
    file = Path(path)
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CommandError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc
