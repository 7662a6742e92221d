"""The exercise list, the exercise page and the submission endpoints. Each answers htmx with a
partial of the page template and a plain request with the page (or a redirect to it), so the
whole flow works without JavaScript."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from apps.exercises import selectors, services
from apps.exercises.forms import SubmissionForm
from apps.exercises.services import SubmissionRefused

PAGE = "exercises/detail.html"

# Refusals rendered as full pages keep the learner's code and say why, with a status that
# tells scripts what happened; htmx partials use 200 so htmx swaps the message in.
REFUSAL_STATUS = {"in_flight": 409, "rate_limited": 429, "too_large": 413, "empty": 400}


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
def exercise_list(request: HtmxHttpRequest) -> HttpResponse:
    exercises = selectors.exercise_list(user=request.user)
    return render(request, "exercises/list.html", {"exercises": exercises})


def _submission_param(request: HttpRequest) -> int | None:
    value = request.GET.get("submission", "")
    return int(value) if value.isdigit() else None


def _page_context(page: selectors.ExercisePage, **extra) -> dict:
    return {
        "page": page,
        "exercise": page.exercise,
        "submission": page.submission,
        "examples_html": selectors.exercise_examples_html(exercise=page.exercise),
        "solution_html": selectors.exercise_solution_html(exercise=page.exercise)
        if page.show_solution
        else "",
        **extra,
    }


@require_GET
@vary_on_headers("HX-Request")
def exercise_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    exercise = selectors.exercise_get(slug=slug)
    page = selectors.exercise_page(
        exercise=exercise,
        user=request.user,
        submission_id=_submission_param(request),
        starter="starter" in request.GET,
    )
    template = f"{PAGE}#results" if request.htmx else PAGE
    extra = {}
    run_id = _example_run_param(request)
    if run_id is not None:
        # After "Run examples" without JavaScript: the run's table in the results' place.
        extra["example_run"] = selectors.example_run_get(user=request.user, run_id=run_id)
        if extra["example_run"].exercise_id != exercise.pk:
            raise Http404
        page.editor_code = extra["example_run"].code
    return render(request, template, _page_context(page, **extra))


@require_POST
@login_required
def submission_submit(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    exercise = selectors.exercise_get(slug=slug)
    code = request.POST.get("code", "")
    try:
        submission = services.submission_create(
            user=request.user, exercise=exercise, code=_posted_code(request)
        )
    except SubmissionRefused as refusal:
        page = selectors.exercise_page(exercise=exercise, user=request.user)
        page.editor_code = code
        context = _page_context(page, refusal=refusal.message)
        if request.htmx:
            return render(request, f"{PAGE}#results", context)
        return render(request, PAGE, context, status=REFUSAL_STATUS.get(refusal.reason, 400))
    if request.htmx:
        page = selectors.exercise_page(
            exercise=exercise, user=request.user, submission_id=submission.pk
        )
        return render(request, f"{PAGE}#results", _page_context(page, oob=True))
    return redirect(f"{exercise.get_absolute_url()}?submission={submission.pk}#results")


@require_GET
@vary_on_headers("HX-Request")
def submission_detail(request: HtmxHttpRequest, submission_id: int) -> HttpResponse:
    """The live status of one submission: htmx polls it until the state is final."""
    submission = selectors.submission_get(user=request.user, submission_id=submission_id)
    exercise = submission.exercise
    if not request.htmx:
        return redirect(f"{exercise.get_absolute_url()}?submission={submission.pk}#results")
    if submission.is_in_flight:
        # The cheap path for each poll: no history, no solution, just the status.
        page = selectors.ExercisePage(exercise=exercise, submission=submission)
        return render(request, f"{PAGE}#results", _page_context(page))
    page = selectors.exercise_page(
        exercise=exercise, user=request.user, submission_id=submission.pk
    )
    # Final now: refresh the history and (after a pass) reveal the solution out of band.
    return render(request, f"{PAGE}#results", _page_context(page, oob=True))


@require_POST
@login_required
def submission_retry(request: HtmxHttpRequest, submission_id: int) -> HttpResponse:
    submission = selectors.submission_get(user=request.user, submission_id=submission_id)
    refusal = None
    try:
        submission = services.submission_retry(user=request.user, submission=submission)
    except SubmissionRefused as exc:
        refusal = exc.message
    if request.htmx:
        page = selectors.exercise_page(
            exercise=submission.exercise, user=request.user, submission_id=submission.pk
        )
        return render(request, f"{PAGE}#results", _page_context(page, refusal=refusal, oob=True))
    url = submission.exercise.get_absolute_url()
    return redirect(f"{url}?submission={submission.pk}#results")


@require_POST
@login_required
def exercise_give_up(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    exercise = selectors.exercise_get(slug=slug)
    services.exercise_give_up(user=request.user, exercise=exercise)
    if request.htmx:
        page = selectors.exercise_page(exercise=exercise, user=request.user)
        return render(request, f"{PAGE}#solution", _page_context(page))
    return redirect(reverse("exercises:detail", args=[exercise.slug]) + "#solution")


@require_POST
@login_required
def exercise_hint(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Reveal the next rung of help ("Show a hint"); recorded, it caps the exercise's review."""
    exercise = selectors.exercise_get(slug=slug)
    unavailable = ""
    try:
        services.hint_reveal(user=request.user, exercise=exercise)
    except services.HintUnavailable as exc:
        unavailable = str(exc)
    if request.htmx:
        page = selectors.exercise_page(exercise=exercise, user=request.user)
        return render(request, f"{PAGE}#hints", _page_context(page, hint_unavailable=unavailable))
    if unavailable:
        page = selectors.exercise_page(exercise=exercise, user=request.user)
        return render(request, PAGE, _page_context(page, hint_unavailable=unavailable), status=409)
    return redirect(reverse("exercises:detail", args=[exercise.slug]) + "#hints")


