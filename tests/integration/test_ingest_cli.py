"""`parcours ingest` on a file mixing good and bad records, through the real command line."""

import json
import subprocess
import sys
import tracemalloc

from sqlalchemy import select
from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings
from store.db import Store
from store.ingest import ingest_paths
from store.schema import InteractionRow, TurnRow
from tests.factories import interaction

VALID_NIR = "2 69 05 49 588 157 80"


def _mixed_file(path):
    lines = [
        json.dumps(interaction(id="good-1")),
        "{this is not json",
        json.dumps(interaction(id="good-2", channel="sms", wait_seconds=None)),
        json.dumps({k: v for k, v in interaction().items() if k != "id"}),
        json.dumps(interaction(id="bad-time", started_at="16/11/2026 08:00")),
        json.dumps(interaction(id="bad-csat", csat=9)),
        json.dumps(interaction(id="nir-ref", patient_ref=VALID_NIR)),
        json.dumps(
            interaction(
                id="good-3",
                transcript=[
                    {
                        "speaker": "patient",
                        "text": "Mon numéro de sécu est 2 69 05 49 588 157 80, "
                        "appelez-moi au +33 6 12 34 56 78 ou écrivez à paul@exemple.fr",
                    },
                    {"speaker": "agent", "text": "Votre IBAN FR76 3000 6000 0112 3456 7890 189 est noté."},
                ],
            )
        ),
    ]
    path.write_text("\n".join(lines) + "\n")


def test_mixed_file_reports_exactly_the_bad_records_then_all_unchanged(tmp_path):
    path = tmp_path / "mixed.jsonl"
    _mixed_file(path)
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(path), "--no-index", "--json"])
    assert result.exit_code == 1, result.output  # records were rejected: the run says so by its exit code
    summary = json.loads(result.stdout)
    assert (summary["accepted"], summary["updated"], summary["unchanged"], summary["rejected"]) == (
        3,
        0,
        0,
        5,
    )
    assert sorted((e["index"], e["id"]) for e in summary["errors"]) == [
        (2, None),
        (4, None),
        (5, "bad-time"),
        (6, "bad-csat"),
        (7, "nir-ref"),
    ]
    again = json.loads(runner.invoke(app, ["ingest", str(path), "--no-index", "--json"]).stdout)
    assert (again["accepted"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 3, 5)

    store = Store.from_settings(get_settings())
    with store.session() as s:
        texts = " ".join(
            s.scalars(select(TurnRow.text)).all() + s.scalars(select(InteractionRow.full_text)).all()
        )
    for raw in ("2 69 05 49 588 157 80", "+33 6 12 34 56 78", "paul@exemple.fr", "FR76 3000"):
        assert raw not in texts
    assert "<NIR>" in texts and "<PHONE>" in texts and "<EMAIL>" in texts and "<IBAN>" in texts


def test_cli_errors_are_readable(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2 and "no such file" in result.output
    (tmp_path / "a.jsonl").write_text("")
    result = runner.invoke(app, ["ingest", str(tmp_path / "a.jsonl"), "--format", "xml"])
    assert result.exit_code == 2 and "unknown format" in result.output


def test_console_script_runs(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(interaction(id="solo")) + "\n")
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", "ingest", str(path), "--no-index", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["accepted"] == 1


def _ingest_peak(store, path, n: int, offset: int) -> tuple[int, int]:
    """Peak traced memory of ingesting a file of `n` records, and the file's size."""
    with path.open("w") as handle:
        for i in range(offset, offset + n):
            handle.write(json.dumps(interaction(id=f"big-{i}", patient_ref=f"p-{i % 4000}")) + "\n")
    tracemalloc.start()
    summary = ingest_paths(store, [path])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert summary.accepted == n and summary.rejected == 0
    return peak, path.stat().st_size


def test_records_stream_with_flat_memory(sqlite_store, tmp_path):
    small, _ = _ingest_peak(sqlite_store, tmp_path / "small.jsonl", 4_000, 0)
    peak, size = _ingest_peak(sqlite_store, tmp_path / "big.jsonl", 16_000, 4_000)
    # four times the records, about the same peak: the file is streamed, not held
    assert peak < 1.5 * small, f"peak {peak / 1e6:.1f} MB for 16 000 records, {small / 1e6:.1f} MB for 4 000"
    # a file held in memory as Python objects would take several times its size
    assert peak < size, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"
