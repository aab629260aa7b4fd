from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.results import (
    Action,
    AnalysisResult,
    Anomaly,
    Evidence,
    ExpectedImpact,
    Friction,
    Period,
    ThemeResult,
)
from evals.generator.truth import PlantedFriction, Truth, TruthTheme
from evals.metrics import (
    anomaly_match,
    emerging_flagged,
    evidence_validity,
    f1_overlap,
    friction_match,
    reciprocal_rank,
    score_analysis,
    segment_matches,
    theme_scores,
)


def friction(fid: str, rank: int, ids: list[str], **extra: Any) -> Friction:
    return Friction(
        friction_id=fid,
        rank=rank,
        title=fid,
        score=1.0 / rank,
        volume=len(ids),
        share=0.1,
        interaction_ids=ids,
        **extra,
    )


def action(rank: int, playbook_id: str, friction_ids: list[str], evidence: list[str] | None = None) -> Action:
    return Action(
        action_id=f"ac-{rank}",
        rank=rank,
        title=playbook_id,
        description="",
        playbook_id=playbook_id,
        friction_ids=friction_ids,
        expected_impact=ExpectedImpact(patients_affected=1, kpi="fcr", delta=0.01),
        effort="S",
        confidence=0.5,
        score=1.0 / rank,
        evidence=[Evidence(interaction_id=i, quote="q") for i in evidence or []],
    )


def test_theme_scores_perfect_up_to_renaming() -> None:
    scores = theme_scores(true_labels=["a", "a", "b", "b", "c"], pred_labels=[7, 7, 3, 3, 9])
    assert scores["acc"] == 1.0
    assert scores["nmi"] == pytest.approx(1.0)
    assert scores["ari"] == pytest.approx(1.0)
    assert scores["clusters"] == 3 and scores["unassigned"] == 0


def test_theme_acc_is_one_to_one_and_unassigned_counts_wrong() -> None:
    # two predicted clusters cannot both map to "a": the Hungarian alignment keeps the larger one
    split = theme_scores(true_labels=["a", "a", "a", "a"], pred_labels=[1, 1, 1, 2])
    assert split["acc"] == 0.75
    unassigned = theme_scores(true_labels=["a", "a", "b", "b"], pred_labels=[1, 1, 2, -1])
    assert unassigned["acc"] == 0.75 and unassigned["unassigned"] == 1
    none_label = theme_scores(true_labels=["a", "b"], pred_labels=[None, None])
    assert none_label["acc"] == 0.0 and none_label["clusters"] == 0
    # merging two classes into one cluster: only one class can be matched
    merged = theme_scores(true_labels=["a", "a", "b", "b", "b"], pred_labels=[1, 1, 1, 1, 1])
    assert merged["acc"] == 0.6
    assert merged["ari"] == pytest.approx(0.0)


def test_theme_scores_rejects_mismatched_lengths_and_handles_empty() -> None:
    with pytest.raises(ValueError):
        theme_scores(true_labels=["a"], pred_labels=[1, 2])
    assert theme_scores(true_labels=[], pred_labels=[])["acc"] is None


def test_f1_overlap() -> None:
    assert f1_overlap(["1", "2"], ["1", "2"]) == 1.0
    assert f1_overlap(["1", "2"], ["2", "3"]) == 0.5
    assert f1_overlap([], ["1"]) == 0.0


def test_friction_match_needs_f1_half_within_top_five() -> None:
    planted = [str(i) for i in range(6, 16)]
    frictions = [friction("fr-x", 1, ["100"]), friction("fr-y", 2, [str(i) for i in range(1, 11)])]
    match = friction_match(frictions=frictions, planted_ids=planted)
    assert match == {"found": True, "f1": 0.5, "rank": 2, "friction_id": "fr-y"}
    weak = friction_match(frictions=[friction("fr-z", 1, [str(i) for i in range(1, 8)])], planted_ids=planted)
    assert not weak["found"] and weak["f1"] == pytest.approx(2 * 2 / 17)
    late = [friction(f"fr-{r}", r, ["0"]) for r in range(1, 6)] + [friction("fr-6", 6, planted)]
    assert not friction_match(frictions=late, planted_ids=planted)["found"]


def test_segment_matches_by_anchor_and_no_contradiction() -> None:
    planted = {"queue": "radiologie", "weekday": 1, "hours": [8, 9]}
    assert segment_matches({"queue": "radiologie", "hour": 8}, planted)
    assert segment_matches({"queue": "radiologie", "weekday": 1, "channel": "phone"}, planted)
    assert not segment_matches({"queue": "radiologie", "hour": 14}, planted)
    assert not segment_matches({"queue": "radiologie", "weekday": 3}, planted)
    assert not segment_matches({"queue": "facturation", "hour": 8}, planted)
    assert not segment_matches({"hour": 8}, planted)
    agents = {"agent": ["a-14", "a-17"]}
    assert segment_matches({"agent_ref": "a-14"}, agents)
    assert not segment_matches({"agent": "a-02"}, agents)


def test_anomaly_match_requires_metric_and_segment() -> None:
    planted = {"queue": "radiologie", "weekday": 1, "hours": [8, 9]}
    anomalies = [
        Anomaly(metric="csat", segment={"queue": "radiologie", "hour": 8}, value=1, expected=2, score=9),
        Anomaly(
            metric="response_time", segment={"queue": "pharmacie", "hour": 8}, value=1, expected=2, score=8
        ),
        Anomaly(
            metric="response_time",
            segment={"queue": "radiologie", "hour": 9},
            value=900,
            expected=90,
            score=7,
        ),
    ]
    found = anomaly_match(anomalies=anomalies, segment=planted, metrics=["response_time", "abandonment"])
    assert found["found"] and found["rank"] == 3
    assert not anomaly_match(anomalies=anomalies[:2], segment=planted, metrics=["response_time"])["found"]


