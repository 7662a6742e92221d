"""The Cohorts entry in the main navigation, for everyone signed in: instructors and staff
follow their cohorts there, learners see the cohorts they joined (no query either way)."""

from django.urls import reverse

from apps.core.context_processors import NavItem


def nav_items(request) -> list[NavItem]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    match = getattr(request, "resolver_match", None)
    current = bool(match and match.namespace == "cohorts")
    return [NavItem(label="Cohorts", url=reverse("cohorts:index"), order=40, current=current)]
