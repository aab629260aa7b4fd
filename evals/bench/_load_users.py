"""The locust side of the load benchmark (run as its own process: locust patches the interpreter with gevent).

`python -m evals.bench._load_users --host URL --key pk_… --analysis an-… --users 8 --duration 60 --out F.json`
runs headless users that mix ingest, KPI, search and report calls, then writes the figures and the ids of
every record the server said it stored to F.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import gevent
from locust import HttpUser, between, task
from locust.env import Environment

QUEUES = ["cardiologie", "radiologie", "pediatrie", "consultations"]
PHRASES = [
    "Bonjour, j'appelle pour renouveler mon ordonnance, c'est la troisième fois.",
    "J'ai attendu vingt minutes au téléphone pour la radiologie.",
    "I cannot book online, the portal shows an error.",
    "Je voudrais décaler mon rendez-vous de cardiologie.",
    "Nobody called me back about my test results.",
    "Ma facture n'est pas claire, le dépassement n'est pas expliqué.",
]
QUERIES = ["ordonnance", "attente téléphone", "portal error", "rendez-vous", "facture", "call back"]
METRICS = ["volume", "csat", "fcr", "response_time", "abandonment"]
BATCH = 20
OVERLAP_POOL = 200

settings: dict[str, Any] = {}
stored: set[str] = set()
_users = itertools.count()


def record(ext_id: str, rng: random.Random, start: datetime) -> dict[str, Any]:
    """One valid interaction record (DESIGN §3) of the seeded week."""
    started = start + timedelta(minutes=rng.randrange(7 * 24 * 60))
    return {
        "id": ext_id,
        "started_at": started.isoformat(),
        "channel": rng.choice(["phone", "chat", "email"]),
        "direction": "inbound",
        "queue": rng.choice(QUEUES),
        "wait_seconds": rng.randrange(5, 900),
        "csat": rng.choice([None, 1, 2, 3, 4, 5]),
        "patient_ref": f"p-{rng.randrange(400)}",
        "transcript": [
            {"speaker": "agent", "text": "Bonjour, que puis-je faire pour vous ?"},
            {"speaker": "patient", "text": rng.choice(PHRASES)},
        ],
    }


class Manager(HttpUser):
    """A contact-centre system and its managers: pushes interactions, reads KPIs, searches, opens reports."""

    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        """Authenticate and number this user (its record ids never meet another's, unless --overlap)."""
        self.client.headers["Authorization"] = f"Bearer {settings['key']}"
        self.number = next(_users)
        self.sequence = itertools.count()
        self.rng = random.Random(self.number)

    def _ids(self) -> list[str]:
        if settings["overlap"]:  # every user draws from one shared pool: the same new ids race
            return [f"load-shared-{i:04d}" for i in self.rng.sample(range(OVERLAP_POOL), BATCH)]
        return [f"load-u{self.number:02d}-{next(self.sequence):06d}" for _ in range(BATCH)]

    @task(3)
    def ingest(self) -> None:
        """POST a batch of interactions; remember the ids the server says it stored."""
        start = datetime.fromisoformat(settings["week_start"]).replace(tzinfo=UTC)
        batch = [record(i, self.rng, start) for i in self._ids()]
        with self.client.post(
            "/v1/interactions", json={"interactions": batch}, name="ingest", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}: {response.text[:200]}")
                return
            results = response.json().get("results") or []
            bad = [r for r in results if r.get("status") == "rejected"]
            if bad:
                response.failure(f"rejected records: {bad[:2]}")
            stored.update(r["id"] for r in results if r.get("status") != "rejected")

    @task(3)
    def kpi(self) -> None:
        """A KPI series by queue."""
        metric = self.rng.choice(METRICS)
        self.client.get(f"/v1/kpis?metric={metric}&by=queue", name="kpi")

    @task(3)
    def search(self) -> None:
        """A transcript search."""
        self.client.get(f"/v1/search?q={self.rng.choice(QUERIES)}&k=5", name="search")

    @task(1)
    def report(self) -> None:
        """The HTML report of the finished analysis."""
        self.client.get(f"/v1/analyses/{settings['analysis']}/report?format=html", name="report")


def main() -> None:
    """Run the users for the given time and write the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--analysis", required=True)
    parser.add_argument("--week-start", required=True)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--overlap", action="store_true")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    settings.update(key=args.key, analysis=args.analysis, week_start=args.week_start, overlap=args.overlap)
    Manager.host = args.host
    env = Environment(user_classes=[Manager])
    runner = env.create_local_runner()
    runner.start(args.users, spawn_rate=args.users)
    gevent.sleep(args.duration)
    runner.quit()
    total = env.stats.total
    by_name = {
        name: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p95_ms": entry.get_response_time_percentile(0.95),
            "median_ms": entry.median_response_time,
        }
        for (name, _method), entry in env.stats.entries.items()
    }
    figures = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "errors": [f"{e.name}: {e.error} x{e.occurrences}" for e in env.stats.errors.values()][:20],
        "rps": total.num_requests / args.duration,
        "p95_ms": total.get_response_time_percentile(0.95),
        "by_name": by_name,
        "stored_ids": sorted(stored),
    }
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(figures, handle)


if __name__ == "__main__":
    main()
