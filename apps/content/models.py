"""The course: Track > Lesson > Card, and Exercises that practise cards.

Rows are keyed by the stable `slug` from content/ (the files' `id`), never by text, so editing a
card updates it in place and learners' progress (which references the row) survives. Items
removed from the files are retired (hidden), never deleted. HTML is rendered and sanitised once,
by the content services, and stored next to its Markdown source.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from apps.sandbox.languages import LANGUAGES


class ContentGeneration(models.Model):
    """One row counting content writes (imports, admin saves): part of the key of every cached
    page, so a change is visible on the next request in every web process."""

    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"content generation {self.value}"


class LiveQuerySet(models.QuerySet):
    def live(self):
        return self.filter(is_retired=False)


class ImportedItem(models.Model):
    """Bookkeeping every imported row shares: the stable id from content/, retirement instead
    of deletion, and the source it was imported from."""

    slug = models.SlugField(max_length=100, unique=True)
    is_retired = models.BooleanField(default=False)
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The item's text exactly as imported (for a card: its block of the lesson file; for a
    # lesson: the front matter and introduction), so export_content re-emits untouched items
    # byte for byte and writes a canonical form only for what was edited here.
    source_text = models.TextField(blank=True, editable=False)

    objects = LiveQuerySet.as_manager()

    class Meta:
        abstract = True


class OutlineItem(ImportedItem):
    """A track or a lesson: a titled, ordered page with a Markdown introduction."""

    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    intro_md = models.TextField(blank=True)
    intro_html = models.TextField(blank=True, editable=False)
    order = models.PositiveIntegerField(default=0)
    source_path = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        abstract = True


def live_lesson_q(prefix: str = "") -> models.Q:
    """ "A live lesson", for a lookup through `prefix` (say "lessons__"): neither it nor its
    track is retired. `Lesson.objects.live()` is this with no prefix."""
    return models.Q(**{f"{prefix}is_retired": False, f"{prefix}track__is_retired": False})


def live_card_q(prefix: str = "") -> models.Q:
    """ "A live card", for a lookup through `prefix` (say "card__"): neither it, its lesson nor
    its track is retired. `Card.objects.live()` is this with no prefix."""
    return models.Q(**{f"{prefix}is_retired": False}) & live_lesson_q(f"{prefix}lesson__")


class LessonQuerySet(LiveQuerySet):
    def live(self):
        return self.filter(live_lesson_q())


class Track(OutlineItem):
    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("content:track", args=[self.slug])


class Lesson(OutlineItem):
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="lessons")

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["track__order", "order", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("content:lesson", args=[self.track.slug, self.slug])


class CardQuerySet(LiveQuerySet):
    def live(self):
        return self.filter(live_card_q())

    def search(self, query: str):
        terms = [term for term in query.split() if term]
        qs = self.live()
        for term in terms[:8]:
            qs = qs.filter(
                models.Q(question_md__icontains=term)
                | models.Q(answer_md__icontains=term)
                | models.Q(key_points_text__icontains=term)
            )
        return qs


class Card(ImportedItem):
    class Kind(models.TextChoices):
        SCENARIO = "scenario", "Scenario"
        QA = "qa", "Question"
        TRICK = "trick", "Trick question"

    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="cards")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    question_md = models.TextField()
    question_html = models.TextField(editable=False)
    answer_md = models.TextField()
    answer_html = models.TextField(editable=False)
    key_points = models.JSONField(default=list)
    key_points_text = models.TextField(blank=True, editable=False)
    pitfall_md = models.TextField(blank=True)
    pitfall_html = models.TextField(blank=True, editable=False)
    follow_ups = models.JSONField(default=list, blank=True)
    order = models.PositiveIntegerField(default=0)

    objects = CardQuerySet.as_manager()

    class Meta:
        ordering = ["lesson__track__order", "lesson__order", "order", "slug"]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return f"{self.lesson.get_absolute_url()}#card-{self.slug}"


class ExerciseQuerySet(LiveQuerySet):
    def live(self):
        """Shown to learners: not retired, and not held back by a failing check."""
        return self.filter(is_retired=False, is_published=True)


class Exercise(ImportedItem):
    # JAVASCRIPT = "javascript", "JavaScript", and so on: built from the one table of languages.
    Language = models.TextChoices(
        "Language",
        [(language.choice_name, (language.key, language.label)) for language in LANGUAGES.values()],
        qualname="Exercise.Language",  # so members pickle as a class body's would
    )

    class Check(models.TextChoices):
        NONE = "", "Not checked here (imported from content/)"
        PENDING = "pending", "Checking…"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"
        ERROR = "error", "Could not run"

    title = models.CharField(max_length=200)
    language = models.CharField(max_length=16, choices=Language.choices)
    prompt_md = models.TextField()
    prompt_html = models.TextField(editable=False)
    interview_angle_md = models.TextField(blank=True)
    interview_angle_html = models.TextField(blank=True, editable=False)
    starter_code = models.TextField()
    example_tests = models.TextField(help_text="Visible example tests (shown to learners).")
    hidden_tests = models.TextField(help_text="Hidden tests (learners see names and results).")
    solution_code = models.TextField()
    wrong_solutions = models.JSONField(
        default=dict, help_text="File name to source of each classic mistake; all must fail."
    )
    alternative_solutions = models.JSONField(
        default=dict,
        blank=True,
        help_text="File name to source of each other correct solution; all must pass.",
    )
    limits = models.JSONField(default=dict, blank=True)
    # Coaching (docs/coaching.md): hints revealed one at a time, from the concept to the
    # approach; a learner-facing title and explanation per wrong solution; and each wrong
    # solution's fingerprint (the names of the tests it fails), recorded by the check that
    # proved it, read by the grading path to name a learner's mistake.
    hints = models.JSONField(default=list, blank=True, help_text="Ordered hints (Markdown).")
    mistakes = models.JSONField(
        default=dict,
        blank=True,
        help_text="Wrong-solution file name to {title, explanation} (Markdown, no code).",
    )
    fingerprints = models.JSONField(default=dict, blank=True, editable=False)
    cards = models.ManyToManyField(Card, through="ExerciseCard", related_name="exercises")
    order = models.PositiveIntegerField(default=0)
    source_path = models.CharField(max_length=300, blank=True, editable=False)

    # Saving in the admin runs the reference and wrong solutions through the jail in the
    # background (apps/exercises/proving.py); an exercise whose code changed stays unpublished
    # until that check passes. Imported exercises are proven by `check_exercises` in CI.
    is_published = models.BooleanField(
        default=True, help_text="Learners see it. Cleared while a changed exercise is checked."
    )
    check_status = models.CharField(
        max_length=16, choices=Check.choices, blank=True, default=Check.NONE, editable=False
    )
    check_report = models.JSONField(default=list, blank=True, editable=False)
    check_token = models.CharField(max_length=32, blank=True, editable=False)
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("exercises:detail", args=[self.slug])

    @property
    def extension(self) -> str:
        return LANGUAGES[self.language].extension

    @property
    def test_files(self) -> dict[str, str]:
        return {
            f"example_test.{self.extension}": self.example_tests,
            f"tests.{self.extension}": self.hidden_tests,
        }

    @property
    def primary_card(self) -> "Card | None":
        link = self.card_links.select_related("card").order_by("position").first()
        return link.card if link else None


class ExerciseCard(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="card_links")
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="exercise_links")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "card"], name="unique_exercise_card")
        ]

    def __str__(self) -> str:
        return f"{self.exercise_id} practises {self.card_id}"


class ContentEdit(models.Model):
    """One save of a course item in the admin: who, when, and each changed field's value before
    and after. Kept when the item or the editor's account is deleted."""

    class Kind(models.TextChoices):
        TRACK = "track", "Track"
        LESSON = "lesson", "Lesson"
        CARD = "card", "Card"
        EXERCISE = "exercise", "Exercise"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    slug = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    user_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField()
    created = models.BooleanField(default=False, help_text="The save that created the item.")
    changes = models.JSONField(default=dict, help_text="field: [before, after]")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "object_id", "-created_at"], name="content_edit_item")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.slug} by {self.user_name} at {self.created_at:%Y-%m-%d %H:%M}"
