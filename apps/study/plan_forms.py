"""The plan page's form: interview date, target recall, daily budget, easy days and days off."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms

WEEKDAYS = [
    (0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun"),
]  # fmt: skip
MAX_DAYS_OFF = 366
MAX_DAYS_AHEAD = 730


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
