from __future__ import annotations

import json
import re
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

import pytest

from core.models import Interaction
from evals.generator import Truth, generate
from evals.generator.themes import EMERGING, PROFILES, RECURRING, catalogue

END = date(2026, 11, 23)  # a Monday: the last generated week is 2026-W47 (16-22 November)


@pytest.fixture(scope="module")
def sample() -> tuple[list[dict[str, Any]], Truth]:
    records, truth = generate(weeks=3, per_week=800, seed=11, end=END)
    return list(records), truth


def _start(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["started_at"])


def test_same_seed_same_data_other_seed_other_data() -> None:
    first, truth_a = generate(weeks=1, per_week=150, seed=3, end=END)
    second, truth_b = generate(weeks=1, per_week=150, seed=3, end=END)
    third, _ = generate(weeks=1, per_week=150, seed=4, end=END)
    a, b, c = list(first), list(second), list(third)
    assert a == b
    assert truth_a.model_dump_json() == truth_b.model_dump_json()
    assert a != c


def test_every_record_validates_and_round_trips_as_json(sample: tuple[list[dict[str, Any]], Truth]) -> None:
    records, truth = sample
    assert len(records) == truth.n_interactions
    assert len({r["id"] for r in records}) == len(records)
    for record in records:
        Interaction.model_validate(json.loads(json.dumps(record)))


def test_last_week_ends_on_the_sunday_before_end() -> None:
    _, truth = generate(weeks=2, per_week=50, seed=1, end=date(2026, 11, 23))
    assert truth.end == date(2026, 11, 22) and truth.start == date(2026, 11, 9)
    assert truth.weeks == ["2026-W46", "2026-W47"]
    _, on_sunday = generate(weeks=1, per_week=50, seed=1, end=date(2026, 11, 22))
    assert on_sunday.end == date(2026, 11, 15)


def test_paris_offsets_follow_daylight_saving_time() -> None:
    records, truth = generate(weeks=3, per_week=300, seed=2, end=date(2026, 4, 6))  # DST starts 29 March
    offsets = Counter(r["started_at"][-6:] for r in records)
    assert set(offsets) == {"+01:00", "+02:00"}
    for record in records:
        start = _start(record)
        assert start.date() <= truth.end
        expected = "+02:00" if start.date() >= date(2026, 3, 29) else "+01:00"
        assert record["started_at"].endswith(expected), record["started_at"]


def test_catalogue_has_25_themes_with_8_distinct_openings_per_language(
    sample: tuple[list[dict[str, Any]], Truth],
) -> None:
    _, truth = sample
    assert len(PROFILES) >= 25
    for language in ("fr", "en"):
        themes = catalogue(language)["themes"]
        for profile in PROFILES:
            assert len(set(themes[profile.key]["openings"])) >= 8, (language, profile.key)
    present = set(truth.interaction_themes.values())
    assert len(present) >= 25
    assert {t.key for t in truth.themes} >= present


def test_both_languages_mostly_french(sample: tuple[list[dict[str, Any]], Truth]) -> None:
    records, _ = sample
    languages = Counter(r["language"] for r in records)
    assert set(languages) == {"fr", "en"}
    assert 0.65 < languages["fr"] / len(records) < 0.85
    english, _ = generate(weeks=1, per_week=100, seed=5, end=END, language="en")
    assert {r["language"] for r in english} == {"en"}


def test_structure_queues_channels_agents_csat(sample: tuple[list[dict[str, Any]], Truth]) -> None:
    records, _ = sample
    queues = Counter(r["queue"] for r in records)
    assert 5 <= len(queues) <= 8
    channels = Counter(r["channel"] for r in records)
    assert channels.most_common(1)[0][0] == "phone"
    assert {"email", "portal", "sms", "chat"} <= set(channels)
    answered = [r for r in records if not r["abandoned"]]
    surveyed = sum(1 for r in answered if r["csat"] is not None)
    assert 0.08 < surveyed / len(answered) < 0.35
    assert len({r["agent_ref"] for r in answered}) >= 20
    monday = Counter(_start(r).weekday() for r in records)
    assert monday[0] == max(monday.values())


def test_abandoned_calls_may_have_no_text(sample: tuple[list[dict[str, Any]], Truth]) -> None:
    records, truth = sample
    by_id = {r["id"]: r for r in records}
    assert truth.textless_ids
    for rid in truth.textless_ids:
        assert by_id[rid]["abandoned"] and by_id[rid]["transcript"] is None
    assert any(r["abandoned"] and r["transcript"] for r in records)


