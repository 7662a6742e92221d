"""Filters for the server-rendered SVG charts (templates/core/_daily_chart.html)."""

from django import template

register = template.Library()


@register.filter
def compact(value) -> str:
    """Axis labels that fit the chart's margin: 950, 2.5k, 12k, 1.2M."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    for limit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(number) >= limit:
            scaled = number / limit
            text = f"{scaled:.1f}" if abs(scaled) < 10 else f"{scaled:.0f}"
            return text.removesuffix(".0") + suffix
    return f"{number:.0f}"
