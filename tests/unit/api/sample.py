"""Hand-built analysis results and seeded stores for the API, report and web UI tests."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from api.auth import create_key
from core.results import (
    Action,
    AnalysisResult,
    Anomaly,
    Evidence,
    ExpectedImpact,
    Friction,
    KpiValue,
    Period,
    ThemeResult,
)
from store.analyses import save as save_result
from store.db import Store
from tests.factories import at, interaction

WEEK_START = date(2026, 11, 16)


def make_result(
    *,
    tenant: str = "default",
    analysis_id: str = "an-current",
    week_start: date = WEEK_START,
    marker: str = "",
    ids: list[str] | None = None,
    fcr: float = 0.713,
    prefix: str = "",
) -> AnalysisResult:
    """A realistic AnalysisResult with two frictions, two actions, one emerging theme and an anomaly."""
    ids = ids or ["call-a1", "call-a2", "call-a3"]
    period = Period(start=week_start, end=week_start + timedelta(days=6))
    baseline = Period(start=week_start - timedelta(days=28), end=week_start - timedelta(days=1))
    p = prefix
    return AnalysisResult(
        analysis_id=analysis_id,
        tenant=tenant,
        period=period,
        baseline=baseline,
        kpis=[
            KpiValue(
                metric="fcr",
                value=fcr,
                previous=0.78,
                delta=fcr - 0.78,
                p_value=0.003,
                n=1840,
                ci=[fcr - 0.02, fcr + 0.02],
                unit="share",
                rule="repeat",
            ),
            KpiValue(
                metric="csat",
                value=0.64,
                previous=0.66,
                delta=-0.02,
                p_value=0.4,
                n=312,
                ci=[0.59, 0.69],
                unit="share",
            ),
            KpiValue(
                metric="response_time",
                value=312.0,
                previous=240.0,
                delta=72.0,
                p_value=0.01,
                n=1500,
                unit="seconds",
            ),
            KpiValue(metric="volume", value=12345, previous=11000, delta=1345, n=12345, unit="count"),
        ],
        themes=[
            ThemeResult(
                theme_id=f"{p}th-renewal",
                label=f"renouvellement d'ordonnance {marker}".strip(),
                keywords=["ordonnance", "renouveler"],
                size=2,
                interaction_ids=ids[:2],
                quotes=[Evidence(interaction_id=ids[0], quote=f"je rappelle pour mon ordonnance {marker}")],
            ),
            ThemeResult(
                theme_id=f"{p}th-portal",
                label=f"portail de réservation en panne {marker}".strip(),
                keywords=["portail", "bug"],
                size=1,
                interaction_ids=ids[2:],
                emerging=True,
                is_new=True,
                quotes=[Evidence(interaction_id=ids[2], quote="le site ne marche plus")],
            ),
        ],
        frictions=[
            Friction(
                friction_id=f"{p}fr-renewal",
                rank=1,
                title=f"Renouvellements d'ordonnance répétés {marker}".strip(),
                kind="theme",
                theme_id=f"{p}th-renewal",
                score=0.83,
                volume=212,
                patients=180,
                share=0.09,
                signals={"repeat_rate": 0.41, "fcr_gap": -0.22, "wait_p90_s": 1260},
                interaction_ids=ids[:2],
                evidence=[
                    Evidence(interaction_id=ids[0], quote=f"c'est la troisième fois que j'appelle {marker}")
                ],
            ),
            Friction(
                friction_id=f"{p}fr-portal",
                rank=2,
                title=f"Portail de réservation en panne {marker}".strip(),
                kind="emerging",
                theme_id=f"{p}th-portal",
                score=0.61,
                volume=95,
                share=0.04,
                emerging=True,
                signals={"growth": 4.2},
                interaction_ids=ids[2:],
                evidence=[
                    Evidence(interaction_id=ids[2], quote="le site ne marche plus depuis la mise à jour")
                ],
            ),
        ],
        anomalies=[
            Anomaly(
                metric="response_time",
                segment={"queue": "radiologie", "hour": 8},
                value=1260,
                expected=240,
                score=6.1,
                volume=140,
                explanation="Attente lundi 8 h en radiologie",
            ),
        ],
        actions=[
            Action(
                action_id=f"{p}ac-renewal-online",
                rank=1,
                title=f"Renouvellement d'ordonnance en ligne {marker}".strip(),
                description="Proposer le renouvellement via le portail.",
                playbook_id="prescription-renewal-online",
                friction_ids=[f"{p}fr-renewal"],
                kpi_targets=["fcr"],
                expected_impact=ExpectedImpact(patients_affected=180, kpi="fcr", delta=0.05),
                effort="M",
                confidence=0.7,
                score=0.61,
                owner="Responsable du centre",
                rationale="41 % de recontacts.",
                evidence=[Evidence(interaction_id=ids[0], quote="c'est la troisième fois que j'appelle")],
            ),
            Action(
                action_id=f"{p}ac-portal-fix",
                rank=2,
                title="Réparer le lien du portail",
                description="Corriger le lien cassé après la mise à jour.",
                playbook_id="fix-broken-portal-or-link",
                friction_ids=[f"{p}fr-portal"],
                kpi_targets=["csat"],
                expected_impact=ExpectedImpact(patients_affected=95, kpi="csat", delta=0.03),
                effort="S",
                confidence=0.8,
                score=0.55,
                owner="DSI",
                evidence=[Evidence(interaction_id=ids[2], quote="le site ne marche plus")],
            ),
        ],
        notes=["test fixture"],
    )


def seed_tenant(store: Store, tenant: str, *, marker: str) -> dict[str, Any]:
    """Ingest three interactions and save two analyses (previous and current week) for a tenant."""
    from store.ingest import ingest_records

    ids = [f"{tenant}-call-{i}" for i in range(1, 4)]
    records = [
        interaction(
            id=ids[0],
            tenant=tenant,
            started=at(16, 9),
            transcript=[
                {
                    "speaker": "patient",
                    "text": f"c'est la troisième fois que j'appelle pour mon ordonnance {marker}",
                },
                {"speaker": "agent", "text": "Je regarde votre dossier."},
            ],
        ),
        interaction(
            id=ids[1],
            tenant=tenant,
            started=at(17, 10),
            transcript=[{"speaker": "patient", "text": f"je voudrais renouveler mon ordonnance {marker}"}],
        ),
        interaction(
            id=ids[2],
            tenant=tenant,
            started=at(18, 11),
            queue="radiologie",
            transcript=[{"speaker": "patient", "text": f"le site de réservation ne marche plus {marker}"}],
        ),
    ]
    summary = ingest_records(store, records, source="test")
    assert summary.accepted == 3, summary
    prefix = f"{tenant}-"
    previous = make_result(
        tenant=tenant,
        analysis_id=f"an-{tenant}-prev",
        week_start=WEEK_START - timedelta(days=7),
        marker=marker,
        ids=ids,
        fcr=0.78,
        prefix=prefix + "old-",
    )
    current = make_result(
        tenant=tenant, analysis_id=f"an-{tenant}-cur", marker=marker, ids=ids, prefix=prefix
    )
    save_result(store, previous)
    save_result(store, current)
    return {
        "ids": ids,
        "analysis_id": current.analysis_id,
        "previous_id": previous.analysis_id,
        "friction_id": current.frictions[0].friction_id,
        "action_id": current.actions[0].action_id,
        "other_action_id": current.actions[1].action_id,
        "theme_id": current.themes[0].theme_id,
        "result": current,
    }


def keys_for(store: Store, tenant: str) -> dict[str, str]:
    """One key per scope for a tenant (secrets)."""
    return {
        scope: create_key(store, tenant=tenant, scopes=[scope], name=f"{tenant}-{scope}").secret
        for scope in ("ingest", "read", "manage", "admin")
    }
