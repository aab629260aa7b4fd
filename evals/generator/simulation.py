"""The contact centre simulation: episodes, repeat contacts, load-dependent waits, abandonment, outcomes."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from evals.generator.population import (
    PARIS,
    SYNC,
    Agent,
    Contact,
    Patient,
    make_agents,
    make_patient,
    pick_day,
    pick_time,
    shift_local,
)
from evals.generator.themes import EMERGING, FEMALE_ONLY, PROFILE_BY_KEY, PROFILES, ThemeProfile

DEGRADED_QUEUE = "radiologie"
DEGRADED_WEEKDAY = 0  # Monday (ISO weekday 1)
DEGRADED_HOURS = (8, 9)
PLACEBO_QUEUE = "rendez-vous"
PLACEBO_WEEKDAY = 0  # Monday
PLACEBO_HOURS = (8, 9, 10, 11)
"""The segment of a placebo action (generated with an adoption): nothing changes there, ever."""
PLANTED_AGENT_SLOTS = (("resultats", 0), ("pharmacie", 1))
"""(queue, index in the queue) of the agents who stop making their promised callbacks."""

_BASE_WAIT = {"phone": 70.0, "chat": 40.0}
_HANDLE_FACTOR = {"phone": 1.0, "chat": 1.6, "email": 1.2, "portal": 1.0, "sms": 0.5}
_SURVEY_RATE = {"phone": 0.2, "chat": 0.25, "email": 0.1, "portal": 0.12, "sms": 0.08}
_FIRST_RESPONSE_H = {"email": 5.0, "portal": 4.0, "sms": 0.6}


@dataclass(frozen=True)
class Adoption:
    """An action adopted from week `start_week`: the degraded segment's waits fall for a share of contacts.

    The degradation (and a placebo degradation on another segment, never fixed) runs from `degraded_from`.
    """

    degraded_from: int = 2
    start_week: int = 4
    share: float = 1.0
    """Share of the degraded segment's queued contacts the action reaches."""
    effect: float = 0.4
    """Relative fall of the mean wait of a reached contact (0.4: waits fall by 40 %)."""
    isolated: bool = True
    """Leave out the other planted changes over time (failing callbacks, the emerging theme): only the action
    changes anything, so a placebo's comparison segments stay comparable."""


@dataclass
class Plan:
    """What to simulate: the weeks, the volume and when each planted friction is active."""

    mondays: list[date]
    per_week: int
    language: str
    emerging_from: int
    degraded_weeks: list[int]
    failing_weeks: list[int]
    adoption: Adoption | None = None
    """An adopted action planted in the data (None: no action, the default generator)."""

    @property
    def cutoff(self) -> datetime:
        """Midnight after the last generated Sunday (nothing is generated from then on)."""
        day = self.mondays[-1] + timedelta(days=7)
        return datetime(day.year, day.month, day.day, tzinfo=PARIS)


@dataclass
class Simulation:
    """The simulated contacts (not yet sorted or numbered) and the agents."""

    contacts: list[Contact]
    agents: list[Agent]
    planted_agents: list[str] = field(default_factory=list)


