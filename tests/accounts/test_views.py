import pytest
from django.test import override_settings
from django.urls import reverse

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def test_sign_up_logs_the_new_learner_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "newbie",
            "display_name": "New Bie",
            "time_zone": "Europe/Paris",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.time_zone == "Europe/Paris"
    assert user.role == "learner"
    assert client.get(reverse("home")).context["user"] == user


def test_sign_up_errors_are_shown_next_to_the_field(client):
    response = client.post(
        reverse("accounts:signup"),
        {"username": "x", "time_zone": "UTC", "password1": "abc", "password2": "abd"},
    )
    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.content.decode()
    assert not User.objects.filter(username="x").exists()


def test_sign_up_ignores_an_offsite_next(client):
    response = client.post(
        reverse("accounts:signup") + "?next=https://evil.example/",
        {
            "username": "newbie",
            "time_zone": "UTC",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("home")


def test_log_in_and_out(client, learner, password):
    response = client.post(reverse("accounts:login"), {"username": "ada", "password": password})
    assert response.status_code == 302
    assert "Log out" in client.get(reverse("home")).content.decode()
    client.post(reverse("accounts:logout"))
    assert "Log in" in client.get(reverse("home")).content.decode()


def test_password_change(client, learner, password):
    client.force_login(learner)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": password,
            "new_password1": "another-long-phrase-9",
            "new_password2": "another-long-phrase-9",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("another-long-phrase-9")


@override_settings(DEBUG=True)
def test_demo_accounts_print_passwords_once(capsys):
    from django.core.management import call_command

    call_command("demo_accounts")
    first = capsys.readouterr().out
    assert "learner" in first and "instructor" in first and "staff" in first
    call_command("demo_accounts")
    second = capsys.readouterr().out
    assert "passwords were printed" in second
    assert User.objects.get(username="instructor").is_instructor
    assert User.objects.get(username="staff").is_staff


def test_pages_use_the_learner_s_time_zone(client, learner, rf):
    from django.http import HttpResponse
    from django.utils import timezone

    from apps.accounts.middleware import UserTimeZoneMiddleware

    seen = []
    middleware = UserTimeZoneMiddleware(
        lambda request: seen.append(timezone.get_current_timezone_name()) or HttpResponse()
    )
    request = rf.get("/")
    learner.time_zone = "Asia/Tokyo"
    request.user = learner
    middleware(request)
    learner.time_zone = "Not/AZone"
    middleware(request)
    assert seen == ["Asia/Tokyo", "UTC"]
