"""`make bench`: run every benchmark module of this package and print one table."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import sys
import time

from rich.console import Console
from rich.table import Table

import evals.bench as package


def main() -> None:
    """Run the benchmarks (all, or those named) and print their figures."""
    parser = argparse.ArgumentParser(description="Parcours benchmarks")
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument(
        "--out", default="bench-results.json", help="file receiving every row as JSON (default: %(default)s)"
    )
    args = parser.parse_args()
    modules = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))
    rows: list[dict[str, object]] = []
    console = Console(stderr=True)
    for name in modules:
        if args.names and name not in args.names:
            continue
        module = importlib.import_module(f"evals.bench.{name}")
        console.print(f"[bold]bench {name}[/bold] …")
        started = time.perf_counter()
        for row in module.run(quick=args.quick):
            row.setdefault("bench", name)
            rows.append(row)
            console.print(f"  {row}")
        console.print(f"  done in {time.perf_counter() - started:.0f} s")
        _write(args.out, rows)  # after each module, so a long run keeps what it measured
    if args.json:
        json.dump(rows, sys.stdout, indent=2, default=str)
        return
    table = Table(title="Parcours benchmarks")
    for column in ("bench", "measure", "value", "unit", "target", "note"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in ("bench", "measure", "value", "unit", "target", "note")))
    Console().print(table)


def _write(path: str, rows: list[dict[str, object]]) -> None:
    machine = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),  # other work on the machine inflates every figure alike
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"machine": machine, "rows": rows}, handle, indent=2, default=str)


if __name__ == "__main__":
    main()
