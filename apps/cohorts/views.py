"""Cohort pages. Instructors and staff follow cohorts (dashboard, learner drill-down, exports);
learners join and leave them. Every object URL goes through a selector that 404s for the wrong
user: a cohort that is not yours, a learner not in it, a submission not theirs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.cohorts import selectors, services
from apps.cohorts.forms import CohortForm, HeatmapForm, JoinCodeForm
from apps.cohorts.readiness import cohort_readiness
from apps.content.rendering import render_code
from apps.core import clock
from apps.core.csv_export import csv_response
from apps.study.models import MASTERED_STABILITY_DAYS


def _teacher_only(request) -> None:
    if not services.can_teach(request.user):
        raise Http404


# Listing, creating, joining ---------------------------------------------------------------


def _index_context(request, *, form: CohortForm | None = None) -> dict:
    teaches = services.can_teach(request.user)
    return {
        "teaches": teaches,
        "cohorts": selectors.cohort_list(user=request.user) if teaches else [],
        "form": form or (CohortForm() if teaches else None),
        "join_form": JoinCodeForm(),
        "memberships": selectors.memberships_of(user=request.user),
    }


@require_GET
@login_required
def index(request):
    return render(request, "cohorts/index.html", _index_context(request))


@require_POST
@login_required
def create(request):
    _teacher_only(request)
    form = CohortForm(request.POST)
    if not form.is_valid():
        return render(request, "cohorts/index.html", _index_context(request, form=form), status=400)
    cohort = services.cohort_create(
        instructor=request.user,
        name=form.cleaned_data["name"],
        interview_date=form.cleaned_data["interview_date"],
    )
    messages.success(request, f"“{cohort.name}” is ready: share its join link with learners.")
    return redirect(cohort)


@require_GET
def join_by_code(request):
    """The join form on the Cohorts page (a GET, so it works without JavaScript)."""
    form = JoinCodeForm(request.GET)
    if form.is_valid():
        return redirect("cohorts:join", code=form.cleaned_data["code"])
    context = {"join_form": form, "cohort": None}
    return render(request, "cohorts/join.html", context, status=400)


@require_http_methods(["GET", "POST"])
def join(request, code: str):
    """The join link. Visitors are asked to sign up or log in first (and come back here)."""
    normalised = services.join_code_normalise(code)
    if normalised != code:
        return redirect("cohorts:join", code=normalised)
    try:
        cohort = selectors.cohort_by_code(code=normalised)
    except Http404:
        context = {"cohort": None, "join_form": JoinCodeForm(initial={"code": code})}
        return render(request, "cohorts/join.html", context, status=404)
    member = selectors.is_member(user=request.user, cohort=cohort)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        try:
            _, created = services.cohort_join(user=request.user, cohort=cohort)
        except services.JoinRefused as exc:
            messages.error(request, str(exc))
            return redirect(cohort)
        if created:
            messages.success(request, f"You joined “{cohort.name}”. Happy studying!")
        return redirect("cohorts:index")
    return render(request, "cohorts/join.html", {"cohort": cohort, "member": member})


@require_POST
@login_required
def leave(request, pk: int):
    membership = selectors.membership_get(user=request.user, cohort_id=pk)
    services.cohort_leave(user=request.user, cohort=membership.cohort)
    messages.success(request, f"You left “{membership.cohort.name}”. Your progress stays yours.")
    return redirect("cohorts:index")


# Following a cohort -----------------------------------------------------------------------


@require_GET
@login_required
@vary_on_headers("HX-Request")
def dashboard(request, pk: int):
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    heatmap = selectors.cohort_heatmap(cohort=cohort, **HeatmapForm(request.GET).params())
    if request.htmx:
        return render(
            request, "cohorts/dashboard.html#heatmap", {"cohort": cohort, "heatmap": heatmap}
        )
    now = clock.now()
    figures = selectors.cohort_figures_get(cohort=cohort, now=now)
    if figures is None:
        figures = services.cohort_stats_refresh(cohort=cohort)
    context = {
        "cohort": cohort,
        "heatmap": heatmap,
        "figures": figures,
        "join_url": request.build_absolute_uri(reverse("cohorts:join", args=[cohort.join_code])),
        "mastered_days": int(MASTERED_STABILITY_DAYS),
        "max_age": int(selectors.stats_max_age().total_seconds()),
    }
    return render(request, "cohorts/dashboard.html", context)


@require_POST
@login_required
def refresh(request, pk: int):
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    services.cohort_stats_refresh(cohort=cohort)
    messages.success(request, "Figures refreshed.")
    return redirect(cohort)


@require_http_methods(["GET", "POST"])
@login_required
def settings_page(request, pk: int):
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    form = CohortForm(request.POST or None, instance=cohort)
    if request.method == "POST" and form.is_valid():
        services.cohort_update(
            cohort=cohort,
            name=form.cleaned_data["name"],
            interview_date=form.cleaned_data["interview_date"],
        )
        messages.success(request, "Cohort saved.")
        return redirect(cohort)
    join_url = request.build_absolute_uri(reverse("cohorts:join", args=[cohort.join_code]))
    return render(
        request, "cohorts/settings.html", {"cohort": cohort, "form": form, "join_url": join_url}
    )


@require_POST
@login_required
def join_code_renew(request, pk: int):
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    services.cohort_join_code_renew(cohort=cohort)
    messages.success(request, "New join code and link: the old ones no longer work.")
    return redirect("cohorts:settings", pk=cohort.pk)


@require_GET
@login_required
def learner(request, pk: int, user_id: int):
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    person = selectors.cohort_learner_get(cohort=cohort, user_id=user_id)
    detail = selectors.cohort_learner_detail(learner=person, now=clock.now())
    return render(request, "cohorts/learner.html", {"cohort": cohort, "detail": detail})


@require_http_methods(["GET", "POST"])
@login_required
def learner_remove(request, pk: int, user_id: int):
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    person = selectors.cohort_learner_get(cohort=cohort, user_id=user_id)
    if request.method == "POST":
        services.cohort_learner_remove(cohort=cohort, learner=person)
        messages.success(request, f"{person.public_name} is no longer in “{cohort.name}”.")
        return redirect(cohort)
    return render(request, "cohorts/learner_remove.html", {"cohort": cohort, "person": person})


@require_GET
@login_required
def submission(request, pk: int, user_id: int, submission_id: int):
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    person = selectors.cohort_learner_get(cohort=cohort, user_id=user_id)
    found = selectors.cohort_submission_get(learner=person, submission_id=submission_id)
    code_html = render_code(found.exercise.language, found.code)
    context = {"cohort": cohort, "person": person, "submission": found, "code_html": code_html}
    return render(request, "cohorts/submission.html", context)


# Exports ----------------------------------------------------------------------------------


PROGRESS_COLUMNS = [
    "learner", "name", "track", "lesson", "lesson_title", "cards", "seen", "learned", "mastered",
    "mastered_pct",
]  # fmt: skip
SUBMISSION_COLUMNS = [
    "submission", "learner", "name", "exercise", "submitted_at", "finished_at", "state",
    "verdict", "tests_passed", "tests_total", "failed_tests", "wall_ms",
]  # fmt: skip


@require_GET
@login_required
def export_progress(request, pk: int):
    cohort = selectors.cohort_get(user=request.user, pk=pk)

    def rows():
        yield PROGRESS_COLUMNS
        for person, lesson, progress in selectors.export_progress_rows(cohort=cohort):
            yield [
                person.username, person.public_name, lesson.track.slug, lesson.slug,
                lesson.title, progress.total, progress.seen, progress.learned,
                progress.mastered, progress.mastered_pct,
            ]  # fmt: skip

    return csv_response(rows(), filename=f"cohort-{cohort.pk}-progress.csv")


@require_GET
@login_required
def export_submissions(request, pk: int):
    cohort = selectors.cohort_get(user=request.user, pk=pk)

    def rows():
        yield SUBMISSION_COLUMNS
        for item in selectors.export_submissions(cohort=cohort):
            yield [
                item.pk, item.user.username, item.user.public_name, item.exercise.slug,
                item.created_at.isoformat(),
                item.finished_at.isoformat() if item.finished_at else "",
                item.state, item.verdict, item.tests_passed, item.tests_total,
                "; ".join(item.failed_names), "" if item.wall_ms is None else item.wall_ms,
            ]  # fmt: skip

    return csv_response(rows(), filename=f"cohort-{cohort.pk}-submissions.csv")


# Readiness on the cohort's date (issue 16) -------------------------------------------------

READINESS_COLUMNS = [
    "learner", "name", "interview_date", "target_pct", "weakest_track_if_plan_followed_pct",
    "weakest_track_if_stopped_pct", "all_cards_if_plan_followed_pct", "on_track",
    "behind_points", "memory_model",
]  # fmt: skip


@require_GET
@login_required
@vary_on_headers("HX-Request")
def readiness(request, pk: int):
    """Who is on track for the cohort's interview date. Its own page (the figures take one
    plan projection per learner), and a partial the dashboard loads."""
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    context = {"cohort": cohort, "readiness": cohort_readiness(cohort=cohort, now=clock.now())}
    template = "cohorts/readiness.html#readiness" if request.htmx else "cohorts/readiness.html"
    return render(request, template, context)


@require_GET
@login_required
def export_readiness(request, pk: int):
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    report = cohort_readiness(cohort=cohort, now=clock.now())

    def rows():
        yield READINESS_COLUMNS
        for r in report.learners:
            yield [
                r.username, r.name, report.interview_date.isoformat(), r.target_pct,
                r.followed_pct, r.stopped_pct, r.mean_followed_pct,
                "yes" if r.on_track else "no", r.behind_points, r.model,
            ]  # fmt: skip

    return csv_response(rows(), filename=f"cohort-{cohort.pk}-readiness.csv")
