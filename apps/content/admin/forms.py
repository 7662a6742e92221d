"""The course's admin forms: the loader's rules (apps/content/rules.py), checked field by field
with the errors inline, so whatever is saved here exports back to content/ and imports unchanged.
"""

from __future__ import annotations

import re

from django import forms

from apps.content.admin.preview import MarkdownPreviewWidget
from apps.content.models import Card, Exercise, Lesson, Track
from apps.content.rules import (
    CARD_DELIMITER,
    FOLLOW_UPS,
    HINT_MAX_CHARS,
    HINTS,
    KEY_POINT_MAX_CHARS,
    KEY_POINTS,
    LIMIT_NAMES,
    MISTAKE_EXPLANATION_MAX_CHARS,
    MISTAKE_TITLE_MAX_CHARS,
    SLUG_RE,
    coaching_text_problem,
    key_point_problem,
    limits_problem,
    solution_file_name_ok,
)
from apps.sandbox.languages import LANGUAGES

# A line that is only the card delimiter (trailing blanks too, which a browser may keep).
CARD_DELIMITER_LINE = re.compile(rf"^{re.escape(CARD_DELIMITER)}[ \t]*$", re.MULTILINE)


class CourseItemForm(forms.ModelForm):
    """Newlines as the files have them (browsers post CRLF), slugs as the loader wants them."""

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str) and "\r" in value:
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if not SLUG_RE.match(slug):
            raise forms.ValidationError("Lowercase words joined by '-', like 'ms-circuit-breaker'.")
        return slug


def _no_card_delimiter(value: str, what: str) -> str:
    if CARD_DELIMITER_LINE.search(value):
        raise forms.ValidationError(
            f"{what} cannot contain a line that is only '+++': it separates cards in lesson files."
        )
    return value


class LinesField(forms.CharField):
    """A list of short texts, one per line (key points, follow-up questions)."""

    widget = forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"})

    def __init__(self, *, bounds: tuple[int, int], line_rule=None, **kwargs):
        self.bounds = bounds
        self.line_rule = line_rule  # the loader's rule for one line: its problem, or None
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def validate(self, value):
        low, high = self.bounds
        if not low <= len(value) <= high:
            raise forms.ValidationError(f"Give {low} to {high} lines; there are {len(value)}.")
        if self.line_rule:
            errors = [
                forms.ValidationError(f"Line {number} {problem}.")
                for number, line in enumerate(value, start=1)
                if (problem := self.line_rule(line))
            ]
            if errors:
                raise forms.ValidationError(errors)


class TrackForm(CourseItemForm):
    class Meta:
        model = Track
        fields = ["slug", "title", "summary", "order", "intro_md", "is_retired"]
        widgets = {"intro_md": MarkdownPreviewWidget(attrs={"rows": 12})}


class LessonForm(CourseItemForm):
    class Meta:
        model = Lesson
        fields = ["slug", "track", "title", "summary", "order", "intro_md", "is_retired"]
        widgets = {"intro_md": MarkdownPreviewWidget(attrs={"rows": 10})}

    def clean_intro_md(self):
        return _no_card_delimiter(self.cleaned_data["intro_md"], "The introduction")


class CardForm(CourseItemForm):
    key_points = LinesField(
        bounds=KEY_POINTS,
        line_rule=key_point_problem,
        help_text=f"One per line, {KEY_POINTS[0]} to {KEY_POINTS[1]}: what a good spoken answer "
        f"must hit (the mock-interview rubric). One claim per line, at most {KEY_POINT_MAX_CHARS} "
        "characters, no ';'.",
    )
    follow_ups = LinesField(
        bounds=FOLLOW_UPS,
        required=False,
        help_text="One per line: what an interviewer asks next (optional).",
    )

    class Meta:
        model = Card
        fields = [
            "slug", "lesson", "kind", "order", "is_retired", "question_md", "answer_md",
            "key_points", "follow_ups", "pitfall_md",
        ]  # fmt: skip
        widgets = {
            "question_md": MarkdownPreviewWidget(attrs={"rows": 3}),
            "answer_md": MarkdownPreviewWidget(attrs={"rows": 18}),
            "pitfall_md": MarkdownPreviewWidget(attrs={"rows": 5}),
        }
        labels = {"question_md": "Question", "answer_md": "Answer", "pitfall_md": "Pitfall"}
        help_texts = {
            "order": "Position in the lesson; the lesson file lists cards in this order.",
            "pitfall_md": "For trick questions: the tempting wrong answer and why it is wrong.",
        }

    def clean_answer_md(self):
        return _no_card_delimiter(self.cleaned_data["answer_md"], "The answer")


CODE_FIELDS = ("starter_code", "example_tests", "hidden_tests", "solution_code")


