"""Intents of managers' questions, recognised from their words in a fixed order.

Actions, help, themes asked as "why do patients call", search, one theme, anomalies and emerging themes are
recognised from words alone; a question naming a KPI is then a comparison with the baseline, between
periods, a why, a trend, a breakdown or a value; otherwise frictions or themes; otherwise a search.
"""

from __future__ import annotations

import re

INTENTS: list[tuple[str, str]] = [
    (
        "action_impact",
        r"\b(a t elle|a t il|ont elles|ont ils|est ce que (ca|cela|l action|elle|il) a) (bien )?"
        r"(marche|fonctionne|servi|eu un effet|porte ses fruits|ete efficace)|"
        r"\b(did|does|has|have) (the |this |that |our |it |they )?([\w-]+ ){0,4}?"
        r"(work|worked|help|helped|pay off|paid off|make a difference|had an effect|have an effect)\b|"
        r"\b(impact|effet)s? (mesure|reel|observe)|\b(measured|actual|real) (impact|effect)|"
        r"\best ce que .{2,40} (a|ont) (bien )?(marche|fonctionne|porte ses fruits)\b",
    ),
    (
        "actions",
        r"\bactions?\b|recommand|recommend|que (dois|devons|doit) (je|nous|on) faire|"
        r"faire en priorite|work on first|should (we|i) (do|work|start|focus)|plan d action|what to do first|"
        r"(se )?concentrer|focus on",
    ),
    (
        "help",
        r"^ *(bonjour|hello|hi|salut|merci|thanks|thank you|help|aide)\b[ !?.]*$|que sais tu|"
        r"que peux tu|what can (i|you)|comment (ca marche|t utiliser)|how (do|does) (this|it) work|"
        r"(tu peux|peux tu|pouvez vous|vous pouvez) m aider|can you help",
    ),
    (
        "themes_top",
        r"de quoi parlent|pourquoi (les patients|ils) (nous )?(contactent|appellent|ecrivent)|"
        r"(main|top|principal(e|es|aux)?) (reasons?|raisons?|motifs?)|"
        r"why do (patients|people) (call|contact)",
    ),
    (
        "search",
        r"(que|ce que|qu est ce que) (disent|racontent|ecrivent)|disent les patients|"
        r"what (are|do) (patients|people) (say|saying|write)|verbatims?|exemples? de|examples?|quotes?|"
        r"citations?|trouve (les|des) (appels|contacts|messages)|find (calls|contacts|messages)|"
        r"se plaign|complain|parlent (de|du|des)|montre moi des|show me (what|calls|messages)",
    ),
    (
        "theme_details",
        r"parle moi (du|de la|des|de l)|tell me (more )?about|details? (sur|about|on|du|de la)|"
        r"(dis|dites) m en plus|en dire plus|"
        r"what do (we|you) know about|c est quoi (le|la) (sujet|theme|friction)|more about|en savoir plus",
    ),
    (
        "anomalies",
        r"anomal|inhabituel|unusual|\bpics?\b|spikes?|degrade(d)? sharply|\bderive|outlier|"
        r"anything (odd|strange|wrong)|bizarre",
    ),
    (
        "themes_emerging",
        r"emerg|nouveaux? (sujets?|motifs?|problemes?|themes?)|new (problems?|topics?|themes?|"
        r"issues?)|(themes?|sujets?|motifs?|topics?) (nouveaux|nouvelles|new)|(themes?|sujets?|motifs?) .*"
        r"(forte hausse|en hausse)|apparus?|appearing",
    ),
]
"""Intents recognised from words alone (before the KPI intents, which need a metric)."""
KPI_INTENTS: list[tuple[str, str]] = [
    ("kpi_baseline", r"normal|habitude|usual|reference|baseline|above or below|plus (eleve|bas|haut) que d"),
    (
        "compare_periods",
        r"compar|\bvs\b|versus|par rapport (a|au|aux) (la |le )?(semaine|mois)|"
        r"qu est ce qui a change|what s (different|changed)|what changed|(change|changed) between|entre la",
    ),
    ("kpi_why", r"\bpourquoi\b|\bwhy\b|comment expliquer|what explains|explique|\bcauses?\b|raison"),
    (
        "kpi_trend",
        r"evolu|tendance|trend|over time|au fil|semaine par semaine|week by week|weekly|"
        r"getting (better|worse)|s ameliore|se degrade|depuis \d+ semaines|over the (last|past) \d+ weeks",
    ),
]
AFTER: list[tuple[str, str]] = [
    (
        "frictions_top",
        r"friction|problemes?|problems?|blocage|bloqu|pain points?|struggl|difficult|coince|"
        r"stuck|irrit",
    ),
    ("themes_top", r"\bthemes?\b|\bsujets?\b|\bmotifs?\b|\btopics?\b|reasons?"),
]


def intent_of(text: str, metric: str | None, by: str | None) -> str:
    """The intent of a folded question, given the metric and the breakdown dimension it names."""
    if metric and re.search(KPI_INTENTS[0][1], text) and not re.search(INTENTS[0][1], text):
        return "kpi_baseline"  # "unusually high compared to our baseline" asks about the KPI, not anomalies
    for name, pattern in INTENTS:
        if re.search(pattern, text):
            return name
    if metric:
        for name, pattern in KPI_INTENTS:
            if re.search(pattern, text):
                return name
        if by or re.search(
            r"\b(le plus|la plus|les plus|the most|the longest|the best|the worst|pire|meilleur"
            r"|highest|lowest)\b",
            text,
        ):
            return "kpi_breakdown" if by else "kpi_value"
        return "kpi_value"
    if re.search(KPI_INTENTS[1][1], text) and re.search(r"semaine|week|mois|month", text):
        return "compare_periods"
    for name, pattern in AFTER:
        if re.search(pattern, text):
            return name
    return "search"