class _Simulator:
    def __init__(self, rng: random.Random, plan: Plan) -> None:
        self.rng = rng
        self.plan = plan
        self.agents = make_agents(rng)
        self.by_queue: dict[str, list[Agent]] = {}
        for agent in self.agents:
            self.by_queue.setdefault(agent.queue, []).append(agent)
        for queue, index in PLANTED_AGENT_SLOTS:
            self.by_queue[queue][index].planted = True
        self.patients: list[Patient] = []
        self.start_day = plan.mondays[0]

    def week_of(self, moment: datetime) -> int:
        return (moment.date() - self.start_day).days // 7

    def language(self) -> str:
        if self.plan.language in ("fr", "en"):
            return self.plan.language
        return "fr" if self.rng.random() < 0.75 else "en"

    def patient(self, theme: str) -> Patient:
        rng = self.rng
        if theme not in FEMALE_ONLY and self.patients and rng.random() < 0.22:
            return self.patients[-rng.randint(1, min(len(self.patients), 3000))]
        female_only = theme in FEMALE_ONLY
        patient = make_patient(
            rng,
            len(self.patients) + 1,
            self.language(),
            female=True if female_only else None,
            young=female_only,
        )
        self.patients.append(patient)
        return patient

    def theme(self, week: int) -> ThemeProfile:
        weights = [p.weight for p in PROFILES]
        if week >= self.plan.emerging_from:
            emerging = [i for i, p in enumerate(PROFILES) if p.key == EMERGING][0]
            weights[emerging] = 5.5 * (1 + 0.3 * (week - self.plan.emerging_from))
        return self.rng.choices(PROFILES, weights=weights)[0]

    def channel(self, profile: ThemeProfile) -> str:
        names = list(profile.channels)
        return self.rng.choices(names, weights=[profile.channels[n] for n in names])[0]

    def episode(self, week: int) -> list[Contact]:
        """A patient's need: a first contact and the repeat contacts it takes."""
        rng = self.rng
        profile = self.theme(week)
        patient = self.patient(profile.key)
        channel = self.channel(profile)
        rush = profile.queue == DEGRADED_QUEUE
        start = pick_time(rng, pick_day(rng, self.plan.mondays[week], rush=rush), channel, rush=rush)
        effort = "effort" if rng.random() < profile.effort else None
        chain = [Contact(profile.key, patient, channel, start, week, effort=effort)]
        while len(chain) <= profile.max_repeats and rng.random() < profile.repeat:
            previous = chain[-1]
            if rng.random() > 0.55:
                channel = self.channel(profile)
            day = shift_local(previous.start, timedelta(days=rng.uniform(0.7, 4.5))).date()
            moment = pick_time(rng, day, channel, rush=rush)
            if moment >= self.plan.cutoff or moment <= previous.start:
                break
            previous.later_repeat = True
            effort = "effort" if rng.random() < 0.6 else None
            chain.append(
                Contact(profile.key, patient, channel, moment, self.week_of(moment), len(chain), effort)
            )
        return chain

    def loads(self, contacts: list[Contact]) -> tuple[Counter[tuple[str, date, int]], dict[str, float]]:
        load: Counter[tuple[str, date, int]] = Counter()
        for c in contacts:
            if c.channel in SYNC:
                load[(PROFILE_BY_KEY[c.theme].queue, c.start.date(), c.start.hour)] += 1
        typical: dict[str, float] = {}
        for queue in self.by_queue:
            values = sorted(v for (q, _, _), v in load.items() if q == queue)
            typical[queue] = float(values[len(values) // 2]) if values else 1.0
        return load, typical

    def degraded(self, contact: Contact, queue: str) -> bool:
        return (
            queue == DEGRADED_QUEUE
            and contact.channel in SYNC
            and contact.start.weekday() == DEGRADED_WEEKDAY
            and contact.start.hour in DEGRADED_HOURS
            and contact.week in self.plan.degraded_weeks
        )

    def answer(
        self, c: Contact, load: Counter[tuple[str, date, int]], typical: dict[str, float]
    ) -> list[Contact]:
        """Queue, answer (or not) and close one contact; returns the contacts it causes (retries, chasers)."""
        rng, profile = self.rng, PROFILE_BY_KEY[c.theme]
        queue = profile.queue
        spawned: list[Contact] = []
        if c.channel in SYNC:
            ratio = load[(queue, c.start.date(), c.start.hour)] / max(typical[queue], 1.0)
            mean = _BASE_WAIT[c.channel] * min(max(ratio, 0.3), 3.0) ** 0.8
            degraded = self.degraded(c, queue)
            if degraded:
                mean *= 6.0
            raw = rng.gammavariate(2.0, mean / 2.0)
            adoption = self.plan.adoption
            if degraded and adoption is not None and c.week >= adoption.start_week:
                # the counterfactual (no action) keeps the same draws: the true effect is measurable
                c.extra["cf_wait"] = round(min(raw, 2700.0))
                if rng.random() < adoption.share:
                    raw *= 1.0 - adoption.effect
                    c.extra["reached"] = True
            c.wait = round(min(raw, 2700.0))
            p_abandon = min(0.55, 0.03 + 0.45 * (c.wait / 1200.0) ** 1.3)
            draw = rng.random()
            if "cf_wait" in c.extra:
                cf_wait = float(c.extra["cf_wait"])  # type: ignore[arg-type]
                c.extra["cf_abandoned"] = draw < min(0.55, 0.03 + 0.45 * (cf_wait / 1200.0) ** 1.3)
            if draw < p_abandon:
                c.abandoned = True
                c.textless = c.channel == "phone" and rng.random() < 0.65
                if c.repeat_index < 5 and rng.random() < 0.55:
                    spawned.append(self.retry(c))
                return spawned
            if c.wait > 600 and c.effort is None and rng.random() < 0.5:
                c.effort = "wait"
        else:
            hours = rng.lognormvariate(math.log(_FIRST_RESPONSE_H[c.channel]), 0.8)
            if c.start.weekday() >= 5:
                hours += 24.0 * (7 - c.start.weekday())
            c.first_response = round(hours * 3600)
        agent = rng.choice(self.by_queue[queue])
        c.agent = agent
        c.handle = round(
            rng.lognormvariate(math.log(profile.handle * agent.speed * _HANDLE_FACTOR[c.channel]), 0.35)
        )
        base = profile.resolve + agent.resolve_shift
        c.resolved = rng.random() < (base * 0.3 if c.later_repeat else base)
        failing = agent.planted and c.week in self.plan.failing_weeks
        p_follow = profile.follow_up * (2.8 if failing else 1.0) * (1.3 if not c.resolved else 1.0)
        if rng.random() < min(p_follow, 0.85):
            spawned.extend(self.follow_up(c, failing))
        if rng.random() < _SURVEY_RATE[c.channel]:
            mean = profile.csat + agent.csat_shift
            mean -= 0.7 if c.repeat_index else 0.0
            mean -= 0.6 if not c.resolved else 0.0
            mean -= 1.4 if (c.wait or 0) > 900 else 0.7 if (c.wait or 0) > 300 else 0.0
            c.csat = int(min(5, max(1, round(rng.gauss(mean, 0.8)))))
        return spawned

    def follow_up(self, c: Contact, failing: bool) -> list[Contact]:
        rng = self.rng
        c.follow_up_required = True
        day = c.start.date() + timedelta(days=rng.choice([1, 2, 3]))
        due = datetime(day.year, day.month, day.day, 18, tzinfo=PARIS)
        c.follow_up_due = due
        r = rng.random()
        on_time, late = (0.2, 0.35) if failing else (0.88, 0.95)
        if r < on_time:
            done: datetime | None = _office_hours(
                rng, shift_local(c.start, (due - c.start) * rng.uniform(0.1, 0.9))
            )
        elif r < late:
            done = _office_hours(rng, shift_local(due, timedelta(hours=rng.uniform(3, 72))))
        else:
            done = None
        if done is not None:
            done = None if done >= self.plan.cutoff else done.replace(microsecond=0)
        c.follow_up_done = done
        if (done is None or done > due) and rng.random() < 0.45:
            moment = shift_local(due, timedelta(days=rng.uniform(0.2, 2.0)))
            channel = "phone" if rng.random() < 0.75 else self.channel(PROFILE_BY_KEY[c.theme])
            moment = pick_time(rng, moment.date(), channel)
            if c.start < moment < self.plan.cutoff:
                c.extra["chased"] = True
                return [
                    Contact(
                        c.theme,
                        c.patient,
                        channel,
                        moment,
                        self.week_of(moment),
                        c.repeat_index + 1,
                        "callback",
                    )
                ]
        return []

    def retry(self, c: Contact) -> Contact:
        channel = "phone" if self.rng.random() < 0.7 else self.channel(PROFILE_BY_KEY[c.theme])
        moment = shift_local(c.start, timedelta(minutes=self.rng.uniform(10, 30 * 60)))
        if moment.hour >= 18 or moment.hour < 8 or channel not in SYNC:
            moment = pick_time(
                self.rng, moment.date() + timedelta(days=1 if moment.hour >= 18 else 0), channel
            )
        return Contact(c.theme, c.patient, channel, moment, self.week_of(moment), c.repeat_index + 1, "wait")


def _office_hours(rng: random.Random, moment: datetime) -> datetime:
    """The moment, moved into office hours (8-18 h) if an agent could not have called then."""
    if 8 <= moment.hour < 18:
        return moment
    day = moment.date() + timedelta(days=1 if moment.hour >= 18 else 0)
    return datetime(day.year, day.month, day.day, 8 + rng.randrange(3), rng.randrange(60), tzinfo=PARIS)


def simulate(rng: random.Random, plan: Plan) -> Simulation:
    """Run the centre over the planned weeks; contacts come back sorted by start time."""
    sim = _Simulator(rng, plan)
    contacts: list[Contact] = []
    for week in range(len(plan.mondays)):
        target = int(plan.per_week * rng.uniform(0.96, 1.04) / 1.03)
        produced = 0
        while produced < target:
            chain = sim.episode(week)
            contacts.extend(chain)
            produced += len(chain)
    contacts.sort(key=lambda c: c.start)
    load, typical = sim.loads(contacts)
    pending = list(contacts)
    done: list[Contact] = []
    while pending:
        spawned: list[Contact] = []
        for contact in pending:
            if contact.start >= plan.cutoff:
                continue
            done.append(contact)
            spawned.extend(sim.answer(contact, load, typical))
        pending = spawned
    done.sort(key=lambda c: c.start)
    planted = [a.ref for a in sim.agents if a.planted]
    return Simulation(contacts=done, agents=sim.agents, planted_agents=planted)
