"""What a manager's question names, in French or English: metric, segment, period, top N, status, owner.

Every extractor reads the *folded* question (lower case, no accents, apostrophes and hyphens as spaces, typos
of the product's own words corrected) and returns canonical values: metric names of the KPI engine, dimension
names, channels, ISO weekdays, period tokens (`this_week`, `last_week`, `previous_week`, `this_month`,
`last_month`, `yesterday`, `today`, `weeks:N`, `week:NN`). The router turns them into tool arguments.
"""

from __future__ import annotations

import difflib
import os
import re
from functools import lru_cache

from core.text import fold_phrase as fold

METRICS: list[tuple[str, str]] = [
    (
        "fcr",
        r"resolution au premier contact|resolu(s|e|es)? (au|du) premier|first ?contact|\bfcr\b|"
        r"resolved (at|on) (the )?first|du premier coup|first time resolution|resolution rate",
    ),
    (
        "engagement",
        r"rappels? (promis|non tenus?|tenus?|pas tenus?|faits?)|suivis?|follow ?ups?|callbacks?|"
        r"engagement|call ?backs? (promised|kept)",
    ),
    (
        "repeat_rate",
        r"rappellent|rappeler plusieurs|re ?contacts?|repeat|appels? repetes?|"
        r"call(ed|ing|s)? (us )?again|plusieurs fois|several times|reviennent",
    ),
    ("service_level", r"niveau de service|service level|taux de decroche|answered within"),
    (
        "first_response",
        r"premiere reponse|first (written )?(response|reply)|reponse aux (mails?|messages?|"
        r"courriels?)|reply time|delai de reponse (aux|des) (mails?|messages?|courriels?)",
    ),
    ("abandonment", r"abandon|raccroch|hang(s|ing)? up|hung up"),
    ("csat", r"satisf|\bcsat\b|notes? des patients|rating|score de satisfaction|happy|content"),
    (
        "response_time",
        r"temps d attente|attente|attendent|attendre|delai de reponse|temps de reponse|"
        r"response time|\bwait|speed of answer|\basa\b|decroch",
    ),
    ("attrition", r"attrition|patients? perdus?|ne reviennent pas|lost patients?|churn|don t come back"),
    (
        "aht",
        r"duree moyenne|duree de traitement|duree des (appels|contacts)|handle time|\baht\b|"
        r"temps de traitement|handling time",
    ),
    (
        "volume",
        r"\bvolume|combien d (appels|contacts|mails|e mails|chats|sms|messages)|"
        r"nombre d (appels|contacts|mails|messages)|"
        r"how many (calls|contacts|chats|emails|e mails|messages|sms)|"
        r"(more|fewer|less|plus d|moins d) (calls|contacts|appels)|calls? did we|charge d appels",
    ),
]
"""Metric → pattern over the folded question; the first match wins (order matters)."""

