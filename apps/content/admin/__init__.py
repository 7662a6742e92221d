"""Staff edit the course here. Every Markdown field shows a live preview rendered by the same
render-and-sanitise function the loader uses; the forms apply the loader's rules (field errors
inline), so whatever is saved here exports back to content/ and imports unchanged. Each save is
recorded in the edit history, and saving an exercise starts its background check in the jail.

`preview` the live Markdown preview, `forms` the forms and their rules, `edit_history` the
change page's history, `course` the track, lesson and card admins, `exercises` the exercise
admin with its check. Importing this package registers them all (admin autodiscovery).
"""

from apps.content.admin.course import CardAdmin, LessonAdmin, TrackAdmin
from apps.content.admin.exercises import ExerciseAdmin

__all__ = ["CardAdmin", "ExerciseAdmin", "LessonAdmin", "TrackAdmin"]
