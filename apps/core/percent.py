"""Percentages as pages show them: one rounding rule for every `*_pct` figure."""

from __future__ import annotations


def percent(part: float, whole: float = 1, *, places: int | None = None) -> float:
    """`part` of `whole` in percent, rounded to `places` decimals (None: a whole number, as an
    int). A share in 0..1 needs no `whole`. Nothing of nothing is 0 %, never a division error."""
    if not whole:
        return 0.0 if places is not None else 0
    return round(100 * part / whole, places)
