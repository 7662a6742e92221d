"""Study pages: the review session, the rating endpoint, the dashboard, mock interviews and the
learner's own data. Every page shows the signed-in learner's rows only; anything addressed by
id is looked up through the learner, so someone else's id is a 404."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts.services import user_delete
from apps.content.models import Track
from apps.core import clock
from apps.core.csv_export import csv_response
from apps.core.security import safe_next_url
from apps.study import scheduling, selectors, services
from apps.study.forms import (
    AccountDeleteForm,
    InterviewDateForm,
    MockNewForm,
    MockRevealForm,
    MockScoreForm,
    NewCardsForm,
    RatingForm,
)
from apps.study.models import MASTERED_STABILITY_DAYS, ReviewLog

MAX_SESSION = timedelta(hours=12)


def _since(value: int | None, now: datetime) -> datetime:
    """Start of a review session, carried by the page as epoch seconds; clamped so a stale or
    forged value cannot widen the summary beyond half a day."""
    if not value:
        return now
    start = datetime.fromtimestamp(value, tz=UTC)
    return min(max(start, now - MAX_SESSION), now)


def _due_badge(request, now, *, plan=None) -> selectors.DueSummary:
    """The due count, computed once per request: the navigation reuses it."""
    request.study_due = selectors.due_summary(user=request.user, now=now, plan=plan)
    return request.study_due


# Review session ---------------------------------------------------------------------------


def _session_context(request, *, now: datetime, since: datetime, track: Track | None) -> dict:
    plan = selectors.study_plan_get(user=request.user)
    item = selectors.review_next(user=request.user, now=now, track=track, plan=plan)
    context = {
        "item": item,
        "since": int(since.timestamp()),
        "track": track,
        "due": _due_badge(request, now, plan=plan),
        "new_cards_form": NewCardsForm(initial={"new_cards_per_day": plan.new_cards_per_day}),
    }
    if item is None:
        context["summary"] = selectors.session_summary(user=request.user, since=since, now=now)
    else:
        item.card.study = selectors.card_study(
            user=request.user,
            card=item.card,
            state=item.state,
            now=now,
            context="review",
            since=context["since"],
            track=track.slug if track else "",
        )
    return context


@require_GET
@login_required
@vary_on_headers("HX-Request")
def review(request):
    now = clock.now()
    track_slug = request.GET.get("track", "")
    track = get_object_or_404(Track.objects.live(), slug=track_slug) if track_slug else None
    try:
        since_value = int(request.GET.get("since", "0"))
    except ValueError:
        since_value = 0
    context = _session_context(request, now=now, since=_since(since_value, now), track=track)
    template = "study/review.html#session" if request.htmx else "study/review.html"
    return render(request, template, context)


@require_POST
def rate(request, card_slug: str):
    """Save one rating. htmx gets the next fragment; a plain form post gets a redirect."""
    card = selectors.card_for_review(slug=card_slug)
    card_url = f"{card.lesson.get_absolute_url()}#card-{card.slug}"
    if not request.user.is_authenticated:
        login_url = f"{reverse('accounts:login')}?{urlencode({'next': card_url})}"
        return HttpResponseClientRedirect(login_url) if request.htmx else redirect(login_url)

    form = RatingForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Invalid rating: " + form.errors.as_text())
    data = form.cleaned_data
    in_session = data["context"] == "review"
    log = services.review_record(
        user=request.user,
        card=card,
        rating=data["rating"],
        duration_ms=data["duration_ms"],
        source=ReviewLog.Source.REVIEW if in_session else ReviewLog.Source.LESSON,
        idempotency_key=data["idempotency_key"],
    )
    now = clock.now()
    due_after = datetime.fromisoformat(log.state_after["due"])
    interval = scheduling.interval_label(due_after - log.reviewed_at)
    saved = f"Saved: {log.get_rating_display()}. Next review in {interval}."

    if in_session:
        track = Track.objects.live().filter(slug=data["track"]).first() if data["track"] else None
        since = _since(data["since"], now)
        if request.htmx:
            context = _session_context(request, now=now, since=since, track=track)
            context.update(saved=saved, oob=True)
            return render(request, "study/review.html#session-response", context)
        query = {"since": int(since.timestamp())}
        if track:
            query["track"] = track.slug
        messages.success(request, saved)
        return redirect(f"{reverse('study:review')}?{urlencode(query)}")

    if request.htmx:
        context = {
            "card": card,
            "saved": saved,
            "due": _due_badge(request, now),
            "progress": selectors.lesson_progress_for_card(user=request.user, card=card),
        }
        return render(request, "study/_rating.html#rated-response", context)
    messages.success(request, saved)
    return redirect(card_url)


# Plan -------------------------------------------------------------------------------------


def _next_url(request, default: str) -> str:
    return safe_next_url(request, request.POST.get("next"), default)


@require_POST
@login_required
def new_cards_update(request):
    form = NewCardsForm(request.POST)
    if form.is_valid():
        services.study_plan_set_new_cards(
            user=request.user, new_cards_per_day=form.cleaned_data["new_cards_per_day"]
        )
        messages.success(request, f"New cards per day: {form.cleaned_data['new_cards_per_day']}.")
    else:
        messages.error(request, "New cards per day must be a number from 0 to 200.")
    return redirect(_next_url(request, reverse("study:review")))


@require_POST
@login_required
@vary_on_headers("HX-Request")
def interview_date_update(request):
    form = InterviewDateForm(request.POST)
    if form.is_valid():
        services.study_plan_set_interview_date(
            user=request.user, interview_date=form.cleaned_data["interview_date"]
        )
    if request.htmx:
        now = clock.now()
        context = {"board": selectors.dashboard(user=request.user, now=now), "date_form": form}
        return render(request, "study/dashboard.html#readiness", context)
    if not form.is_valid():
        messages.error(request, "That is not a date.")
    return redirect(reverse("study:dashboard") + "#readiness")


# Dashboard --------------------------------------------------------------------------------


@require_GET
@login_required
def dashboard(request):
    now = clock.now()
    board = selectors.dashboard(user=request.user, now=now)
    context = {
        "board": board,
        "date_form": InterviewDateForm(initial={"interview_date": board.plan.interview_date}),
        "mastered_days": int(MASTERED_STABILITY_DAYS),
        "zone": clock.learner_zone(request.user),
    }
    return render(request, "study/dashboard.html", context)


# Mock interviews --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def mock_new(request):
    form = MockNewForm(request.POST or None, initial={"tracks": Track.objects.live()})
    if request.method == "POST" and form.is_valid():
        mock = services.mock_create(
            user=request.user,
            tracks=list(form.cleaned_data["tracks"]),
            question_count=form.cleaned_data["question_count"],
            seconds_per_question=form.cleaned_data["seconds_per_question"],
        )
        return redirect("study:mock", pk=mock.pk)
    return render(
        request,
        "study/mock_new.html",
        {"form": form, "coverage_rules": scheduling.coverage_rules()},
    )


def _mock_stage_context(*, mock, questions, now: datetime) -> dict:
    current = next((q for q in questions if q.scored_at is None), None)
    context = {
        "mock": mock,
        "questions": questions,
        "question": current,
        "coverage_rules": scheduling.coverage_rules(),
    }
    if current is not None:
        started = current.started_at or now
        elapsed = (now - started).total_seconds()
        seconds_left = max(0, math.ceil(mock.seconds_per_question - elapsed))
        context["seconds_left"] = seconds_left
        context["countdown"] = f"{seconds_left // 60}:{seconds_left % 60:02d}"
        context["key_points"] = list(enumerate(current.card.key_points or []))
    return context


@require_GET
@login_required
@vary_on_headers("HX-Request")
def mock_detail(request, pk: int):
    mock = selectors.mock_get(user=request.user, pk=pk)
    questions = selectors.mock_questions(mock=mock)
    context = _mock_stage_context(mock=mock, questions=questions, now=clock.now())
    if context["question"] is None:
        return redirect("study:mock_results", pk=mock.pk)
    template = "study/mock.html#stage" if request.htmx else "study/mock.html"
    return render(request, template, context)


def _mock_question(request, pk: int, position: int):
    mock = selectors.mock_get(user=request.user, pk=pk)
    question = get_object_or_404(mock.questions, position=position)
    return mock, question


def _mock_next(request, mock):
    """After a step: the next stage (htmx) or the page (plain post), or the results."""
    questions = selectors.mock_questions(mock=mock)
    context = _mock_stage_context(mock=mock, questions=questions, now=clock.now())
    if context["question"] is None:
        url = reverse("study:mock_results", args=[mock.pk])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx:
        return render(request, "study/mock.html#stage", context)
    return redirect("study:mock", pk=mock.pk)


@require_POST
@login_required
def mock_reveal(request, pk: int, position: int):
    mock, question = _mock_question(request, pk, position)
    form = MockRevealForm(request.POST)
    notes = form.cleaned_data["notes"] if form.is_valid() else ""
    services.mock_question_reveal(question=question, notes=notes)
    return _mock_next(request, mock)


@require_POST
@login_required
def mock_score(request, pk: int, position: int):
    mock, question = _mock_question(request, pk, position)
    form = MockScoreForm(request.POST)
    covered = form.cleaned_data["covered"] if form.is_valid() else []
    services.mock_question_score(question=question, covered=covered)
    return _mock_next(request, mock)


@require_GET
@login_required
def mock_results(request, pk: int):
    mock = selectors.mock_get(user=request.user, pk=pk)
    questions = selectors.mock_questions(mock=mock)
    for question in questions:
        points = question.card.key_points or []
        question.points = [(point, index in question.covered) for index, point in enumerate(points)]
        question.seconds_used = (
            int((question.revealed_at - question.started_at).total_seconds())
            if question.revealed_at and question.started_at
            else None
        )
    scored = [q for q in questions if q.scored_at]
    points = sum(q.key_point_count for q in scored)
    covered = sum(len(q.covered) for q in scored)
    context = {
        "mock": mock,
        "questions": questions,
        "scored": len(scored),
        "coverage_pct": round(100 * covered / points) if points else None,
        "coverage_rules": scheduling.coverage_rules(),
        "zone": clock.learner_zone(request.user),
    }
    return render(request, "study/mock_results.html", context)


# Your data --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def data(request):
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user_delete(user=request.user)
        logout(request)
        messages.success(request, "Your account and all of its progress have been deleted.")
        return redirect("home")
    return render(request, "study/data.html", {"form": form})


@require_GET
@login_required
def export_reviews_csv(request):
    def rows():
        yield ["reviewed_at", "card", "lesson", "track", "rating", "rating_label", "source",
               "duration_ms", "state_after", "stability_after", "due_after"]  # fmt: skip
        for log in selectors.export_reviews(user=request.user):
            after = log.state_after or {}
            yield [
                log.reviewed_at.isoformat(), log.card.slug, log.card.lesson.slug,
                log.card.lesson.track.slug, log.rating, log.get_rating_display(), log.source,
                "" if log.duration_ms is None else log.duration_ms, after.get("state"),
                after.get("stability"), after.get("due"),
            ]  # fmt: skip

    return csv_response(rows(), filename=f"{request.user.username}-reviews.csv")


@require_GET
@login_required
def export_cards_csv(request):
    def rows():
        yield ["card", "lesson", "track", "state", "due", "stability", "difficulty", "reps",
               "lapses", "last_review", "first_review"]  # fmt: skip
        for state in selectors.export_card_states(user=request.user):
            yield [
                state.card.slug, state.card.lesson.slug, state.card.lesson.track.slug,
                state.get_state_display(), state.due.isoformat(), state.stability,
                state.difficulty, state.reps, state.lapses,
                state.last_review.isoformat() if state.last_review else "",
                state.created_at.isoformat(),
            ]  # fmt: skip

    return csv_response(rows(), filename=f"{request.user.username}-cards.csv")


@require_GET
@login_required
def export_json(request):
    user = request.user
    plan = selectors.study_plan_get(user=user)
    document = {
        "exported_at": clock.now(),
        "user": {
            "username": user.username,
            "display_name": user.display_name,
            "time_zone": user.time_zone,
            "date_joined": user.date_joined,
        },
        "plan": {
            "new_cards_per_day": plan.new_cards_per_day,
            "interview_date": plan.interview_date,
        },
        "cards": [
            {
                "card": state.card.slug,
                "lesson": state.card.lesson.slug,
                "track": state.card.lesson.track.slug,
                "state": state.get_state_display(),
                "due": state.due,
                "stability": state.stability,
                "difficulty": state.difficulty,
                "reps": state.reps,
                "lapses": state.lapses,
                "last_review": state.last_review,
                "first_review": state.created_at,
                "fsrs": state.fsrs,
            }
            for state in selectors.export_card_states(user=user)
        ],
        "reviews": [
            {
                "reviewed_at": log.reviewed_at,
                "card": log.card.slug,
                "rating": log.rating,
                "rating_label": log.get_rating_display(),
                "source": log.source,
                "duration_ms": log.duration_ms,
                "state_before": log.state_before,
                "state_after": log.state_after,
            }
            for log in selectors.export_reviews(user=user)
        ],
        "mock_interviews": [
            {
                "id": mock.pk,
                "created_at": mock.created_at,
                "finished_at": mock.finished_at,
                "seconds_per_question": mock.seconds_per_question,
                "tracks": [track.slug for track in mock.tracks.all()],
                "questions": [
                    {
                        "position": q.position,
                        "card": q.card.slug,
                        "notes": q.notes,
                        "key_points_covered": q.covered,
                        "key_point_count": q.key_point_count,
                        "rating": q.rating,
                    }
                    for q in mock.questions.all()
                ],
            }
            for mock in selectors.export_mocks(user=user)
        ],
    }
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, indent=2),
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="{user.username}-progress.json"'
    return response
