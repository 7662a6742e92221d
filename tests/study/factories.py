"""Small courses for study tests (the real course is only needed where its size matters)."""

import factory
from factory.django import DjangoModelFactory

from apps.content.models import Card, Lesson, Track


class TrackFactory(DjangoModelFactory):
    class Meta:
        model = Track

    slug = factory.Sequence(lambda n: f"track-{n}")
    title = factory.Sequence(lambda n: f"Track {n}")
    order = factory.Sequence(lambda n: n)


class LessonFactory(DjangoModelFactory):
    class Meta:
        model = Lesson

    track = factory.SubFactory(TrackFactory)
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    title = factory.Sequence(lambda n: f"Lesson {n}")
    order = factory.Sequence(lambda n: n)


class CardFactory(DjangoModelFactory):
    class Meta:
        model = Card

    lesson = factory.SubFactory(LessonFactory)
    slug = factory.Sequence(lambda n: f"card-{n}")
    kind = Card.Kind.QA
    question_md = factory.Sequence(lambda n: f"Question number {n}?")
    question_html = factory.LazyAttribute(lambda card: f"<p>{card.question_md}</p>")
    answer_md = factory.Sequence(lambda n: f"Answer number {n}.")
    answer_html = factory.LazyAttribute(lambda card: f"<p>{card.answer_md}</p>")
    key_points = factory.LazyFunction(
        lambda: ["First point", "Second point", "Third point", "Fourth point", "Fifth point"]
    )
    order = factory.Sequence(lambda n: n)
