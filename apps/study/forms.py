"""The study pages' forms: a rating (`RatingForm`), the plan (`NewCardsForm` on the review
page, `InterviewDateForm` on the dashboard, `PlanForm` on the plan page) and mock interviews."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.core.validators import RegexValidator

from apps.content.models import Track
from apps.study.models import ReviewLog

KEY = RegexValidator(r"^[A-Za-z0-9_-]{8,64}$", "Not a valid idempotency key.")
WEEKDAYS = [
    (0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun"),
]  # fmt: skip
MAX_DAYS_OFF = 366
MAX_DAYS_AHEAD = 730


# Rating -----------------------------------------------------------------------------------------


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(choices=ReviewLog.Rating.choices, coerce=int)
    idempotency_key = forms.CharField(max_length=64, validators=[KEY])
    duration_ms = forms.IntegerField(required=False, min_value=0)
    context = forms.ChoiceField(
        choices=[("lesson", "lesson"), ("review", "review")], initial="lesson"
    )
    since = forms.IntegerField(required=False, min_value=0)
    track = forms.SlugField(required=False)


# Plan -------------------------------------------------------------------------------------------


class NewCardsForm(forms.Form):
    new_cards_per_day = forms.IntegerField(
        min_value=0,
        max_value=200,
        label="New cards per day",
        help_text="How many cards you have never seen the review session adds each day.",
    )


class InterviewDateForm(forms.Form):
    interview_date = forms.DateField(
        required=False,
        label="Interview date",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty to clear it.",
    )


class PlanForm(forms.Form):
    interview_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty to use your cohort's date, if it has one.",
    )
    target_pct = forms.IntegerField(
        min_value=80,
        max_value=97,
        initial=90,
        label="Target recall on the day (%)",
        help_text="From 80 to 97 %: the predicted recall of every track on the date.",
    )
    budget_minutes = forms.IntegerField(
        required=False, min_value=1, max_value=600, label="Minutes a day"
    )
    budget_reviews = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2000,
        label="or reviews a day",
        help_text="Minutes win when both are set. Leave both empty for no limit.",
    )
    easy_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Easy days (half the budget)",
    )
    days_off = forms.CharField(
        required=False,
        label="Days off",
        help_text="Dates or ranges, comma-separated: 2026-12-24, 2026-12-27..2026-12-31",
        widget=forms.TextInput(attrs={"placeholder": "2026-12-24, 2026-12-27..2026-12-31"}),
    )

    def clean_interview_date(self) -> date | None:
        value = self.cleaned_data.get("interview_date")
        if value is not None and value > date.today() + timedelta(days=MAX_DAYS_AHEAD):
            raise forms.ValidationError("Pick a date within the next two years.")
        return value

    def clean_days_off(self) -> list[date]:
        days: set[date] = set()
        for part in (self.cleaned_data.get("days_off") or "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            try:
                if ".." in part:
                    first, last = (date.fromisoformat(p.strip()) for p in part.split("..", 1))
                    if last < first or (last - first).days > MAX_DAYS_OFF:
                        raise ValueError
                    days.update(first + timedelta(days=i) for i in range((last - first).days + 1))
                else:
                    days.add(date.fromisoformat(part))
            except ValueError as exc:
                raise forms.ValidationError(f"Not a date or a range of dates: {part!r}") from exc
        if len(days) > MAX_DAYS_OFF:
            raise forms.ValidationError("At most a year of days off.")
        return sorted(days)


def days_off_text(values: list[str]) -> str:
    return ", ".join(values or [])


# Mock interviews --------------------------------------------------------------------------------


class MockNewForm(forms.Form):
    tracks = forms.ModelMultipleChoiceField(
        queryset=Track.objects.live(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Questions are drawn at random from these tracks.",
    )
    question_count = forms.IntegerField(min_value=1, max_value=20, initial=5, label="Questions")
    seconds_per_question = forms.IntegerField(
        min_value=15,
        max_value=900,
        initial=120,
        label="Seconds per question",
        help_text="A countdown runs while you answer; at zero the model answer appears.",
    )
    # WCAG 2.2.1: a time limit the learner can turn off before it starts (and, during the
    # interview, extend by a minute at a time or turn off: templates/study/mock.html).
    untimed = forms.BooleanField(
        required=False,
        label="No time limit",
        help_text="No countdown: take the time you need on every question.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("untimed"):
            cleaned["seconds_per_question"] = 0  # stored as 0: an interview without a clock
            self.errors.pop("seconds_per_question", None)
        return cleaned


class MockRevealForm(forms.Form):
    notes = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea)


class MockScoreForm(forms.Form):
    covered = forms.TypedMultipleChoiceField(
        required=False, coerce=int, choices=[(i, i) for i in range(32)]
    )
