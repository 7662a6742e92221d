"""A learner's study records: the FSRS state of each card they have met, every review they made,
a daily roll-up of those reviews, their study plan, and their mock interviews.

Rows belong to one learner (deleted with the account) and reference course rows by primary key,
which the content loader keeps stable across edits. Only services in apps/study/services.py
write here.
"""

from datetime import date

from django.conf import settings
from django.db import models

from apps.content.models import Card, Track, live_card_q
from apps.core import interview_dates
from apps.study import choices

# A card is "mastered" once its memory lasts this long: a stability of three weeks means FSRS
# expects the learner to still recall it with 90 % probability 21 days after the last review.
MASTERED_STABILITY_DAYS = 21.0


def learned_q(prefix: str = "") -> models.Q:
    """ "Learned", for a lookup through `prefix` (say "mine__"): the card left the learning
    steps and is in review (FSRS's Review state). `CardState.objects.learned()` is this."""
    return models.Q(**{f"{prefix}state": CardState.State.REVIEW})


def mastered_q(prefix: str = "") -> models.Q:
    """ "Mastered": learned, with a stability of at least MASTERED_STABILITY_DAYS."""
    return learned_q(prefix) & models.Q(**{f"{prefix}stability__gte": MASTERED_STABILITY_DAYS})


def is_learned(*, state: int | None) -> bool:
    """`learned_q` for a value already read."""
    return state == CardState.State.REVIEW


def is_mastered(*, state: int | None, stability: float | None) -> bool:
    """`mastered_q` for values already read."""
    return is_learned(state=state) and (stability or 0.0) >= MASTERED_STABILITY_DAYS


class CardStateQuerySet(models.QuerySet):
    def live(self):
        """States of live cards (`live_card_q` through the card)."""
        return self.filter(live_card_q("card__"))

    def learned(self):
        return self.filter(learned_q())

    def mastered(self):
        return self.filter(mastered_q())


class CardState(models.Model):
    """One learner's memory of one card, as FSRS models it.

    `fsrs` holds exactly what `fsrs.Card.to_dict()` returns, so the scheduler can be resumed
    without translation; the other columns copy the fields queries filter and sort on.
    """

    class State(models.IntegerChoices):
        LEARNING = 1, "Learning"
        REVIEW = 2, "Review"
        RELEARNING = 3, "Relearning"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="card_states"
    )
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="study_states")
    fsrs = models.JSONField()
    state = models.PositiveSmallIntegerField(choices=State.choices)
    stability = models.FloatField(null=True)
    difficulty = models.FloatField(null=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0, help_text="Times the card was rated Again.")
    created_at = models.DateTimeField(help_text="First review: when the card stopped being new.")

    objects = CardStateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "card"], name="study_one_state_per_card")
        ]
        indexes = [
            models.Index(fields=["user", "due"], name="study_state_user_due"),
            models.Index(fields=["user", "created_at"], name="study_state_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.card_id} {self.get_state_display()} due {self.due:%Y-%m-%d}"


class ReviewLog(models.Model):
    """One review, append-only. `idempotency_key` is unique per learner, so a retried post
    finds the review it already made instead of making another."""

    Rating = choices.Rating
    Source = choices.Source

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_logs"
    )
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="review_logs")
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    duration_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="From revealing the answer to rating it."
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.REVIEW)
    state_before = models.JSONField(null=True, help_text="fsrs.Card.to_dict(); null when new.")
    state_after = models.JSONField()
    reviewed_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="study_review_idempotency_key"
            )
        ]
        indexes = [models.Index(fields=["user", "reviewed_at"], name="study_log_user_time")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.card_id} {self.get_rating_display()} {self.reviewed_at}"


