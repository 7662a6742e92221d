from dataclasses import dataclass

import pytest

from apps.content.models import Card, Lesson, Track
from tests.factories import CardFactory, LessonFactory, TrackFactory


@dataclass
class MiniCourse:
    """Two tracks: `async_` with lessons `basics` (3 cards) and `advanced` (2 cards), and
    `services` with lesson `traps` (2 cards, one a trick question with a pitfall)."""

    async_: Track
    services: Track
    basics: Lesson
    advanced: Lesson
    traps: Lesson
    cards: list[Card]

    def card(self, slug: str) -> Card:
        return next(card for card in self.cards if card.slug == slug)


@pytest.fixture
def mini_course(db) -> MiniCourse:
    async_ = TrackFactory(slug="async", title="Async", order=1)
    services = TrackFactory(slug="services", title="Services", order=2)
    basics = LessonFactory(track=async_, slug="basics", title="Basics", order=1)
    advanced = LessonFactory(track=async_, slug="advanced", title="Advanced", order=2)
    traps = LessonFactory(track=services, slug="traps", title="Traps", order=1)
    cards = [
        CardFactory(lesson=basics, slug="b1", order=1),
        CardFactory(lesson=basics, slug="b2", order=2),
        CardFactory(lesson=basics, slug="b3", order=3),
        CardFactory(lesson=advanced, slug="a1", order=1),
        CardFactory(lesson=advanced, slug="a2", order=2),
        CardFactory(lesson=traps, slug="t1", order=1),
        CardFactory(
            lesson=traps,
            slug="t2",
            order=2,
            kind=Card.Kind.TRICK,
            pitfall_md="Saying yes.",
            pitfall_html="<p>Saying yes is the tempting wrong answer.</p>",
        ),
    ]
    return MiniCourse(async_, services, basics, advanced, traps, cards)
