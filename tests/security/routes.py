"""Every URL pattern of the project, read from the resolver (the admin's included), so a view
added tomorrow is covered by the security tests or fails them."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str | None  # namespaced ("cohorts:dashboard"); None for unnamed patterns
    route: str  # the full pattern, e.g. "cohorts/<int:pk>/"
    pattern: URLPattern

    @property
    def key(self) -> str:
        """How the tables in these tests refer to a route: its name, else its pattern."""
        return self.name or self.route

    @property
    def parameters(self) -> list[str]:
        regex = self.pattern.pattern.regex
        return list(regex.groupindex) or ([] if not regex.groups else ["*"])

    @property
    def is_parameterised(self) -> bool:
        return bool(self.parameters)


def _walk(patterns, prefix: str, namespace: str | None, regex_prefix):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(
                entry.url_patterns, prefix + str(entry.pattern), inner, regex_prefix + [entry]
            )
        else:
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(name=name, route=prefix + str(entry.pattern), pattern=entry), regex_prefix


def all_routes() -> list[Route]:
    routes = []
    for route, resolvers in _walk(get_resolver().url_patterns, "", None, []):
        # A parameter captured by an including resolver counts too.
        if any(r.pattern.regex.groups for r in resolvers):
            raise AssertionError(f"{route.route}: parameters in an include() are not handled")
        routes.append(route)
    return routes


def route_reverse(route: Route, kwargs: dict) -> str:
    """The URL of a route with these parameters (unnamed routes are rebuilt from their
    pattern: the admin's "<object_id>/" redirects have no name)."""
    from django.urls import reverse

    if route.name:
        return reverse(route.name, kwargs=kwargs)
    url = route.route
    for key, value in kwargs.items():
        url = url.replace(f"<path:{key}>", str(value)).replace(f"<{key}>", str(value))
    return "/" + url
