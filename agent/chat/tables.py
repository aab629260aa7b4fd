"""Tool artifacts → what a manager sees: a small table, quoted evidence, the tool steps in words.

Used for both policies: the offline router's answers and the model's (the model writes the sentence, the
table and the evidence come from the same tool artifacts), so every answer has the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from analytics.quotes import clip_quote
from core import sentences
from core import wording as nf
from core.results import Friction

MAX_ROWS = 10
QUOTE_CHARS = 220


@dataclass
class ToolResult:
    """One tool call of the turn, with what it gave the model (text) and the graph (artifact)."""

    name: str
    args: dict[str, Any]
    content: str
    artifact: dict[str, Any] | None
    failed: bool = False
    """The tool raised (its text is the error): an answer says so instead of "nothing found"."""


def period_words(period: dict[str, Any] | None, language: str) -> str:
    """'du 23 nov. 2026 au 29 nov. 2026' / 'from 23 Nov 2026 to 29 Nov 2026' / 'le 24 nov. 2026'."""
    if not period or not period.get("start"):
        return "sur toute la période" if nf.lang(language) == "fr" else "over all the data"
    start, end = date.fromisoformat(str(period["start"])), date.fromisoformat(str(period["end"]))
    if start == end:
        return (
            f"le {nf.day(start, language)}" if nf.lang(language) == "fr" else f"on {nf.day(start, language)}"
        )
    if nf.lang(language) == "fr":
        return f"du {nf.day(start, language)} au {nf.day(end, language)}"
    return f"from {nf.day(start, language)} to {nf.day(end, language)}"


def group_words(group: dict[str, Any], language: str) -> str:
    """A segment of a KPI row in words ('radiologie · lundi')."""
    return nf.segment_text(group, language) or ("ensemble" if nf.lang(language) == "fr" else "overall")


def _h(fr: str, en: str, language: str) -> str:
    return fr if nf.lang(language) == "fr" else en


def kpi_table(
    artifact: dict[str, Any], language: str, *, order: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A KPI series (one row per segment or week): segment | value | 95 % interval | n."""
    metric, unit = artifact["metric"], artifact.get("unit")
    first = (
        _h("Semaine", "Week", language) if artifact.get("interval") else _h("Segment", "Segment", language)
    )
    rows = []
    for row in (order or artifact["rows"])[:MAX_ROWS]:
        label = row.get("bucket") or group_words(row.get("group") or {}, language)
        if row.get("bucket") and row.get("group"):
            label = f"{row['bucket']} · {group_words(row['group'], language)}"
        ci = nf.interval(metric, row.get("ci"), language, unit)
        note = _h(" (trop peu)", " (too few)", language) if row.get("too_few") else ""
        rows.append(
            [
                label,
                nf.kpi_value(metric, row.get("value"), language, unit) + note,
                ci,
                nf.number(row.get("n"), language),
            ]
        )
    return {
        "columns": [first, nf.metric_label(metric, language), _h("IC 95 %", "95% CI", language), "n"],
        "rows": rows,
    }


def comparison_table(artifacts: list[dict[str, Any]], language: str) -> dict[str, Any]:
    """KPI comparisons: segment or KPI | now | before | change | p-value."""
    rows = []
    multi = len(artifacts) > 1
    for artifact in artifacts:
        metric, unit = artifact["metric"], artifact.get("unit")
        for row in artifact["rows"][: 1 if multi else MAX_ROWS]:
            group = {k: v for k, v in row.items() if k in artifact.get("by", [])}
            label = nf.metric_label(metric, language) if multi or not group else group_words(group, language)
            rows.append(
                [
                    label,
                    nf.kpi_value(metric, row.get("value"), language, unit),
                    nf.kpi_value(metric, row.get("previous"), language, unit),
                    nf.kpi_delta(metric, row.get("delta"), language, unit),
                    nf.p_value(row.get("p_value"), language) or "–",
                ]
            )
    first = "KPI" if multi else _h("Segment", "Segment", language)
    return {
        "columns": [
            first,
            _h("Période", "Period", language),
            _h("Référence", "Baseline", language),
            _h("Écart", "Change", language),
            "p",
        ],
        "rows": rows[:MAX_ROWS],
    }


