"""Turn construction: multi-turn dialogues per channel, with slots, spoken style, typos and formal e-mails."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from typing import Any

from core.text import fold
from evals.generator.population import Contact
from evals.generator.themes import PROFILE_BY_KEY, QUEUE_LABELS_EN, QUEUE_LABELS_FR, catalogue

Turns = list[dict[str, str]]
_CONTRACT = re.compile(r"\b(de le|à le)\b")
_ELISION = re.compile(r"\b(de|le|du) ([AEIOUYÉ])")

_FR_MASCULINE = {
    "sûre": "sûr",
    "suivie": "suivi",
    "stressée": "stressé",
    "inquiète": "inquiet",
    "handicapée": "handicapé",
    "hospitalisée": "hospitalisé",
    "sortie": "sorti",
    "remboursée": "remboursé",
}
_SMS_FR = {"bonjour": "bjr", "rendez-vous": "rdv", "s'il vous plaît": "svp", "merci": "mci", "pourquoi": "pk"}
_SMS_EN = {"appointment": "appt", "please": "pls", "thanks": "thx", "tomorrow": "tmrw", "you": "u"}
_PHONE_ONLY = re.compile(r"appareil|speaking")
_WRITTEN = {
    "fr": [("j'appelle pour", "je vous écris pour"), ("J'appelle pour", "Je vous écris pour")],
    "en": [("I'm calling to", "I'm writing to"), ("I'm calling about", "I'm writing about")],
}
_CLAUSE_STARTS = set("je j'ai mon ma c'est est-ce on il i'm i'd my it's can".split())
_DECAP_OK = _CLAUSE_STARTS | set("le la les oui ça vous ce sur pour the yes it i've".split())
_STUTTER = {"je", "mon", "ma", "my"}
_WRITTEN_SALUTE = {"fr": ["Bonjour", "Bonjour à vous", "Bonsoir"], "en": ["Hello", "Hi", "Good morning"]}
_NO_IDENTITY = {"visiting_hours", "parking_directions", "drug_availability"}
_SALUTE = {
    "fr": ["Bonjour", "Oui bonjour", "Allô, bonjour", "Bonjour {agent_civ}", "Bonjour {agent_civ}", "Allô"],
    "en": ["Hi", "Hello", "Hi there", "Good morning", "Hello, yes", "Hiya"],
}
_VOICEMAIL = {
    "fr": ("Appel non décroché, message vocal laissé :", "Vous pouvez me rappeler au {phone}, merci."),
    "en": ("Call not answered, voicemail left:", "Please call me back on {phone}, thanks."),
}
_EMAIL_LEAD = {
    "fr": ["Je me permets de vous écrire car ", "Je vous contacte car ", ""],
    "en": ["I am writing because ", ""],
}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _decap(text: str) -> str:
    return text if text[:2] in ("I ", "I'") else text[:1].lower() + text[1:]


def _sentence(text: str) -> str:
    text = _cap(text.strip())
    return text if text[-1:] in ".?!…" else text + "."


def _weekday(day: date) -> date:
    return day + timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day


def _slots(c: Contact, rng: random.Random, common: dict[str, Any], lang: str) -> dict[str, str]:
    p = c.patient
    months, weekdays = common["months"], common["weekdays"]
    past = c.start.date() - timedelta(days=rng.randint(2, 30))
    past -= timedelta(days=max(0, past.weekday() - 4))
    later, earlier = (
        _weekday(c.start.date() + timedelta(days=rng.randint(lo, hi))) for lo, hi in ((2, 45), (1, 12))
    )
    birth = c.start.date() + timedelta(days=rng.randint(90, 240))
    hour, minute = rng.randint(8, 17), rng.choice([0, 0, 15, 30, 45])
    euros, cents = rng.randint(12, 480), rng.choice([0, 50, 20, 80, rng.randint(1, 99)])
    queue = PROFILE_BY_KEY[c.theme].queue
    agent = c.agent

    def spell(day: date, weekday: bool = True) -> str:
        number = "1er" if lang == "fr" and day.day == 1 else str(day.day)
        text = f"{number} {months[day.month - 1]}"
        return f"{weekdays[day.weekday()]} {text}" if weekday else text

    date_text, old, child = spell(later), spell(earlier), spell(birth, weekday=False)
    if lang == "fr":
        time_text = f"{hour} h {minute:02d}" if minute else f"{hour} h"
        amount = f"{euros},{cents:02d} €"
    else:
        time_text = f"{hour}:{minute:02d}"
        amount = f"€{euros}.{cents:02d}"
    due_days = 2 if c.follow_up_due is None else (c.follow_up_due.date() - c.start.date()).days
    return {
        "service": rng.choice(common["services"]),
        "doctor": rng.choice(common["doctors"]),
        "drug": common["drugs"][p.drug % len(common["drugs"])],
        "exam": rng.choice(common["exams"]),
        "date": date_text,
        "old_date": old,
        "past_date": spell(past),
        "day": weekdays[later.weekday()],
        "time": time_text,
        "amount": amount,
        "invoice": f"FAC-{c.start.year}-{rng.randint(10000, 99999)}",
        "child_date": child,
        "site": p.site,
        "name": p.name,
        "first": p.first,
        "last": p.last,
        "dob": p.dob,
        "phone": p.phone,
        "email": p.email,
        "civ": "madame" if p.female else "monsieur",
        "civ_en": "Mrs" if p.female else "Mr",
        "ne": "née" if p.female else "né",
        "agent": agent.name if agent else "",
        "agent_civ": ("madame" if agent.female else "monsieur") if agent else "madame",
        "queue": QUEUE_LABELS_FR[queue] if lang == "fr" else QUEUE_LABELS_EN[queue],
        "due": common["dues"][min(2, max(0, due_days - 1))],
    }


class _Writer:
    """Writes one contact's dialogue from the catalogue of its language."""

    def __init__(self, c: Contact, rng: random.Random) -> None:
        self.c, self.rng, self.lang = c, rng, c.patient.language
        data = catalogue(self.lang)
        self.common: dict[str, Any] = data["common"]
        self.theme: dict[str, Any] = data["themes"][c.theme]
        self.slots = _slots(c, rng, self.common, self.lang)

    def pick(self, key: str, source: dict[str, Any] | None = None) -> str:
        text = str(self.rng.choice((source or self.common)[key])).format_map(self.slots)
        if self.lang == "fr":
            text = _CONTRACT.sub(lambda m: {"de le": "du", "à le": "au"}[m.group(0)], text)
            text = _ELISION.sub(
                lambda m: {"de": "d'", "le": "l'", "du": "de l'"}[m.group(1)] + m.group(2), text
            )
        return text

    def patient(self, text: str) -> str:
        if self.lang == "fr" and not self.c.patient.female:
            text = re.sub(r"\w+", lambda m: _FR_MASCULINE.get(m.group(0), m.group(0)), text)
        return text

    def effort(self) -> str | None:
        kind = self.c.effort
        if kind is None:
            return None
        if kind == "effort" and self.c.channel not in ("phone", "chat"):
            return self.pick("effort_written")
        return self.pick({"effort": "effort", "wait": "effort_wait", "callback": "effort_callback"}[kind])

    def opening(self, *, salute: bool = True, intro: float = 0.3) -> str:
        rng = self.rng
        salutes = _SALUTE if self.c.channel == "phone" else _WRITTEN_SALUTE
        parts = [rng.choice(salutes[self.lang]).format_map(self.slots) + ","] if salute else []
        if rng.random() < intro:
            on_phone = self.c.channel == "phone"
            choices = [t for t in self.common["intros"] if on_phone or not _PHONE_ONLY.search(t)]
            template = rng.choice(choices)
            text = template.format_map(self.slots)
            parts.append(text if template.startswith("{") or not salute else _decap(text))
        sentence = _sentence(self.pick("openings", self.theme))
        effort = self.effort()
        if effort and rng.random() < 0.5:
            parts.append(_cap(effort) + ". " + sentence)
        else:
            parts.append(sentence)
            if effort:
                parts.append(_sentence(effort))
        if salute and len(parts) > 1 and not parts[1].startswith(self.slots["name"]):
            parts[1] = _decap(parts[1])
        text = " ".join(parts)
        if self.c.channel != "phone":
            for spoken, written in _WRITTEN[self.lang]:
                text = text.replace(spoken, written)
        return self.patient(text)

    def detail(self, identity: bool) -> str:
        rng = self.rng
        parts = [self.pick("identity")] if identity else []
        if rng.random() < 0.3:
            parts.append(self.pick("contact_details"))
        if rng.random() < 0.7 or not parts:
            parts.append(self.pick("details", self.theme))
        return self.patient(" ".join(parts))

    def closing(self) -> str:
        c = self.c
        unhappy = (c.csat is not None and c.csat <= 2) or (
            not c.resolved and (c.effort or self.rng.random() < 0.3)
        )
        return self.pick("patient_unhappy" if unhappy else "patient_thanks")

    def answer(self) -> str:
        text = self.pick("answers", self.theme)
        if self.c.follow_up_required:
            text += " " + self.pick("follow_up")
        return text

    def spoken(self, text: str) -> str:
        """Phone style: a hesitation at a clause boundary, a stutter on a pronoun, loose punctuation."""
        rng = self.rng
        words = text.split(" ")
        spots = [
            i for i in range(1, len(words)) if words[i - 1][-1:] in ",." or words[i].lower() in _CLAUSE_STARTS
        ]
        if spots and rng.random() < 0.6:
            at = rng.choice(spots)
            filler = rng.choice(self.common["hesitations"]) + ","
            if words[at - 1][-1:] in ".?!":
                filler = _cap(filler)
                if words[at].lower().strip(",.") in _DECAP_OK:
                    words[at] = _decap(words[at])
            words.insert(at, filler)
        stutters = [i for i in range(len(words) - 1) if words[i].lower() in _STUTTER]
        if stutters and rng.random() < 0.15:
            at = rng.choice(stutters)
            words.insert(at, words[at])
        text = " ".join(words)
        if rng.random() < 0.3:
            text = text.rstrip(".") + "…"
        return text

    def typed(self, text: str, *, sms: bool) -> str:
        """Chat/SMS style: a few typos, abbreviations, sometimes no accents or capitals."""
        rng = self.rng
        words = text.split(" ")
        for i, word in enumerate(words):
            if len(word) > 4 and word.isalpha() and rng.random() < 0.04:
                j = rng.randrange(1, len(word) - 2)
                words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        text = " ".join(words)
        if sms:
            for long, short in (_SMS_FR if self.lang == "fr" else _SMS_EN).items():
                if rng.random() < 0.5:
                    text = re.sub(rf"\b{re.escape(long)}\b", short, text, flags=re.IGNORECASE)
            if rng.random() < 0.5:
                text = fold(text)
        elif rng.random() < 0.25:
            text = text.lower()
        return text