class ReviewDay(models.Model):
    """Reviews per learner per local calendar day, kept by review_record in the same transaction
    as the log. Streaks and the 30-day chart read these (at most one row per day) rather than
    the whole log, so the dashboard costs the same after a year of reviews as after a week."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_days"
    )
    day = models.DateField(help_text="In the learner's time zone at the time of the reviews.")
    reviews = models.PositiveIntegerField(default=0)
    again = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="study_one_row_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}: {self.reviews}"


class StudyPlan(models.Model):
    """A learner's settings for studying: the daily new-card cap and the interview date."""

    DEFAULT_NEW_CARDS_PER_DAY = 10

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_plan"
    )
    new_cards_per_day = models.PositiveSmallIntegerField(default=DEFAULT_NEW_CARDS_PER_DAY)
    interview_date = models.DateField(null=True, blank=True)
    target_recall = models.FloatField(
        default=0.9, help_text="Predicted recall wanted on the interview date, 0.80 to 0.97."
    )
    budget_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    budget_reviews = models.PositiveSmallIntegerField(null=True, blank=True)
    easy_weekdays = models.JSONField(
        default=list, blank=True, help_text="Weekdays (0=Monday) at half the daily budget."
    )
    days_off = models.JSONField(default=list, blank=True, help_text="ISO dates with no study.")

    def __str__(self) -> str:
        return f"plan of {self.user_id}"


def interview_date_for(*, user, plan: StudyPlan, today: date) -> date | None:
    """The interview date a learner's plan aims at: their own, else the nearest one set for
    them elsewhere (their cohort's, through apps.core.interview_dates: at most one query)."""
    return plan.interview_date or interview_dates.nearest(user=user, today=today)


class MockInterview(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mock_interviews"
    )
    tracks = models.ManyToManyField(Track, related_name="+")
    seconds_per_question = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="study_mock_user_created")]

    def __str__(self) -> str:
        return f"mock {self.pk} of {self.user_id}"


class MockQuestion(models.Model):
    mock = models.ForeignKey(MockInterview, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    covered = models.JSONField(default=list, help_text="Indexes of the key points ticked.")
    key_point_count = models.PositiveSmallIntegerField(default=0)
    rating = models.PositiveSmallIntegerField(choices=ReviewLog.Rating.choices, null=True)
    review_log = models.ForeignKey(
        ReviewLog, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["mock", "position"], name="study_mock_position")
        ]

    def __str__(self) -> str:
        return f"mock {self.mock_id} #{self.position}"


class MemoryFit(models.Model):
    """One fit of FSRS parameters to a review log, with how well it predicted held-out reviews,
    kept whether adopted or not, so every schedule can be explained. `user` is null for the
    population fit (all learners' logs). The parameters in use are the latest adopted fit of
    the learner, else the latest adopted population fit, else FSRS's defaults."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memory_fits",
    )
    created_at = models.DateTimeField()
    parameters = models.JSONField(help_text="The 21 FSRS-6 parameters.")
    reviews = models.PositiveIntegerField(help_text="Reviews in the log when fitted.")
    train_items = models.PositiveIntegerField(default=0)
    test_items = models.PositiveIntegerField(default=0, help_text="Held-out predictions scored.")
    log_loss = models.FloatField(null=True)
    rmse_bins = models.FloatField(null=True)
    previous_log_loss = models.FloatField(null=True, help_text="The parameters in use before.")
    previous_rmse_bins = models.FloatField(null=True)
    population_log_loss = models.FloatField(null=True)
    population_rmse_bins = models.FloatField(null=True)
    sources = models.JSONField(
        default=dict, help_text="Per rating source: included, and its held-out log loss."
    )
    adopted = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)
    seconds = models.FloatField(default=0.0, help_text="Time the fit took.")

    class Meta:
        indexes = [
            models.Index(fields=["user", "adopted", "-created_at"], name="study_fit_user_adopted")
        ]

    def __str__(self) -> str:
        who = self.user_id or "population"
        return f"fit {self.pk} of {who} ({'adopted' if self.adopted else 'kept'})"

    @property
    def gain_over_population(self) -> float | None:
        """How much lower the held-out log loss is than the population fit's, as a share."""
        if self.log_loss is None or not self.population_log_loss:
            return None
        return 1 - self.log_loss / self.population_log_loss
