"""CSV downloads, streamed row by row, with spreadsheet formulas neutralised.

Every CSV the portal serves (a learner's own data, an instructor's cohort exports) goes through
`csv_response`, so no export can forget the formula guard."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse

# What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value):
    """Text a spreadsheet would run as a formula (a display name like "=HYPERLINK(...)") is
    quoted with a leading apostrophe, as OWASP recommends; everything else is left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def csv_response(rows: Iterable[Iterable], *, filename: str) -> StreamingHttpResponse:
    """Stream `rows` (the header first) as a CSV attachment called `filename`."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([csv_cell(cell) for cell in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
