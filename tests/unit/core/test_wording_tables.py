"""Every signal, status, channel, dimension and metric name a manager meets has French and English words."""

from __future__ import annotations

import pytest

from analytics.kpi_defs import DIMENSIONS, METRIC_NAMES
from analytics.playbook import SIGNALS as PLAYBOOK_SIGNALS
from core import wording
from core.models import Channel, Speaker


@pytest.mark.parametrize(
    ("table", "codes"),
    [
        (wording.METRICS, METRIC_NAMES),
        (wording.NOUNS, METRIC_NAMES),
        (wording.CHANNELS, [c.value for c in Channel]),
        (wording.SPEAKERS, [s.value for s in Speaker]),
        (wording.DIMENSIONS, list(DIMENSIONS)),
        (wording.STATUSES, ["proposed", "accepted", "in_progress", "done", "rejected"]),
        (wording.ANALYSIS_STATUSES, ["pending", "running", "done", "failed"]),
        (wording.ACTION_SIGNALS, sorted(PLAYBOOK_SIGNALS)),
        (wording.EFFORTS, ["S", "M", "L"]),
    ],
)
def test_every_code_has_words_in_both_languages(table: dict[str, dict[str, str]], codes: list[str]) -> None:
    for code in codes:
        assert code in table, code
        for language in ("fr", "en"):
            words = table[code][language]
            assert words.strip() and "_" not in words, (code, language, words)


def test_the_friction_signals_shown_have_readable_names() -> None:
    signals = {name: 0.5 for name in wording.SIGNALS} | {"severity": 0.9, "findings": ["x"], "steps": [{}]}
    for language in ("fr", "en"):
        names = [name for name, _value in wording.signal_rows(signals, language)]
        assert len(names) == len(wording.SIGNALS)
        assert all("_" not in name for name in names), names
