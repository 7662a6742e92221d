"""The host directories bound read-only at /box in jails built ahead: one fresh directory per
jail, under `<state>/boxes/`, named after the worker process that made it, filled with the run's
files only when the run starts."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile

from ..paths import ensure_private_dir, state_dir
from ..results import SandboxUnavailable
from ..slots import Slot

logger = logging.getLogger("apps.sandbox")

_BOXES = "boxes"


def _boxes_dir() -> str:
    try:
        # Traversable (not listable) by the jail's uid: bubblewrap, already that uid, resolves
        # the bind's source path. Inside the jail only the bind itself is visible.
        return ensure_private_dir(os.path.join(state_dir(), _BOXES), 0o711)
    except OSError as exc:
        raise SandboxUnavailable(f"cannot use the sandbox boxes directory: {exc}") from exc


def new_box(slot: Slot | None) -> str:
    """A fresh directory (unguessable name) for one jail's /box: readable, never writable, by
    the jail (the slot's group, or the worker's own uid), by no other account."""
    box = tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=_boxes_dir())  # mode 700
    if slot is not None:
        os.chown(box, os.geteuid(), slot.uid)  # the slot's gid is its uid
        os.chmod(box, 0o750)
    return box


def remove_box(box: str | None) -> None:
    if box is not None:
        shutil.rmtree(box, ignore_errors=True)


def prune_boxes() -> None:
    """Remove the boxes of worker processes that died without cleaning up."""
    with contextlib.suppress(SandboxUnavailable, OSError):
        parent = _boxes_dir()
        for name in os.listdir(parent):
            pid = name.split("-", 1)[0]
            if not pid.isdigit():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
            except PermissionError:
                pass


def fill_box(box: str, files: dict[str, bytes]) -> bool:
    """Write a run's files into the /box of a jail built ahead. False when that fails (a full
    disk, say): the run then gets a jail of its own, whose files live in memory."""
    try:
        directory = os.open(box, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for name, data in files.items():
                write_box_file(directory, name, data)
        finally:
            os.close(directory)
    except OSError as exc:
        logger.warning("the jail built ahead could not take the files (%s): building one", exc)
        return False
    return True


def write_box_file(directory: int, name: str, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(name, flags, 0o444, dir_fd=directory)
    try:
        os.fchmod(fd, 0o444)  # whatever the umask
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
