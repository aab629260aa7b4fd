r"""Self-introduced personal names: "je m'appelle Marie Dupont", "my name is John Smith", "Madame Martin".

A name is only looked for next to an introducing cue, and the cue is kept in the text: the span covers the
name alone. Cues differ in how much they are trusted:

- strong cues ("je m'appelle", "my name is", "moi c'est") take the next one to three words even in lower case,
  as chat users type them, stopping at function words;
- titles (Madame, M., Mrs, Dr …), "mon nom est", "Name:", "au nom de" and e-mail sign-offs take capitalised
  words only, so "Bonjour Madame," and "Madame la directrice" stay as they are;
- weak cues ("this is", "c'est", "I'm", "ici", a bare "name") take capitalised words only when a calling
  context follows ("… calling", "… from", ", how can I help") or when two capitalised words end the clause;
- a name may also come before its cue: "Gérard Lemaire à l'appareil", "Emma speaking", "Sophie à votre
  service", "Hôpital Nord, Céline, que puis-je faire pour vous ?", and after a greeting or a comma "Yacine
  here", "Julien du service rendez-vous", "Nadia from the radiology team";
- the last line of a text made only of two or three capitalised name-like words is a signature ("…
  salutations distinguées.\n\nAurélie Bonnet").

Cue phrases are found by one linear scan of the lower-cased text (`core.privacy.cues`); the name itself is
read with bounded steps from each cue, so the cost stays linear in the text whatever it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from core.privacy.cues import lowered, phrase_pattern

_APOS = "['’]"

STRONG = phrase_pattern(
    [
        "je m'appelle",
        "je m' appelle",
        "je m'~appelle",
        "my name is",
        "my full name is",
        "my name's",
        "moi c'est",
    ]
)
CAPITALISED = phrase_pattern(
    [
        *(f"mon {w} {v}" for w in ("nom", "nom de famille", "prénom", "prenom") for v in ("est", "c'est")),
        "name~:", "in the name of", "registered as", "registered under", "listed as", "listed under",
        *(f"{w}~name" for w in ("last", "first", "family", "maiden", "sur")),
        *(f"{w}~name is" for w in ("last", "first", "family", "maiden", "sur")),
        "under the name", "under the name of", "au nom de", "sous le nom", "sous le nom de",
        "nom~:", "nom du patient~:", "prénom~:", "prenom~:", "you're speaking to", "you're speaking with",
        "vous êtes en ligne avec", "vous etes en ligne avec",
        "madame", "monsieur", "mademoiselle", "miss", "docteur", "doctor", "professeur", "professor",
        *(t + dot for t in ("mme", "mlle", "mr", "mrs", "ms", "dr") for dot in ("", ".")),
    ]
)  # fmt: skip
SIGN_OFFS = phrase_pattern(
    [
        "cordialement", "bien cordialement", "bien à vous", "bien a vous", "regards", "kind regards",
        "best regards", "warm regards", "best wishes", "sincerely", "yours sincerely", "many thanks",
        "salutations distinguées", "sentiments distingués", "respectueusement",
    ],
    after=r"\s*,?(?=\s)",
)  # fmt: skip
# "Her name is", "the patient's first name is": the possessive is checked before the phrase.
NAME_IS = phrase_pattern(["name is"])
_POSSESSIVE = re.compile(r"(?:\b(?:my|his|her|whose|their)|[a-z]['’]s)\s+(?:[a-z]+\s+){0,2}\Z")
INITIAL_M = re.compile(r"(?<![\w.])M\.(?=\s+[A-ZÀ-ÖØ-Þ])(?!\s+M\.)")
WEAK = phrase_pattern(["this is", "it's", "it is", "i'm", "i am", "c'est", "ici", "je suis", "name", "nom"])
_CONTEXT = re.compile(
    rf"\s*,?\s*(?:calling|speaking|here|from|on\s+behalf|returning|ringing|à\s+l{_APOS}appareil"
    rf"|qui\s+(?:vous\s+)?appelle|je\s+vous\s+appelle|j{_APOS}appelle|du\s|de\s+la\s|de\s+l{_APOS}"
    rf"|à\s+votre\s+(?:service|écoute)|how\s+(?:can|may)\s+i\s+help|(?:que|comment)\s+puis-je)",
    re.IGNORECASE,
)
# A name before its cue: up to three capitalised words ("J." is an initial; "Pasteur." ends a sentence, not a
# name), the separator, then the cue. Each expression opens on the name's capital letter, so the scan skips
# at C speed to capitalised words.
# The name is an atomic group (no backtracking into it): each capital letter costs a bounded, small number of
# steps however many capitalised words follow.
_NAME = r"((?>[A-ZÀ-ÖØ-Þ](?<![\w'’<-].)(?:(?:\.|[\w'’-]{0,30})\s{1,3}[A-ZÀ-ÖØ-Þ]){0,2}[\w'’-]{0,30}))"
# "Emma speaking", "Gérard Lemaire à l'appareil", "Sophie à votre service" ...
NAME_THEN_CUE = re.compile(
    _NAME
    + rf"\s*,?\s+(?i:[àa]\s+l{_APOS}appareil|speaking|à\s+votre\s+(?:service|écoute)|at\s+your\s+service)\b"
)
# ... "Hôpital Nord, Céline, que puis-je faire pour vous ?" (a comma between the name and the cue) ...
NAME_COMMA_CUE = re.compile(
    _NAME + r"\s*,\s*(?i:(?:que|comment)\s+puis-je|how\s+(?:can|may)\s+i\s+(?:help|assist))\b"
)
# ... and, right after a greeting or at the start of a clause, "Yacine here", "Julien du service …",
# "Nadia from the radiology team".
# "here" must end its clause ("Yacine here.", not "Click here to book").
NAME_GREETED_CUE = re.compile(
    _NAME + rf"\s+(?i:here(?=\s*(?:[,.;:!?]|\Z))|du\s+service|de\s+l{_APOS}(?:équipe|accueil)"
    r"|from\s+the\s+(?:[\w-]+\s+){0,2}?(?:team|desk|department|service|unit|ward|office))\b"
)
# After a comma or a greeting one word is enough; at the start of a text or a sentence it takes two
# ("Amy Evans here." but not "Sign here.").
_AFTER_GREETING = re.compile(
    r"(?:[,;:(]|\b(?:bonjour|bonsoir|hello|hi|hiya|hey|morning|afternoon|evening))\s*\Z", re.I
)
_SENTENCE_START = re.compile(r"(?:\A|[.!?\n])\s*\Z")
_LAST_LINES = re.compile(r"[^\n]*\S[^\n]*")
_SIGNATURE = re.compile(r"\s*((?:[A-ZÀ-ÖØ-Þ][\w'’-]{0,40}\s+){1,2}[A-ZÀ-ÖØ-Þ][\w'’-]{0,40})[\s.,]*\Z")
_NOT_SIGNATURE_LINE = re.compile(r"[\d@<]")
_CLAUSE_END = re.compile(r"\s*(?:[,.;!?]|$)")
_GAP = re.compile(r"[ \t]+")
_NON_SPACE = re.compile(r"\S+")
_FIRST_GAP = re.compile(r"\s+")
_PARTICLE = re.compile(rf"(?:de\s+la|de|du|des|van\s+der|van|von|da|di|del|ben)\s+|[dD]{_APOS}")
_WORD = re.compile(rf"[^\W\d_](?:[^\W\d_]|[\-{_APOS[1:-1]}](?![sS]\b)(?=[^\W\d_]))*\.?")

# Capitalised or common words that follow a cue without being a name.
_STOP = frozenset(
    """
    je j vous votre vos nous notre mon ma mes il elle on et ou mais donc alors car que qui quoi de
    du des la le les un une est suis c ce cet cette à a au aux en pour par avec sans sur dans chez
    oui non merci bonjour bonsoir au-revoir bonne bon bonnes excellente belle madame monsieur
    mademoiselle mme mlle mr mrs ms miss dr docteur doctor professeur professor m appelle appel
    appelais rappelle désolé désolée très bien ok okay d'accord i me my you your we our he she it
    they the an and or but so then that this is am are was were be been calling speaking here from
    at with for of to in by about regarding just still not no yes please thanks thank hello hi hey
    good morning afternoon evening sorry well really also again spelled spelt wrong mal écrit
    orthographié incorrect nhs gp chu hôpital hopital hospital clinique clinic centre center service
    team équipe accueil secrétariat royal saint st reception réception switchboard standard pharmacy
    pharmacie cardiology cardiologie radiology radiologie urgences outpatients maternity maternité
    pédiatrie oncology oncologie ward name nom allô allo you're i'm we're who's who it's that's
    there's he's she's c'est pas plus comme aussi toujours vraiment misspelled correct different
    listed down registered missing written under changed same lundi mardi mercredi jeudi vendredi
    samedi dimanche monday tuesday wednesday thursday friday saturday sunday janvier février mars
    avril mai juin juillet août septembre octobre novembre décembre january february march april may
    june july august september october november december
    last first surname family
    """.split()
)

_STOP = _STOP | frozenset(
    """
    appointments appointment bookings booking admissions billing accounts records results enquiries
    inquiries information informations rendez-vous facturation résultats pharmacie switchboard regards
    cordialement sincerely wishes salutations sentiments distinguées distingués respectueusement kind best
    warm many yours hôpital clinique service équipe team desk department nord sud est ouest centre
    """.split()
)


@lru_cache(maxsize=8192)
def _is_stop(word: str) -> bool:
    return word.lower().replace("’", "'") in _STOP


def _take_name(text: str, pos: int, *, lower_ok: bool, first_gap: re.Pattern[str]) -> tuple[int, int, int]:
    """Read up to three name words from `pos`; returns (start, end, words) with words == 0 when none."""
    gap = first_gap.match(text, pos)
    if gap is None:
        return pos, pos, 0
    pos = gap.end()
    start, end, words = pos, pos, 0
    while words < 3:
        cursor = pos
        particle = _PARTICLE.match(text, cursor) if words else None
        if particle is not None:
            cursor = particle.end()
        word = _WORD.match(text, cursor)
        if word is None:
            break
        token = word.group().rstrip(".")
        capital = token[0].isupper()
        if _is_stop(token) or (not capital and (not lower_ok or particle is not None)):
            break
        if not capital and ("'" in token or "’" in token):  # j'appelle, l'hôpital
            break
        if word.group().endswith(".") and len(token) > 1:
            end = word.end() - 1  # sentence full stop, not an initial
            words += 1
            break
        end, words = word.end(), words + 1
        gap = _GAP.match(text, end)
        if gap is None:
            break
        pos = gap.end()
    return start, end, words


def _kept(text: str, found: re.Match[str]) -> tuple[int, int] | None:
    """The words of a name found before its cue that are nearest the cue, up to a stop word."""
    first: int | None = None
    for word in reversed(list(_NON_SPACE.finditer(text, found.start(1), found.end(1)))):
        if _is_stop(word.group().rstrip(".")):
            break
        first = word.start()
    return (first, found.end(1)) if first is not None else None


def _signature(text: str) -> tuple[int, int] | None:
    """A closing line of two or three capitalised name-like words.

    The last line, or the one before a last line holding a phone number, an address or a placeholder.
    """
    lines = list(_LAST_LINES.finditer(text, max(0, len(text) - 400)))
    if len(lines) < 2 or "\n" not in text:
        return None
    for line in reversed(lines[-2:]):
        found = _SIGNATURE.match(text, line.start(), line.end())
        if found is not None:
            words = found.group(1).split()
            if not any(_is_stop(w.rstrip(".")) for w in words) and all(_WORD.fullmatch(w) for w in words):
                return found.start(1), found.end(1)
            return None
        if "<NAME>" in line.group() or not _NOT_SIGNATURE_LINE.search(line.group()):
            return None  # an already redacted signature, or a line of words that is no signature
    return None


def _capital_next(text: str, pos: int) -> bool:
    """Whether the first word after `pos` (past spaces) starts with a capital letter (a cheap pre-check)."""
    gap = _FIRST_GAP.match(text, pos)
    return gap is not None and gap.end() < len(text) and text[gap.end()].isupper()


def find_names(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of every name introduced by a cue in `text`."""
    lower = lowered(text)
    for match in STRONG.finditer(lower):
        start, end, words = _take_name(text, match.end(), lower_ok=True, first_gap=_GAP)
        if words:
            yield start, end
    for pattern in (CAPITALISED, SIGN_OFFS, INITIAL_M):
        for match in pattern.finditer(text if pattern is INITIAL_M else lower):
            if not _capital_next(text, match.end()):
                continue
            start, end, words = _take_name(text, match.end(), lower_ok=False, first_gap=_FIRST_GAP)
            if words:
                yield start, end
    for match in NAME_IS.finditer(lower):
        if _capital_next(text, match.end()) and _POSSESSIVE.search(
            lower, max(0, match.start() - 60), match.start()
        ):
            start, end, words = _take_name(text, match.end(), lower_ok=False, first_gap=_FIRST_GAP)
            if words:
                yield start, end
    for match in WEAK.finditer(lower):
        if not _capital_next(text, match.end()):
            continue
        start, end, words = _take_name(text, match.end(), lower_ok=False, first_gap=_GAP)
        if words and (_CONTEXT.match(text, end) or (words >= 2 and _CLAUSE_END.match(text, end))):
            yield start, end
    yield from _names_before(text)
    signature = _signature(text)
    if signature is not None:
        yield signature


def _names_before(text: str) -> Iterator[tuple[int, int]]:
    for pattern in (NAME_THEN_CUE, NAME_COMMA_CUE):
        for found in pattern.finditer(text):
            if (span := _kept(text, found)) is not None:
                yield span
    for found in NAME_GREETED_CUE.finditer(text):
        span = _kept(text, found)
        if span is None:
            continue
        before = max(0, span[0] - 30)
        if _AFTER_GREETING.search(text, before, span[0]) or (
            " " in text[span[0] : span[1]] and _SENTENCE_START.search(text, before, span[0])
        ):
            yield span