def friction_table(rows: list[dict[str, Any]], language: str) -> dict[str, Any]:
    """Ranked frictions: # | friction | why | contacts."""
    out = []
    for raw in rows[:MAX_ROWS]:
        friction = Friction.model_validate(raw)
        out.append(
            [
                str(friction.rank),
                friction.title,
                sentences.friction_why(friction, language),
                nf.number(friction.volume, language),
            ]
        )
    return {"columns": ["#", "Friction", _h("Pourquoi", "Why", language), "Contacts"], "rows": out}


def theme_table(rows: list[dict[str, Any]], language: str) -> dict[str, Any]:
    """Themes: theme | contacts | share | change against the baseline."""
    out = []
    for row in rows[:MAX_ROWS]:
        flag = _h(" · nouveau", " · new", language) if row.get("new") else ""
        growth = "×" + nf.number(row.get("growth"), language, 1) if row.get("growth") is not None else "–"
        out.append(
            [
                row["label"],
                nf.number(row["size"], language),
                nf.percent(row["share"], language),
                growth + flag,
            ]
        )
    return {
        "columns": [
            _h("Thème", "Theme", language),
            "Contacts",
            _h("Part", "Share", language),
            _h("Évolution", "Change", language),
        ],
        "rows": out,
    }


def action_table(artifact: dict[str, Any], language: str) -> dict[str, Any]:
    """Actions: # | action | owner | effort | expected impact | status."""
    from core.results import Action

    out = []
    for row in artifact["rows"][:MAX_ROWS]:
        action = Action.model_validate(row)
        out.append(
            [
                str(action.rank),
                action.title,
                action.owner or "–",
                nf.effort_label(action.effort, language),
                sentences.impact_text(action, language),
                nf.status_label(action.status, language),
            ]
        )
    return {
        "columns": [
            "#",
            "Action",
            _h("Responsable", "Owner", language),
            "Effort",
            _h("Impact attendu", "Expected impact", language),
            _h("Statut", "Status", language),
        ],
        "rows": out,
    }


def anomaly_table(rows: list[dict[str, Any]], language: str) -> dict[str, Any]:
    """Anomalies: KPI | segment | observed | usual."""
    out = [
        [
            nf.metric_label(a["metric"], language),
            nf.segment_text(a["segment"], language),
            nf.kpi_value(a["metric"], a["value"], language),
            nf.kpi_value(a["metric"], a["expected"], language),
        ]
        for a in rows[:MAX_ROWS]
    ]
    return {
        "columns": ["KPI", "Segment", _h("Observé", "Observed", language), _h("Habituel", "Usual", language)],
        "rows": out,
    }


def search_table(rows: list[dict[str, Any]], language: str) -> dict[str, Any]:
    """Search hits: interaction | date | channel | queue."""
    out = []
    for row in rows[:MAX_ROWS]:
        meta = row.get("metadata") or {}
        out.append(
            [
                row["interaction_id"],
                str(meta.get("date") or "–"),
                nf.channel_label(str(meta.get("channel") or "other"), language),
                str(meta.get("queue") or "–"),
            ]
        )
    return {
        "columns": ["Interaction", "Date", _h("Canal", "Channel", language), _h("File", "Queue", language)],
        "rows": out,
    }


def table_for(artifact: dict[str, Any] | None, language: str) -> dict[str, Any] | None:
    """The table of one artifact (any tool), or None."""
    if not artifact or not artifact.get("rows"):
        return None
    kind = artifact.get("kind")
    if kind == "kpi_series":
        return kpi_table(artifact, language)
    if kind == "kpi_comparison":
        return comparison_table([artifact], language)
    if kind == "frictions":
        return friction_table(artifact["rows"], language)
    if kind == "themes":
        return theme_table(artifact["rows"], language)
    if kind == "actions":
        return action_table(artifact, language)
    if kind == "anomalies":
        return anomaly_table(artifact["rows"], language)
    if kind == "search":
        return search_table(artifact["rows"], language)
    if kind == "impact":
        from agent.chat.impact_answers import impact_table

        return impact_table(artifact, language)
    return None