def _posted_code(request: HttpRequest) -> str:
    """The editor form's code (Submit and Run examples post the same form), or a refusal."""
    form = SubmissionForm(request.POST)
    if not form.is_valid():
        raise SubmissionRefused("Send your code in the editor's form.", reason="empty")
    return form.cleaned_data["code"]


def _example_run_param(request: HttpRequest) -> int | None:
    value = request.GET.get("example_run", "")
    return int(value) if value.isdigit() else None


@require_POST
@login_required
def example_run_submit(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The "Run examples" button: the same form as a submission, graded on the example tests."""
    exercise = selectors.exercise_get(slug=slug)
    code = request.POST.get("code", "")
    try:
        run = services.example_run_create(
            user=request.user, exercise=exercise, code=_posted_code(request)
        )
    except SubmissionRefused as refusal:
        if request.htmx:
            # Keep showing (and polling) a run still in flight under the refusal.
            context = {
                "refusal": refusal.message,
                "example_run": selectors.example_run_in_flight(
                    user=request.user, exercise=exercise
                ),
            }
            return render(request, f"{PAGE}#example_run", context)
        page = selectors.exercise_page(exercise=exercise, user=request.user)
        page.editor_code = code
        context = _page_context(page, refusal=refusal.message)
        return render(request, PAGE, context, status=REFUSAL_STATUS.get(refusal.reason, 400))
    if request.htmx:
        run = selectors.example_run_get(user=request.user, run_id=run.pk)
        return render(request, f"{PAGE}#example_run", {"example_run": run, "exercise": exercise})
    return redirect(f"{exercise.get_absolute_url()}?example_run={run.pk}#results")


@require_GET
@vary_on_headers("HX-Request")
def example_run_detail(request: HtmxHttpRequest, run_id: int) -> HttpResponse:
    """The live status of one example run: htmx polls it until it is finished."""
    run = selectors.example_run_get(user=request.user, run_id=run_id)
    if not request.htmx:
        return redirect(f"{run.exercise.get_absolute_url()}?example_run={run.pk}#results")
    return render(request, f"{PAGE}#example_run", {"example_run": run, "exercise": run.exercise})
