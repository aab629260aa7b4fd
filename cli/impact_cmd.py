"""`parcours impact [ACTION_ID]`: did the adopted actions work? Their measured impact, as a table or JSON."""

from __future__ import annotations

from typing import Annotated, Any

import typer


def impact_command(
    action_id: Annotated[
        str | None, typer.Argument(help="One action; default every action in progress or done.")
    ] = None,
    tenant: Annotated[str, typer.Option(help="Tenant.")] = "default",
    language: Annotated[str, typer.Option("--lang", help="Language of the sentences: fr or en.")] = "fr",
    as_json: Annotated[bool, typer.Option("--json", help="Print the impacts as JSON on stdout.")] = False,
) -> None:
    """Measured impact of adopted actions: effect against comparable segments, 95 % CI, p-value, state."""
    # imported here: the command line starts without loading the statistics stack
    from api.queries import action_impact, get_action
    from cli.common import err_console, fail, open_store, print_json

    if language not in ("fr", "en"):
        raise fail("--lang must be fr or en")
    store = open_store()
    try:
        if action_id is not None:
            impact = action_impact(store, tenant=tenant, action_id=action_id, language=language)
            if impact is None:
                if get_action(store, tenant=tenant, action_id=action_id) is None:
                    raise fail(f"no action {action_id!r} for tenant {tenant!r}")
                raise fail(f"action {action_id} has not started: move it to in_progress to measure it", 1)
            impacts = [impact]
        else:
            impacts = _all_impacts(store, tenant, language)
    finally:
        store.close()
    if as_json:
        print_json([i.model_dump(mode="json") for i in impacts])
        return
    if not impacts:
        err_console.print("no action in progress or done: nothing to measure yet")
        return
    _print(impacts, language)


def _all_impacts(store: Any, tenant: str, language: str) -> list[Any]:
    from api.queries import action_impact
    from store.action_targets import open_targets

    ids = list(dict.fromkeys(t.action_id for t in open_targets(store, tenant=tenant)))
    found = [action_impact(store, tenant=tenant, action_id=i, language=language) for i in ids]
    return [i for i in found if i is not None]


def _print(impacts: list[Any], language: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from analytics.impact_words import STATE_WORDS, format_effect, format_p
    from core.wording import metric_label

    fr = language == "fr"
    table = Table(title="Impact des actions" if fr else "Impact of the actions")
    for column in (
        ("action", "action"),
        ("cible", "target"),
        ("indicateur", "metric"),
        ("effet mesuré", "measured effect"),
        ("p", "p"),
        ("contacts avant / depuis", "contacts before / since"),
        ("état", "state"),
        ("attendu (playbook)", "expected (playbook)"),
    ):
        table.add_column(column[0] if fr else column[1])
    words = STATE_WORDS["fr" if fr else "en"]
    for impact in impacts:
        expected = impact.expected_impact
        expected_text = (
            f"{metric_label(expected.kpi, language)} {expected.delta:+.2f}" if expected is not None else "—"
        )
        for target in impact.targets:
            where = ", ".join(f"{k}={v}" for k, v in target.segment.items())
            for effect in target.effects:
                state = words[effect.state]
                if impact.resolved and effect.state == "improved":
                    state += f" ({words['resolved']})"
                if effect.comparison_moved:
                    state += " *"
                table.add_row(
                    f"{impact.action_id}\n{impact.title}",
                    f"{target.title or where}\n{where} — {target.start.isoformat()}",
                    metric_label(effect.metric, language),
                    format_effect(effect, language),
                    format_p(effect.p_value, language),
                    f"{effect.n_before} / {effect.n_after}",
                    state,
                    expected_text,
                )
    Console().print(table)
    if any(e.comparison_moved for i in impacts for t in i.targets for e in t.effects):
        Console().print(
            "* les segments de comparaison ont eux-mêmes bougé"
            if fr
            else "* the comparison segments themselves moved"
        )


def register(app: typer.Typer) -> None:
    """Add the impact command."""
    app.command("impact")(impact_command)
