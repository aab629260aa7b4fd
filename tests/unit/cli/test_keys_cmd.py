"""`parcours keys create|list|revoke`: keys bound to a tenant and scopes, the secret shown once."""

from __future__ import annotations

import json
from typing import Any

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