def render(c: Contact, rng: random.Random) -> Turns:
    """The transcript of a contact (for textless abandoned calls, call this not at all)."""
    w = _Writer(c, rng)
    if c.abandoned:
        return _abandoned(w)
    return {"phone": _phone, "chat": _chat, "email": _email, "sms": _sms, "portal": _portal}[c.channel](w)


def _turn(speaker: str, text: str) -> dict[str, str]:
    return {"speaker": speaker, "text": text}


def _abandoned(w: _Writer) -> Turns:
    if w.c.channel == "chat":
        return [_turn("bot", w.pick("bot_greetings")), _turn("patient", w.typed(w.opening(), sms=False))]
    system, callback = _VOICEMAIL[w.lang]
    message = w.spoken(w.opening(intro=0.8)) + " " + callback.format_map(w.slots)
    return [_turn("system", system), _turn("patient", message)]


def _phone(w: _Writer) -> Turns:
    rng, c = w.rng, w.c
    turns = [_turn("agent", _cap(w.pick("greetings_phone"))), _turn("patient", w.spoken(w.opening()))]
    ask = c.theme not in _NO_IDENTITY and rng.random() < 0.7
    if c.effort or ask:
        lead = w.pick("agent_empathy") + " " if c.effort else ""
        turns.append(_turn("agent", (lead + (w.pick("agent_ask_identity") if ask else "")).strip()))
        turns.append(_turn("patient", w.spoken(w.detail(identity=ask))))
    turns.append(_turn("agent", w.answer()))
    turns.append(_turn("patient", w.closing()))
    turns.append(_turn("agent", w.pick("agent_goodbye")))
    return turns


