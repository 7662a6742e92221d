"""`{% practise_links card %}`: links from a card to the exercises that practise it.

The links of every card are read once per request (one small query) and kept on the request, so
a lesson page with many cards does not pay a query per card.
"""

from django import template

from apps.exercises import selectors

register = template.Library()


@register.inclusion_tag("exercises/_practise_links.html", takes_context=True)
def practise_links(context, card):
    request = context.get("request")
    by_card = getattr(request, "_exercises_by_card", None)
    if by_card is None:
        by_card = selectors.exercise_links_by_card()
        if request is not None:
            request._exercises_by_card = by_card
    return {"card": card, "exercises": by_card.get(card.pk, [])}
