"""Who and when: patients, agents, and the weekly and hourly rhythm of the synthetic centre."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.text import strip_accents
from evals.generator.themes import QUEUES

PARIS = ZoneInfo("Europe/Paris")
SITES = ["Hôpital Nord", "Hôpital Sud", "Clinique Pasteur"]
SYNC = ("phone", "chat")

FR_FEMALE = (
    "Marie Nathalie Isabelle Sylvie Catherine Sophie Claire Julie Camille Léa Chloé Manon Inès Fatima Amina "
    "Christine Monique Élodie Aurélie Lucie"
).split()
FR_MALE = (
    "Jean Pierre Michel Philippe Alain Nicolas Julien Thomas Lucas Hugo Karim Mohamed Yanis Bernard Patrick "
    "François Olivier Mathieu Antoine Rachid"
).split()
FR_LAST = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel "
    "Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier Dupont Lambert Bonnet François "
    "Martinez Benali Haddad Nguyen Diallo Traoré Rousseau"
).split()
EN_FEMALE = (
    "Emma Olivia Sarah Emily Jessica Hannah Laura Rachel Grace Chloe Amy Priya Aisha Megan Susan".split()
)
EN_MALE = (
    "James Oliver Harry George Daniel Thomas Jack William Samuel David Michael Ravi Omar Peter Andrew".split()
)
EN_LAST = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
    "Roberts Green Hall Wood Patel Khan O'Connor Murphy Clarke Hughes"
).split()
_AGENTS_FEMALE = {"Sophie", "Nadia", "Céline", "Laure", "Sandrine", "Valérie", "Audrey"}
_AGENTS = "Sophie Karim Nadia Julien Céline Mehdi Laure Thomas Sandrine Romain Valérie Yacine Audrey Florian"
AGENT_NAMES = [(name, name in _AGENTS_FEMALE) for name in _AGENTS.split()]
FR_DOMAINS = ["gmail.com", "orange.fr", "free.fr", "hotmail.fr", "yahoo.fr", "laposte.net", "sfr.fr"]
EN_DOMAINS = ["gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.com", "icloud.com"]

DAY_WEIGHTS = [0.24, 0.19, 0.18, 0.17, 0.15, 0.05, 0.02]
"""Share of contacts by weekday, Monday first."""
SYNC_HOURS = list(range(8, 18))
SYNC_HOUR_WEIGHTS = [0.9, 1.3, 1.3, 1.1, 0.6, 0.7, 1.0, 0.9, 0.8, 0.5]
MONDAY_HOUR_WEIGHTS = [1.7, 1.9, 1.5, 1.1, 0.6, 0.7, 1.0, 0.9, 0.8, 0.5]
RUSH_DAY_WEIGHTS = [0.38, 0.17, 0.14, 0.13, 0.12, 0.04, 0.02]
RUSH_MONDAY_HOUR_WEIGHTS = [3.2, 3.4, 1.5, 1.0, 0.5, 0.6, 0.9, 0.8, 0.7, 0.4]
"""A queue whose patients call first thing on Monday (imaging requests written during the weekend)."""
WEEKEND_HOURS = [9, 10, 11]
ASYNC_HOURS = list(range(7, 24))
ASYNC_HOUR_WEIGHTS = [0.4, 0.8, 1.0, 1.0, 0.9, 1.0, 0.9, 0.8, 0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.2, 1.0, 0.6]


@dataclass
class Patient:
    """A pseudonymous patient with the personal details they may say aloud."""

    ref: str
    language: str
    female: bool
    first: str
    last: str
    dob: str
    phone: str
    email: str
    site: str
    drug: int

    @property
    def name(self) -> str:
        """First and last name."""
        return f"{self.first} {self.last}"


@dataclass
class Agent:
    """An agent of one queue, with their own performance."""

    ref: str
    name: str
    female: bool
    queue: str
    speed: float
    resolve_shift: float
    csat_shift: float
    promise: float = 1.0
    planted: bool = False


@dataclass
class Contact:
    """One interaction before it is written as a record."""

    theme: str
    patient: Patient
    channel: str
    start: datetime
    week: int
    repeat_index: int = 0
    effort: str | None = None
    later_repeat: bool = False
    id: str = ""
    agent: Agent | None = None
    wait: float | None = None
    first_response: float | None = None
    handle: float | None = None
    abandoned: bool = False
    resolved: bool | None = None
    follow_up_required: bool = False
    follow_up_due: datetime | None = None
    follow_up_done: datetime | None = None
    csat: int | None = None
    textless: bool = False
    extra: dict[str, object] = field(default_factory=dict)


def make_patient(
    rng: random.Random, n: int, language: str, *, female: bool | None = None, young: bool = False
) -> Patient:
    """A new patient with a name, birth date, phone number and e-mail address."""
    female = rng.random() < 0.55 if female is None else female
    if language == "fr":
        first = rng.choice(FR_FEMALE if female else FR_MALE)
        last = rng.choice(FR_LAST)
        phone = f"0{rng.choice('67')} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} " + (
            f"{rng.randint(10, 99)}"
        )
        if rng.random() < 0.15:
            phone = "+33 " + phone[1:]
        domain = rng.choice(FR_DOMAINS)
    else:
        first = rng.choice(EN_FEMALE if female else EN_MALE)
        last = rng.choice(EN_LAST)
        if rng.random() < 0.5:
            phone = f"07{rng.randint(100, 999)} {rng.randint(100000, 999999)}"
        else:
            pairs = " ".join(str(rng.randint(10, 99)) for _ in range(4))
            phone = f"+33 6 {pairs}"
        domain = rng.choice(EN_DOMAINS)
    local = strip_accents(f"{first}.{last}").lower().replace(" ", "").replace("'", "")
    if rng.random() < 0.3:
        local += str(rng.randint(1, 99))
    year = rng.randint(1982, 2004) if young else rng.randint(1938, 2005)
    dob = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}"
    return Patient(
        ref=f"p-{n:06x}",
        language=language,
        female=female,
        first=first,
        last=last,
        dob=dob,
        phone=phone,
        email=f"{local}@{domain}",
        site=rng.choice(SITES),
        drug=rng.randrange(12),
    )


def make_agents(rng: random.Random, per_queue: int = 4) -> list[Agent]:
    """The agents, `per_queue` per queue, with differing speed, resolution and CSAT."""
    agents: list[Agent] = []
    for queue in QUEUES:
        for _ in range(per_queue):
            name, female = AGENT_NAMES[len(agents) % len(AGENT_NAMES)]
            agents.append(
                Agent(
                    ref=f"a-{len(agents) + 1:02d}",
                    name=name,
                    female=female,
                    queue=queue,
                    speed=rng.lognormvariate(0, 0.22),
                    resolve_shift=rng.gauss(0, 0.05),
                    csat_shift=rng.gauss(0, 0.3),
                )
            )
    return agents


def last_sunday_before(end: date) -> date:
    """The Sunday strictly before `end`."""
    return end - timedelta(days=end.isoweekday())


def pick_day(rng: random.Random, monday: date, *, rush: bool = False) -> date:
    """A day of the week starting `monday`, weighted (Monday busiest, Sunday quietest)."""
    return monday + timedelta(
        days=rng.choices(range(7), weights=RUSH_DAY_WEIGHTS if rush else DAY_WEIGHTS)[0]
    )


def pick_time(rng: random.Random, day: date, channel: str, *, rush: bool = False) -> datetime:
    """A local start on `day`: opening hours for phone/chat (Monday-morning peak), any hour for messages."""
    if channel in SYNC:
        if day.weekday() >= 5:
            hour = rng.choice(WEEKEND_HOURS)
        else:
            monday = RUSH_MONDAY_HOUR_WEIGHTS if rush else MONDAY_HOUR_WEIGHTS
            weights = monday if day.weekday() == 0 else SYNC_HOUR_WEIGHTS
            hour = rng.choices(SYNC_HOURS, weights=weights)[0]
    else:
        hour = rng.choices(ASYNC_HOURS, weights=ASYNC_HOUR_WEIGHTS)[0]
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=PARIS)


def shift_local(start: datetime, delta: timedelta) -> datetime:
    """`start + delta` as a correct Europe/Paris time (DST-aware: goes through UTC)."""
    return (start.astimezone(ZoneInfo("UTC")) + delta).astimezone(PARIS)
