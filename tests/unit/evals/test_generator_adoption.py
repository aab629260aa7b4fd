"""The generator can plant an adopted action (and a placebo), with the true effect in the truth file."""

from __future__ import annotations

import pytest

from evals.generator import Adoption, generate


def test_an_adopted_action_is_planted_with_its_true_effect() -> None:
    records, truth = generate(weeks=6, per_week=600, seed=4, adoption=Adoption(degraded_from=1, start_week=3))
    batch = list(records)
    fixed, placebo = truth.adoptions
    assert (fixed.id, placebo.id) == ("fixed", "placebo")
    assert (fixed.start - truth.start).days == 21 and fixed.start_week == truth.weeks[3]
    assert fixed.segment == {"queue": "radiologie", "weekday": 1, "hours": [8, 9]}
    assert fixed.planted_effect == -0.4 and fixed.contacts_after > 0
    assert fixed.true_effect is not None and -0.6 < fixed.true_effect < -0.2
    assert placebo.true_effect == 0.0 and placebo.segment["queue"] == "rendez-vous"
    # isolated: the other changes over time are not planted, the degradation runs from week 2
    weeks = {f.id: f.weeks for f in truth.frictions}
    assert weeks["planted-b"] == [] and weeks["planted-e"] == []
    assert weeks["planted-c"] == truth.weeks[1:]
    assert len(batch) == truth.n_interactions


def test_the_planted_fall_is_in_the_waits() -> None:
    from datetime import datetime

    def mean_wait(adoption: Adoption | None, after: bool) -> float:
        records, truth = generate(weeks=6, per_week=600, seed=4, adoption=adoption)
        start = truth.start.toordinal() + 21
        waits = []
        for r in records:
            moment = datetime.fromisoformat(r["started_at"])
            if (
                r["queue"] == "radiologie"
                and moment.isoweekday() == 1
                and moment.hour in (8, 9)
                and r["channel"] in ("phone", "chat")
                and not r["abandoned"]
                and (moment.date().toordinal() >= start) == after
                and moment.date().toordinal() >= truth.start.toordinal() + 7
            ):
                waits.append(r["wait_seconds"])
        return sum(waits) / len(waits)

    fixed = Adoption(degraded_from=1, start_week=3, effect=0.4)
    none = Adoption(degraded_from=1, start_week=3, effect=0.0)
    ratio_fixed = mean_wait(fixed, True) / mean_wait(fixed, False)
    ratio_none = mean_wait(none, True) / mean_wait(none, False)
    assert ratio_fixed < 0.8 * ratio_none


def test_adoption_plans_are_checked() -> None:
    with pytest.raises(ValueError, match="degraded_from < start_week < weeks"):
        generate(weeks=4, per_week=50, adoption=Adoption(degraded_from=2, start_week=4))
    with pytest.raises(ValueError, match="share"):
        generate(weeks=6, per_week=50, adoption=Adoption(share=1.5))
    _, truth = generate(weeks=3, per_week=50, seed=1)
    assert truth.adoptions == []
