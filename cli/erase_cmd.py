"""`parcours erase --patient REF | --interaction ID`: erase the data of a patient or an interaction."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from cli.common import EXIT_ERASURE_INCOMPLETE, err_console, fail, open_store, out_console, print_json


def erase(
    patient: Annotated[
        str | None, typer.Option("--patient", help="The patient ref the hospital sends (or its pseudonym).")
    ] = None,
    interaction: Annotated[str | None, typer.Option("--interaction", help="An interaction id.")] = None,
    tenant: Annotated[
        str | None, typer.Option(help="Tenant to erase from (default: every tenant of the store).")
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Why (kept in the audit trail, redacted), e.g. a request number.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the erasure report as JSON.")] = False,
) -> None:
    """Erase every stored copy of a patient's or an interaction's data, and record who did it."""
    from analytics.erasure_texts import embedded_texts
    from core.privacy.pseudonyms import PseudonymKeyError
    from core.settings import get_settings
    from store.erasure import ErasureFailed, NothingToErase, erase_interaction, erase_patient

    if (patient is None) == (interaction is None):
        raise fail("give exactly one of --patient REF or --interaction ID")
    what = f"patient {patient!r}" if patient is not None else f"interaction {interaction!r}"
    where = f"tenant {tenant!r}" if tenant else "every tenant"
    if not yes:
        if not sys.stdin.isatty():
            raise fail("erasure cannot be undone: add --yes to confirm when not running interactively")
        if not typer.confirm(f"Erase every stored copy of {what} in {where}? This cannot be undone."):
            raise typer.Exit(1)
    settings = get_settings()
    store = open_store(settings)
    who = f"cli:{getpass.getuser()}"
    try:
        if patient is not None:
            report = erase_patient(
                store=store,
                settings=settings,
                tenant=tenant,
                patient_ref=patient,
                requested_by=who,
                reason=reason,
                derived_texts=embedded_texts,
            )
        else:
            assert interaction is not None
            report = erase_interaction(
                store=store,
                settings=settings,
                tenant=tenant,
                interaction_id=interaction,
                requested_by=who,
                reason=reason,
                derived_texts=embedded_texts,
            )
    except NothingToErase as exc:
        raise fail(f"nothing to erase: {exc} in {where}", code=1) from None
    except (ErasureFailed, PseudonymKeyError) as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    if as_json:
        print_json(report.model_dump())
    else:
        from rich.table import Table

        table = Table(title=f"Erasure {report.erasure_id}: {what}")
        table.add_column("what")
        table.add_column("count", justify="right")
        for name, count in report.counts.items():
            table.add_row(name.replace("_", " "), str(count))
        out_console().print(table)
        for problem in report.problems:
            err_console.print(f"[yellow]incomplete:[/yellow] {problem}")
    if not report.complete:
        raise typer.Exit(EXIT_ERASURE_INCOMPLETE)


def register(app: typer.Typer) -> None:
    """Add the erasure command."""
    app.command("erase")(erase)
