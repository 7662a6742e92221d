from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import NON_FIELD_ERRORS

from apps.accounts import services
from apps.accounts.models import TIME_ZONE_CHOICES, User
from apps.core.security import client_ip

RATE_LIMITED = "rate_limited"


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


class RateLimitedLoginMixin:
    """Log-in refused without checking the password once the username or the client address
    has failed too often (services.login_retry_after); every failure is counted."""

    retry_after = 0

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request is not None else ""
        self._refuse_if_limited(username=username, ip=ip)
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            services.login_failure_record(username=username, ip=ip)
            self._refuse_if_limited(username=username, ip=ip)
            raise
        if self.get_user() is not None:
            services.login_success_record(username=username)
        return cleaned

    def _refuse_if_limited(self, *, username: str, ip: str) -> None:
        self.retry_after = services.login_retry_after(username=username, ip=ip)
        if self.retry_after:
            raise forms.ValidationError(
                services.too_many_attempts_message(self.retry_after), code=RATE_LIMITED
            )

    @property
    def is_rate_limited(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, RATE_LIMITED)


class LoginForm(RateLimitedLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(RateLimitedLoginMixin, AdminAuthenticationForm):
    pass
