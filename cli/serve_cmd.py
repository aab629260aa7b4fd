"""`parcours serve`: the API and the managers' web app."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.common import err_console, open_store


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    tenant: Annotated[str, typer.Option(help="Tenant whose keys to check at start-up.")] = "default",
    workers: Annotated[
        int, typer.Option(help="Worker processes (1 keeps background analyses in-process).")
    ] = 1,
) -> None:
    """Run the HTTP API and the managers' web app."""
    import uvicorn

    from api.auth import has_live_key
    from core.settings import get_settings

    settings = get_settings()
    store = open_store(settings)
    url = f"http://{host}:{port}"
    err_console.print(
        f"Parcours API and web app on [bold]{url}/[/bold]  (OpenAPI: {url}/docs)", soft_wrap=True
    )
    if not has_live_key(store, tenant=tenant, scope="manage"):
        err_console.print(
            f"No key with the manage scope for tenant {tenant!r} yet. "
            "Create one and open the login link it prints:\n"
            f"  parcours keys create --tenant {tenant} --scope read --scope manage --name manager "
            f"--login-link {url}",
            soft_wrap=True,
        )
    else:
        err_console.print(
            f"Sign in at {url}/login with a key of tenant {tenant!r} (scopes read + manage).", soft_wrap=True
        )
    store.close()
    if settings.queue_url:
        err_console.print("Analyses are queued for `parcours worker` processes (PARCOURS_QUEUE_URL).")
    else:
        err_console.print(f"Analyses run in this process; weekly report: {settings.weekly_at}.")
    # Forwarded headers are believed from PARCOURS_TRUSTED_PROXIES only (uvicorn would trust 127.0.0.1).
    proxies = settings.trusted_proxy_list
    forwarding: dict[str, Any] = {
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": ",".join(proxies) or None,
    }
    if workers > 1:
        uvicorn.run(
            "cli.serve_cmd:served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            **forwarding,
        )
    else:
        uvicorn.run(served_app(settings), host=host, port=port, log_level="info", **forwarding)


def served_app(settings: Any = None) -> Any:
    """The app `parcours serve` runs: the model loads at start-up and the weekly schedule runs."""
    from api.main import create_app

    return create_app(settings, serve=True)


def register(app: typer.Typer) -> None:
    """Add `serve`."""
    app.command("serve")(serve)
