"""`parcours keys create|list|revoke` and `parcours serve`'s start-up message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def test_keys_create_list_revoke(settings: Any) -> None:
    created = runner.invoke(
        app,
        [
            "keys",
            "create",
            "--tenant",
            "chu",
            "--scope",
            "read",
            "--scope",
            "manage",
            "--name",
            "marie",
            "--login-link",
            "http://127.0.0.1:8000",
            "--json",
        ],
    )
    assert created.exit_code == 0, created.output
    data = json.loads(created.stdout)
    assert data["key"].startswith("pk_") and data["scopes"] == ["read", "manage"]
    assert data["login_link"] == f"http://127.0.0.1:8000/login#key={data['key']}"
    listed = json.loads(runner.invoke(app, ["keys", "list", "--json"]).stdout)
    assert [k["id"] for k in listed] == [data["id"]] and data["key"] not in json.dumps(listed)
    assert runner.invoke(app, ["keys", "revoke", data["id"]]).exit_code == 0
    assert json.loads(runner.invoke(app, ["keys", "list", "--json"]).stdout)[0]["revoked_at"]
    assert runner.invoke(app, ["keys", "revoke", data["id"]]).exit_code == 2


def test_keys_create_refuses_unknown_scope(settings: Any) -> None:
    res = runner.invoke(app, ["keys", "create", "--tenant", "chu", "--scope", "root"])
    assert res.exit_code == 2 and "unknown scope" in res.output


def test_keys_create_prints_the_secret_once(settings: Any) -> None:
    res = runner.invoke(app, ["keys", "create", "--tenant", "chu", "--scope", "ingest"])
    assert res.exit_code == 0 and res.stdout.strip().startswith("pk_")


def test_serve_prints_url_and_how_to_get_a_key(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    res = runner.invoke(app, ["serve", "--port", "8123"])
    assert res.exit_code == 0, res.output
    assert "http://127.0.0.1:8123/" in res.output and "parcours keys create --tenant default" in res.output
    assert calls == [
        {
            "host": "127.0.0.1",
            "port": 8123,
            "log_level": "info",
            "proxy_headers": False,
            "forwarded_allow_ips": None,
        }
    ]


def test_serve_believes_forwarded_headers_from_trusted_proxies_only(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from core.settings import get_settings

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.setenv("PARCOURS_TRUSTED_PROXIES", "10.0.0.1, 10.1.0.0/16")
    get_settings.cache_clear()
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert calls[0]["proxy_headers"] is True and calls[0]["forwarded_allow_ips"] == "10.0.0.1,10.1.0.0/16"
