import pytest
from pydantic import ValidationError

from core.models import Interaction, Speaker
from core.results import AnalysisResult
from core.settings import Settings
from tests.factories import interaction


def test_the_design_example_validates():
    record = {
        "id": "call-000123",
        "tenant": "chu-exemple",
        "channel": "phone",
        "direction": "inbound",
        "queue": "cardiologie",
        "started_at": "2026-11-16T08:04:11+01:00",
        "ended_at": "2026-11-16T08:09:40+01:00",
        "wait_seconds": 312,
        "first_response_seconds": None,
        "handle_seconds": 240,
        "abandoned": False,
        "resolved": True,
        "follow_up": {"required": True, "due_at": "2026-11-18T08:00:00+01:00", "done_at": None},
        "csat": 2,
        "reason": "prise de rendez-vous",
        "patient_ref": "p-8f3a1c",
        "agent_ref": "a-17",
        "language": "fr",
        "transcript": [
            {"speaker": "patient", "text": "Bonjour, c'est la troisième fois que j'appelle…"},
            {"speaker": "agent", "text": "Je comprends, je regarde votre dossier."},
        ],
        "attributes": {"site": "Hôpital Nord"},
    }
    item = Interaction.model_validate(record)
    assert item.patient_text() == "Bonjour, c'est la troisième fois que j'appelle…"
    assert item.full_text().splitlines()[1].startswith("agent: ")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"started_at": "2026-11-16T08:04:11"}, "offset"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"channel": "fax"}, "channel"),
        ({"csat": 0}, "csat"),
        ({"csat": 6}, "csat"),
        ({"wait_seconds": -1}, "wait_seconds"),
        ({"transcript": [{"speaker": "doctor", "text": "x"}]}, "speaker"),
        ({"transcript": [], "text": "  "}, "transcript or text"),
        ({"ended_at": "2026-11-16T07:00:00+01:00", "started_at": "2026-11-16T08:00:00+01:00"}, "ended_at"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"follow_up": {"required": True, "due_at": "2026-11-18"}}, "follow_up"),
    ],
)
def test_invalid_records_are_refused_with_a_reason(change, message):
    with pytest.raises(ValidationError) as err:
        Interaction.model_validate(interaction(**change))
    assert message in str(err.value)


def test_defaults_and_plain_text():
    item = Interaction.model_validate(
        {
            "id": "x",
            "started_at": "2026-11-16T08:00:00Z",
            "text": "Hello, I need my results",
            "language": "EN",
        }
    )
    assert (item.tenant, item.channel.value, item.direction.value, item.language) == (
        "default",
        "phone",
        "inbound",
        "en",
    )
    assert [t.speaker for t in item.turns()] == [Speaker.patient]


def test_abandoned_contacts_need_no_text():
    item = Interaction.model_validate(interaction(transcript=None, abandoned=True))
    assert item.turns() == [] and item.patient_text() == ""


def test_analysis_result_round_trips_the_contract_example():
    example = {
        "analysis_id": "an-1",
        "tenant": "default",
        "mode": "offline",
        "model": None,
        "period": {"start": "2026-11-16", "end": "2026-11-22"},
        "baseline": {"start": "2026-10-19", "end": "2026-11-15"},
        "kpis": [
            {
                "metric": "fcr",
                "value": 0.71,
                "previous": 0.78,
                "delta": -0.07,
                "p_value": 0.003,
                "n": 1840,
                "ci": [0.69, 0.73],
            }
        ],
        "themes": [
            {"theme_id": "th-1", "label": "x", "keywords": ["a"], "size": 1, "interaction_ids": ["c1"]}
        ],
        "unassigned_ids": [],
        "frictions": [
            {
                "friction_id": "fr-1",
                "rank": 1,
                "title": "t",
                "theme_id": None,
                "segment": {"queue": "cardiologie"},
                "score": 0.8,
                "volume": 2,
                "share": 0.1,
                "emerging": True,
                "signals": {"csat_gap": -0.3},
                "evidence": [{"interaction_id": "c1", "quote": "q"}],
            }
        ],
        "anomalies": [
            {
                "metric": "response_time",
                "segment": {"queue": "cardiologie", "hour": 8},
                "value": 1260,
                "expected": 240,
                "score": 6.1,
            }
        ],
        "actions": [
            {
                "action_id": "ac-1",
                "rank": 1,
                "title": "t",
                "description": "d",
                "playbook_id": "callback-when-queue-long",
                "friction_ids": ["fr-1"],
                "kpi_targets": ["response_time"],
                "expected_impact": {"patients_affected": 212, "kpi": "fcr", "delta": 0.05},
                "effort": "S",
                "confidence": 0.7,
                "score": 0.61,
                "owner": "o",
                "rationale": "r",
                "evidence": [{"interaction_id": "c1", "quote": "q"}],
            }
        ],
    }
    result = AnalysisResult.model_validate(example)
    dumped = result.model_dump(mode="json")
    for key in example:
        assert key in dumped
    assert dumped["kpis"][0]["ci"] == [0.69, 0.73]


def test_settings_read_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PARCOURS_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("PARCOURS_FCR_WINDOW_DAYS", "3")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    s = Settings()
    assert s.fcr_window_days == 3 and s.api_key_for_llm == "sk-test" and not s.llm_enabled
    assert s.sql_url == f"sqlite:///{tmp_path / 'h' / 'parcours.db'}"
