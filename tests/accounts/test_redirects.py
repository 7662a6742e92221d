"""`next` only ever leads into this site: log-in, sign-up, log-out and the study plan forms fall
back to their usual page when `next` points elsewhere, however it is disguised."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

OFFSITE = [
    "//evil.example",
    "//evil.example/study/",
    "https://evil.example",
    "http://evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    " javascript:alert(document.cookie)",
    "https:evil.example",
]
HOME = reverse("home")
INSIDE = "/study/?tab=week"


@pytest.mark.parametrize("target", OFFSITE)
def test_log_in_does_not_follow_an_offsite_next(client, learner, password, target):
    response = client.post(
        f"{reverse('accounts:login')}?next={target}",
        {"username": "ada", "password": password, "next": target},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == HOME


@pytest.mark.parametrize("target", OFFSITE)
def test_the_log_in_page_does_not_carry_an_offsite_next(client, target):
    response = client.get(reverse("accounts:login"), {"next": target})
    page = response.content.decode()
    assert 'name="next" value=""' in page
    # Nor passes it on to the sign-up link.
    assert f'<a href="{reverse("accounts:signup")}">Create an account</a>' in page


@pytest.mark.parametrize("target", OFFSITE)
def test_an_authenticated_visit_to_log_in_does_not_follow_an_offsite_next(client, learner, target):
    client.force_login(learner)
    response = client.get(reverse("accounts:login"), {"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == HOME


@pytest.mark.parametrize("target", OFFSITE)
def test_sign_up_does_not_follow_an_offsite_next(client, target):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "newbie",
            "time_zone": "UTC",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "next": target,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == HOME


@pytest.mark.parametrize("target", OFFSITE)
def test_log_out_does_not_follow_an_offsite_next(client, learner, target):
    client.force_login(learner)
    response = client.post(reverse("accounts:logout"), {"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == HOME


@pytest.mark.parametrize("target", OFFSITE)
def test_study_plan_does_not_follow_an_offsite_next(client, learner, target):
    client.force_login(learner)
    response = client.post(reverse("study:new_cards"), {"new_cards_per_day": "12", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("study:review")


def test_a_next_inside_the_site_is_followed_everywhere(client, learner, password):
    response = client.post(
        reverse("accounts:login"), {"username": "ada", "password": password, "next": INSIDE}
    )
    assert response.headers["Location"] == INSIDE
    response = client.post(reverse("study:new_cards"), {"new_cards_per_day": "12", "next": INSIDE})
    assert response.headers["Location"] == INSIDE
    response = client.post(reverse("accounts:logout"), {"next": INSIDE})
    assert response.headers["Location"] == INSIDE

    response = client.get(reverse("accounts:signup"), {"next": INSIDE})
    assert f'name="next" value="{INSIDE}"' in response.content.decode()
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "newbie",
            "time_zone": "UTC",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "next": INSIDE,
        },
    )
    assert response.headers["Location"] == INSIDE


def test_this_host_with_its_scheme_is_inside(client, learner, password):
    target = "http://testserver/study/"
    response = client.post(
        reverse("accounts:login"), {"username": "ada", "password": password, "next": target}
    )
    assert response.headers["Location"] == target
