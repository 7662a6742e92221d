"""The exercise page's "Plain editor" switch, remembered on the learner's account."""

import pytest
from django.urls import reverse

from tests.factories import ExerciseFactory

pytestmark = pytest.mark.django_db

URL = reverse("accounts:editor_preference")


def test_htmx_posts_the_switch_and_the_page_remembers_it(client, learner, password):
    exercise = ExerciseFactory()
    client.login(username=learner.username, password=password)
    response = client.post(URL, {"plain_editor": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 204
    learner.refresh_from_db()
    assert learner.plain_editor
    html = client.get(exercise.get_absolute_url()).content.decode()
    assert 'data-plain="1"' in html
    assert 'id="plain-editor" name="plain_editor" value="1" checked' in html

    # Unticked, htmx sends nothing for the checkbox.
    assert client.post(URL, {}, headers={"HX-Request": "true"}).status_code == 204
    learner.refresh_from_db()
    assert not learner.plain_editor


def test_a_plain_form_post_returns_to_the_page_and_only_into_this_site(client, learner, password):
    client.login(username=learner.username, password=password)
    response = client.post(URL, {"plain_editor": "1", "next": "/exercises/add/"})
    assert response.status_code == 302 and response["Location"] == "/exercises/add/"
    response = client.post(URL, {"plain_editor": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_visitors_and_gets_are_turned_away(client):
    response = client.post(URL, {"plain_editor": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(URL).status_code == 405


def test_a_visitor_s_page_leaves_the_choice_to_the_browser(client):
    exercise = ExerciseFactory()
    html = client.get(exercise.get_absolute_url()).content.decode()
    assert 'data-plain=""' in html and "hx-post" not in html.split('id="plain-editor"')[1][:200]
