from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from apps.content import selectors
from apps.content.page_cache import cache_for_visitors
from apps.study import selectors as study_selectors


@require_GET
@cache_for_visitors
def home(request):
    tracks = study_selectors.progress_attach_to_tracks(
        user=request.user, tracks=selectors.track_list()
    )
    return render(request, "content/home.html", {"tracks": tracks})


@require_GET
@cache_for_visitors
def track_detail(request, track_slug: str):
    track = selectors.track_get(slug=track_slug)
    lessons = study_selectors.progress_attach_to_lessons(
        user=request.user, track=track, lessons=selectors.track_lessons(track=track)
    )
    return render(request, "content/track.html", {"track": track, "lessons": lessons})


@require_GET
@cache_for_visitors
def lesson_detail(request, track_slug: str, lesson_slug: str):
    lesson = selectors.lesson_get(track_slug=track_slug, slug=lesson_slug)
    previous, following = selectors.lesson_neighbours(lesson=lesson)
    context = {
        "lesson": lesson,
        "track": lesson.track,
        "cards": study_selectors.lesson_study_attach(
            user=request.user, lesson=lesson, cards=selectors.lesson_cards(lesson=lesson)
        ),
        "previous": previous,
        "following": following,
    }
    return render(request, "content/lesson.html", context)


@require_GET
@vary_on_headers("HX-Request")
def search(request):
    query = request.GET.get("q", "")[:200]
    context = {"query": query, "results": selectors.card_search(query=query)}
    template = "content/search.html#results" if request.htmx else "content/search.html"
    return render(request, template, context)
