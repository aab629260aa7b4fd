"""`parcours serve`'s start-up message and its proxy headers."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


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
