"""Cohort services: creating, join codes, memberships, and the snapshot of figures."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from apps.cohorts import selectors, services
from apps.cohorts.models import Cohort, CohortStats, Membership

pytestmark = pytest.mark.django_db


def test_instructors_and_staff_create_cohorts_with_a_readable_code(instructor, staff, clock):
    cohort = services.cohort_create(instructor=instructor, name="  Autumn  ")
    assert cohort.name == "Autumn"
    assert cohort.instructor == instructor
    assert cohort.created_at == clock()
    assert len(cohort.join_code) == services.CODE_LENGTH
    assert set(cohort.join_code) <= set(services.CODE_ALPHABET)
    assert not set("01OIL") & set(cohort.join_code)
    assert cohort.join_code_display == f"{cohort.join_code[:5]}-{cohort.join_code[5:]}"
    assert services.cohort_create(instructor=staff, name="Staff's").instructor == staff


def test_learners_cannot_create_cohorts(learner):
    with pytest.raises(PermissionDenied):
        services.cohort_create(instructor=learner, name="Mine")
    assert not Cohort.objects.exists()


def test_a_clashing_code_is_drawn_again(instructor, monkeypatch):
    first = services.cohort_create(instructor=instructor, name="One")
    codes = iter([first.join_code, "ABCDEFGHJK"])
    monkeypatch.setattr(services, "join_code_new", lambda: next(codes))
    assert services.cohort_create(instructor=instructor, name="Two").join_code == "ABCDEFGHJK"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("abcde-fghjk", "ABCDEFGHJK"), (" ABCDE FGHJK ", "ABCDEFGHJK"), ("ab-cd", "ABCD")],
)
def test_codes_are_read_the_way_people_type_them(typed, expected):
    assert services.join_code_normalise(typed) == expected


def test_joining_twice_keeps_one_membership(cohort, learner, clock):
    membership, created = services.cohort_join(user=learner, cohort=cohort)
    again, created_again = services.cohort_join(user=learner, cohort=cohort)
    assert (created, created_again) == (True, False)
    assert membership.pk == again.pk
    assert membership.joined_at == clock()
    assert Membership.objects.filter(cohort=cohort).count() == 1


def test_the_instructor_cannot_join_their_own_cohort(cohort, instructor):
    with pytest.raises(services.JoinRefused):
        services.cohort_join(user=instructor, cohort=cohort)


def test_leaving_and_removing_end_the_membership_only(cohort, member, other_learner):
    services.cohort_join(user=other_learner, cohort=cohort)
    assert services.cohort_leave(user=member, cohort=cohort) is True
    assert services.cohort_leave(user=member, cohort=cohort) is False
    assert services.cohort_learner_remove(cohort=cohort, learner=other_learner) is True
    assert not Membership.objects.exists()
    assert member.__class__.objects.filter(pk__in=[member.pk, other_learner.pk]).count() == 2


def test_renewing_the_code_retires_the_old_one(cohort, member):
    old = cohort.join_code
    services.cohort_join_code_renew(cohort=cohort)
    cohort.refresh_from_db()
    assert cohort.join_code != old
    assert not Cohort.objects.filter(join_code=old).exists()
    assert Membership.objects.filter(cohort=cohort, user=member).exists()


def test_update_sets_name_and_interview_date(cohort, clock):
    day = clock().date() + timedelta(days=30)
    services.cohort_update(cohort=cohort, name="Renamed", interview_date=day)
    cohort.refresh_from_db()
    assert (cohort.name, cohort.interview_date) == ("Renamed", day)


# The snapshot of cohort-wide figures


def test_refresh_stores_the_figures_the_dashboard_reads_back(cohort, member, clock):
    figures = services.cohort_stats_refresh(cohort=cohort)
    stored = selectors.cohort_figures_get(cohort=cohort, now=clock())
    assert stored == figures
    assert stored.summary.learners == 1
    assert CohortStats.objects.get(cohort=cohort).computed_at == clock()


def test_figures_go_stale_with_age_and_with_membership_changes(
    cohort, member, other_learner, clock, settings
):
    settings.COHORT_STATS_MAX_AGE_SECONDS = 60
    services.cohort_stats_refresh(cohort=cohort)
    clock.advance(seconds=59)
    assert selectors.cohort_figures_get(cohort=cohort, now=clock()) is not None
    clock.advance(seconds=2)
    assert selectors.cohort_figures_get(cohort=cohort, now=clock()) is None

    services.cohort_stats_refresh(cohort=cohort)
    clock.advance(seconds=1)
    services.cohort_join(user=other_learner, cohort=cohort)
    assert selectors.cohort_figures_get(cohort=cohort, now=clock()) is None
    services.cohort_stats_refresh(cohort=cohort)  # at the same instant: it may have missed it
    assert selectors.cohort_figures_get(cohort=cohort, now=clock()) is None
    clock.advance(seconds=1)
    services.cohort_stats_refresh(cohort=cohort)
    assert selectors.cohort_figures_get(cohort=cohort, now=clock()).summary.learners == 2
    clock.advance(seconds=1)
    services.cohort_leave(user=other_learner, cohort=cohort)
    assert selectors.cohort_figures_get(cohort=cohort, now=clock()) is None


def test_a_refresh_never_replaces_newer_figures(cohort, member, clock):
    later = services.cohort_stats_refresh(cohort=cohort)
    newer_time = later.computed_at
    clock.advance(seconds=-30)  # a slow refresh that started earlier finishes now
    services.cohort_stats_refresh(cohort=cohort)
    assert CohortStats.objects.get(cohort=cohort).computed_at == newer_time


def test_refresh_recovers_from_a_concurrent_first_write(cohort, member, clock, monkeypatch):
    """Two first refreshes race: the loser's insert hits the unique row and is dropped."""
    real_exists = CohortStats.objects.filter(cohort=cohort).exists
    CohortStats.objects.create(cohort=cohort, computed_at=clock(), data={})
    monkeypatch.setattr("django.db.models.query.QuerySet.exists", lambda self: False, raising=True)
    services.cohort_stats_refresh(cohort=cohort)  # update matches nothing, insert collides
    monkeypatch.undo()
    assert CohortStats.objects.filter(cohort=cohort).count() == 1
    assert real_exists()


def test_the_command_rebuilds_every_cohorts_figures(cohort, member, instructor, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    other = services.cohort_create(instructor=instructor, name="Other")
    call_command("cohort_stats_refresh")
    assert CohortStats.objects.count() == 2
    assert "Spring cohort: 1 learners" in capsys.readouterr().out
    call_command("cohort_stats_refresh", str(other.pk))
    with pytest.raises(CommandError, match="unknown cohort"):
        call_command("cohort_stats_refresh", "99999")