def evidence_of(results: list[ToolResult], limit: int = 3) -> list[dict[str, str]]:
    """Quotes from the turn's artifacts (search hits, theme quotes, friction and action evidence)."""
    found: list[dict[str, str]] = []
    for result in results:
        artifact = result.artifact or {}
        kind = artifact.get("kind")
        items: list[dict[str, Any]] = []
        if kind == "search":
            items = artifact.get("rows", [])
        elif kind == "theme":
            items = artifact.get("quotes", [])
        elif kind == "frictions":
            items = [e for f in artifact.get("rows", [])[:1] for e in f.get("evidence", [])]
        elif kind == "actions":
            items = [e for a in artifact.get("rows", [])[:3] for e in a.get("evidence", [])[:1]]
        for item in items:
            quote = clip_quote(str(item.get("quote") or ""), QUOTE_CHARS)
            if quote and all(f["interaction_id"] != item["interaction_id"] for f in found):
                found.append({"interaction_id": str(item["interaction_id"]), "quote": quote})
    return found[:limit]


TOOL_WORDS = {
    "kpi_query": ("Indicateur", "KPI"),
    "compare_periods": ("Comparaison", "Comparison"),
    "find_anomalies": ("Anomalies", "Anomalies"),
    "search_transcripts": ("Recherche dans les verbatims", "Transcript search"),
    "list_themes": ("Thèmes", "Themes"),
    "theme_details": ("Détail d'un thème", "Theme details"),
    "list_frictions": ("Frictions", "Frictions"),
    "list_actions": ("Actions", "Actions"),
    "action_impact": ("Impact mesuré des actions", "Measured impact of actions"),
}


PERIOD_WORDS = {
    "current": ("période analysée", "analysed period"),
    "baseline": ("semaines de référence", "baseline weeks"),
    "all": ("toutes les données", "all the data"),
}
"""The named periods tools take, in words."""


def step_words(result: ToolResult, language: str) -> str:
    """One tool step for the 'Details' fold: what was asked, in words, and how many rows came back."""
    asked = call_words(result.name, result.args, language)
    artifact = result.artifact or {}
    if artifact.get("kind") == "error":
        outcome = _h("erreur : ", "error: ", language) + str(artifact.get("error", ""))
    else:
        count = len(artifact.get("rows", [])) if "rows" in artifact else 1
        outcome = f"{count} " + _h(
            "ligne" + ("s" if count > 1 else ""), "row" + ("s" if count != 1 else ""), language
        )
    return f"{asked} → {outcome}"


def call_words(name: str, arguments: dict[str, Any], language: str) -> str:
    """A tool call in words: its name for a manager and what was asked ("Comparaison : Volume, par file")."""
    names = TOOL_WORDS.get(name, (name, name))
    label = names[0] if nf.lang(language) == "fr" else names[1]
    args = []
    for key, value in arguments.items():
        if value in (None, "", {}, []):
            continue
        if key in ("theme_id", "theme"):
            continue  # an id says nothing to a manager; the step sits under its theme or friction
        if key == "period" and str(value) in PERIOD_WORDS:
            value = _h(*PERIOD_WORDS[str(value)], language)
        elif key == "metric":
            value = nf.metric_label(str(value), language)
        elif key == "limit":
            value = _h(f"{value} premières", f"top {value}", language)
        elif key == "k":
            continue
        elif key == "status":
            value = nf.status_label(str(value), language)
        elif key == "by":
            value = _h("par ", "by ", language) + nf.dimension_label(str(value), language)
        elif isinstance(value, dict):
            value = nf.segment_text({k: v for k, v in value.items() if k != "speaker"}, language)
        args.append(str(value))
    asked = ", ".join(a for a in args if a)
    colon = " : " if nf.lang(language) == "fr" else ": "
    return f"{label}{colon}{asked}" if asked else label


def render_text(
    sentence: str,
    table: dict[str, Any] | None,
    evidence: list[dict[str, str]],
    language: str,
    suggestions: list[str] | None = None,
) -> str:
    """The answer as plain text (terminal, API `answer` field): sentence, table, quotes, suggestions."""
    lines = [sentence]
    if suggestions:
        lines += ["", *(f"- {s}" for s in suggestions)]
    if table and table.get("rows"):
        lines += ["", " | ".join(table["columns"])]
        lines += [" | ".join(str(c) for c in row) for row in table["rows"]]
    if evidence:
        lines.append("")
        open_q, close_q = ("« ", " »") if nf.lang(language) == "fr" else ('"', '"')
        lines += [f"{open_q}{e['quote']}{close_q} [{e['interaction_id']}]" for e in evidence]
    return "\n".join(lines)
