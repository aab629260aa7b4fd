"""`parcours keys create|list|revoke`: the API keys (secrets are stored hashed)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import err_console, fail, open_store, out_console, print_json

keys_app = typer.Typer(
    help="API keys: create, list and revoke (secrets are stored hashed).",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def create(
    tenant: Annotated[str, typer.Option(help="Tenant the key is bound to.")],
    scope: Annotated[list[str], typer.Option(help="Scope: ingest, read, manage or admin (repeat).")],
    name: Annotated[str | None, typer.Option(help="A name to recognise the key.")] = None,
    login_link: Annotated[
        str | None, typer.Option(help="Base URL of the web app: also print a one-click sign-in link.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
) -> None:
    """Create an API key; the secret is printed once and never stored."""
    from api.auth import create_key

    store = open_store()
    try:
        created = create_key(store, tenant=tenant, scopes=scope, name=name)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    finally:
        store.close()
    link = f"{login_link.rstrip('/')}/login#key={created.secret}" if login_link else None
    if as_json:
        print_json(
            {
                "id": created.id,
                "tenant": created.tenant,
                "scopes": created.scopes,
                "name": created.name,
                "key": created.secret,
                "login_link": link,
            }
        )
        return
    err_console.print(f"Key {created.id} for tenant {created.tenant!r}, scopes {', '.join(created.scopes)}.")
    err_console.print("Copy it now: it is shown only once.")
    typer.echo(created.secret)
    if link:
        err_console.print("Sign in to the web app with this link (the key stays in the URL fragment):")
        typer.echo(link)


def list_cmd(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
) -> None:
    """List API keys (never their secrets)."""
    from rich.table import Table

    from api.auth import list_keys

    store = open_store()
    keys = list_keys(store, tenant=tenant)
    store.close()
    if as_json:
        print_json(keys)
        return
    table = Table(title="API keys")
    for column in ("id", "tenant", "scopes", "name", "created", "revoked"):
        table.add_column(column)
    for key in keys:
        table.add_row(
            str(key["id"]),
            str(key["tenant"]),
            ", ".join(key["scopes"]),  # type: ignore[arg-type]
            str(key["name"] or ""),
            str(key["created_at"])[:19],
            str(key["revoked_at"] or "")[:19],
        )
    out_console().print(table)


def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (key-…), from `parcours keys list`.")],
) -> None:
    """Revoke an API key at once."""
    from api.auth import revoke_key

    store = open_store()
    done = revoke_key(store, key_id)
    store.close()
    if not done:
        raise fail(f"no live key with id {key_id!r}")
    err_console.print(f"Key {key_id} revoked.")


def register(app: typer.Typer) -> None:
    """Add the `keys` group."""
    keys_app.command("create")(create)
    keys_app.command("list")(list_cmd)
    keys_app.command("revoke")(revoke)
    app.add_typer(keys_app, name="keys")
