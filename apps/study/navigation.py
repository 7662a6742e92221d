"""Study's entries in the main navigation: the review session with the number of cards due
now (reviews due plus today's new cards), and the dashboard (mock interviews start there)."""

from django.urls import reverse

from apps.core import clock
from apps.core.context_processors import NavItem
from apps.study import selectors


def nav_items(request) -> list[NavItem]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        return []  # a fragment: the page around it already has its navigation
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match and match.namespace == "study" else ""
    due = getattr(request, "study_due", None) or selectors.due_summary(user=user, now=clock.now())
    return [
        NavItem(
            label="Review",
            url=reverse("study:review"),
            order=20,
            current=current == "review",
            badge=due.total,
            badge_id="due-count",
            badge_label="cards due now",
        ),
        NavItem(
            label="Progress",
            url=reverse("study:dashboard"),
            order=21,
            current=current == "dashboard" or current.startswith("mock") or current == "data",
        ),
    ]
