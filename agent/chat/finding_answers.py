"""Answers about findings: actions, frictions, themes (top, emerging, one), what patients say, anomalies."""

from __future__ import annotations

from collections import Counter

from agent.chat.phrasing import Answer, artifacts, join, plural, quoted, say
from agent.chat.router import Route
from agent.chat.tables import (
    ToolResult,
    action_table,
    anomaly_table,
    friction_table,
    period_words,
    search_table,
    theme_table,
)
from analytics.theme_labels import own_keywords
from core import sentences
from core import wording as nf
from core.results import Action, Friction


def actions(route: Route, results: list[ToolResult], language: str) -> Answer:
    """'Les 3 actions prioritaires : 1. … (owner), 2. … et 3. ….' (or by status, by owner, the first one)."""
    found = artifacts(results, "actions")
    artifact = found[0] if found else {"rows": [], "frictions": []}
    top = route.slots.get("top")
    rows = artifact["rows"][: top or 10]
    status, owner = route.slots.get("status"), route.slots.get("owner")
    if not rows:
        if status:
            label = nf.status_label(status, language)
            return say(
                language, f"Aucune action {label} pour l'instant.", f"No {label} action for now."
            ), None
        if owner:
            who = quoted(owner, language)
            return say(
                language, f"Aucune action n'est confiée à {who}.", f"No action is owned by {who}."
            ), None
        return say(
            language,
            "Aucune action proposée : lancez l'analyse de la semaine.",
            "No action yet: run the analysis.",
        ), None
    frictions = {f["friction_id"]: Friction.model_validate(f) for f in artifact.get("frictions", [])}
    chosen = [Action.model_validate(r) for r in rows]
    table = action_table({**artifact, "rows": rows}, language)
    if top == 1:
        first = chosen[0]
        why = sentences.action_why(first, frictions, language)
        who = first.owner or say(language, "un responsable à désigner", "an owner to name")
        effort = nf.effort_label(first.effort, language)
        text = say(
            language,
            f"La première action, {quoted(first.title, language)}, revient à {who} (effort {effort}) ; "
            f"pourquoi : {why}.",
            f"The first action, {quoted(first.title, language)}, is for {who} ({effort} effort); why: {why}.",
        )
        return text, table
    titles = [a.title for a in chosen[:5]]
    count = len(chosen)
    if status:
        label = nf.status_label(status, language)
        text = say(
            language,
            f"{plural(count, 'action', language)} ({label}) : {join(titles, language)}.",
            f"{plural(count, 'action', language)} {label}: {join(titles, language)}.",
        )
        return text, table
    if owner:
        who = quoted(owner, language)
        listed = join(titles, language)
        text = say(
            language,
            f"{plural(count, 'action', language)} pour {who} : {listed}.",
            f"{count} for {who}: {listed}.",
        )
        return text, table
    names = join(
        [f"{a.rank}. {a.title}" + (f" ({a.owner})" if a.owner else "") for a in chosen[:3]], language
    )
    head = say(language, "Les actions prioritaires", "The priority actions")
    if top:
        head = say(language, f"Les {count} actions prioritaires", f"The {count} priority actions")
    return say(language, f"{head} : {names}.", f"{head}: {names}."), table


def frictions(route: Route, results: list[ToolResult], language: str) -> Answer:
    """The top frictions, the first with its strongest signal in words."""
    artifact = artifacts(results, "frictions")[0]
    rows = artifact["rows"][: route.slots.get("top") or 5]
    if not rows:
        return say(language, "Aucune friction sur la période.", "No friction in the period."), None
    first = Friction.model_validate(rows[0])
    title, why = quoted(first.title, language), sentences.friction_why(first, language)
    text = say(language, f"La friction n° 1 est {title} : {why}", f"The top friction is {title}: {why}")
    others = [quoted(r["title"], language) for r in rows[1:3]]
    if others:
        text += say(language, f" ; suivent {join(others, language)}", f"; then {join(others, language)}")
    return text + ".", friction_table(rows, language)


