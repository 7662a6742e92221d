"""Navigation assembled from the apps: each app may define `navigation.nav_items(request)`
returning NavItem rows, so adding a section never means editing base.html."""

from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.conf import settings


@dataclass
class NavItem:
    label: str
    url: str
    order: int = 50
    current: bool = False
    badge: int | None = None
    badge_id: str = ""
    badge_label: str = ""


@cache
def _providers() -> tuple:
    return tuple(_discover())


def _discover():
    for app in settings.INSTALLED_APPS:
        if not app.startswith("apps."):
            continue
        try:
            module = import_module(f"{app}.navigation")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.navigation":
                raise
            continue
        yield module.nav_items


def navigation(request) -> dict:
    items = [item for provider in _providers() for item in provider(request)]
    return {"nav_items": sorted(items, key=lambda item: item.order)}
