"""Filter values checked before a query runs: an unknown value is refused with the values that exist.

A filter such as `channel=telephone` or `queue=cardio` matches nothing; answering with an empty table hides
the typo. Values are checked against their vocabulary (channel, direction, speaker, hour, weekday, CSAT) or
against the tenant's data (queue, language, theme, agent). Agents are stored as keyed pseudonyms (`ag_…`),
so an agent ref as the contact-centre software sends it is hashed with the store's key first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.models import Channel, Direction, Speaker
from store.db import Store
from store.schema import InteractionRow

VOCABULARY: dict[str, list[str]] = {
    "channel": [c.value for c in Channel],
    "direction": [d.value for d in Direction],
    "speaker": [s.value for s in Speaker],
    "hour": [str(h) for h in range(24)],
    "weekday": [str(d) for d in range(1, 8)],
    "csat": [str(c) for c in range(1, 6)],
    "abandoned": ["true", "false"],
}
"""Filters whose values are fixed, whatever the data."""

DATA_COLUMNS = {
    "queue": InteractionRow.queue,
    "language": InteractionRow.language,
    "theme": InteractionRow.theme_id,
    "agent": InteractionRow.agent_ref,
}
"""Filters whose values are the tenant's own."""

SHOWN = 25
"""How many allowed values an error lists."""

_BOOLEAN = {"true": "true", "1": "true", "yes": "true", "false": "false", "0": "false", "no": "false"}


class FilterValueError(ValueError):
    """A filter value that matches nothing, with the values that would."""


def check_filter_values(store: Store, *, tenant: str, filters: dict[str, Any]) -> dict[str, Any]:
    """The filters with every value known (agents as their stored pseudonyms); FilterValueError otherwise.

    `filters` maps a name to a value or a list of values (any of them). Names without a known vocabulary
    (dates, interaction ids) pass unchanged.
    """
    checked: dict[str, Any] = {}
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if name in VOCABULARY:
            known = VOCABULARY[name]
            normal = [_normal(name, v) for v in values]
        elif name in DATA_COLUMNS:
            normal = [str(v).strip() for v in values]
            if name == "agent":
                normal = [_agent(store, tenant, v) for v in normal]
            column = DATA_COLUMNS[name]
            query = select(column).where(InteractionRow.tenant == tenant, column.is_not(None)).distinct()
            with store.session() as session:  # the values the tenant's interactions hold
                known = sorted(str(v) for v in session.execute(query).scalars())
        else:
            checked[name] = value
            continue
        unknown = [raw for raw, v in zip(values, normal, strict=True) if v not in known]
        if unknown:
            raise FilterValueError(_message(name, unknown, known, tenant))
        checked[name] = normal if isinstance(value, list) else normal[0]
    return checked


def _normal(name: str, value: Any) -> str:
    text = str(value).strip().lower()
    if name == "abandoned":
        return _BOOLEAN.get(text, text)
    if name in ("hour", "weekday", "csat") and text.lstrip("-").isdigit():
        return str(int(text))
    return text


def _agent(store: Store, tenant: str, ref: str) -> str:
    from core.privacy.pseudonyms import is_pseudonym
    from store.pseudonyms import ref_pseudonym

    return ref if is_pseudonym(ref, "agent") else ref_pseudonym(store, tenant=tenant, ref=ref, kind="agent")


def _message(name: str, unknown: list[Any], known: list[str], tenant: str) -> str:
    shown = ", ".join(str(v) for v in unknown)
    if name == "agent":
        return (
            f"no agent {shown} in tenant {tenant!r}: give the agent_ref the records carried "
            f"(or its ag_… pseudonym); {len(known)} agents are known"
        )
    if not known:
        where = "no interaction has a theme yet (run `parcours analyze`)" if name == "theme" else "none"
        return f"unknown {name} {shown}: tenant {tenant!r} has {where}"
    listed = ", ".join(known[:SHOWN]) + (f", … ({len(known)} in all)" if len(known) > SHOWN else "")
    return f"unknown {name} {shown}; allowed values: {listed}"
