"""The review session and the rating endpoint (which lesson pages post to as well)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from apps.content.models import Track
from apps.core import clock
from apps.study import scheduling, selectors, services
from apps.study.forms import NewCardsForm, RatingForm
from apps.study.models import ReviewLog

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
