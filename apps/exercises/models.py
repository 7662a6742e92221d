"""A learner's submissions to an exercise, their grading state and per-test results.

Results live here, not in a Celery result backend: the grading task writes the verdict, timings
and one TestResult row per test, and pages read them back. The state machine is

    queued -> running -> passed | failed | error
                 ^           (error with retryable=True goes back to queued, see services)
                 +-- a redelivered or swept task picks a `running` row up again

and every transition is a guarded UPDATE in services/ (claims.py, recording.py), so a duplicate
task can never grade a finished submission twice.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse


class SubmissionQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def in_flight(self):
        return self.filter(state__in=Submission.IN_FLIGHT)

    def final(self):
        return self.filter(state__in=Submission.FINAL)


class Submission(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"
        ERROR = "error", "Error"

    class Review(models.TextChoices):
        NONE = "", "Not recorded"
        PENDING = "pending", "Pending"
        RECORDED = "recorded", "Recorded"
        FAILED = "failed", "Failed to record"

    IN_FLIGHT = (State.QUEUED, State.RUNNING)
    FINAL = (State.PASSED, State.FAILED, State.ERROR)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    exercise = models.ForeignKey(
        "content.Exercise", on_delete=models.PROTECT, related_name="submissions"
    )
    code = models.TextField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    # Why the submission is where it is, in words for the learner: the grader's summary, the
    # sandbox's reason for an error, or "waiting for the queue" when the broker was down.
    message = models.TextField(blank=True)
    # The jail's verdict for the run (ok, runtime_error, time_limit, memory_limit,
    # output_limit, sandbox_error); blank until graded.
    verdict = models.CharField(max_length=32, blank=True)
    # An error that is the platform's fault (the jail could not be built): the sweep and the
    # learner may grade the same code again. Errors caused by the code itself are final.
    retryable = models.BooleanField(default=False)
    wall_ms = models.PositiveIntegerField(null=True, blank=True)
    cpu_ms = models.PositiveIntegerField(null=True, blank=True)
    # What the program printed outside the tests (truncated), for errors such as syntax errors.
    output = models.TextField(blank=True)
    # How many times a worker claimed it; the claim number guards the final write.
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the last claim")
    review = models.CharField(max_length=16, choices=Review.choices, blank=True, default="")
    # The known mistake (a wrong solution's file name) whose fingerprint this submission's
    # failing tests match, chosen when the verdict is recorded (apps/exercises/coaching.py).
    mistake = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "exercise", "-created_at"], name="submission_user_ex"),
            models.Index(fields=["state", "enqueued_at"], name="submission_state"),
        ]
        constraints = [
            # One submission in flight per learner and exercise, even under concurrent posts.
            models.UniqueConstraint(
                fields=["user", "exercise"],
                condition=models.Q(state__in=["queued", "running"]),
                name="one_submission_in_flight",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.exercise_id} by {self.user_id} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("exercises:submission", args=[self.pk])

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL

    @property
    def is_in_flight(self) -> bool:
        return self.state in self.IN_FLIGHT


class TestResult(models.Model):
    class Status(models.TextChoices):
        PASS = "pass", "Passed"
        FAIL = "fail", "Failed"
        ERROR = "error", "Error"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="results")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=500)
    status = models.CharField(max_length=8, choices=Status.choices)
    message = models.TextField(blank=True)
    output = models.TextField(blank=True)
    # The test file it came from; example tests are shown with their code, hidden ones are not.
    file = models.CharField(max_length=100, blank=True)
    is_example = models.BooleanField(default=False)
    # The line of the learner's code a failure came out of, as the sandbox located it.
    line = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["submission", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "position"], name="unique_result_position"
            )
        ]

    __test__ = False  # not a pytest class, despite the name

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"

    @property
    def passed(self) -> bool:
        return self.status == self.Status.PASS

    @property
    def code_line(self) -> int | None:
        """The line of the learner's code a failing test points at (the editor marks it in the
        gutter)."""
        return None if self.passed else self.line


class GiveUp(models.Model):
    """A learner asked to see the reference solution before passing (shown once recorded)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_give_ups"
    )
    exercise = models.ForeignKey(
        "content.Exercise", on_delete=models.CASCADE, related_name="give_ups"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "exercise"], name="unique_give_up")]

    def __str__(self) -> str:
        return f"{self.user_id} gave up {self.exercise_id}"


class HintReveal(models.Model):
    """One rung of help a learner took on an exercise: a hint, or the code of a failing hidden
    test (the last rung, the solution, is a GiveUp). Help taken before a submission lowers the
    review that submission records (apps/exercises/coaching.py)."""

    class Kind(models.TextChoices):
        HINT = "hint", "Hint"
        TEST = "test", "Failing test's code"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_hints"
    )
    exercise = models.ForeignKey(
        "content.Exercise", on_delete=models.CASCADE, related_name="hint_reveals"
    )
    rung = models.PositiveSmallIntegerField(help_text="1 for the first hint, and so on.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # For the failing-test rung: the hidden test whose code was shown.
    test_name = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rung"]
        constraints = [
            models.UniqueConstraint(fields=["user", "exercise", "rung"], name="unique_hint_reveal")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} took rung {self.rung} of {self.exercise_id}"


class ExampleRunQuerySet(models.QuerySet):
    def in_flight(self):
        return self.filter(state__in=Submission.IN_FLIGHT)


class ExampleRun(models.Model):
    """A "Run examples" request: the learner's code graded against the exercise's visible
    example tests only, in the same worker and jail as a submission.

    Its own table, not a kind of Submission, so that nothing counting submissions (attempts,
    the exercise list's status, first-try reviews, dashboards, cohort statistics, CSV exports,
    the data export) can count it by forgetting a filter. It never records a review. Results
    are a JSON list of the sandbox's test results (`TestResult.to_dict()`: name, status,
    message, output, file, line): only this page reads them.
    """

    State = Submission.State

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="example_runs"
    )
    exercise = models.ForeignKey(
        "content.Exercise", on_delete=models.CASCADE, related_name="example_runs"
    )
    code = models.TextField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    message = models.TextField(blank=True)
    verdict = models.CharField(max_length=32, blank=True)
    wall_ms = models.PositiveIntegerField(null=True, blank=True)
    output = models.TextField(blank=True)
    results = models.JSONField(default=list, blank=True)
    # How many times a worker claimed it; the claim number guards the final write.
    attempts = models.PositiveSmallIntegerField(default=0)
    task_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ExampleRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="example_run_user"),
            models.Index(fields=["state", "enqueued_at"], name="example_run_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "exercise"],
                condition=models.Q(state__in=["queued", "running"]),
                name="one_example_run_in_flight",
            )
        ]

    def __str__(self) -> str:
        return f"example run #{self.pk} {self.exercise_id} by {self.user_id} ({self.state})"

    def get_absolute_url(self) -> str:
        return reverse("exercises:example_run", args=[self.pk])

    @property
    def is_in_flight(self) -> bool:
        return self.state in Submission.IN_FLIGHT