def test_planted_frictions_recorded_with_interactions_and_actions(
    sample: tuple[list[dict[str, Any]], Truth],
) -> None:
    records, truth = sample
    ids = {r["id"] for r in records}
    kinds = {f.kind: f for f in truth.frictions}
    assert set(kinds) == {
        "recurring_theme",
        "emerging_theme",
        "segment_degradation",
        "low_csat_theme",
        "follow_up_failure",
    }
    for friction in truth.frictions:
        assert friction.interaction_ids and set(friction.interaction_ids) <= ids, friction.id
        assert friction.weeks and set(friction.weeks) <= set(truth.weeks)
    assert kinds["recurring_theme"].expected_actions == [
        "prescription-renewal-online",
        "agent-knowledge-article",
    ]
    assert kinds["emerging_theme"].expected_actions == [
        "fix-broken-portal-or-link",
        "status-message-ivr-and-portal",
    ]
    assert kinds["segment_degradation"].expected_actions == ["staffing-at-peaks", "callback-when-queue-long"]
    assert kinds["low_csat_theme"].expected_actions == ["rewrite-billing-letter", "agent-knowledge-article"]
    assert kinds["follow_up_failure"].expected_actions == ["callback-tracking", "agent-coaching"]


def test_emerging_theme_absent_before_its_week(sample: tuple[list[dict[str, Any]], Truth]) -> None:
    records, truth = sample
    planted = truth.friction("emerging_theme")
    first = planted.weeks[0]
    weeks = Counter(truth.interaction_weeks[i] for i in planted.interaction_ids)
    assert set(weeks) <= set(planted.weeks)
    assert first == truth.weeks[-1]
    week_volume = sum(1 for w in truth.interaction_weeks.values() if w == first)
    assert weeks[first] / week_volume > 0.03


def test_segment_degradation_visible_in_waits(sample: tuple[list[dict[str, Any]], Truth]) -> None:
    records, truth = sample
    planted = truth.friction("segment_degradation")
    inside = set(planted.interaction_ids)
    waits: dict[bool, list[float]] = defaultdict(list)
    for r in records:
        if r["channel"] in ("phone", "chat") and r["wait_seconds"] is not None:
            waits[r["id"] in inside].append(r["wait_seconds"])
    for rid in inside:
        start = next(_start(r) for r in records if r["id"] == rid)
        assert start.weekday() == 0 and start.hour in (8, 9)
    assert statistics.mean(waits[True]) > 3 * statistics.mean(waits[False])
    abandoned = Counter(r["abandoned"] for r in records if r["id"] in inside)
    assert abandoned[True] / len(inside) > 0.15


def test_recurring_theme_has_repeat_contacts(sample: tuple[list[dict[str, Any]], Truth]) -> None:
    records, truth = sample
    contacts: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for r in records:
        contacts[(r["patient_ref"], truth.interaction_themes[r["id"]])].append(_start(r))

    def repeat_share(theme_is_recurring: bool) -> float:
        groups = [v for (_, t), v in contacts.items() if (t == RECURRING) == theme_is_recurring]
        repeated = sum(1 for v in groups if any(0 < (b - a).days < 7 for a in v for b in v if b > a))
        return repeated / len(groups)

    assert repeat_share(True) > 0.3
    assert repeat_share(True) > 3 * repeat_share(False)
    channels = {r["channel"] for r in records if truth.interaction_themes[r["id"]] == RECURRING}
    assert len(channels) >= 3


def test_follow_up_failure_lowers_done_by_due_for_planted_agents(
    sample: tuple[list[dict[str, Any]], Truth],
) -> None:
    records, truth = sample
    planted = truth.friction("follow_up_failure")
    agents, weeks = set(planted.segment["agent"]), set(planted.weeks)

    def done_share(planted_agent: bool) -> float:
        rows = [
            r["follow_up"]
            for r in records
            if r["follow_up"]
            and truth.interaction_weeks[r["id"]] in weeks
            and (r["agent_ref"] in agents) == planted_agent
        ]
        done = [f for f in rows if f["done_at"] and f["done_at"] <= f["due_at"]]
        return len(done) / len(rows)

    assert done_share(True) < 0.5 < 0.8 < done_share(False)


def test_transcripts_carry_personal_data_and_effort_phrases(
    sample: tuple[list[dict[str, Any]], Truth],
) -> None:
    records, truth = sample
    texts = {r["id"]: " ".join(t["text"] for t in r["transcript"] or []) for r in records}
    everything = " ".join(texts.values())
    assert re.search(r"[\w.]+@[\w.]+\.\w+", everything)
    assert re.search(r"\b0[67](?: \d\d){4}\b", everything)
    assert "je m'appelle" in everything.lower() and "my name is" in everything.lower()
    assert any(t.count("\n") > 3 for t in texts.values())  # formal e-mails
    effort = re.compile(r"troisième fois|personne ne répond|third time I'm calling|nobody answers", re.I)

    def effort_rate(theme: str) -> float:
        ids = [i for i, t in truth.interaction_themes.items() if t == theme]
        return sum(1 for i in ids if effort.search(texts[i])) / len(ids)

    assert effort_rate(RECURRING) > 2 * effort_rate("visiting_hours")
    assert effort_rate(EMERGING) > 0.05
