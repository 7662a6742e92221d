import secrets

from django.db import transaction

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
def user_delete(*, user: User) -> None:
    """Delete an account and everything that hangs on it (study progress, mock interviews),
    through the foreign keys' CASCADE."""
    user.delete()
