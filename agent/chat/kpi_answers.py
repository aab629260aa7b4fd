"""Answers to KPI questions: a value, a trend, a breakdown, against the baseline, why, two periods."""

from __future__ import annotations

from typing import Any

from agent.chat.phrasing import Answer, artifacts, cap, fr, join, quoted, say, scope
from agent.chat.router import Route
from agent.chat.tables import ToolResult, comparison_table, group_words, kpi_table, period_words
from core import wording as nf


def _value(row: dict[str, Any], key: str, metric: str, unit: str | None, language: str) -> str:
    return nf.kpi_value(metric, row.get(key), language, unit)


def kpi_value(route: Route, results: list[ToolResult], language: str) -> Answer:
    """The KPI's value over the period, with its count (or why there is none)."""
    artifact = artifacts(results, "kpi_series")[0]
    metric, unit = artifact["metric"], artifact.get("unit")
    when = period_words(artifact["period"], language) + scope(artifact.get("filters"), language)
    noun = cap(nf.metric_noun(metric, language))
    row = artifact["rows"][0] if artifact["rows"] else {}
    if row.get("value") is None:
        waiting = (row.get("extra") or {}).get("not_matured")
        if waiting:
            count = nf.number(waiting, language)
            text = say(
                language,
                f"{noun} n'est pas encore mesurable {when} : {count} patients n'ont pas le recul nécessaire.",
                f"{noun} cannot be measured yet {when}: {count} patients have not matured.",
            )
            return text, kpi_table(artifact, language)
        noun = nf.metric_noun(metric, language)
        return say(language, f"Pas de donnée pour {noun} {when}.", f"No data for {noun} {when}."), None
    value, n = _value(row, "value", metric, unit, language), nf.number(row.get("n"), language)
    caution = say(language, " — trop peu de contacts pour conclure", " — too few contacts to conclude")
    caution = caution if row.get("too_few") else ""
    text = say(
        language,
        f"{noun} est de {value} {when} ({n} contacts){caution}.",
        f"{noun} is {value} {when} ({n} contacts){caution}.",
    )
    return text, kpi_table(artifact, language)


def kpi_trend(route: Route, results: list[ToolResult], language: str) -> Answer:
    """The KPI's first and last weekly values and the change between them."""
    artifact = artifacts(results, "kpi_series")[0]
    metric, unit = artifact["metric"], artifact.get("unit")
    points = [r for r in artifact["rows"] if r.get("value") is not None]
    if len(points) < 2:
        return kpi_value(route, results, language)
    first, last = points[0], points[-1]
    change = nf.kpi_delta(metric, last["value"] - first["value"], language, unit)
    label = nf.metric_label(metric, language) + scope(artifact.get("filters"), language)
    start, end = _value(first, "value", metric, unit, language), _value(last, "value", metric, unit, language)
    weeks = len(points)
    text = say(
        language,
        f"{label} : {start} en {first['bucket']}, {end} en {last['bucket']} ({change} sur {weeks} semaines).",
        f"{label}: {start} in {first['bucket']}, {end} in {last['bucket']} ({change} over {weeks} weeks).",
    )
    return text, kpi_table(artifact, language)


def _worst_is_high(metric: str, question: str) -> bool:
    """Whether the value to report first is the highest: the worst one, or the best when it is asked for."""
    better = nf.METRICS.get(metric, {}).get("better", "none")
    asks_best = any(w in question.lower() for w in ("meilleur", "mieux", "best"))
    return (better in ("lower", "none")) != asks_best


def kpi_breakdown(route: Route, results: list[ToolResult], language: str, question: str) -> Answer:
    """'Temps de réponse par file : la valeur la plus haute est « radiologie » avec 2 min 31 s, devant …'."""
    artifact = artifacts(results, "kpi_series")[0]
    metric, unit = artifact["metric"], artifact.get("unit")
    rows = [r for r in artifact["rows"] if r.get("value") is not None]
    if not rows:
        return kpi_value(route, results, language)
    high = _worst_is_high(metric, question)
    ordered = sorted(rows, key=lambda r: (bool(r.get("too_few")), -r["value"] if high else r["value"]))
    lead = ordered[0]
    name = quoted(group_words(lead["group"], language), language)
    value, n = _value(lead, "value", metric, unit, language), nf.number(lead["n"], language)
    dimension = str(route.slots.get("by") or (artifact.get("by") or [""])[0])
    by = nf.dimension_label(dimension, language)
    label, when = nf.metric_label(metric, language), period_words(artifact["period"], language)
    text = say(
        language,
        f"{label} par {by} {when} : la valeur la plus {'haute' if high else 'basse'} est {name} avec {value} "
        f"({n} contacts)",
        f"{label} by {by} {when}: the {'highest' if high else 'lowest'} is {name} at {value} ({n} contacts)",
    )
    if len(ordered) > 1:
        second = ordered[1]
        other_value = _value(second, "value", metric, unit, language)
        other = f"{quoted(group_words(second['group'], language), language)} ({other_value})"
        text += say(language, f", devant {other}", f", ahead of {other}")
    return text + ".", kpi_table(artifact, language, order=ordered)


def _against(row: dict[str, Any], metric: str, unit: str | None, language: str) -> str:
    now, before = (
        _value(row, "value", metric, unit, language),
        _value(row, "previous", metric, unit, language),
    )
    return say(language, f"{now} contre {before}", f"{now} against {before}")


