"""simulate_learners on a small course: the JSON contract, the table, the options. The full
simulation and its goals belong to `python -m bench learning`."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.study import memory, simulation

KEYS = {
    "mean_recall_on_date", "share_below_85", "share_learners_ready", "reviews", "minutes",
    "busiest_day_minutes", "forecast_mae",
}  # fmt: skip


def run(capsys, *args) -> str:
    call_command("simulate_learners", *args)
    return capsys.readouterr().out


def test_json_has_the_contracted_shape(mini_course, capsys):
    out = run(capsys, "--learners", "4", "--days", "12", "--seed", "3", "--json")
    result = json.loads(out)
    assert (result["learners"], result["days"], result["seed"]) == (4, 12, 3)
    assert set(result["policies"]) == {"baseline", "optimized", "portal"}
    for figures in result["policies"].values():
        assert set(figures) >= KEYS
        assert 0 <= figures["mean_recall_on_date"] <= 1
        assert figures["reviews"] > 0 and figures["minutes"] > 0
    again = json.loads(run(capsys, "--learners", "4", "--days", "12", "--seed", "3", "--json"))
    assert again == result  # a seed reruns exactly


def test_table_budget_policies_and_true_parameters(mini_course, capsys, tmp_path):
    path = tmp_path / "w.json"
    path.write_text(json.dumps([list(memory.DEFAULT_PARAMETERS)]))
    out = run(
        capsys, "--learners", "2", "--days", "8", "--policies", "baseline,portal",
        "--budget-minutes", "5", "--true-parameters", str(path), "--skip-days", "0",
    )  # fmt: skip
    assert "| baseline" in out and "| portal" in out and "optimized" not in out
    assert "mean recall on date" in out


def test_bad_options_are_refused(mini_course, tmp_path):
    with pytest.raises(CommandError, match="policies are"):
        call_command("simulate_learners", "--policies", "magic")
    bad = tmp_path / "bad.json"
    bad.write_text("[[1, 2, 3]]")
    with pytest.raises(CommandError, match="FSRS-6 vectors"):
        call_command("simulate_learners", "--true-parameters", str(bad))


def test_drawn_parameters_stay_within_fsrs_bounds():
    import random

    rng = random.Random(0)
    for _ in range(50):
        w = simulation.draw_parameters(rng)
        assert all(
            low <= value <= high for value, (low, high) in zip(w, simulation.BOUNDS, strict=True)
        )