DIMENSIONS: list[tuple[str, str]] = [
    ("theme", r"par (theme|motif|sujet)s?|by (theme|topic|reason)s?|per (theme|topic)|repartition .* motif"),
    (
        "hour",
        r"par heure|by hour|per hour|heure de la journee|time of (the )?day|a quelle heure|"
        r"what time|quelles? heures?|tranche horaire",
    ),
    (
        "weekday",
        r"par jour de la semaine|by (week ?day|day of (the )?week)|quel jour|which day|"
        r"jour de la semaine",
    ),
    (
        "queue",
        r"par (file|service|queue)s?|by (queue|department|service)s?|per (queue|department)|"
        r"quel(le)?s? (file|service)s?|which (queue|department|service)s?|file d attente|par specialite",
    ),
    ("channel", r"par canal|by channel|per channel|quel canal|which channel|selon le canal"),
    ("agent", r"par (agent|conseiller)s?|by agents?|per agents?|quels? (agents?|conseillers?)|which agents?"),
    ("language", r"par langue|by language"),
]
CHANNELS: list[tuple[str, str]] = [
    ("phone", r"\btelephone\b|\bphone\b|\bau tel\b|\bappels? telephoniques?\b|by phone"),
    ("chat", r"\bchats?\b|tchat"),
    ("email", r"\be ?mails?\b|\bcourriels?\b|\bmails?\b"),
    ("sms", r"\bsms\b|\btextos?\b|text messages?"),
    ("portal", r"\bportail\b(?! de (reservation|rendez))|\bportal\b"),
    ("voicebot", r"serveur vocal|voicebot|\bsvi\b"),
]
WEEKDAYS = {
    1: r"\blundis?\b|\bmondays?\b",
    2: r"\bmardis?\b|\btuesdays?\b",
    3: r"\bmercredis?\b|\bwednesdays?\b",
    4: r"\bjeudis?\b|\bthursdays?\b",
    5: r"\bvendredis?\b|\bfridays?\b",
    6: r"\bsamedis?\b|\bsaturdays?\b",
    7: r"\bdimanches?\b|\bsundays?\b",
}
STATUSES: list[tuple[str, str]] = [
    (
        "proposed",
        r"a valider|a decider|proposees?|pas encore (decidees?|validees?)|pending|not yet (decided|"
        r"accepted)|awaiting|to (be )?(decide|validate|approve)",
    ),
    ("in_progress", r"en cours|in progress|ongoing|underway|started"),
    ("accepted", r"acceptees?|validees?|accepted|approved"),
    ("done", r"realisees?|terminees?|faites|finies?|\bdone\b|completed|finished"),
    ("rejected", r"rejetees?|refusees?|ecartees?|rejected|declined|refused"),
]
CLAIMS: list[tuple[str, str]] = [
    (
        "down",
        r"\bbaisse|\bchute|diminu|recul|degrad|s est effondre|\bdropp?(ed|s)?\b|\bfell\b|\bfall(en|ing)?\b|"
        r"decreas|(went|gone|go|going) down|declin|got worse",
    ),
    (
        "up",
        r"augment|\bhausse|\bmonte|explos|grimpe|increas|\brose\b|\brisen\b|(went|gone|go|going) up|\bgrew\b|"
        r"spiked|jump",
    ),
]

_FRENCH = frozenset(
    "le la les des du de est quel quels quelle quelles combien pourquoi semaine cette ce que qui pour par "
    "sur en au aux et avec dans une un sont ont il elle moi nous vous merci bonjour svp taux ou avons "
    "notre nos "
    "quoi comment parle y a t liste montre trouve dois compare comparer entre depuis mois hier".split()
)
_ENGLISH = frozenset(
    "the what which how why is are was were our we do did does by of for in on this last week show me any "
    "top can i you help more than about tell whats s get getting per average much many know compare and "
    "to it at day there where who should first".split()
)
VOCABULARY = (
    "satisfaction satisfait attente temps moyen resolution premier contact abandon abandons volume appels "
    "actions action frictions friction themes theme emergents emergent sujets semaine derniere precedente "
    "prioritaires prioritaire rendez vous ordonnance renouvellement patients recontacts rappels rappellent "
    "niveau service reponse traitement duree evolution tendance comparer anomalies inhabituels verbatims "
    "satisfaction waiting resolution abandonment frictions emerging priority actions appointment previous "
    "trend compare anomalies unusual average response handle quotes examples complaining prescription"
).split()
"""Words the product understands; a question's word one letter away from one of these is read as it."""


@lru_cache(maxsize=4096)
def _correct(word: str) -> str:
    if len(word) < 4 or word in _KNOWN or word.isdigit():
        return word
    close = difflib.get_close_matches(word, VOCABULARY, n=1, cutoff=0.84)
    if not close:
        return word
    # an inflection of a known word ("premiere", "semaines", "responsable") is no typo: same stem
    shared = len(os.path.commonprefix([word, close[0]]))
    return word if shared >= min(len(word), len(close[0])) - 1 else close[0]


_KNOWN = frozenset(VOCABULARY) | _FRENCH | _ENGLISH


def normalise(question: str) -> str:
    """The folded question with typos of the product's own words corrected, padded with spaces."""
    return " " + " ".join(_correct(w) for w in fold(question).split()) + " "


