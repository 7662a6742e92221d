"""Simulated learners study the real course until an interview date under three policies
(apps/study/simulation/ documents what it draws from). Prints a table, or one JSON object with
--json."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.content.models import Card
from apps.study import simulation


class Command(BaseCommand):
    help = "Simulate learners studying the course until an interview date; compare policies."

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=200)
        parser.add_argument("--days", type=int, default=30, help="days until the interview")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--budget-minutes", type=float, default=None, help="per day")
        parser.add_argument("--skip-days", type=float, default=0.1, help="P(skip a day)")
        parser.add_argument("--policies", default=",".join(simulation.POLICIES))
        parser.add_argument(
            "--true-parameters",
            type=Path,
            default=None,
            help="JSON list of FSRS parameter vectors, one per learner, reused in turn",
        )
        parser.add_argument(
            "--course-copies",
            type=int,
            default=1,
            help="study K copies of the course (a larger deck: more reviews per learner)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        policies = [p.strip() for p in options["policies"].split(",") if p.strip()]
        unknown = set(policies) - set(simulation.POLICIES)
        if unknown or not policies:
            raise CommandError(f"policies are {', '.join(simulation.POLICIES)}")
        if options["learners"] < 1 or options["days"] < 1:
            raise CommandError("--learners and --days must be at least 1")
        if not 0 <= options["skip_days"] < 1:
            raise CommandError("--skip-days is a probability below 1")
        true_parameters = None
        if options["true_parameters"]:
            try:
                true_parameters = json.loads(options["true_parameters"].read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read --true-parameters: {exc}") from exc
            if not true_parameters or any(len(w) not in (19, 21) for w in true_parameters):
                raise CommandError("--true-parameters: a list of 21-number FSRS-6 vectors")
            true_parameters = [list(w) + [0.0, 0.5][: 21 - len(w)] for w in true_parameters]
        tracks = list(
            Card.objects.live()
            .order_by("lesson__track__order", "lesson__order", "order", "slug")
            .values_list("lesson__track_id", flat=True)
        )
        if not tracks:
            raise CommandError("the course is empty: run `manage.py import_content` first")
        if options["course_copies"] < 1:
            raise CommandError("--course-copies must be at least 1")
        tracks = tracks * options["course_copies"]
        result = simulation.simulate(
            course=simulation.Course(tracks),
            learners=options["learners"],
            days=options["days"],
            seed=options["seed"],
            budget_minutes=options["budget_minutes"],
            skip_days=options["skip_days"],
            policies=policies,
            true_parameters=true_parameters,
        )
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(table(result))


COLUMNS = (
    ("mean_recall_on_date", "mean recall on date", "{:.3f}"),
    ("share_below_85", "cards < 85 %", "{:.2%}"),
    ("share_learners_ready", "learners ready", "{:.0%}"),
    ("reviews", "reviews", "{:,}"),
    ("minutes", "minutes", "{:,.0f}"),
    ("busiest_day_minutes", "busiest day (min)", "{:.1f}"),
    ("forecast_mae", "forecast MAE", "{:.3f}"),
)


def table(result: dict) -> str:
    rows = [["policy", *(label for _, label, _ in COLUMNS)]]
    for policy, figures in result["policies"].items():
        cells = [policy]
        for key, _, fmt in COLUMNS:
            value = figures.get(key)
            cells.append("-" if value is None else fmt.format(value))
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        f"{result['learners']} learners, {result['days']} days, {result['cards']} cards, "
        f"seed {result['seed']}"
    ]
    for index, row in enumerate(rows):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines) + "\n"