class HintsField(forms.CharField):
    """An exercise's hints, one per paragraph (a blank line between two hints), in order,
    edited with the live preview; validated by the loader's rules."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MarkdownPreviewWidget(attrs={"rows": 10}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n\n".join(value)
        return value

    def to_python(self, value):
        text = (super().to_python(value) or "").replace("\r\n", "\n")
        return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip()]

    def validate(self, value):
        low, high = HINTS
        if not low <= len(value) <= high:
            raise forms.ValidationError(f"Give {low} to {high} hints; there are {len(value)}.")
        errors = [
            forms.ValidationError(f"Hint {number} {problem}.")
            for number, hint in enumerate(value, start=1)
            if (problem := coaching_text_problem(hint, HINT_MAX_CHARS))
        ]
        if errors:
            raise forms.ValidationError(errors)


class ExerciseForm(CourseItemForm):
    wrong_solutions = forms.JSONField(
        help_text='File name to source of each classic mistake, e.g. {"promise-all.js": "…"}. '
        "Each must fail the hidden tests; the check proves it.",
        widget=forms.Textarea(attrs={"rows": 10, "class": "vLargeTextField code"}),
    )
    alternative_solutions = forms.JSONField(
        required=False,
        help_text="Optional: file name to source of other correct solutions of other shapes, "
        'e.g. {"then-chains.js": "…"}. Each must pass the hidden tests; the check proves it.',
        widget=forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField code"}),
    )
    hints = HintsField(
        help_text=f"{HINTS[0]} to {HINTS[1]} hints, one per paragraph (a blank line between "
        "two), from the concept to the approach, never the code. Learners reveal them one at a "
        "time; each lowers the review the exercise records.",
    )
    mistakes = forms.JSONField(
        help_text="For each wrong solution, what learners read when their code makes that "
        'mistake: a JSON object keyed by file name (e.g. "promise-all.js"), each with a '
        '"title" and an "explanation". Why it is wrong and what to think about, no code.',
        widget=forms.Textarea(attrs={"rows": 10, "class": "vLargeTextField"}),
    )
    limits = forms.JSONField(
        required=False,
        help_text='Optional, e.g. {"wall_seconds": 10, "memory_mb": 256}: names and bounds '
        "in docs/exercise-format.md.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField code"}),
    )

    class Meta:
        model = Exercise
        fields = [
            "slug", "title", "language", "order", "is_retired", "prompt_md",
            "interview_angle_md", "starter_code", "example_tests", "hidden_tests",
            "solution_code", "wrong_solutions", "alternative_solutions", "hints", "mistakes",
            "limits",
        ]  # fmt: skip
        widgets = {
            "prompt_md": MarkdownPreviewWidget(attrs={"rows": 16}),
            "interview_angle_md": MarkdownPreviewWidget(attrs={"rows": 6}),
            **{
                name: forms.Textarea(attrs={"rows": 14, "class": "vLargeTextField code"})
                for name in CODE_FIELDS
            },
        }
        labels = {"prompt_md": "Prompt", "interview_angle_md": "Interview angle"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in CODE_FIELDS:
            self.fields[name].strip = False  # code keeps its final newline, as in the files

    def clean_limits(self):
        limits = self.cleaned_data.get("limits") or {}
        if not isinstance(limits, dict):
            raise forms.ValidationError("Limits must be a JSON object.")
        return limits

    def clean(self):
        cleaned = super().clean()
        wrong = cleaned.get("wrong_solutions")
        language = LANGUAGES.get(cleaned.get("language"))
        if wrong is not None and language:
            ext = language.extension
            if not isinstance(wrong, dict) or not wrong:
                self.add_error("wrong_solutions", "Give at least one wrong solution.")
            else:
                for name, source in wrong.items():
                    if not solution_file_name_ok(name, extension=ext):
                        self.add_error(
                            "wrong_solutions",
                            f"{name!r}: names are lowercase words joined by '-', ending .{ext}.",
                        )
                    elif not isinstance(source, str) or not source.strip():
                        self.add_error("wrong_solutions", f"{name!r} has no source.")
        mistakes = cleaned.get("mistakes")
        if mistakes is not None:
            self._check_mistakes(mistakes, wrong if isinstance(wrong, dict) else {})
        alternatives = cleaned.get("alternative_solutions")
        if alternatives is None:
            cleaned["alternative_solutions"] = {}
        elif not isinstance(alternatives, dict):
            self.add_error("alternative_solutions", "Alternatives must be a JSON object.")
        elif language:
            for name, source in alternatives.items():
                if not solution_file_name_ok(name, extension=language.extension):
                    self.add_error(
                        "alternative_solutions",
                        f"{name!r}: names are lowercase words joined by '-', ending "
                        f".{language.extension}.",
                    )
                elif not isinstance(source, str) or not source.strip():
                    self.add_error("alternative_solutions", f"{name!r} has no source.")
        for name in CODE_FIELDS:
            if name in cleaned and not cleaned[name].strip():
                self.add_error(name, "This file cannot be empty.")
        limits = cleaned.get("limits")
        if limits and language:
            problem = limits_problem(language=language.key, limits=limits)
            if problem and problem.unknown_names is not None:
                known = ", ".join(LIMIT_NAMES)
                self.add_error("limits", f"Unknown limit name (allowed: {known}).")
            elif problem:
                self.add_error("limits", problem.reason)
        return cleaned

    def _check_mistakes(self, mistakes, wrong: dict) -> None:
        """The loader's rules: every wrong solution has a title and an explanation, no entry
        names a file that is not there, and neither shows code."""
        if not isinstance(mistakes, dict):
            self.add_error("mistakes", "Mistakes must be a JSON object keyed by file name.")
            return
        for name in wrong:
            if name not in mistakes:
                self.add_error(
                    "mistakes", f"{name!r} has no entry: give it a title and explanation."
                )
        for name, entry in mistakes.items():
            if name not in wrong:
                self.add_error("mistakes", f"{name!r} names no wrong solution.")
                continue
            if not isinstance(entry, dict) or set(entry) != {"title", "explanation"}:
                self.add_error("mistakes", f"{name!r}: give exactly a title and an explanation.")
                continue
            for key, limit in (
                ("title", MISTAKE_TITLE_MAX_CHARS),
                ("explanation", MISTAKE_EXPLANATION_MAX_CHARS),
            ):
                text = entry[key]
                if not isinstance(text, str) or not text.strip():
                    self.add_error("mistakes", f"{name!r}: the {key} is empty.")
                elif problem := coaching_text_problem(text.strip(), limit):
                    self.add_error("mistakes", f"{name!r}: the {key} {problem}.")
