"""The gutter line travels as a number (TestResult.line, and `line` in an example run's rows)
instead of being read back from the end of each message on every page view. Rows graded before
this migration get theirs from their messages, once, here."""

import re

from django.db import migrations, models

# The harness runners' location suffix as it was when these rows were graded (frozen here, like
# any migration's copy of the code it replaces: apps/sandbox/protocol.py now reads it).
LEARNER_LOCATION = re.compile(r" \(submission\.(?:js|py) line (\d{1,6})\)$")
BATCH = 500


def _line(status: str, message: str | None) -> int | None:
    match = LEARNER_LOCATION.search(message or "")
    return int(match.group(1)) if match and status != "pass" else None


def lines_from_messages(apps, schema_editor):
    TestResult = apps.get_model("exercises", "TestResult")
    ExampleRun = apps.get_model("exercises", "ExampleRun")
    located = (
        TestResult.objects.exclude(status="pass")
        .filter(message__contains=" (submission.")
        .only("pk", "status", "message")
    )
    batch = []
    for result in located.iterator(chunk_size=BATCH):
        result.line = _line(result.status, result.message)
        if result.line is not None:
            batch.append(result)
        if len(batch) >= BATCH:
            TestResult.objects.bulk_update(batch, ["line"])
            batch = []
    TestResult.objects.bulk_update(batch, ["line"])
    for run in ExampleRun.objects.only("pk", "results").iterator(chunk_size=BATCH):
        if not run.results:
            continue
        rows = [
            {**row, "line": _line(row.get("status"), row.get("message"))} for row in run.results
        ]
        ExampleRun.objects.filter(pk=run.pk).update(results=rows)


class Migration(migrations.Migration):
    dependencies = [
        ("exercises", "0004_example_run"),
    ]

    operations = [
        migrations.AddField(
            model_name="testresult",
            name="line",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(lines_from_messages, migrations.RunPython.noop, elidable=True),
    ]
