"""The words of a review: its rating and where it was given. Defined here, with no model
imports, so the modules that stay out of the database (memory, planning, the simulation) use the
same words as `ReviewLog`, whose `Rating` and `Source` these are."""

from django.db import models
from fsrs import Rating as FsrsRating


class Rating(models.IntegerChoices):
    """FSRS's four ratings (the same numbers as `fsrs.Rating`), with the buttons' labels."""

    AGAIN = int(FsrsRating.Again), "Again"
    HARD = int(FsrsRating.Hard), "Hard"
    GOOD = int(FsrsRating.Good), "Good"
    EASY = int(FsrsRating.Easy), "Easy"


class Source(models.TextChoices):
    REVIEW = "review", "Review session"
    LESSON = "lesson", "Lesson page"
    MOCK = "mock", "Mock interview"
    EXERCISE = "exercise", "Exercise"
