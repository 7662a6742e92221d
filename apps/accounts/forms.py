from django import forms
from django.contrib.auth.forms import UserCreationForm

from apps.accounts.models import TIME_ZONE_CHOICES, User


class SignUpForm(UserCreationForm):
    display_name = forms.CharField(
        max_length=80, required=False, help_text="Shown to your instructors. Optional."
    )
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES,
        initial="UTC",
        help_text="Your study streak counts days in this time zone.",
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "time_zone")
