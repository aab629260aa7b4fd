"""The weekly report shows the measured impact of adopted actions beside the playbook's expected impact."""

from __future__ import annotations

from datetime import date

from api.report import render_report
from core.results import ActionImpact, ExpectedImpact, MetricEffect, Period, TargetImpact
from tests.unit.api.sample import make_result


def _impact(resolved: bool) -> ActionImpact:
    effect = MetricEffect(
        metric="response_time",
        unit="seconds",
        scale="relative",
        state="improved",
        effect=-0.38,
        ci=[-0.45, -0.3],
        p_value=0.0004,
        before=610.0,
        after=380.0,
        n_before=58,
        n_after=61,
        comparison_moved=True,
    )
    target = TargetImpact(
        friction_id="fr-radio",
        title="Attente longue en radiologie le lundi 8–10 h",
        segment={"queue": "radiologie", "weekday": 1, "hour": [8, 9]},
        metrics=["response_time"],
        start=date(2026, 10, 19),
        before=Period(start=date(2026, 9, 21), end=date(2026, 10, 18)),
        after=Period(start=date(2026, 10, 19), end=date(2026, 11, 22)),
        state="improved",
        effects=[effect],
    )
    return ActionImpact(
        action_id="ac-staff",
        title="Renfort aux heures de pointe",
        status="in_progress",
        playbook_id="staffing-at-peaks",
        expected_impact=ExpectedImpact(patients_affected=60, kpi="response_time", delta=-0.3),
        state="improved",
        resolved=resolved,
        targets=[target],
    )


def test_the_report_says_what_changed_and_what_was_expected() -> None:
    result = make_result().model_copy(update={"impacts": [_impact(resolved=True)]})
    html = render_report(result, language="fr", fmt="html")
    assert "a-t-elle marché ? Impact mesuré" in html
    assert "−38 % (IC 95 % −45 % à −30 %)" in html and "p &lt; 0,001" in html
    assert "58 → 61" in html and "résolu (amélioré)" in html
    assert "les segments de comparaison ont eux-mêmes bougé" in html
    assert "Renfort aux heures de pointe" in html and "Attente" in html
    md = render_report(result, language="en", fmt="md")
    assert "## Did it work? Measured impact" in md
    assert "−38 % (95 % CI −45 % to −30 %)" in md and "**resolved (improved)**" in md
    assert "Expected (playbook)" in md


def test_an_improved_action_still_at_the_top_is_not_resolved() -> None:
    result = make_result().model_copy(update={"impacts": [_impact(resolved=False)]})
    html = render_report(result, language="fr", fmt="html")
    assert "résolu" not in html and "amélioré" in html
    empty = render_report(make_result(), language="en", fmt="html")
    assert "No action in progress or done to measure." in empty
