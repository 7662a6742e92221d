from django import forms
from django.core.validators import RegexValidator

from apps.content.models import Track
from apps.study.models import ReviewLog

KEY = RegexValidator(r"^[A-Za-z0-9_-]{8,64}$", "Not a valid idempotency key.")


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(choices=ReviewLog.Rating.choices, coerce=int)
    idempotency_key = forms.CharField(max_length=64, validators=[KEY])
    duration_ms = forms.IntegerField(required=False, min_value=0)
    context = forms.ChoiceField(
        choices=[("lesson", "lesson"), ("review", "review")], initial="lesson"
    )
    since = forms.IntegerField(required=False, min_value=0)
    track = forms.SlugField(required=False)


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


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Type your password to confirm.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password
