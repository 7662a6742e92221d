"""Reads content/ into plain, validated records (no database access).

Every problem is reported with the file and the field, and all problems are collected before
anything is written, so one import run either applies everything or nothing.

By stage: `files` reads one file (text, front matter, fields), `outline` tracks and lessons with
their cards, `exercises` an exercise folder, `course` the whole tree and the checks that span
files; `records` holds what comes out. The rules themselves are in apps/content/rules.py, shared
with the admin forms.
"""

from apps.content.loader.course import course_read
from apps.content.loader.records import (
    CardData,
    ContentError,
    ContentProblem,
    Course,
    ExerciseData,
    LessonData,
    TrackData,
)

__all__ = [
    "CardData",
    "ContentError",
    "ContentProblem",
    "Course",
    "ExerciseData",
    "LessonData",
    "TrackData",
    "course_read",
]
