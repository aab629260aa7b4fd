from __future__ import annotations

from datetime import date

from analytics.theme_trend import EMERGING_ALPHA, growth_test, growth_tests, weeks_spanned
from core.results import Period


def test_new_is_ten_times_what_it_was_a_tripled_theme_is_not_new() -> None:
    assert growth_test(current=40, baseline_total=9, baseline_weeks=3)["new"]  # 3 a week before, 40 now
    assert not growth_test(current=20, baseline_total=21, baseline_weeks=3)["new"]  # 7 a week: tripled
    assert not growth_test(current=0, baseline_total=0, baseline_weeks=3)["new"]


def test_a_weeks_themes_are_tested_together() -> None:
    # 30 steady themes and one whose p-value (about 0.002) passes 0.01 alone but not among 31 tests
    counts = {f"steady-{i}": (10, 30) for i in range(30)}
    counts["chance"] = (13, 15)
    alone = growth_test(current=13, baseline_total=15, baseline_weeks=3)
    assert alone["emerging"] and alone["p_value"] < EMERGING_ALPHA
    tested = growth_tests(counts, 3)
    assert not tested["chance"]["emerging"] and tested["chance"]["p_value"] == alone["p_value"]
    # planted changes survive the correction: a new intent (40, absent before), a tripled one (20, 7 a week)
    counts.update(planted=(40, 0), tripled=(20, 21))
    tested = growth_tests(counts, 3)
    assert tested["planted"]["emerging"] and tested["planted"]["new"]
    assert tested["tripled"]["emerging"] and not tested["tripled"]["new"]
    assert not any(tested[k]["emerging"] for k in counts if k.startswith("steady"))


def test_a_longer_period_is_compared_with_as_many_baseline_weeks() -> None:
    # 20 a week before and 40 over two weeks: steady, not a doubling
    two_weeks = growth_tests({"t": (40, 60)}, 3, period_weeks=2.0)["t"]
    assert two_weeks["growth"] == 1.0 and not two_weeks["emerging"]
    assert growth_tests({"t": (40, 60)}, 3)["t"]["growth"] == 2.0  # the same count read as one week
    assert two_weeks["q_value"] == two_weeks["p_value"]  # one test: nothing to adjust


def test_a_period_stands_for_the_whole_weeks_it_spans() -> None:
    def span(start: date, end: date) -> int:
        return weeks_spanned(Period(start=start, end=end))

    assert span(date(2026, 11, 23), date(2026, 11, 27)) == 1  # Monday-Friday: one week, as its baseline weeks
    assert span(date(2026, 11, 23), date(2026, 11, 29)) == 1
    assert span(date(2026, 11, 16), date(2026, 11, 29)) == 2
    assert span(date(2026, 11, 1), date(2026, 11, 30)) == 4
    assert span(date(2026, 11, 23), date(2026, 11, 23)) == 1
