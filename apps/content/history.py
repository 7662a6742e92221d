"""Edit history of course items: who changed what, when, with each field before and after.

The admin takes a snapshot of an item before a save and records the difference after it (the
card links of an exercise included). Values are stored as JSON: foreign keys by slug.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.utils import timezone

from apps.content.models import Card, ContentEdit, Exercise, Lesson, Track

TRACKED: dict[type[Model], tuple[str, ...]] = {
    Track: ("slug", "title", "summary", "order", "intro_md", "is_retired"),
    Lesson: ("slug", "track", "title", "summary", "order", "intro_md", "is_retired"),
    Card: (
        "slug", "lesson", "kind", "question_md", "answer_md", "key_points", "pitfall_md",
        "follow_ups", "order", "is_retired",
    ),
    Exercise: (
        "slug", "title", "language", "prompt_md", "interview_angle_md", "starter_code",
        "example_tests", "hidden_tests", "solution_code", "wrong_solutions",
        "alternative_solutions", "limits", "order",
        "is_retired", "cards",
    ),
}  # fmt: skip
KINDS = {Track: "track", Lesson: "lesson", Card: "card", Exercise: "exercise"}


def snapshot(obj: Model | None) -> dict:
    """The tracked fields of an item as JSON values ({} for an item not saved yet)."""
    if obj is None or obj.pk is None:
        return {}
    values = {}
    for name in TRACKED[type(obj)]:
        if name == "cards":
            values[name] = list(
                obj.card_links.order_by("position").values_list("card__slug", flat=True)
            )
        elif name in ("track", "lesson"):
            related = getattr(obj, name, None)
            values[name] = related.slug if related is not None else None
        else:
            values[name] = getattr(obj, name)
    return values


def snapshot_saved(obj: Model) -> dict:
    """The item as the database holds it now (before the admin's form is applied)."""
    if obj.pk is None:
        return {}
    return snapshot(type(obj).objects.filter(pk=obj.pk).first())


def edit_record(*, user, obj: Model, before: dict) -> ContentEdit | None:
    """Record one save: the fields that differ between `before` and the item now. Nothing is
    recorded for a save that changed nothing."""
    after = snapshot(obj)
    created = not before
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if created or before.get(name) != value
    }
    if not changes:
        return None
    return ContentEdit.objects.create(
        kind=KINDS[type(obj)],
        object_id=obj.pk,
        slug=obj.slug,
        user=user,
        user_name=getattr(user, "username", "") or "",
        created_at=timezone.now(),
        created=created,
        changes=changes,
    )


def edit_history(*, obj: Model, limit: int = 50) -> QuerySet[ContentEdit]:
    return ContentEdit.objects.filter(kind=KINDS[type(obj)], object_id=obj.pk).order_by(
        "-created_at", "-pk"
    )[:limit]
