from __future__ import annotations

from datetime import date

import pytest

from agent.chat.router import Vocabulary, detect_language, detect_period, route

VOCAB = Vocabulary(
    queues=["cardiologie", "radiologie", "pédiatrie", "facturation"], latest=date(2026, 11, 22)
)

# question, first tool, expected arguments (subset)
QUESTIONS = [
    (
        "Pourquoi la résolution au premier contact a baissé en cardiologie la semaine dernière ?",
        "compare_periods",
        {"metric": "fcr"},
    ),
    ("Quel est le taux de satisfaction cette semaine ?", "kpi_query", {"metric": "csat"}),
    (
        "Quel est le temps d'attente moyen en radiologie ?",
        "kpi_query",
        {"metric": "response_time", "filters": {"queue": "radiologie"}},
    ),
    ("Combien d'appels avons-nous reçus la semaine dernière ?", "kpi_query", {"metric": "volume"}),
    ("Quel est le taux d'abandon par heure ?", "kpi_query", {"metric": "abandonment", "by": "hour"}),
    ("Les rappels promis sont-ils faits à temps ?", "kpi_query", {"metric": "engagement"}),
    ("Quel est le FCR par file ce mois-ci ?", "kpi_query", {"metric": "fcr", "by": "queue"}),
    (
        "Comment évolue la satisfaction par rapport aux semaines précédentes ?",
        "compare_periods",
        {"metric": "csat"},
    ),
    ("Quels sont les principaux motifs de contact ?", "list_themes", {}),
    ("Où les patients rencontrent-ils des difficultés ?", "list_frictions", {}),
    ("Y a-t-il des anomalies cette semaine ?", "find_anomalies", {}),
    ("Montre-moi des exemples de patients qui parlent de leur facture", "search_transcripts", {}),
    ("Que disent les patients sur le portail de rendez-vous ?", "search_transcripts", {}),
    ("Quelle est la durée moyenne de traitement par agent ?", "kpi_query", {"metric": "aht", "by": "agent"}),
    (
        "Quel est le niveau de service en pédiatrie ?",
        "kpi_query",
        {"metric": "service_level", "filters": {"queue": "pédiatrie"}},
    ),
    ("Why did first-contact resolution drop in cardiology last week?", "compare_periods", {"metric": "fcr"}),
    ("What is our CSAT by channel?", "kpi_query", {"metric": "csat", "by": "channel"}),
    (
        "How long do patients wait on the phone in radiologie?",
        "kpi_query",
        {"metric": "response_time", "filters": {"queue": "radiologie", "channel": "phone"}},
    ),
    ("How many calls did we get in 2026-W46?", "kpi_query", {"metric": "volume", "period": "2026-W46"}),
    ("What are the main reasons patients call?", "list_themes", {}),
    ("Where do patients struggle the most?", "list_frictions", {}),
    ("Show me what patients say about prescription renewal", "search_transcripts", {}),
    ("Is the abandonment rate getting worse?", "compare_periods", {"metric": "abandonment"}),
    ("What is the repeat contact rate by queue?", "kpi_query", {"metric": "repeat_rate", "by": "queue"}),
    ("Are there unusual spikes in waiting time?", "find_anomalies", {}),
    ("Quel est le taux d'attrition des patients ?", "kpi_query", {"metric": "attrition"}),
]


@pytest.mark.parametrize(("question", "tool", "expected"), QUESTIONS)
def test_router_maps_typical_manager_questions(question, tool, expected):
    routed = route(question, VOCAB)
    assert routed.calls and routed.calls[0].tool == tool
    args = routed.calls[0].args
    for key, value in expected.items():
        assert args[key] == value, (key, args)


def test_router_handles_at_least_twenty_questions():
    assert len(QUESTIONS) >= 20


def test_why_questions_also_drill_down_and_search_evidence_in_the_queue():
    routed = route(
        "Pourquoi la résolution au premier contact a baissé en cardiologie la semaine dernière ?", VOCAB
    )
    tools = [c.tool for c in routed.calls]
    assert tools == ["compare_periods", "kpi_query", "search_transcripts"]
    assert routed.calls[1].args["filters"] == {"queue": "cardiologie"}
    assert routed.calls[2].args["filters"] == {"queue": "cardiologie", "speaker": "patient"}
    assert routed.language == "fr"


def test_search_query_keeps_the_topic_words():
    routed = route("Show me what patients say about prescription renewal", VOCAB)
    assert "prescription" in routed.calls[0].args["query"] and "renewal" in routed.calls[0].args["query"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" la semaine derniere ", None),
        (" cette semaine ", "2026-11-16..2026-11-22"),
        (" ce mois ci ", "2026-11-01..2026-11-22"),
        (" last month ", "2026-10-01..2026-10-31"),
        (" in 2026 w45 ", "2026-W45"),
        (" hier ", "2026-11-21..2026-11-21"),
    ],
)
def test_period_words(text, expected):
    assert detect_period(text, date(2026, 11, 22))[0] == expected


def test_language_detection():
    assert detect_language("Quel est le taux de satisfaction ?") == "fr"
    assert detect_language("What is our CSAT by channel?") == "en"


def test_topic_words_select_a_known_theme_as_filter():
    vocab = Vocabulary(
        queues=["pharmacie"],
        themes={"th-1": "renouvellement ordonnance traitement", "th-2": "facture montant"},
        latest=date(2026, 11, 22),
    )
    routed = route("Quelle est la satisfaction sur les renouvellements d'ordonnance ?", vocab)
    assert routed.calls[0].args["filters"] == {"theme": "th-1"}
    routed = route("Pourquoi le FCR baisse sur les factures ?", vocab)
    assert routed.calls[1].args["filters"] == {"theme": "th-2"}
    assert "theme" not in routed.calls[2].args["filters"]  # the search filters by text, not theme
