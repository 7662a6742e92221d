import math
import secrets
import unicodedata

from django.db import transaction

from apps.accounts import ratelimit
from apps.accounts.models import User

DEMO_ACCOUNTS = (
    ("learner", {"display_name": "Demo Learner"}),
    ("instructor", {"display_name": "Demo Instructor", "is_instructor": True}),
    ("staff", {"display_name": "Demo Staff", "is_staff": True, "is_superuser": True}),
)


def user_create(*, username: str, password: str, **fields) -> User:
    user = User(username=username, **fields)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def demo_accounts_ensure(*, reset: bool = False) -> dict[str, str]:
    """Create the demo accounts that do not exist yet (or reset all passwords when `reset`).

    Returns {username: password} for the accounts whose password was set now, so the caller
    can print each password exactly once.
    """
    created: dict[str, str] = {}
    for username, fields in DEMO_ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is not None and not reset:
            continue
        password = secrets.token_urlsafe(9)
        if user is None:
            user_create(username=username, password=password, **fields)
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        created[username] = password
    return created


@transaction.atomic
def user_editor_preference_set(*, user: User, plain_editor: bool) -> None:
    """Remember whether the learner wants the plain text box on exercise pages."""
    User.objects.filter(pk=user.pk).update(plain_editor=plain_editor)
    user.plain_editor = plain_editor


def user_delete(*, user: User) -> None:
    """Delete an account and everything that hangs on it (study progress, mock interviews),
    through the foreign keys' CASCADE."""
    user.delete()


# Rate limits (apps/accounts/ratelimit.py): failed log-ins per username and per client address,
# sign-ups per client address. A successful log-in is never counted.


def _username_key(username: str) -> str:
    # "Ada", "ada" and their Unicode look-alikes share one counter.
    return unicodedata.normalize("NFKC", username).casefold().strip()


def login_retry_after(*, username: str, ip: str) -> int:
    """Seconds before this username or this address may try to log in again (0: now)."""
    return max(
        ratelimit.login_by_username().retry_after(_username_key(username)),
        ratelimit.login_by_ip().retry_after(ip),
    )


def login_failure_record(*, username: str, ip: str) -> None:
    ratelimit.login_by_username().hit(_username_key(username))
    ratelimit.login_by_ip().hit(ip)


def login_success_record(*, username: str) -> None:
    """The owner got in: earlier failures against the name no longer count. The address's
    failures still do, so one's own account cannot launder guesses at others'."""
    ratelimit.login_by_username().reset(_username_key(username))


def signup_retry_after(*, ip: str) -> int:
    return ratelimit.signup_by_ip().retry_after(ip)


def signup_record(*, ip: str) -> None:
    ratelimit.signup_by_ip().hit(ip)


def too_many_attempts_message(retry_after: int) -> str:
    minutes = max(1, math.ceil(retry_after / 60))
    return f"Too many attempts, try again in {minutes} minute{'s' if minutes != 1 else ''}."
