"""Cohort-wide figure: the hardest cards, by lapse rate (Again ratings per review) over the
cohort's learners who have seen them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils.text import Truncator

from apps.cohorts.models import Cohort
from apps.cohorts.selectors.access import member_ids
from apps.content.models import Card
from apps.study.models import CardState

HARDEST_MIN_LEARNERS = 3  # a card seen by fewer learners says little about the cohort
HARDEST_LIMIT = 10


@dataclass
class HardCard:
    card_id: int
    slug: str
    question: str
    lesson: str
    url: str
    learners: int
    lapsed_learners: int
    reps: int
    lapses: int

    @property
    def lapse_rate_pct(self) -> int:
        """Again ratings per review, in percent."""
        return round(100 * self.lapses / self.reps) if self.reps else 0

    @property
    def lapsed_pct(self) -> int:
        return round(100 * self.lapsed_learners / self.learners) if self.learners else 0


def cohort_hardest_cards(*, cohort: Cohort, limit: int = HARDEST_LIMIT) -> list[HardCard]:
    """Cards with the highest lapse rate (Again ratings per review) among the cohort's learners
    who have seen them, at least HARDEST_MIN_LEARNERS of them (one query)."""
    rows = (
        CardState.objects.filter(
            user_id__in=member_ids(cohort), card_id__in=Card.objects.live().values("pk")
        )
        .values(
            "card_id", "card__slug", "card__question_md", "card__lesson__title",
            "card__lesson__slug", "card__lesson__track__slug",
        )
        .annotate(
            learners=Count("pk"),
            lapsed=Count("pk", filter=Q(lapses__gt=0)),
            reps=Sum("reps"),
            lapses=Sum("lapses"),
        )
        .filter(learners__gte=HARDEST_MIN_LEARNERS, lapses__gt=0)
        .annotate(rate=F("lapses") * 1.0 / F("reps"))
        .order_by("-rate", "card_id")[:limit]
    )  # fmt: skip
    return [
        HardCard(
            card_id=row["card_id"],
            slug=row["card__slug"],
            question=Truncator(row["card__question_md"]).chars(160),
            lesson=row["card__lesson__title"],
            url=reverse(
                "content:lesson", args=[row["card__lesson__track__slug"], row["card__lesson__slug"]]
            )
            + f"#card-{row['card__slug']}",
            learners=row["learners"],
            lapsed_learners=row["lapsed"],
            reps=row["reps"],
            lapses=row["lapses"],
        )
        for row in rows
    ]
