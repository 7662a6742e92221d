"""Your data (apps/accounts/privacy): a learner downloads and deletes their own progress, and
never reaches anyone else's."""

import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.study import services
from apps.study.models import CardState, MockInterview, ReviewLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_histories(learner, other_learner, mini_course):
    """Ada studied b1 and took a mock on Services; Grace studied a2 and took a mock on Async."""
    services.review_record(user=learner, card=mini_course.card("b1"), rating=3, duration_ms=900)
    services.review_record(user=other_learner, card=mini_course.card("a2"), rating=1)
    ada_mock = services.mock_create(
        user=learner, tracks=[mini_course.services], question_count=1, seconds_per_question=60
    )
    grace_mock = services.mock_create(
        user=other_learner, tracks=[mini_course.async_], question_count=1, seconds_per_question=60
    )
    services.mock_question_reveal(question=grace_mock.questions.get(), notes="Grace's secret notes")
    services.mock_question_score(question=grace_mock.questions.get(), covered=[0])
    return ada_mock, grace_mock


def read_csv(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_reviews_download_as_csv(client, learner, two_histories):
    client.force_login(learner)
    response = client.get(reverse("study:export_reviews"))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="ada-reviews.csv"' in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert [(r["card"], r["rating_label"], r["source"], r["duration_ms"]) for r in rows] == [
        ("b1", "Good", "review", "900")
    ]


def test_cards_download_as_csv(client, learner, two_histories):
    client.force_login(learner)
    rows = read_csv(client.get(reverse("study:export_cards")))
    assert [(r["card"], r["lesson"], r["track"], r["state"], r["reps"]) for r in rows] == [
        ("b1", "basics", "async", "Learning", "1")
    ]


def test_everything_downloads_as_json(client, learner, two_histories):
    client.force_login(learner)
    response = client.get(reverse("study:export_json"))
    document = json.loads(response.content)
    assert response.headers["Content-Type"] == "application/json"
    assert document["user"]["username"] == "ada"
    assert [card["card"] for card in document["cards"]] == ["b1"]
    assert document["cards"][0]["fsrs"]["state"] == 1
    assert [(r["card"], r["rating"]) for r in document["reviews"]] == [("b1", 3)]
    assert document["mock_interviews"][0]["tracks"] == ["services"]
    assert document["plan"]["new_cards_per_day"] == 10


def test_no_export_contains_another_learners_rows(client, learner, two_histories):
    client.force_login(learner)
    reviews = read_csv(client.get(reverse("study:export_reviews")))
    cards = read_csv(client.get(reverse("study:export_cards")))
    document = json.loads(client.get(reverse("study:export_json")).content)
    assert {row["card"] for row in reviews} == {row["card"] for row in cards} == {"b1"}
    assert {review["card"] for review in document["reviews"]} == {"b1"}
    assert len(document["mock_interviews"]) == 1
    assert document["mock_interviews"][0]["tracks"] == ["services"]
    assert "secret" not in json.dumps(document) and "grace" not in json.dumps(document)


@pytest.mark.parametrize(
    ("name", "method"),
    [("study:mock", "get"), ("study:mock_results", "get")],
)
def test_another_learners_mock_interview_is_a_404(client, learner, two_histories, name, method):
    _, grace_mock = two_histories
    client.force_login(learner)
    response = getattr(client, method)(reverse(name, args=[grace_mock.pk]))
    assert response.status_code == 404
    assert "secret" not in response.content.decode()


def test_another_learners_mock_cannot_be_answered_or_scored(client, learner, two_histories):
    ada_mock, grace_mock = two_histories
    client.force_login(learner)
    for name in ("study:mock_reveal", "study:mock_score"):
        response = client.post(reverse(name, args=[grace_mock.pk, 1]), {"covered": [0, 1]})
        assert response.status_code == 404
    question = grace_mock.questions.get()
    assert question.covered == [0] and question.notes == "Grace's secret notes"
    assert client.get(reverse("study:mock", args=[ada_mock.pk])).status_code == 200


def test_the_dashboard_shows_only_the_learners_own_figures(client, learner, two_histories):
    _, grace_mock = two_histories
    client.force_login(learner)
    html = client.get(reverse("study:dashboard")).content.decode()
    assert reverse("study:mock_results", args=[grace_mock.pk]) not in html
    assert "No lapses yet" in html  # Grace's Again on t2 is hers
    assert 'id="stat-today">1<' in html


def test_study_pages_need_an_account(client, two_histories):
    ada_mock, _ = two_histories
    for url in (
        reverse("study:dashboard"),
        reverse("study:export_reviews"),
        reverse("study:export_json"),
        reverse("study:data"),
        reverse("study:mock_new"),
        reverse("study:mock_results", args=[ada_mock.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith(reverse("accounts:login"))


def test_deleting_the_account_needs_the_password(client, learner, two_histories):
    client.force_login(learner)
    page = client.get(reverse("study:data")).content.decode()
    assert "Delete my account" in page and reverse("study:export_json") in page
    response = client.post(reverse("study:data"), {"password": "not-it"})
    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert get_user_model().objects.filter(pk=learner.pk).exists()


def test_deleting_the_account_removes_it_and_its_progress(
    client, learner, other_learner, password, two_histories
):
    client.force_login(learner)
    response = client.post(reverse("study:data"), {"password": password}, follow=True)
    assert "Your account and all of its progress have been deleted." in response.content.decode()
    assert not response.context["user"].is_authenticated
    assert not get_user_model().objects.filter(pk=learner.pk).exists()
    for model in (CardState, ReviewLog, MockInterview):
        assert set(model.objects.values_list("user_id", flat=True)) == {other_learner.pk}
    assert not client.login(username="ada", password=password)