def detect_language(question: str) -> str:
    """The question's language (fr or en), from its function words; accents or a tie mean French."""
    words = fold(question).split()
    french = sum(w in _FRENCH for w in words)
    english = sum(w in _ENGLISH for w in words)
    if french != english:
        return "fr" if french > english else "en"
    return "fr" if re.search(r"[éèàçùêâîôû]", question.lower()) or not english else "en"


def metric_of(text: str) -> str | None:
    """The KPI a folded question names, or None."""
    return next((name for name, pattern in METRICS if re.search(pattern, text)), None)


def dimension_of(text: str) -> str | None:
    """The dimension a folded question breaks a KPI down by ("par file", "which channel"), or None."""
    return next((name for name, pattern in DIMENSIONS if re.search(pattern, text)), None)


def channel_of(text: str) -> str | None:
    """A channel the question restricts to ("au téléphone", "by email"), or None."""
    return next((name for name, pattern in CHANNELS if re.search(pattern, text)), None)


def weekday_of(text: str) -> int | None:
    """An ISO weekday the question names ("le lundi", "on Mondays"), or None."""
    return next((day for day, pattern in WEEKDAYS.items() if re.search(pattern, text)), None)


def status_of(text: str) -> str | None:
    """An action status the question asks about, or None."""
    return next((name for name, pattern in STATUSES if re.search(pattern, text)), None)


def claim_of(text: str) -> str | None:
    """The change the question takes for granted ("a baissé" → down, "went up" → up), or None."""
    return next((name for name, pattern in CLAIMS if re.search(pattern, text)), None)


_NUMBER_WORDS = {
    "un": 1,
    "une": 1,
    "one": 1,
    "deux": 2,
    "two": 2,
    "trois": 3,
    "three": 3,
    "quatre": 4,
    "four": 4,
    "cinq": 5,
    "five": 5,
    "dix": 10,
    "ten": 10,
}


def top_of(text: str) -> int | None:
    """How many items the question asks for ("top 3", "les 5 premières", "la première action"), or None."""
    num = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
    for pattern in (
        rf"\btop {num}\b",
        rf"\b(les|the|des|nos|our|mes) {num} (premier|premiere|premiers|premieres|first|principal|principale|"
        r"principaux|principales|plus|main|biggest|most|top|actions?|frictions?|themes?|sujets?|problemes?)",
        rf"\b{num} (actions?|frictions?|themes?|topics?|sujets?|problemes?|premieres?|premiers?|priorit)",
    ):
        if match := re.search(pattern, text):
            value = next(g for g in match.groups() if g and (g.isdigit() or g in _NUMBER_WORDS))
            return int(value) if value.isdigit() else _NUMBER_WORDS[value]
    if re.search(r"\b(la|the) (premiere|first) action|\baction (numero|number|n) ?1\b", text):
        return 1
    return None


_ROLE = (
    r"(responsable|service|equipe|direction|dsi|cadre|secretariat|qualite|accueil|manager|team|department|"
)
_ROLE += r"head|lead|it|informatique|facturation|billing)"


def owner_of(text: str) -> str | None:
    """Words of the owner the question names ("pour le responsable informatique", "owned by IT"), or None."""
    patterns = (
        r"\b(owned by|assigned to|confiees? (a|au|aux|a la)|attribuees? (a|au|aux|a la)|"
        r"responsabilite (du|de la|des)) (the |le |la |les |l )?(?P<who>[a-z ]{2,40}?)(?= \?| $|$)",
        rf"\b(pour|for) (le |la |les |l |the )?(?P<who>{_ROLE}[a-z ]{{0,30}}?)(?= \?| $|$)",
        rf"\b(du|de la|de l|of the|from the) (?P<who>{_ROLE}( [a-z]+){{0,3}})\s*$",
        rf"\bactions? (de |du |pour |for )?(la |le |l |les |the )?(?P<who>{_ROLE})\b",
    )
    for pattern in patterns:
        if match := re.search(pattern, text.strip() + " "):
            who = match.group("who").strip()
            if who and who not in ("semaine", "week"):
                return who
    return None
