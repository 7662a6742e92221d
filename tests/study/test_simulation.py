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


# Goal 2: the adopted fit against the population fit, on reviews the choice never saw -----------


def _log(true_w, *, cards=150, days=120, seed=5):
    learner = simulation.Learner(tuple(true_w), 12.0, seed)
    return simulation.baseline_log(learner, course=simulation.Course([0] * cards), days=days)


def test_goal_two_chooses_and_adopts_on_earlier_reviews_only(monkeypatch):
    true_w = list(memory.DEFAULT_PARAMETERS)
    true_w[8], true_w[20] = 0.7, 0.4  # memories grow far more slowly than anyone's
    log = _log(true_w)
    population = memory.DEFAULT_PARAMETERS
    cutoff = memory.split(memory.items_from_reviews(log))[1][0].day
    seen = []
    real = memory.fit_and_judge

    def spy(reviews, **kwargs):
        seen.append(max(r.day for r in reviews))
        return real(reviews, **kwargs)

    monkeypatch.setattr(memory, "fit_and_judge", spy)
    result = simulation.LearnerResult({}, {}, {}, 0, 1, len(log), 0.0, 0.0, [])
    simulation.judge_fit(result, log=log, true_w=true_w, population=population)

    assert seen and max(seen) < cutoff  # the held-out reviews never reach the choice
    assert result.differs and result.divergence > 0.05
    assert result.truth_better_than_population
    assert result.fit_better_than_population
    assert result.own_weight in memory.OWN_WEIGHTS


def test_a_learner_like_the_population_does_not_count_as_differing():
    log = _log(memory.DEFAULT_PARAMETERS, days=60)
    result = simulation.LearnerResult({}, {}, {}, 0, 1, len(log), 0.0, 0.0, [])
    simulation.judge_fit(
        result, log=log, true_w=memory.DEFAULT_PARAMETERS, population=memory.DEFAULT_PARAMETERS
    )
    assert result.divergence == 0 and not result.differs
