"""Theme labels a manager reads: a short noun phrase in the theme's own language, from its patients' words.

`theme_label` is extractive and works on any domain's texts (no table of known themes): it reads the theme's
most typical sentences (closest to its centre first) and its distinctive keywords (c-TF-IDF), and picks the
phrase that patients use most often and that covers the most distinctive words:

1. each sentence is cut into words; a candidate phrase is a run of 1–4 topic words that may be joined by
   connectors ("de", "du", "en", "à" / "of", "for", "on"); possessives and articles inside it are dropped
   ("renouvellement de mon ordonnance" → "renouvellement d'ordonnance"); any other word ends the run;
2. words are compared by a light stem (accents folded, common French and English endings removed), so
   "renouvellement", "renouveler" and "renouvelée" count as one word;
3. score = (typicality-weighted number of sentences holding the phrase) × (distinctiveness of its words,
   from the keywords) × a small bonus for 2–3 words; a phrase of several words must occur in at least two
   sentences;
4. the label is the most frequent spelling of the best phrase, capitalised.

Labels are stable: the registry computes one when it founds a theme and never recomputes it; a manager's
edit (`PATCH /v1/themes/{id}`) always wins.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from analytics.glossary import load_glossary, tokens
from analytics.theme_lexical import FOLDED_STOP_WORDS, clean
from analytics.topic_text import CONVERSATION_WORDS, is_french
from core.settings import get_settings
from core.text import fold

# Checked on the 49 themes the product found in DSTC11 insurance and Banking77 (2026-12-06): how many labels
# halving or doubling each value changes. Both sets are English; the French rules are checked on generated
# text only (tests/unit/analytics/test_theme_labels.py).
MAX_SENTENCES = 40
"""Typical sentences read, closest to the centre first (20 / 80 changed 8 / 2 labels: "File a claim")."""
MAX_CONTENT = 4
"""At most this many topic words in a label (2 cut 9 labels: "Balance of the account"; 8 changed none)."""
MAX_CHARS = 60
"""A longer label is passed over for the next best (30 changed 3 labels, 120 none)."""
BONUS = {1: 1.0, 2: 1.2, 3: 1.25, 4: 1.1}
"""A little preference for labels of two or three words (flat weights changed 1 label of the 49)."""
EXPAND_SUPPORT = 0.3
"""A longer phrase replaces a one-word label when it holds this share of the word's (weighted) sentences
(0.15 / 0.6 changed 4 / 3 labels: "Card" became "New card", "Refund on the account" became "Refund")."""
TYPICALITY_DECAY = 5.0
"""The i-th sentence counts 1 / (1 + i / 5): the centre speaks louder than the fringe (2.5 / 10: 4 / 4)."""

_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+|[^\w\s]", re.UNICODE)
_ELIDED = re.compile(r"^(?P<head>[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’](?P<rest>.+)$", re.IGNORECASE)

CONNECTORS = {
    "fr": frozenset(fold(w) for w in "de d' du des en à au aux pour sur sans par".split()),
    "en": frozenset("of for on in at from about with".split()),
}
"""Words that may join the topic words of a label ("prise de sang", "results of blood test")."""
DETERMINERS = {
    "fr": {
        **dict.fromkeys("mon ton son notre votre leur le".split(), "le"),
        **dict.fromkeys("ma ta sa la".split(), "la"),
        **dict.fromkeys("mes tes ses nos vos leurs les".split(), "les"),
        "l'": "l'",
        "un": "un",
        "une": "une",
    },
    "en": {
        **dict.fromkeys("my your his her its our their the".split(), "the"),
        "a": "a",
        "an": "an",
    },
}
"""Determiners allowed inside a label; possessives become articles ("mon ordonnance" → "l'ordonnance")."""
_FUNCTION = frozenset(
    "est sont etait ai as avons avez ont suis es sommes etes fait faire peut peux pouvez veux voudrais "
    "pendant depuis avant apres lors toujours jamais encore deja rien quelque chose personne chaque "
    "tres trop assez moins autant ailleurs partout vers selon chez contre entre malgre "
    "is are was were am be been have has had do does did can could would will should "
    "since during still never already ago yet ever anything something nothing everything someone anyone "
    "this that these those there here today tomorrow yesterday last next every each other another "
    "thing things way lot bit".split()
)
"""Function words and adverbs that never name a theme (beyond the shared stop words)."""
_SUFFIXES = (
    "issements",
    "issement",
    "ements",
    "ement",
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "ees",
    "ee",
    "es",
    "er",
    "ez",
    "ed",
    "al",
    "e",
    "s",
)
_VOWEL = "aeiouyhàâéèêëîïôûœ"


@dataclass
class _Token:
    surface: str
    folded: str
    kind: str
    """'topic', 'connector', 'determiner' or 'break'."""
    stem: str = ""
    gloss: str = ""
    """Stem of the English gloss of a French word (keywords may be English: they read the gloss too)."""


@dataclass
class _Candidate:
    stems: frozenset[str]
    support: set[int] = field(default_factory=set)
    """Sentences holding all its words (anywhere)."""
    spellings: Counter[str] = field(default_factory=Counter)
    """How it is written where its words are contiguous."""


def stem(word: str) -> str:
    """A light stem: folded, a common French or English ending removed, at most 7 letters."""
    folded = fold(word).replace("’", "'")
    for suffix in _SUFFIXES:
        if folded.endswith(suffix) and len(folded) - len(suffix) >= 4:
            folded = folded[: -len(suffix)]
            break
    return folded[:7]


def _split(sentence: str) -> list[str]:
    out: list[str] = []
    for raw in _TOKEN.findall(clean(sentence)):
        match = _ELIDED.match(raw)
        if match and "-" not in match.group("head"):
            out += [match.group("head") + "'", match.group("rest")]
        else:
            out.append(raw)
    return out


def _tokens(sentence: str, language: str) -> list[_Token]:
    connectors = CONNECTORS[language]
    determiners = DETERMINERS[language]
    tokens = []
    for surface in _split(sentence):
        folded = fold(surface).replace("’", "'")
        if folded in connectors:
            kind = "connector"
        elif folded in determiners:
            kind = "determiner"
        elif (
            not surface[0].isalpha()
            or len(folded) < 3
            or folded in FOLDED_STOP_WORDS
            or folded in CONVERSATION_WORDS
            or folded in _FUNCTION
        ):
            kind = "break"
        else:
            kind = "topic"
        token = _Token(surface, folded, kind)
        if kind == "topic":
            token.stem = stem(surface)
            token.gloss = _gloss_stem(folded) if language == "fr" else ""
        tokens.append(token)
    return tokens


def _gloss_stem(folded: str) -> str:
    english = load_glossary(get_settings().glossary_path).entries.get(tuple(tokens(folded)))
    return stem(english.split()[-1]) if english else ""


def _spelling(tokens: list[_Token], language: str) -> str:
    words = [DETERMINERS[language][t.folded] if t.kind == "determiner" else t.surface for t in tokens]
    text = " ".join(words)
    if language == "fr":
        text = re.sub(r"\b(le|la) ([" + _VOWEL + r"])", r"l'\2", text, flags=re.IGNORECASE)
        text = re.sub(r"\bde le\b", "du", text)
        text = re.sub(r"\bde les\b", "des", text)
        text = re.sub(r"\bà le\b", "au", text)
        text = re.sub(r"\bà les\b", "aux", text)
        text = re.sub(r"\b([dD])e ([" + _VOWEL + r"])", r"\1'\2", text, flags=re.IGNORECASE)
        text = text.replace("l' ", "l'").replace("d' ", "d'")
    return text


def _candidates(
    sentences: Sequence[str], language: str, glosses: dict[str, str]
) -> dict[frozenset[str], _Candidate]:
    found: dict[frozenset[str], _Candidate] = {}
    stems_of: list[set[str]] = []
    for sentence in sentences:
        tokens = _tokens(sentence, language)
        stems_of.append({t.stem for t in tokens if t.kind == "topic"})
        for token in tokens:
            if token.gloss:
                glosses.setdefault(token.stem, token.gloss)
        for start, first in enumerate(tokens):
            if first.kind != "topic":
                continue
            stems: list[str] = []
            for end in range(start, len(tokens)):
                token = tokens[end]
                if token.kind == "break":
                    break
                if token.kind != "topic":
                    continue
                stems.append(token.stem)
                if len(stems) > MAX_CONTENT or len(set(stems)) < len(stems):
                    break
                key = frozenset(stems)
                candidate = found.setdefault(key, _Candidate(key))
                candidate.spellings[_spelling(tokens[start : end + 1], language)] += 1
    for candidate in found.values():
        candidate.support = {i for i, stems in enumerate(stems_of) if candidate.stems <= stems}
    return found


def _keyword_weights(keywords: Sequence[str]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for rank, keyword in enumerate(keywords):
        for word in keyword.split():
            weights.setdefault(stem(word), 1.0 / (1.0 + 0.25 * rank))
    return weights


def _support(candidate: _Candidate, typicality: list[float]) -> float:
    return sum(typicality[i] for i in candidate.support)


def _score(
    candidate: _Candidate,
    typicality: list[float],
    keywords: dict[str, float],
    frequency: dict[str, float],
    glosses: dict[str, str],
) -> float:
    support = _support(candidate, typicality)
    # a word is distinctive when it is a keyword; a frequent word of the theme that is no keyword still counts
    weight = sum(
        max(keywords.get(s, 0.0), keywords.get(glosses.get(s, ""), 0.0)) or 0.25 * frequency.get(s, 0.0)
        for s in candidate.stems
    )
    return support * weight * BONUS.get(len(candidate.stems), 1.0)


def theme_label(*, sentences: Sequence[str], keywords: Sequence[str], language: str | None = None) -> str:
    """A short noun phrase naming a theme, in its language, from its typical sentences and keywords.

    `sentences` are the theme's patient sentences, most typical first; `keywords` its distinctive words,
    most distinctive first; `language` is "fr" or "en" (guessed from the sentences when None). Falls back on
    the keywords joined when no sentence holds a usable phrase.
    """
    texts = [s for s in (clean(s) for s in sentences[:MAX_SENTENCES]) if s]
    language = language or ("fr" if is_french(" ".join(texts)) else "en")
    language = "fr" if language.lower().startswith("fr") else "en"
    glosses: dict[str, str] = {}
    found = _candidates(texts, language, glosses)
    if not found:
        return _fallback(keywords)
    typicality = [1.0 / (1.0 + i / TYPICALITY_DECAY) for i in range(len(texts))]
    singles = {next(iter(c.stems)): len(c.support) / len(texts) for c in found.values() if len(c.stems) == 1}
    weights = _keyword_weights(keywords)
    floor = 2 if len(texts) >= 4 else 1
    ranked = sorted(
        (c for c in found.values() if len(c.stems) == 1 or len(c.support) >= floor),
        key=lambda c: (-_score(c, typicality, weights, singles, glosses), sorted(c.stems)),
    )
    for candidate in _expanded(ranked, typicality, weights, singles, glosses):
        label = _best_spelling(candidate)
        if 3 <= len(label) <= MAX_CHARS:
            return label[0].upper() + label[1:]
    return _fallback(keywords)


def _expanded(
    ranked: list[_Candidate],
    typicality: list[float],
    weights: dict[str, float],
    singles: dict[str, float],
    glosses: dict[str, str],
) -> list[_Candidate]:
    """The ranking, with a one-word winner replaced by the best longer phrase holding it, if patients use one.

    "Card" or "Rendez-vous" name many themes; "New card", "Déplacer le rendez-vous" name this one.
    """
    if not ranked or len(ranked[0].stems) > 1:
        return ranked
    best = ranked[0]
    longer = [
        c
        for c in ranked
        if best.stems < c.stems
        and len(c.stems) <= 3
        and len(c.support) >= 2
        and _support(c, typicality) >= EXPAND_SUPPORT * _support(best, typicality)
        and all(
            weights.get(s, 0.0) > 0 or weights.get(glosses.get(s, ""), 0.0) > 0 or singles.get(s, 0.0) >= 0.1
            for s in c.stems - best.stems
        )
    ]
    if not longer:
        return ranked
    return [max(longer, key=lambda c: _score(c, typicality, weights, singles, glosses)), *ranked]


def _best_spelling(candidate: _Candidate) -> str:
    """The most frequent spelling; ties go to the shortest, then to the one in lower case."""
    return min(candidate.spellings.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0] != kv[0].lower()))[0]


def _fallback(keywords: Sequence[str]) -> str:
    words = [k for k in keywords if k][:3]
    if not words:
        return "Divers"
    text = ", ".join(words)
    return text[0].upper() + text[1:]


def own_keywords(*, label: str, keywords: Sequence[str], quotes: Sequence[str], limit: int = 5) -> list[str]:
    """The theme's keywords its label and quotes use (a French theme's keywords include English glosses)."""
    said = " " + " ".join(fold(x) for x in [label, *quotes]) + " "
    own = [k for k in keywords if all(f" {fold(w)}" in said for w in k.split())]
    return (own if len(own) >= 2 else list(keywords))[:limit]


def members_label(
    *, texts: Sequence[str], vectors: np.ndarray, centroid: np.ndarray, keywords: Sequence[str]
) -> str:
    """The label of a theme from its members' topic texts and embeddings (closest to the centre first).

    The theme's language is its members' majority language; only texts in that language are read.
    """
    french = [is_french(t) for t in texts]
    language = "fr" if 2 * sum(french) >= len(texts) else "en"
    order = np.argsort(-(np.asarray(vectors) @ np.asarray(centroid)), kind="stable")
    typical = [texts[i] for i in order if french[i] == (language == "fr")]
    return theme_label(sentences=typical[:MAX_SENTENCES], keywords=keywords, language=language)
