"""The heatmap's cells. Written in Python rather than in the template: a page has hundreds of
cells, and a filter costs a fraction of the template code it replaces."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from apps.cohorts.selectors.heatmap import HeatCell, HeatRow

register = template.Library()

NOT_STARTED = mark_safe('–<span class="visually-hidden"> not started</span>')


@register.filter
def heat_cell(cell: HeatCell) -> SafeString:
    """A lesson's cell: the percentage, and for screen readers what it counts."""
    if not cell.progress.seen:
        return NOT_STARTED
    return format_html(
        '{}%<span class="visually-hidden"> {}, {} of {} cards</span>',
        cell.pct,
        cell.metric,
        cell.count,
        cell.progress.total,
    )


@register.filter
def heat_overall(row: HeatRow) -> SafeString:
    """A learner's cell over every lesson."""
    if not row.overall.seen:
        return NOT_STARTED
    return format_html(
        '{}%<span class="visually-hidden"> of all cards {}</span>', row.overall_pct, row.metric
    )
