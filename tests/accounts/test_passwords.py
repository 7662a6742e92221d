"""Sign-up refuses weak passwords with the validators' own words next to the field, and lists the
rules before anyone types."""

import pytest
from django.urls import reverse

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def sign_up(client, password: str, username: str = "marguerite"):
    return client.post(
        reverse("accounts:signup"),
        {"username": username, "time_zone": "UTC", "password1": password, "password2": password},
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab3$xyz!q", "This password is too short. It must contain at least 10 characters."),
        ("password123", "This password is too common."),
        ("4817305926", "This password is entirely numeric."),
        ("marguerite1", "The password is too similar to the username."),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(client, password, message):
    response = sign_up(client, password)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="marguerite").exists()


def test_the_sign_up_page_lists_the_password_rules(client):
    page = client.get(reverse("accounts:signup")).content.decode()
    assert "Your password must contain at least 10 characters." in page
    assert "Your password can’t be a commonly used password." in page
    assert "Your password can’t be entirely numeric." in page
    assert "Your password can’t be too similar to your other personal information." in page


def test_a_good_password_is_accepted(client):
    assert sign_up(client, "quiet-lantern-orbit").status_code == 302
    assert User.objects.filter(username="marguerite").exists()
