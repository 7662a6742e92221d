"""Cohort pages: the authorization matrix, joining and leaving, the dashboard as a page and as
its htmx partial, the exports parsed back, and a constant number of queries per page."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.cohorts import selectors, services
from apps.cohorts.demo import demo_cohort_seed
from apps.cohorts.models import Membership
from apps.cohorts.selectors import heatmap
from apps.exercises.models import Submission
from apps.study import services as study
from tests.cohorts.conftest import run
from tests.factories import SubmissionFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


# The authorization matrix ---------------------------------------------------------------


@pytest.fixture
def world(cohort, member, other_learner, other_instructor, staff, instructor, exercise):
    """A cohort with one member who has a submission; people in every other position."""
    submission = run(member, exercise, "failed", failing=("adds negative numbers",))
    outsider_submission = run(other_learner, exercise, "passed")
    others_cohort = services.cohort_create(instructor=other_instructor, name="Omar's")
    services.cohort_join(user=other_learner, cohort=others_cohort)
    return {
        "cohort": cohort,
        "member": member,
        "submission": submission,
        "outsider": other_learner,
        "outsider_submission": outsider_submission,
        "others_cohort": others_cohort,
    }


def object_urls(w) -> list[tuple[str, str]]:
    """(method, url) of every URL that names a cohort, a learner or a submission."""
    c, m, s = w["cohort"].pk, w["member"].pk, w["submission"].pk
    return [
        ("get", reverse("cohorts:dashboard", args=[c])),
        ("get", reverse("cohorts:dashboard", args=[c]) + "?sort=name&dir=desc"),
        ("get", reverse("cohorts:settings", args=[c])),
        ("post", reverse("cohorts:settings", args=[c])),
        ("post", reverse("cohorts:join_code_renew", args=[c])),
        ("post", reverse("cohorts:refresh", args=[c])),
        ("get", reverse("cohorts:export_progress", args=[c])),
        ("get", reverse("cohorts:export_submissions", args=[c])),
        ("get", reverse("cohorts:learner", args=[c, m])),
        ("get", reverse("cohorts:learner_remove", args=[c, m])),
        ("post", reverse("cohorts:learner_remove", args=[c, m])),
        ("get", reverse("cohorts:submission", args=[c, m, s])),
    ]


@pytest.mark.parametrize("who", ["other_instructor", "member", "outsider"])
def test_every_object_url_is_a_404_for_the_wrong_user(as_user, world, who, request):
    user = {"other_instructor": request.getfixturevalue("other_instructor")}.get(who) or world[
        "member" if who == "member" else "outsider"
    ]
    client = as_user(user)
    for method, url in object_urls(world):
        response = getattr(client, method)(url, {"name": "Hijacked"} if method == "post" else {})
        assert response.status_code == 404, (who, method, url)
    assert world["cohort"].memberships.filter(user=world["member"]).exists()
    world["cohort"].refresh_from_db()
    assert world["cohort"].name == "Spring cohort"


def test_visitors_are_sent_to_log_in(as_user, world):
    client = as_user(None)
    for method, url in object_urls(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("who", ["instructor", "staff"])
def test_the_instructor_and_staff_reach_every_object_url(as_user, world, who, request):
    client = as_user(request.getfixturevalue(who))
    for method, url in object_urls(world):
        if url.endswith("/remove/") and method == "post":
            continue  # checked last: it removes the learner the other URLs name
        response = getattr(client, method)(url, {"name": "Renamed"} if method == "post" else {})
        assert response.status_code in (200, 302), (who, method, url, response.status_code)
    remove = reverse("cohorts:learner_remove", args=[world["cohort"].pk, world["member"].pk])
    assert client.post(remove).status_code == 302
    assert not world["cohort"].memberships.exists()


def test_a_learner_outside_the_cohort_is_a_404_even_for_its_instructor(as_user, world, instructor):
    client = as_user(instructor)
    c = world["cohort"].pk
    outsider, theirs = world["outsider"].pk, world["outsider_submission"].pk
    member, mine = world["member"].pk, world["submission"].pk
    for url in (
        reverse("cohorts:learner", args=[c, outsider]),
        reverse("cohorts:learner_remove", args=[c, outsider]),
        reverse("cohorts:submission", args=[c, outsider, theirs]),
        reverse("cohorts:submission", args=[c, member, theirs]),  # not this learner's
        reverse("cohorts:dashboard", args=[world["others_cohort"].pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("cohorts:submission", args=[c, member, mine])).status_code == 200


def test_learners_cannot_create_cohorts(as_user, learner):
    client = as_user(learner)
    response = client.post(reverse("cohorts:create"), {"name": "Mine"})
    assert response.status_code == 404
    page = client.get(reverse("cohorts:index")).content.decode()
    assert "New cohort" not in page and "Join code" in page


# Listing, creating, joining, leaving ----------------------------------------------------


def test_an_instructor_creates_a_cohort_and_lands_on_its_dashboard(as_user, instructor):
    client = as_user(instructor)
    response = client.post(
        reverse("cohorts:create"), {"name": "Winter", "interview_date": "2026-05-01"}
    )
    cohort = instructor.cohorts_taught.get()
    assert response["Location"] == cohort.get_absolute_url()
    page = client.get(cohort.get_absolute_url()).content.decode()
    assert cohort.join_code_display in page
    assert reverse("cohorts:join", args=[cohort.join_code]) in page
    assert "No learners yet" in page
    listing = client.get(reverse("cohorts:index")).content.decode()
    assert "Winter" in listing


def test_creating_without_a_name_shows_the_error_inline(as_user, instructor):
    response = as_user(instructor).post(reverse("cohorts:create"), {"name": ""})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()


def test_staff_see_every_cohort_on_the_list(as_user, cohort, staff, other_instructor):
    services.cohort_create(instructor=other_instructor, name="Omar's")
    page = as_user(staff).get(reverse("cohorts:index")).content.decode()
    assert "Spring cohort" in page and "Omar&#x27;s" in page
    own = as_user(other_instructor).get(reverse("cohorts:index")).content.decode()
    assert "Spring cohort" not in own


def test_visitors_see_the_invitation_and_are_asked_to_sign_up(as_user, cohort):
    url = reverse("cohorts:join", args=[cohort.join_code])
    page = as_user(None).get(url).content.decode()
    assert "Spring cohort" in page
    assert f"{reverse('accounts:signup')}?next={url}" in page
    response = as_user(None).post(url)
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Membership.objects.exists()


def test_a_learner_joins_through_the_link_and_leaves(as_user, cohort, learner):
    client = as_user(learner)
    url = reverse("cohorts:join", args=[cohort.join_code])
    assert "Join Spring cohort" in client.get(url).content.decode()
    assert client.post(url)["Location"] == reverse("cohorts:index")
    assert Membership.objects.filter(cohort=cohort, user=learner).exists()
    assert "You are in this cohort" in client.get(url).content.decode()
    listing = client.get(reverse("cohorts:index")).content.decode()
    assert "Spring cohort" in listing and "Leave" in listing

    assert client.post(reverse("cohorts:leave", args=[cohort.pk])).status_code == 302
    assert not Membership.objects.exists()
    assert client.post(reverse("cohorts:leave", args=[cohort.pk])).status_code == 404


def test_the_code_form_and_lower_case_links_find_the_cohort(as_user, cohort, learner):
    client = as_user(learner)
    typed = cohort.join_code_display.lower()
    response = client.get(reverse("cohorts:join_by_code"), {"code": typed})
    assert response["Location"] == reverse("cohorts:join", args=[cohort.join_code])
    lower = client.get(reverse("cohorts:join", args=[cohort.join_code.lower()]))
    assert lower["Location"] == reverse("cohorts:join", args=[cohort.join_code])
    assert client.get(reverse("cohorts:join_by_code"), {"code": "short"}).status_code == 400


def test_an_unknown_or_renewed_code_is_a_404_page(as_user, cohort, learner):
    old = cohort.join_code
    services.cohort_join_code_renew(cohort=cohort)
    response = as_user(learner).get(reverse("cohorts:join", args=[old]))
    assert response.status_code == 404
    assert "does not match any cohort" in response.content.decode()
    assert as_user(learner).post(reverse("cohorts:join", args=[old])).status_code == 404


def test_the_instructor_cannot_join_their_own_cohort(as_user, cohort, instructor):
    client = as_user(instructor)
    response = client.post(reverse("cohorts:join", args=[cohort.join_code]), follow=True)
    assert "You teach this cohort" in response.content.decode()
    assert not Membership.objects.exists()


# The dashboard ----------------------------------------------------------------------------


def test_the_dashboard_shows_the_cohorts_figures(as_user, cohort, member, course_small, clock):
    study.review_record(user=member, card=course_small.card("b1"), rating=4)
    page = as_user(cohort.instructor).get(cohort.get_absolute_url()).content.decode()
    assert re.search(r'id="stat-learners">1<', page)
    assert re.search(r'id="stat-reviews">1<', page)
    assert "Mastery per lesson" in page and 'scope="row"' in page
    assert reverse("cohorts:learner", args=[cohort.pk, member.pk]) in page
    assert "<svg" in page and "Show as a table" in page


def test_the_heatmap_partial_answers_htmx_and_sorts(
    as_user, cohort, member, other_learner, course_small
):
    services.cohort_join(user=other_learner, cohort=cohort)
    study.review_record(user=other_learner, card=course_small.card("b1"), rating=4)
    client = as_user(cohort.instructor)
    url = (
        cohort.get_absolute_url() + f"?sort=lesson-{course_small.basics.pk}&dir=desc&metric=learned"
    )
    fragment = client.get(url, headers=HTMX).content.decode()
    assert fragment.lstrip().startswith('<section class="panel heatmap-panel" id="heatmap"')
    assert "<html" not in fragment and "stat-learners" not in fragment
    assert fragment.index("Grace") < fragment.index("Ada")
    assert 'aria-sort="descending"' in fragment
    assert 'hx-get="?sort=' in fragment and 'href="?sort=' in fragment
    full = client.get(url).content.decode()
    assert "<html" in full and 'aria-sort="descending"' in full


def test_the_heatmap_says_how_it_is_paged(as_user, cohort, course_small, monkeypatch):
    monkeypatch.setattr(heatmap, "HEATMAP_PAGE_SIZE", 2)
    demo_cohort_seed(instructor=cohort.instructor, learners=5, days=5, name="Five")
    five = cohort.instructor.cohorts_taught.get(name="Five")
    client = as_user(cohort.instructor)
    page = client.get(five.get_absolute_url() + "?page=2").content.decode()
    assert "Learners 3–4 of 5" in page
    assert "Page 2 of 3" in page and 'rel="next"' in page and 'rel="prev"' in page


def test_the_dashboard_runs_the_same_queries_for_a_small_and_a_large_cohort(
    as_user, instructor, course_small, exercise, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(heatmap, "HEATMAP_PAGE_SIZE", 4)
    small = demo_cohort_seed(instructor=instructor, learners=3, days=8, name="Small").cohort
    large = demo_cohort_seed(instructor=instructor, learners=15, days=8, name="Large").cohort
    client = as_user(instructor)
    counts = {}
    for name, cohort in (("small", small), ("large", large)):
        for fresh in (False, True):  # first view refreshes the figures, the next reads them
            with CaptureQueriesContext(connection) as captured:
                assert client.get(cohort.get_absolute_url()).status_code == 200
            counts[name, fresh] = len(captured.captured_queries)
    assert counts["small", False] == counts["large", False]
    assert counts["small", True] == counts["large", True]
    assert counts["small", True] < counts["small", False]
    with django_assert_num_queries(counts["small", True]):
        client.get(large.get_absolute_url() + f"?sort=lesson-{course_small.basics.pk}&page=2")


def test_refresh_now_recomputes_the_figures(as_user, cohort, member, course_small, clock):
    client = as_user(cohort.instructor)
    client.get(cohort.get_absolute_url())
    study.review_record(user=member, card=course_small.card("b1"), rating=3)
    assert re.search(
        r'id="stat-reviews">0<', client.get(cohort.get_absolute_url()).content.decode()
    )
    clock.advance(seconds=1)
    response = client.post(reverse("cohorts:refresh", args=[cohort.pk]), follow=True)
    assert re.search(r'id="stat-reviews">1<', response.content.decode())


def test_settings_rename_and_renew_the_code(as_user, cohort):
    client = as_user(cohort.instructor)
    url = reverse("cohorts:settings", args=[cohort.pk])
    assert cohort.join_code_display in client.get(url).content.decode()
    client.post(url, {"name": "Renamed", "interview_date": "2026-06-01"})
    old = cohort.join_code
    client.post(reverse("cohorts:join_code_renew", args=[cohort.pk]))
    cohort.refresh_from_db()
    assert (cohort.name, str(cohort.interview_date)) == ("Renamed", "2026-06-01")
    assert cohort.join_code != old


def test_the_learner_page_shows_progress_reviews_and_runs(
    as_user, cohort, member, course_small, exercise, clock
):
    study.review_record(user=member, card=course_small.card("b1"), rating=1)
    failed = run(member, exercise, "failed", failing=("adds negative numbers",))
    client = as_user(cohort.instructor)
    page = client.get(reverse("cohorts:learner", args=[cohort.pk, member.pk])).content.decode()
    assert "Ada" in page and "Basics" in page
    assert re.search(r'id="learner-reviews">1<', page)
    assert "Again" in page and "2 / 3" in page
    detail_url = reverse("cohorts:submission", args=[cohort.pk, member.pk, failed.pk])
    assert detail_url in page
    detail = client.get(detail_url).content.decode()
    assert "// failed" in detail and "adds negative numbers" in detail and "hidden" in detail


# Exports ----------------------------------------------------------------------------------


def parse(response) -> list[dict]:
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_progress_export_holds_the_heatmaps_rows(as_user, instructor, course_small):
    cohort = demo_cohort_seed(instructor=instructor, learners=7, days=12, name="Export").cohort
    rows = parse(as_user(instructor).get(reverse("cohorts:export_progress", args=[cohort.pk])))
    lessons = selectors.cohort_lessons()
    assert len(rows) == 7 * len(lessons)
    heatmap = selectors.cohort_heatmap(cohort=cohort, page_size=100)
    expected = {
        (row.learner.username, cell.lesson.slug): cell.progress
        for row in heatmap.rows
        for cell in row.cells
    }
    for line in rows:
        progress = expected[line["learner"], line["lesson"]]
        assert int(line["cards"]) == progress.total
        assert int(line["seen"]) == progress.seen
        assert int(line["learned"]) == progress.learned
        assert int(line["mastered"]) == progress.mastered
        assert float(line["mastered_pct"]) == progress.mastered_pct
    assert [line["learner"] for line in rows] == sorted(line["learner"] for line in rows)
    assert any(int(line["seen"]) for line in rows)


def test_the_submissions_export_holds_every_run_with_its_tests(
    as_user, cohort, member, other_learner, exercise
):
    first = run(
        member, exercise, "failed", failing=("adds negative numbers", "adding zero changes nothing")
    )
    second = run(member, exercise, "passed")
    run(other_learner, exercise, "passed")  # not in the cohort
    rows = parse(
        as_user(cohort.instructor).get(reverse("cohorts:export_submissions", args=[cohort.pk]))
    )
    assert [int(r["submission"]) for r in rows] == [first.pk, second.pk]
    by_id = {int(r["submission"]): r for r in rows}
    assert by_id[first.pk]["state"] == "failed"
    assert (by_id[first.pk]["tests_passed"], by_id[first.pk]["tests_total"]) == ("1", "3")
    assert by_id[first.pk]["failed_tests"] == "adds negative numbers; adding zero changes nothing"
    assert by_id[second.pk]["failed_tests"] == ""
    assert by_id[second.pk]["learner"] == "ada" and by_id[second.pk]["exercise"] == exercise.slug
    db = Submission.objects.get(pk=first.pk)
    assert by_id[first.pk]["submitted_at"] == db.created_at.isoformat()


def test_exports_defuse_spreadsheet_formulas_in_names(as_user, cohort, member, course_small):
    member.display_name = '=HYPERLINK("http://evil.example","click")'
    member.save()
    rows = parse(
        as_user(cohort.instructor).get(reverse("cohorts:export_progress", args=[cohort.pk]))
    )
    assert {row["name"] for row in rows} == {"'" + member.display_name}


def test_the_dashboard_lists_hint_use_and_the_known_mistakes_made_most(
    as_user, cohort, member, course_small, exercise
):
    from apps.exercises.models import HintReveal

    HintReveal.objects.create(user=member, exercise=exercise, rung=1, kind="hint")
    SubmissionFactory(
        user=member, exercise=exercise, code="x", state="failed", mistake="subtracts.js"
    )
    page = as_user(cohort.instructor).get(cohort.get_absolute_url()).content.decode()
    assert "Known mistakes made most" in page
    assert "Subtracts instead of adding" in page and "1 run, 1 learner" in page
    assert "1 learner took 1 hint" in page
