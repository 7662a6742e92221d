"""A slice of the real course for tests that need real exercises but not all of them."""

import re
from pathlib import Path

from django.conf import settings


def content_subset(folder, *, exercises: list[str]) -> Path:
    """A content root holding every track of content/ but only the named exercise folders
    (symlinks), so a test can import real exercises while others are mid-edit, plus those
    lesson code blocks are marked with (`exercise=<id>`)."""
    source = Path(settings.CONTENT_DIR)
    root = Path(folder)
    (root / "exercises").mkdir(parents=True, exist_ok=True)
    for track in source.iterdir():
        if track.is_dir() and track.name != "exercises" and not track.name.startswith("."):
            (root / track.name).symlink_to(track, target_is_directory=True)
    # Lesson code marked `exercise=<id>` needs that exercise, or the loader refuses the course.
    marked = {
        match
        for lesson in source.glob("*/*.md")
        if not lesson.is_relative_to(source / "exercises")
        for match in re.findall(r"exercise=([a-z0-9-]+)", lesson.read_text())
    }
    for slug in dict.fromkeys([*exercises, *sorted(marked)]):
        (root / "exercises" / slug).symlink_to(source / "exercises" / slug)
    return root