def test_reciprocal_rank_needs_expected_playbook_citing_the_friction() -> None:
    actions = [
        action(1, "staffing-at-peaks", ["fr-other"]),
        action(2, "sms-reminder-with-instructions", ["fr-a"]),
        action(3, "agent-knowledge-article", ["fr-a", "fr-b"]),
    ]
    expected = ["prescription-renewal-online", "agent-knowledge-article"]
    # Ranked among the actions citing fr-a: sms-reminder (1), agent-knowledge-article (2).
    assert reciprocal_rank(actions=actions, expected=expected, friction_ids={"fr-a"}) == pytest.approx(1 / 2)
    assert reciprocal_rank(actions=actions, expected=expected, friction_ids={"fr-b"}) == 1.0
    assert reciprocal_rank(actions=actions, expected=["staffing-at-peaks"], friction_ids={"fr-a"}) == 0.0
    assert reciprocal_rank(actions=actions, expected=["staffing-at-peaks"], friction_ids={"fr-other"}) == 1.0


def _truth() -> Truth:
    ids = [f"i{n}" for n in range(12)]
    weeks = {i: ("2026-W47" if n >= 4 else "2026-W46") for n, i in enumerate(ids)}
    themes = {i: ("portal" if n >= 8 else "renewal" if n < 6 else "other") for n, i in enumerate(ids)}
    return Truth(
        seed=1,
        tenant="default",
        language="mix",
        start=date(2026, 11, 9),
        end=date(2026, 11, 22),
        weeks=["2026-W46", "2026-W47"],
        n_interactions=len(ids),
        themes=[TruthTheme(key=k, label=k, label_en=k, queue="q") for k in ("portal", "renewal", "other")],
        frictions=[
            PlantedFriction(
                id="planted-a",
                kind="recurring_theme",
                title="renewal",
                theme="renewal",
                metric="fcr",
                weeks=["2026-W46", "2026-W47"],
                interaction_ids=[i for i in ids if themes[i] == "renewal"],
                expected_actions=["prescription-renewal-online"],
            ),
            PlantedFriction(
                id="planted-b",
                kind="emerging_theme",
                title="portal",
                theme="portal",
                metric="volume",
                weeks=["2026-W47"],
                interaction_ids=[i for i in ids if themes[i] == "portal"],
                expected_actions=["fix-broken-portal-or-link"],
            ),
        ],
        interaction_themes=themes,
        interaction_weeks=weeks,
        textless_ids=["i11"],
    )


def test_score_analysis_end_to_end_on_a_hand_made_case() -> None:
    truth = _truth()
    result = AnalysisResult(
        analysis_id="an-1",
        period=Period(start=date(2026, 11, 16), end=date(2026, 11, 22)),
        themes=[
            ThemeResult(theme_id="th-1", label="renewal", size=2, interaction_ids=["i4", "i5"]),
            ThemeResult(
                theme_id="th-2",
                label="portal",
                size=3,
                interaction_ids=["i8", "i9", "i10"],
                emerging=True,
                quotes=[Evidence(interaction_id="i8", quote="q")],
            ),
        ],
        unassigned_ids=["i6", "i7", "i11"],
        frictions=[
            friction("fr-p", 1, ["i8", "i9", "i10", "i11"], emerging=True),
            friction("fr-r", 2, ["i4", "i5"], evidence=[Evidence(interaction_id="nope", quote="x")]),
        ],
        actions=[
            action(1, "fix-broken-portal-or-link", ["fr-p"]),
            action(2, "agent-coaching", ["fr-r"], ["i4"]),
        ],
    )
    scores = score_analysis(result=result, truth=truth)
    assert scores["weeks"] == ["2026-W47"]
    # period ids with text: i4..i10 (i11 is textless); i6, i7 unassigned -> 5 of 7 right
    assert scores["themes"]["n"] == 7 and scores["themes"]["acc"] == pytest.approx(5 / 7)
    renewal, portal = scores["frictions"]["planted-a"], scores["frictions"]["planted-b"]
    assert renewal["found"] and renewal["rank"] == 2 and renewal["f1"] == 1.0 and renewal["rr"] == 0.0
    assert portal["found"] and portal["rank"] == 1 and portal["rr"] == 1.0
    assert portal["emerging"]["flagged"] and portal["emerging"]["right_week"]
    assert scores["found_top5"] == 2 and scores["action_mrr"] == 0.5
    assert scores["evidence"] == {"share": pytest.approx(2 / 3), "n": 3, "invalid": 1}


def test_emerging_not_flagged_without_an_emerging_theme() -> None:
    result = AnalysisResult(
        analysis_id="an-2",
        period=Period(start=date(2026, 11, 16), end=date(2026, 11, 22)),
        themes=[ThemeResult(theme_id="th", label="portal", size=2, interaction_ids=["i8", "i9"])],
    )
    flagged = emerging_flagged(result=result, planted_ids=["i8", "i9"], planted_weeks=["2026-W47"])
    assert flagged == {"flagged": False, "right_week": False, "f1": 0.0}


def test_evidence_validity_without_evidence_is_none() -> None:
    result = AnalysisResult(
        analysis_id="an-3", period=Period(start=date(2026, 11, 16), end=date(2026, 11, 22))
    )
    assert evidence_validity(result=result, known_ids={"a"}) == {"share": None, "n": 0, "invalid": 0}
