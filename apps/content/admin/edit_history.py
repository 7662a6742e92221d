"""The edit history shown on a course item's change page: who changed which field, as a diff."""

from __future__ import annotations

import difflib
import json

from django.utils.html import format_html, format_html_join

from apps.content import history


def _diff(before, after) -> str:
    if isinstance(before, str) and isinstance(after, str) and ("\n" in before or "\n" in after):
        lines = difflib.unified_diff(
            before.splitlines(), after.splitlines(), "before", "after", lineterm="", n=1
        )
        return "\n".join(list(lines)[2:])
    return f"- {json.dumps(before, ensure_ascii=False)}\n+ {json.dumps(after, ensure_ascii=False)}"


def edit_history_html(obj) -> str:
    if obj is None or obj.pk is None:
        return "Saved edits appear here."
    edits = list(history.edit_history(obj=obj, limit=20))
    if not edits:
        return "No edits in the admin yet (the item comes from content/)."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                edit.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                edit.user_name or "(deleted account)",
                format_html_join(
                    "",
                    '<details class="edit-change"><summary>{}</summary><pre>{}</pre></details>',
                    (
                        (name, _diff(before, after))
                        for name, (before, after) in edit.changes.items()
                    ),
                )
                if not edit.created
                else "created",
            )
            for edit in edits
        ),
    )
    return format_html(
        '<table class="edit-history"><thead><tr><th scope="col">When</th>'
        '<th scope="col">Who</th><th scope="col">What changed</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        rows,
    )
