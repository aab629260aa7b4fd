"""What the report's first screen says of defects a manager once read: "Volume −0", "n = 0" for attrition."""

from __future__ import annotations

from html import unescape

import pytest

from api.report import render_report
from core.results import ExpectedImpact, KpiValue
from core.wording import NNBSP
from tests.unit.api.sample import make_result


@pytest.mark.parametrize(("language", "expected"), [("fr", f"Volume −5{NNBSP}%"), ("en", "Volume −5%")])
def test_a_volume_action_reads_as_a_share_of_contacts(language: str, expected: str) -> None:
    result = make_result()
    first = result.actions[0].model_copy(
        update={"expected_impact": ExpectedImpact(patients_affected=180, kpi="volume", delta=-0.05)}
    )
    result = result.model_copy(update={"actions": [first, *result.actions[1:]]})
    html = unescape(render_report(result, language=language))
    assert expected in html
    assert "Volume −0" not in html and "Volume -0" not in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "pas encore mesurable : le délai d'observation de 37 patients n'est pas écoulé"),
        ("en", "not measurable yet: the observation window of 37 patients has not ended"),
    ],
)
def test_attrition_says_its_cohort_has_not_matured(language: str, expected: str) -> None:
    result = make_result()
    waiting = KpiValue(
        metric="attrition", value=None, n=0, unit="share", too_few=True, extra={"not_matured": 37}
    )
    html = unescape(
        render_report(result.model_copy(update={"kpis": [*result.kpis, waiting]}), language=language)
    )
    assert expected in html
    assert "échantillon trop petit" not in html.split(expected)[0][-200:]
