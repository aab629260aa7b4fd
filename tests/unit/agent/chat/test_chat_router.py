"""The offline router: intents, slots (metric, segment, period, top, status, owner, claim) and tool calls."""

from __future__ import annotations

from datetime import date

import pytest

from agent.chat import entities as e
from agent.chat.periods import resolve_period
from agent.chat.router import Vocabulary, route
from evals.chat_suite import HELDOUT, QUESTIONS, run_chat_suite, score_questions, slots_match

QUEUES = ["rendez-vous", "radiologie", "facturation", "pharmacie", "resultats", "maternite"]
SUNDAY = Vocabulary(queues=QUEUES, latest=date(2026, 11, 29))
WEDNESDAY = Vocabulary(queues=QUEUES, latest=date(2026, 11, 25))


def test_the_labelled_questions_are_routed_above_the_target() -> None:
    report = run_chat_suite()
    assert report["questions"] >= 80 and set(report["languages"]) == {"fr", "en"}
    assert report["intent_accuracy"] >= 0.95, report["misses"]
    assert report["heldout"]["intent_accuracy"] >= 0.9, report["heldout"]["misses"]


def test_the_scoring_counts_a_wrong_or_extra_slot() -> None:
    assert slots_match({"metric": "fcr"}, {"metric": "fcr"}) == []
    assert slots_match({"metric": "fcr"}, {"metric": "csat"}) == ["metric"]
    assert slots_match({}, {"period": "last_week"}) == ["period"]
    assert slots_match({"topic": ["portail"]}, {"topic": "portail reservation"}) == []
    assert score_questions(HELDOUT)["questions"] == 40 and QUESTIONS.exists()


@pytest.mark.parametrize(
    ("question", "tool", "args"),
    [
        ("Quelles sont les 3 actions prioritaires ?", "list_actions", {"limit": 3}),
        ("Which actions are still in progress?", "list_actions", {"status": "in_progress"}),
        ("Quel est le temps de réponse cette semaine ?", "kpi_query", {"metric": "response_time"}),
        ("Which queue has the longest wait?", "kpi_query", {"metric": "response_time", "by": "queue"}),
        ("Comment évolue la satisfaction depuis 8 semaines ?", "kpi_query", {"interval": "week"}),
        ("Le taux d'abandon est-il normal cette semaine ?", "compare_periods", {"metric": "abandonment"}),
        ("Quelles sont les principales frictions ?", "list_frictions", {}),
        ("Y a-t-il des sujets émergents ?", "list_themes", {}),
        ("Y a-t-il des anomalies cette semaine ?", "find_anomalies", {}),
        (
            "Que disent les patients du portail de réservation ?",
            "search_transcripts",
            {"query": "portail reservation"},
        ),
    ],
)
def test_each_intent_calls_its_tool(question: str, tool: str, args: dict) -> None:
    call = route(question, SUNDAY).calls[0]
    assert call.tool == tool and {k: call.args.get(k) for k in args} == args


def test_why_compares_overall_by_segment_and_searches_evidence() -> None:
    found = route("Why did first-contact resolution drop in radiology last week?", SUNDAY)
    assert found.slots == {
        "metric": "fcr",
        "claim": "down",
        "filters": {"queue": "radiologie"},
        "period": "last_week",
    }
    assert [c.tool for c in found.calls] == ["compare_periods", "compare_periods", "search_transcripts"]
    assert found.calls[1].args["by"] == "queue" and found.calls[0].args["period"] == "2026-W48"
    assert found.calls[2].args["filters"] == {"queue": "radiologie", "speaker": "patient"}


def test_a_queue_is_a_filter_only_when_the_question_places_itself_in_it() -> None:
    assert route("Quel est le taux d'abandon en radiologie ?", SUNDAY).slots["filters"] == {
        "queue": "radiologie"
    }
    assert route("the FCR in billing", SUNDAY).slots["filters"] == {"queue": "facturation"}  # glossary
    assert "filters" not in route("Montre-moi des verbatims sur les résultats d'analyse", SUNDAY).slots


def test_a_queue_is_named_through_the_hospitals_own_glossary(tmp_path, monkeypatch) -> None:
    """PARCOURS_GLOSSARY_PATH replaces the bundled glossary for the chat's queue names too."""
    from core.settings import get_settings

    path = tmp_path / "glossaire.tsv"
    path.write_text("bloc\toperating theatre\n", encoding="utf-8")
    vocabulary = Vocabulary(queues=["bloc", *QUEUES], latest=date(2026, 11, 29))
    assert "filters" not in route("the abandonment in operating theatre", vocabulary).slots
    monkeypatch.setenv("PARCOURS_GLOSSARY_PATH", str(path))
    get_settings.cache_clear()
    try:
        found = route("the abandonment in operating theatre", vocabulary)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert found.slots["filters"] == {"queue": "bloc"}


def test_periods_resolve_against_the_latest_data() -> None:
    assert resolve_period("this_week", SUNDAY.latest) == "2026-W48"
    assert resolve_period("this_week", WEDNESDAY.latest) == "2026-11-23..2026-11-25"
    assert resolve_period("last_week", WEDNESDAY.latest) == "2026-W47"
    assert resolve_period("previous_week", SUNDAY.latest, before="2026-W48") == "2026-W47"
    assert resolve_period("last_month", SUNDAY.latest) == "2026-10-01..2026-10-31"
    assert resolve_period("weeks:4", SUNDAY.latest) == "2026-11-02..2026-11-29"
    assert resolve_period("week:47", SUNDAY.latest) == "2026-W47"
    assert resolve_period("week:50", SUNDAY.latest) == "2025-W50"  # a later week number is last year's


def test_comparing_this_week_with_last_week_when_they_are_the_same_week() -> None:
    found = route("Compare cette semaine à la semaine dernière", SUNDAY)
    assert [c.args["period"] for c in found.calls][:1] == ["2026-W48"]
    assert found.calls[0].args["baseline"] == "2026-W47" and len(found.calls) == 5  # five headline KPIs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("taux de satisfation", "csat"),  # typo
        ("tems d'attente moyen", "response_time"),  # typo
        ("rappels non tenus", "engagement"),
        ("combien de patients rappellent plusieurs fois", "repeat_rate"),
        ("how many chats did we get", "volume"),
        ("Combien d'appels abandonnés le lundi", "abandonment"),
    ],
)
def test_metrics_in_french_and_english(text: str, expected: str) -> None:
    assert e.metric_of(e.normalise(text)) == expected


def test_inflections_are_not_corrected_as_typos() -> None:
    assert e.normalise("la première action du responsable") == " la premiere action du responsable "
    assert e.normalise("fricitons prioritaires").split()[0] == "frictions"


def test_language_top_status_owner_and_claim() -> None:
    assert e.detect_language("FCR by channel last week") == "en"
    assert e.detect_language("satisfaction par file d'attente") == "fr"
    assert e.top_of(e.normalise("les 5 premieres actions du plan")) == 5
    assert e.status_of(e.normalise("Quelles actions reste-t-il à valider ?")) == "proposed"
    assert (
        e.owner_of(e.normalise("Which actions are owned by the contact centre manager?"))
        == "contact centre manager"
    )
    assert e.claim_of(e.normalise("Why has the FCR gone down?")) == "down"
    assert e.claim_of(e.normalise("why is satisfaction so low?")) is None
