"""`generate`: synthetic interaction records with planted frictions, and the truth to score against."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from core.periods import week_label
from evals.generator.dialogue import render
from evals.generator.population import SYNC, Contact, last_sunday_before, shift_local
from evals.generator.simulation import (
    DEGRADED_HOURS,
    DEGRADED_QUEUE,
    PLACEBO_HOURS,
    PLACEBO_QUEUE,
    PLACEBO_WEEKDAY,
    Adoption,
    Plan,
    Simulation,
    simulate,
)
from evals.generator.themes import (
    EMERGING,
    LOW_CSAT,
    PROFILE_BY_KEY,
    PROFILES,
    QUEUE_REASONS,
    RECURRING,
    theme_label,
)
from evals.generator.truth import PlantedAdoption, PlantedFriction, Truth, TruthTheme

_PREFIX = {"phone": "call", "chat": "chat", "email": "mail", "sms": "sms", "portal": "web"}


def make_plan(
    *, weeks: int, per_week: int, language: str, end: date | None, adoption: Adoption | None = None
) -> Plan:
    """The weeks to generate (ending the Sunday before `end`) and when each planted friction is active."""
    if weeks < 1 or per_week < 1:
        raise ValueError("weeks and per_week must be at least 1")
    if language not in ("fr", "en", "mix"):
        raise ValueError("language must be fr, en or mix")
    last_sunday = last_sunday_before(end or date.today())
    first_monday = last_sunday - timedelta(days=7 * weeks - 1)
    mondays = [first_monday + timedelta(days=7 * w) for w in range(weeks)]
    recent = list(range(max(0, weeks - 2), weeks))
    degraded, failing, emerging_from = recent, recent, max(0, weeks - 1)
    if adoption is not None:
        if not 0 <= adoption.degraded_from < adoption.start_week < weeks:
            raise ValueError("an adoption needs 0 <= degraded_from < start_week < weeks")
        if not 0.0 <= adoption.share <= 1.0 or not 0.0 <= adoption.effect < 1.0:
            raise ValueError("an adoption's share must lie in [0, 1] and its effect in [0, 1)")
        degraded = list(range(adoption.degraded_from, weeks))
        if adoption.isolated:
            failing, emerging_from = [], weeks
    return Plan(
        mondays=mondays,
        per_week=per_week,
        language=language,
        emerging_from=emerging_from,
        degraded_weeks=degraded,
        failing_weeks=failing,
        adoption=adoption,
    )


def _record(c: Contact, tenant: str, rng: random.Random) -> dict[str, Any]:
    queue = PROFILE_BY_KEY[c.theme].queue
    elapsed = (c.wait or 0) + (c.first_response or 0) + (c.handle or 0)
    follow_up = None
    if c.follow_up_required and c.follow_up_due is not None:
        follow_up = {
            "required": True,
            "due_at": c.follow_up_due.isoformat(),
            "done_at": c.follow_up_done.isoformat() if c.follow_up_done else None,
        }
    reason = QUEUE_REASONS[queue] if c.channel in SYNC and rng.random() < 0.65 else None
    transcript = None if c.textless else render(c, rng)
    return {
        "id": c.id,
        "tenant": tenant,
        "channel": c.channel,
        "direction": "inbound",
        "queue": queue,
        "started_at": c.start.isoformat(),
        "ended_at": shift_local(c.start, timedelta(seconds=elapsed)).isoformat(),
        "wait_seconds": c.wait,
        "first_response_seconds": c.first_response,
        "handle_seconds": c.handle,
        "abandoned": c.abandoned,
        "resolved": c.resolved,
        "follow_up": follow_up,
        "csat": c.csat,
        "reason": reason,
        "patient_ref": c.patient.ref,
        "agent_ref": c.agent.ref if c.agent else None,
        "language": c.patient.language,
        "transcript": transcript,
        "attributes": {"site": c.patient.site},
    }


def _frictions(sim: Simulation, plan: Plan, weeks: list[str]) -> list[PlantedFriction]:
    contacts = sim.contacts

    def ids_of(theme: str) -> list[str]:
        return [c.id for c in contacts if c.theme == theme]

    def weeks_of(theme: str) -> list[str]:
        present = {c.week for c in contacts if c.theme == theme}
        return [weeks[w] for w in sorted(present)]

    degraded = [
        c.id
        for c in contacts
        if PROFILE_BY_KEY[c.theme].queue == DEGRADED_QUEUE
        and c.channel in SYNC
        and c.start.weekday() == 0
        and c.start.hour in DEGRADED_HOURS
        and c.week in plan.degraded_weeks
    ]
    failing = [
        c.id
        for c in contacts
        if c.follow_up_required and c.agent and c.agent.planted and c.week in plan.failing_weeks
    ]
    return [
        PlantedFriction(
            id="planted-a",
            kind="recurring_theme",
            title="Prescription renewal takes several contacts (repeat contacts)",
            theme=RECURRING,
            metric="fcr",
            related_metrics=["repeat_rate", "csat"],
            weeks=weeks_of(RECURRING),
            interaction_ids=ids_of(RECURRING),
            expected_actions=["prescription-renewal-online", "agent-knowledge-article"],
        ),
        PlantedFriction(
            id="planted-b",
            kind="emerging_theme",
            title="Online booking portal broken after an update",
            theme=EMERGING,
            metric="volume",
            related_metrics=["fcr", "csat"],
            weeks=[weeks[w] for w in range(plan.emerging_from, len(weeks))],
            interaction_ids=ids_of(EMERGING),
            expected_actions=["fix-broken-portal-or-link", "status-message-ivr-and-portal"],
        ),
        PlantedFriction(
            id="planted-c",
            kind="segment_degradation",
            title=f"Long waits on Monday 8-10 h in {DEGRADED_QUEUE}",
            segment={"queue": DEGRADED_QUEUE, "weekday": 1, "hours": list(DEGRADED_HOURS)},
            metric="response_time",
            related_metrics=["service_level", "abandonment", "attrition"],
            weeks=[weeks[w] for w in plan.degraded_weeks],
            interaction_ids=degraded,
            expected_actions=["staffing-at-peaks", "callback-when-queue-long"],
        ),
        PlantedFriction(
            id="planted-d",
            kind="low_csat_theme",
            title="Billing letters patients do not understand (low CSAT, normal volume)",
            theme=LOW_CSAT,
            metric="csat",
            related_metrics=["fcr"],
            weeks=weeks_of(LOW_CSAT),
            interaction_ids=ids_of(LOW_CSAT),
            expected_actions=["rewrite-billing-letter", "agent-knowledge-article"],
        ),
        PlantedFriction(
            id="planted-e",
            kind="follow_up_failure",
            title="Promised callbacks not made by some agents",
            segment={"agent": list(sim.planted_agents)},
            metric="engagement",
            related_metrics=["fcr", "repeat_rate"],
            weeks=[weeks[w] for w in plan.failing_weeks],
            interaction_ids=failing,
            expected_actions=["callback-tracking", "agent-coaching"],
        ),
    ]


def _adoptions(sim: Simulation, plan: Plan, weeks: list[str]) -> list[PlantedAdoption]:
    """The fixed action (planted-c's segment) and the placebo, with the true effect on mean answered waits."""
    adoption = plan.adoption
    if adoption is None:
        return []
    start = plan.mondays[adoption.start_week]
    after = [c for c in sim.contacts if "cf_wait" in c.extra]
    factual = [float(c.wait or 0) for c in after if not c.abandoned]
    counterfactual = [
        float(c.extra["cf_wait"])  # type: ignore[arg-type]
        for c in after
        if not c.extra.get("cf_abandoned")
    ]
    true_effect = (
        (sum(factual) / len(factual)) / (sum(counterfactual) / len(counterfactual)) - 1.0
        if factual and counterfactual and sum(counterfactual) > 0
        else None
    )
    placebo_after = sum(
        1
        for c in sim.contacts
        if PROFILE_BY_KEY[c.theme].queue == PLACEBO_QUEUE
        and c.channel in SYNC
        and c.start.weekday() == PLACEBO_WEEKDAY
        and c.start.hour in PLACEBO_HOURS
        and c.week >= adoption.start_week
    )
    common: dict[str, Any] = {
        "metric": "response_time",
        "start": start,
        "start_week": weeks[adoption.start_week],
    }
    return [
        PlantedAdoption(
            id="fixed",
            friction="planted-c",
            segment={"queue": DEGRADED_QUEUE, "weekday": 1, "hours": list(DEGRADED_HOURS)},
            share=adoption.share,
            planted_effect=-adoption.share * adoption.effect,
            true_effect=None if true_effect is None else round(true_effect, 4),
            contacts_after=len(after),
            **common,
        ),
        PlantedAdoption(
            id="placebo",
            friction="none",
            segment={"queue": PLACEBO_QUEUE, "weekday": PLACEBO_WEEKDAY + 1, "hours": list(PLACEBO_HOURS)},
            share=0.0,
            planted_effect=0.0,
            true_effect=0.0,
            contacts_after=placebo_after,
            **common,
        ),
    ]


def generate(
    *,
    weeks: int = 8,
    per_week: int = 2500,
    seed: int = 7,
    tenant: str = "default",
    language: str = "mix",
    end: date | None = None,
    adoption: Adoption | None = None,
) -> tuple[Iterator[dict[str, Any]], Truth]:
    """Synthetic interactions (deterministic for a seed) and the truth of what was planted in them.

    The last generated week ends on the Sunday before `end` (default: today, so the last week is the most
    recent completed ISO week). Records are rendered lazily as the iterator is consumed. With an `adoption`,
    the Monday 8–10 h degradation runs from its week `degraded_from`, an action fixes it for a share of
    contacts from `start_week`, and a placebo action is adopted on a segment where nothing changes
    (Monday 8–12 h in rendez-vous); the truth's `adoptions` say where, when and the true effect.
    """
    plan = make_plan(weeks=weeks, per_week=per_week, language=language, end=end, adoption=adoption)
    sim = simulate(random.Random(seed), plan)
    for n, contact in enumerate(sim.contacts, start=1):
        contact.id = f"{_PREFIX[contact.channel]}-{n:06d}"
    week_names = [week_label(m) for m in plan.mondays]
    sizes = Counter(c.theme for c in sim.contacts)
    truth = Truth(
        seed=seed,
        tenant=tenant,
        language=language,
        start=plan.mondays[0],
        end=plan.mondays[-1] + timedelta(days=6),
        weeks=week_names,
        n_interactions=len(sim.contacts),
        themes=[
            TruthTheme(
                key=p.key,
                label=theme_label(p.key, "fr"),
                label_en=theme_label(p.key, "en"),
                queue=p.queue,
                size=sizes.get(p.key, 0),
            )
            for p in PROFILES
        ],
        frictions=_frictions(sim, plan, week_names),
        interaction_themes={c.id: c.theme for c in sim.contacts},
        interaction_weeks={c.id: week_names[c.week] for c in sim.contacts},
        textless_ids=[c.id for c in sim.contacts if c.textless],
        adoptions=_adoptions(sim, plan, week_names),
    )

    def records() -> Iterator[dict[str, Any]]:
        for n, contact in enumerate(sim.contacts):
            yield _record(contact, tenant, random.Random(seed * 1_000_003 + n))

    return records(), truth
