"""The agent's action tool: ranked improvement actions with their live status (a thin adapter over store)."""

from __future__ import annotations

from typing import Any

from langchain.tools import ToolRuntime, tool

from core.results import Action, Friction
from core.text import fold_phrase
from store.actions import latest_analysis_id, read_actions
from store.analyses import load_result
from store.theme_labels import theme_labels
from tools.context import ParcoursContext

STATUSES = ("proposed", "accepted", "in_progress", "done", "rejected")
OWNER_ALIASES = {
    "dsi": ("informatique", "it", "systemes d information", "information systems", "si"),
    "qualite": ("quality",),
    "facturation": ("billing", "admissions"),
    "secretariat": ("secretary", "medical secretary", "secretaries"),
    "responsable du centre de contacts": ("contact centre manager", "contact center manager", "manager"),
}
"""Other names managers give an owner (French and English), by words of the playbook's owner."""


def owner_matches(wanted: str, owner: str) -> bool:
    """Whether an action's owner is the one the question names (words, stems or a known other name)."""
    want, have = fold_phrase(wanted), fold_phrase(owner)
    if not want or not have:
        return False
    for key, others in OWNER_ALIASES.items():
        if key in have and any(o in want for o in (key, *others)):
            return True
    words = [
        w[:5] for w in want.split() if len(w) > 2 and w not in ("the", "les", "des", "pour", "responsable")
    ]
    return bool(words) and all(any(h.startswith(w) for h in have.split()) for w in words)


def _frictions(context: ParcoursContext, analysis_id: str | None) -> dict[str, Friction]:
    result = load_result(context.store, analysis_id) if analysis_id else None
    frictions = result.frictions if result else []
    labels = theme_labels(
        context.store, tenant=context.tenant, ids=[f.theme_id for f in frictions if f.theme_id]
    )
    return {
        f.friction_id: f.model_copy(update={"title": labels[f.theme_id].label}) if f.theme_id in labels else f
        for f in frictions
    }


@tool(response_format="content_and_artifact")
def list_actions(
    runtime: ToolRuntime[ParcoursContext],
    status: str | None = None,
    owner: str | None = None,
    limit: int | None = None,
) -> tuple[str, dict[str, Any]]:
    """List the improvement actions, ranked, with their status, owner, effort and expected impact.

    - status: only actions with this status: proposed, accepted, in_progress, done or rejected
      (default: the latest analysis's actions, whatever their status).
    - owner: only actions whose owner matches these words (e.g. "DSI", "contact centre manager").
    - limit: how many to return (default 10).
    """
    context = runtime.context
    if status and status not in STATUSES:
        return f"Error: unknown status {status!r}; use one of {', '.join(STATUSES)}.", {
            "kind": "actions",
            "rows": [],
        }
    latest = latest_analysis_id(context.store, tenant=context.tenant)
    views = read_actions(
        context.store, tenant=context.tenant, status=status, analysis_id=None if status else latest, limit=500
    )
    if owner:
        views = [v for v in views if owner_matches(owner, str(v.get("owner") or ""))]
    views = views[: max(1, min(int(limit or 10), 50))]
    frictions = _frictions(context, latest)
    fields = set(Action.model_fields)
    rows = [
        {k: v for k, v in view.items() if k in fields} | {"analysis_id": view["analysis_id"]}
        for view in views
    ]
    cited = {fid for row in rows for fid in row.get("friction_ids", [])}
    artifact = {
        "kind": "actions",
        "status": status,
        "owner": owner,
        "analysis_id": latest,
        "rows": rows,
        "frictions": [
            f.model_dump(mode="json", exclude={"interaction_ids"}) for k, f in frictions.items() if k in cited
        ],
    }
    if not rows:
        return "No action matches" + (f" status={status}" if status else "") + (
            f" owner={owner!r}" if owner else ""
        ) + ".", artifact
    lines = ["rank | action_id | title | status | owner | effort | expected impact"]
    for row in rows:
        impact = row.get("expected_impact") or {}
        lines.append(
            f"{row.get('rank')} | {row.get('action_id')} | {row.get('title')} | {row.get('status')} | "
            f"{row.get('owner') or '-'} | {row.get('effort')} | {impact.get('kpi')} {impact.get('delta')} "
            f"for {impact.get('patients_affected')} patients"
        )
    return "\n".join(lines), artifact
