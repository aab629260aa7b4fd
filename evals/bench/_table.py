"""Markdown tables of the KPI and search rows of bench-results.json (`python -m evals.bench._table FILE…`)."""

from __future__ import annotations

import json
import re
import sys
from typing import Any


def _rows(paths: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        rows += data["rows"] if isinstance(data, dict) else data
    return rows


def kpi_table(rows: list[dict[str, Any]]) -> str:
    """One line per metric: p50/p95 and the ratios, SQLite beside PostgreSQL."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    scans: dict[str, float] = {}
    for row in rows:
        if match := re.match(r"kpi (\w+) weekly by queue 12 w p95, (\w+) @ 1 M", row["measure"]):
            found.setdefault(match[1], {})[match[2]] = row
        elif match := re.match(r"raw SQL scan .*, (\w+) @ 1 M", row["measure"]):
            scans[match[1]] = row["value"]
    head = "| metric (weekly by queue, 12 weeks, 1 M) | SQLite p50 / p95 | × faster than pre-rollup | "
    head += "PostgreSQL p50 / p95 | × faster than pre-rollup | target p95 |\n|---|---|---|---|---|---|\n"
    lines = []
    for metric, by_db in found.items():
        cells = []
        for db in ("sqlite", "postgresql"):
            line = by_db.get(db)
            if line is None:
                cells += ["–", "–"]
                continue
            ok = "✅" if line["value"] < 200 else "❌"
            cells.append(f"{line['p50']:.0f} / **{line['value']:.0f} ms** {ok}")
            cells.append(f"{line['vs_raw_python']} ({line['raw_python_ms']:.0f} ms)")
        lines.append(f"| `{metric}` | " + " | ".join(cells) + " | < 200 ms |")
    scan = ", ".join(f"{db} {ms:.0f} ms" for db, ms in scans.items())
    return (
        head + "\n".join(lines) + f"\n\nRaw SQL scan of the same rows (count by week and queue), p95: {scan}."
    )


def search_table(rows: list[dict[str, Any]]) -> str:
    """The search and ingestion rows as they were printed."""
    lines = ["| measure | value | target | note |", "|---|---|---|---|"]
    for row in rows:
        if row.get("bench") == "search":
            lines.append(
                f"| {row['measure']} | {row['value']} {row['unit']} | {row['target']} | {row['note']} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    everything = _rows(sys.argv[1:])
    print(kpi_table(everything))
    print()
    print(search_table(everything))
