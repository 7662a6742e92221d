"""The progress dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.core import clock
from apps.study import selectors
from apps.study.forms import InterviewDateForm
from apps.study.models import MASTERED_STABILITY_DAYS


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
