"""Mock interviews: choosing the tracks, one question at a time against the clock (reveal the
model answer, tick the key points covered), and the results. A mock is looked up through the
learner, so someone else's id is a 404."""

from __future__ import annotations

import math
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from apps.content.models import Track
from apps.core import clock
from apps.study import scheduling, selectors, services
from apps.study.forms import MockNewForm, MockRevealForm, MockScoreForm


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
    context = {
        "mock": mock,
        "questions": questions,
        "scored": sum(1 for q in questions if q.scored_at),
        "coverage_pct": selectors.mock_coverage_pct(questions=questions),
        "coverage_rules": scheduling.coverage_rules(),
        "zone": clock.learner_zone(request.user),
    }
    return render(request, "study/mock_results.html", context)
