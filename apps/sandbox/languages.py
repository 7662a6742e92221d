"""The languages exercises are written in: one table, read by every layer that names a language.

Plain Python, no Django, so the sandbox can use it as well as the content app (the model's
`Exercise.Language` choices, the loader, the exporter, the admin forms, lesson code fences) and
the command lines (`python -m apps.sandbox run`, `manage.py sandbox_run`).

Adding a language starts here; the sandbox then needs a runtime and a harness runner for it
(apps/sandbox/runtimes.py, apps/sandbox/harness/) and its default limits (apps/sandbox/limits.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Language:
    key: str  # stored in Exercise.language, written as `language:` in exercise.md
    label: str  # what people read (the admin's choices)
    extension: str  # of its files, without the dot: starter.js, tests.py, wrong/*.js
    # The words a lesson's fenced code block may open with to mean this language (```js).
    fence_aliases: tuple[str, ...]

    @property
    def choice_name(self) -> str:
        """The member name in `Exercise.Language` (JAVASCRIPT, PYTHON)."""
        return self.key.upper()


JAVASCRIPT = Language(
    key="javascript", label="JavaScript", extension="js", fence_aliases=("javascript", "js")
)
PYTHON = Language(
    key="python", label="Python", extension="py", fence_aliases=("python", "py", "python3")
)

# Key -> language, in the order choices and messages list them.
LANGUAGES: dict[str, Language] = {language.key: language for language in (JAVASCRIPT, PYTHON)}
LANGUAGE_KEYS: tuple[str, ...] = tuple(LANGUAGES)


def language_for_fence(word: str) -> Language | None:
    """The language a fenced code block's first info word names (any case), or None."""
    word = word.lower()
    return next((lang for lang in LANGUAGES.values() if word in lang.fence_aliases), None)
