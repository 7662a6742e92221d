from django.urls import reverse

from apps.core.context_processors import NavItem


def nav_items(request) -> list[NavItem]:
    match = getattr(request, "resolver_match", None)
    current = bool(match and match.namespace == "exercises")
    return [NavItem(label="Exercises", url=reverse("exercises:list"), order=30, current=current)]
