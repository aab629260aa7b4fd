"""A command that loads the real embedding model prints its table on stdout and no model-loading noise."""

from __future__ import annotations

import os
import subprocess
import sys

from core.settings import get_settings
from store.db import Store
from store.ingest import ingest_records
from tests.factories import interaction


def test_search_prints_a_table_on_stdout_and_no_loading_bars_on_stderr() -> None:
    store = Store.from_settings(get_settings())
    words = "Le lien du portail de rendez-vous ne fonctionne pas"
    record = interaction(id="portal-1", transcript=[{"speaker": "patient", "text": words}])
    assert ingest_records(store, [record]).accepted == 1  # stored, not indexed: the words still match
    store.close()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PARCOURS_", "HF_HUB_DISABLE", "TRANSFORMERS_V"))
    }
    env["PARCOURS_HOME"] = os.environ["PARCOURS_HOME"]
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "search", "portail rendez-vous", "--k", "3"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Search: portail rendez-vous" in done.stdout and "portal-1" in done.stdout
    assert "Loading weights" not in done.stderr and "%|" not in done.stderr, done.stderr
    assert done.stderr.strip() == ""