def themes(route: Route, results: list[ToolResult], language: str, *, emerging: bool) -> Answer:
    """What patients contact the centre about (or what is new), biggest first."""
    artifact = artifacts(results, "themes")[0]
    rows = [r for r in artifact["rows"] if not emerging or r.get("new") or r.get("emerging")]
    when = period_words(artifact["period"], language)
    if emerging:
        if not rows:
            return say(language, f"Aucun thème n'émerge {when}.", f"No emerging theme {when}."), None
        items = []
        for r in rows[:3]:
            growth = nf.number(r.get("growth"), language, 1)
            flag = say(language, "nouveau", "new") if r.get("new") else f"×{growth}"
            items.append(
                f"{quoted(r['label'], language)} ({nf.number(r['size'], language)} contacts, {flag})"
            )
        count, listed = len(rows), join(items, language)
        verb = "émergent" if count > 1 else "émerge"
        text = say(
            language,
            f"{plural(count, 'thème', language)} {verb} {when} : {listed}.",
            f"{count} emerging theme{'s' if count > 1 else ''} {when}: {listed}.",
        )
        return text, theme_table(rows, language)
    rows = rows[: route.slots.get("top") or 10]
    if not rows:
        return say(language, "Aucun thème sur la période.", "No theme in the period."), None
    lead = rows[0]
    what = (
        f"{quoted(lead['label'], language)} ({nf.number(lead['size'], language)} contacts, "
        f"{nf.percent(lead['share'], language)})"
    )
    text = say(
        language,
        f"Les patients contactent surtout le centre pour {what} {when}",
        f"Patients mostly contact the centre about {what} {when}",
    )
    others = [quoted(r["label"], language) for r in rows[1:3]]
    if others:
        text += say(language, f", puis {join(others, language)}", f", then {join(others, language)}")
    return text + ".", theme_table(rows, language)


def theme(route: Route, results: list[ToolResult], language: str) -> Answer:
    """One theme: size, since when, this week, keywords; weekly counts as the table."""
    found = artifacts(results, "theme")
    if not found:
        return search(route, results, language)
    item = found[0]
    weekly = item.get("weekly", [])
    recent = weekly[-1] if weekly else None
    quotes = [q["quote"] for q in item.get("quotes", [])]
    keywords = ", ".join(
        own_keywords(label=item["label"], keywords=item.get("keywords", []), quotes=quotes, limit=4)
    )
    name, size = quoted(item["label"], language), nf.number(item["size"], language)
    text = f"{name} : {size} contacts" if language == "fr" else f"{name}: {size} contacts"
    if item.get("first_seen"):
        text += say(language, f" depuis le {item['first_seen']}", f" since {item['first_seen']}")
    if recent:
        text += say(
            language,
            f", dont {recent['count']} en {recent['week']}",
            f", {recent['count']} in {recent['week']}",
        )
    if keywords:
        text += say(language, f" ; mots-clés : {keywords}", f"; keywords: {keywords}")
    rows = [[w["week"], str(w["count"])] for w in weekly[-8:]]
    return text + ".", {"columns": [say(language, "Semaine", "Week"), "Contacts"], "rows": rows}


def search(route: Route, results: list[ToolResult], language: str) -> Answer:
    """How many contacts speak of a topic, by which channel; their words are the evidence."""
    found = artifacts(results, "search")
    topic = quoted(route.topic or (found[0]["query"] if found else ""), language)
    if not found or not found[0]["rows"]:
        return say(language, f"Aucun contact ne parle de {topic}.", f"No contact mentions {topic}."), None
    rows = found[0]["rows"]
    channels = Counter(str((r.get("metadata") or {}).get("channel") or "other") for r in rows)
    channel = nf.channel_label(channels.most_common(1)[0][0], language)
    text = say(
        language,
        f"{len(rows)} contacts parlent de {topic} (surtout par {channel}) ; voici ce qu'en disent "
        "les patients.",
        f"{len(rows)} contacts mention {topic} (mostly by {channel}); here is what patients say.",
    )
    return text, search_table(rows, language)


def anomalies(route: Route, results: list[ToolResult], language: str) -> Answer:
    """How many anomalies in the period, and the strongest one against its usual value."""
    artifact = artifacts(results, "anomalies")[0]
    rows = artifact["rows"]
    if metric := route.slots.get("metric"):
        rows = [r for r in rows if r["metric"] == metric] or rows
    when = period_words(artifact["period"], language)
    if not rows:
        return say(language, f"Aucune anomalie {when}.", f"No anomaly {when}."), None
    top = rows[0]
    value, usual = (
        nf.kpi_value(top["metric"], top["value"], language),
        nf.kpi_value(top["metric"], top["expected"], language),
    )
    where = f"{nf.metric_label(top['metric'], language)} ({nf.segment_text(top['segment'], language)})"
    count = len(rows)
    many = f"{count} anomal{'ies' if count > 1 else 'y'} {when}"
    text = say(
        language,
        f"{plural(count, 'anomalie', language)} {when} ; la plus forte : {where} : {value} contre {usual} "
        "d'habitude.",
        f"{many}; the strongest: {where}: {value} against {usual} usually.",
    )
    return text, anomaly_table(rows, language)
