from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from analytics.playbook import DEFAULT_PATH, SIGNALS, Playbook, load_playbook, playbook_path

REQUIRED = [
    "prescription-renewal-online",
    "callback-when-queue-long",
    "fix-broken-portal-or-link",
    "status-message-ivr-and-portal",
    "staffing-at-peaks",
    "rewrite-billing-letter",
    "agent-knowledge-article",
    "callback-tracking",
    "agent-coaching",
    "sms-reminder-with-instructions",
    "self-service-rescheduling",
    "results-portal-notification",
]


def test_bundled_playbook_is_valid_and_complete():
    playbook = load_playbook()
    assert len(playbook.actions) >= 30
    assert set(REQUIRED) <= set(playbook.ids)
    for entry in playbook.actions:
        assert entry.title_fr and entry.title_en and entry.description_fr and entry.description_en
        assert set(entry.signals) <= SIGNALS and entry.theme_keywords and entry.kpi_targets
        assert entry.owner and 0 < entry.efficacy.confidence <= 1 and 0 < entry.efficacy.impact <= 1
    assert playbook.get("staffing-at-peaks").title("en") == "Staff up at peak hours"


def test_playbook_path_follows_the_setting(tmp_path, monkeypatch):
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["actions"] = data["actions"][:2]
    custom = tmp_path / "mine.yaml"
    custom.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("PARCOURS_PLAYBOOK_PATH", str(custom))
    assert playbook_path() == custom
    assert len(load_playbook().actions) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e.update(signals=["telepathy"]), "unknown signals"),
        (lambda e: e.update(effort="XL"), "effort"),
        (lambda e: e["efficacy"].update(confidence=1.5), "confidence"),
        (lambda e: e.update(id="Not A Slug"), "id"),
    ],
)
def test_invalid_entries_are_refused_with_a_readable_reason(change, message):
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    change(data["actions"][0])
    with pytest.raises(ValidationError, match=message):
        Playbook.model_validate(data)


def test_duplicate_ids_are_refused():
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    data["actions"].append(dict(data["actions"][0]))
    with pytest.raises(ValidationError, match="duplicate"):
        Playbook.model_validate(data)
