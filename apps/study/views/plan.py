"""The learner's plan: the plan page (interview date, target and budget, and the day-by-day
forecast to the date; a full page, or its `plan-body` partial for htmx, and the form posts
without JavaScript too), and the two quick settings on other pages: new cards per day (review
page) and the interview date (dashboard)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core import clock
from apps.core.security import safe_next_url
from apps.study import selectors, services
from apps.study.forms import InterviewDateForm, NewCardsForm, PlanForm, days_off_text


def _form_for(page: selectors.PlanPage) -> PlanForm:
    plan = page.plan
    return PlanForm(
        initial={
            "interview_date": plan.interview_date,
            "target_pct": page.target_pct,
            "budget_minutes": plan.budget_minutes,
            "budget_reviews": plan.budget_reviews,
            "easy_weekdays": plan.easy_weekdays,
            "days_off": days_off_text(plan.days_off),
        }
    )


def _context(request, *, form: PlanForm | None = None) -> dict:
    page = selectors.plan_page(user=request.user, now=clock.now())
    return {"page": page, "form": form or _form_for(page), "zone": clock.learner_zone(request.user)}


@require_GET
@login_required
@vary_on_headers("HX-Request")
def plan(request):
    template = "study/plan.html#plan-body" if request.htmx else "study/plan.html"
    return render(request, template, _context(request))


@require_POST
@login_required
@vary_on_headers("HX-Request")
def plan_update(request):
    form = PlanForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        services.study_plan_update(
            user=request.user,
            interview_date=data["interview_date"],
            target_recall=data["target_pct"] / 100,
            budget_minutes=data["budget_minutes"],
            budget_reviews=data["budget_reviews"],
            easy_weekdays=data["easy_weekdays"],
            days_off=data["days_off"],
        )
        if request.htmx:
            return render(request, "study/plan.html#plan-body", _context(request))
        messages.success(request, "Plan saved.")
        return redirect(reverse("study:plan"))
    template = "study/plan.html#plan-body" if request.htmx else "study/plan.html"
    return render(request, template, _context(request, form=form))


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
    return redirect(safe_next_url(request, request.POST.get("next"), reverse("study:review")))


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