def _chat(w: _Writer) -> Turns:
    rng = w.rng
    turns = [_turn("bot", w.pick("bot_greetings"))] if rng.random() < 0.4 else []
    turns.append(_turn("agent", _cap(w.pick("greetings_chat"))))
    turns.append(_turn("patient", w.typed(w.opening(salute=rng.random() < 0.6, intro=0.2), sms=False)))
    ask = w.c.theme not in _NO_IDENTITY
    if ask:
        turns.append(_turn("agent", w.pick("agent_ask_identity")))
    turns.append(_turn("patient", w.typed(w.detail(identity=ask), sms=False)))
    turns.append(_turn("agent", w.answer()))
    turns.append(_turn("patient", w.typed(w.closing(), sms=False)))
    return turns


def _email(w: _Writer) -> Turns:
    rng = w.rng
    sentence = _sentence(w.pick("openings", w.theme))
    for spoken, written in _WRITTEN[w.lang]:
        sentence = sentence.replace(spoken, written)
    lead = "" if "écri" in sentence or "writing" in sentence else rng.choice(_EMAIL_LEAD[w.lang])
    if lead and not sentence.endswith("?"):
        sentence = lead + _decap(sentence)
    body = [sentence]
    if rng.random() < 0.7:
        body.append(w.pick("details", w.theme))
    effort = w.effort()
    if effort:
        body.append(_sentence(effort))
    text = f"{w.pick('email_open')}\n\n{' '.join(body)}\n\n{w.pick('email_close')}"
    reply = f"{w.pick('agent_email_open')}\n\n{w.answer()}\n\n{w.pick('agent_email_close')}"
    return [_turn("patient", w.patient(text)), _turn("agent", reply)]


def _sms(w: _Writer) -> Turns:
    rng = w.rng
    text = w.opening(salute=rng.random() < 0.5, intro=0.0)
    if rng.random() < 0.3:
        text += " " + w.pick("details", w.theme)
    turns = [_turn("patient", w.typed(text, sms=True)), _turn("agent", w.answer())]
    if rng.random() < 0.4:
        turns.append(_turn("patient", w.typed(w.closing(), sms=True)))
    return turns


def _portal(w: _Writer) -> Turns:
    rng = w.rng
    text = w.opening(salute=True, intro=0.0)
    if rng.random() < 0.6:
        text += " " + w.pick("details", w.theme)
    if rng.random() < 0.5:
        text += "\n" + ("Cordialement, " if w.lang == "fr" else "Regards, ") + w.slots["name"]
    hello = "Bonjour" if w.lang == "fr" else "Hello"
    reply = (
        f"{hello} {w.slots['civ'] if w.lang == 'fr' else w.slots['civ_en']} {w.slots['last']},\n{w.answer()}"
    )
    return [_turn("patient", w.patient(text)), _turn("agent", reply)]