def _significance(p: float | None, language: str) -> str:
    if p is None:
        return "–"
    verdict = (
        say(language, "écart significatif", "a significant change")
        if p < 0.05
        else say(language, "écart non significatif", "not a significant change")
    )
    return f"{nf.p_value(p, language)}, {verdict}"


def kpi_baseline(route: Route, results: list[ToolResult], language: str) -> Answer:
    """The KPI against the baseline: both values, the change and whether it is significant."""
    artifact = artifacts(results, "kpi_comparison")[0]
    metric, unit = artifact["metric"], artifact.get("unit")
    if not artifact["rows"]:
        return say(language, "Pas de donnée à comparer.", "No data to compare."), None
    row = artifact["rows"][0]
    label, when = nf.metric_label(metric, language), period_words(artifact["period"], language)
    delta = nf.kpi_delta(metric, row.get("delta"), language, unit)
    against, significance = _against(row, metric, unit, language), _significance(row.get("p_value"), language)
    text = say(
        language,
        f"{label} {when} : {against} sur la référence, soit {delta} ({significance}).",
        f"{label} {when}: {against} on the baseline, {delta} ({significance}).",
    )
    return text, comparison_table([artifact], language)


CLAIM_WORDS = {"down": ("baissé", "go down"), "up": ("augmenté", "go up")}


def kpi_why(route: Route, results: list[ToolResult], language: str) -> Answer:
    """Why a KPI moved; a claimed change that did not happen is corrected ("n'a pas baissé : +6,1 pts")."""
    comparisons = artifacts(results, "kpi_comparison")
    overall, by_segment = comparisons[0], comparisons[1] if len(comparisons) > 1 else None
    metric, unit = overall["metric"], overall.get("unit")
    queue = (route.slots.get("filters") or {}).get("queue")
    row = overall["rows"][0] if overall["rows"] else None
    if by_segment and queue:
        row = next((r for r in by_segment["rows"] if r.get("queue") == queue), row)
    if row is None or row.get("delta") is None:
        return say(language, "Pas de donnée à comparer.", "No data to compare."), None
    label = nf.metric_label(metric, language) + scope({"queue": queue} if queue else None, language)
    delta, p = float(row["delta"]), row.get("p_value")
    shown, against = nf.kpi_delta(metric, delta, language, unit), _against(row, metric, unit, language)
    table = comparison_table([by_segment], language) if by_segment and by_segment["rows"] else None
    claim = route.slots.get("claim")
    moved = delta < 0 if claim == "down" else delta > 0
    if claim and (not moved or (p is not None and p >= 0.05)):
        verb = CLAIM_WORDS[claim][0 if fr(language) else 1]
        adverb = say(language, " significativement", " significantly") if moved else ""
        significance = nf.p_value(p, language)
        text = say(
            language,
            f"{label} n'a pas{adverb} {verb} : {shown} ({against} sur la référence, {significance}).",
            f"{label} did not{adverb} {verb}: {shown} ({against} on the baseline, {significance}).",
        )
        return text, table
    text = say(
        language,
        f"{label} : {against} sur la référence ({shown}, {nf.p_value(p, language)})",
        f"{label}: {against} on the baseline ({shown}, {nf.p_value(p, language)})",
    )
    return text + _least_favourable(by_segment, metric, unit, language) + ".", table


def _least_favourable(by_segment: dict[str, Any] | None, metric: str, unit: str | None, language: str) -> str:
    if not by_segment:
        return ""
    segments = [r for r in by_segment["rows"] if r.get("delta") is not None and not r.get("too_few")]
    if not segments:
        return ""
    worse_is_up = nf.METRICS.get(metric, {}).get("better") == "lower"
    worst = max(segments, key=lambda r: r["delta"] if worse_is_up else -r["delta"])
    where = quoted(group_words({d: worst.get(d) for d in by_segment.get("by") or []}, language), language)
    change = nf.kpi_delta(metric, worst["delta"], language, unit)
    return say(
        language,
        f" ; l'écart le plus défavorable est {where} ({change})",
        f"; the least favourable change is {where} ({change})",
    )


def compare(route: Route, results: list[ToolResult], language: str) -> Answer:
    """Two periods compared: the KPIs whose change is significant, the others in the table."""
    comparisons = [a for a in artifacts(results, "kpi_comparison") if a["rows"]]
    if not comparisons:
        return say(language, "Pas de donnée à comparer sur ces périodes.", "No data for these periods."), None
    first = comparisons[0]
    now, before = cap(period_words(first["period"], language)), period_words(first["baseline"], language)
    head = say(language, f"{now} contre {before}", f"{now} against {before}")
    changes = []
    for artifact in comparisons:
        row = artifact["rows"][0]
        if row.get("p_value") is not None and row["p_value"] < 0.05:
            delta = nf.kpi_delta(artifact["metric"], row["delta"], language, artifact.get("unit"))
            changes.append(f"{nf.metric_label(artifact['metric'], language)} {delta}")
    if changes:
        listed = join(changes, language)
        text = say(language, f"{head} : {listed} (écarts significatifs).", f"{head}: {listed} (significant).")
    else:
        text = say(language, f"{head} : aucun écart significatif.", f"{head}: no significant change.")
    return text, comparison_table(comparisons, language)
