"""The "Your data" page (download links, and deleting the account after the password) and the
downloads: every review and every card state as CSV, everything as JSON."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.privacy.forms import AccountDeleteForm
from apps.accounts.privacy.selectors import export_card_states, export_mocks, export_reviews
from apps.accounts.services import user_delete
from apps.core import clock
from apps.core.csv_export import csv_response
from apps.study import selectors as study_selectors


@require_http_methods(["GET", "POST"])
@login_required
def data(request):
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user_delete(user=request.user)
        logout(request)
        messages.success(request, "Your account and all of its progress have been deleted.")
        return redirect("home")
    return render(request, "accounts/data.html", {"form": form})


@require_GET
@login_required
def export_reviews_csv(request):
    def rows():
        yield ["reviewed_at", "card", "lesson", "track", "rating", "rating_label", "source",
               "duration_ms", "state_after", "stability_after", "due_after"]  # fmt: skip
        for log in export_reviews(user=request.user):
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
        for state in export_card_states(user=request.user):
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
    plan = study_selectors.study_plan_get(user=user)
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
            for state in export_card_states(user=user)
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
            for log in export_reviews(user=user)
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
            for mock in export_mocks(user=user)
        ],
    }
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, indent=2),
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="{user.username}-progress.json"'
    return response
