"""An analysis killed between nodes (the process dies) resumes from its last checkpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from agent.analysis import resume_analysis
from store.db import Store
from store.schema import AnalysisRow
from tests.unit.agent.agent_fakes import FAKE_TOOLS, PERIOD, Calls, fake_steps, seed

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from agent.analysis import run_analysis
    from store.db import Store
    from tests.unit.agent.agent_fakes import FAKE_TOOLS, PERIOD, Calls, fake_steps
    store = Store.from_settings()
    calls = Calls()
    steps = fake_steps(store, json.loads(sys.argv[1]), calls)

    def score_then_die(**kw):
        with open(sys.argv[2], "w") as handle:
            json.dump(calls.counts, handle)
        os._exit(9)  # the process is killed: no exception handler, no cleanup

    steps["score_frictions"] = score_then_die
    run_analysis(store=store, period=PERIOD, steps=steps, tools=FAKE_TOOLS, model=None, thread_id="an-killed")
    """
)


def test_killed_analysis_resumes_after_its_last_checkpoint(tmp_path, settings):
    store = Store.from_settings(settings)
    groups = seed(store)
    counts_file = tmp_path / "counts.json"
    env = {**os.environ, "PARCOURS_HOME": str(settings.home_dir), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(groups), str(counts_file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 9, done.stderr[-2000:]
    assert json.loads(counts_file.read_text()) == {
        "headline_kpis": 1,
        "find_anomalies": 1,
        "assign_period_themes": 1,
    }
    with store.session() as session:
        row = session.get(AnalysisRow, "an-killed")
        assert row.status == "running" and row.step == "score"  # what the API shows for the dead run
    calls = Calls()
    result = resume_analysis(
        store=store,
        analysis_id="an-killed",
        period=PERIOD,
        steps=fake_steps(store, groups, calls),
        tools=FAKE_TOOLS,
        model=None,
    )
    assert calls.counts == {"score_frictions": 1}  # load, measure and discover did not run again
    assert result.analysis_id == "an-killed" and result.actions and result.kpis
    with store.session() as session:
        assert session.get(AnalysisRow, "an-killed").status == "done"
    store.close()
