"""Self-introduced personal names: "je m'appelle Marie Dupont", "my name is John Smith", "Madame Martin".

A name is only looked for right after an introducing cue, and the cue is kept in the text: the span covers the
name alone. Cues differ in how much they are trusted:

- strong cues ("je m'appelle", "my name is", "moi c'est") take the next one to three words even in lower case,
  as chat users type them, stopping at function words;
- titles (Madame, M., Mrs, Dr …), "mon nom est", "Name:", "au nom de" and e-mail sign-offs take capitalised
  words only, so "Bonjour Madame," and "Madame la directrice" stay as they are;
- weak cues ("this is", "c'est", "I'm", "ici", a bare "name") take capitalised words only when a calling
  context follows ("… calling", "… from") or when two capitalised words end the clause;
- a name may also come before its cue: "Gérard Lemaire à l'appareil", "Emma speaking".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_APOS = "['’]"

# Each cue pattern starts with a look-ahead on the possible first letters: it makes the scan 2-3x faster.
# "(?<!<)" keeps a placeholder such as "<NAME>" from acting as a cue when a redacted text is redacted again.
STRONG = re.compile(
    rf"(?=[jmJM])\b(?:je\s+m{_APOS}\s?appelle|my\s+(?:full\s+)?name(?:\s+is|{_APOS}s)|moi\s+c{_APOS}est)(?=\s)",
    re.IGNORECASE,
)
CAPITALISED = re.compile(
    rf"(?=[abcdfhiklmnprstuvwy])(?<!<)(?:\b(?:mon\s+(?:nom(?:\s+de\s+famille)?|pr[ée]nom)\s+(?:est|c{_APOS}est)"
    rf"|name\s*:|in\s+the\s+name\s+of"
    rf"|(?:my|his|her|whose|their|[a-z]+{_APOS}s)\s+(?:[a-z]+\s+){{0,2}}name\s+is"
    rf"|(?:registered|listed)\s+(?:as|under)"
    rf"|(?:last|first|family|maiden|sur)\s*name(?:\s+is)?"
    rf"|under\s+the\s+name(?:\s+of)?"
    rf"|au\s+nom\s+de|sous\s+le\s+nom(?:\s+de)?"
    rf"|nom(?:\s+du\s+patient)?\s*:|pr[ée]nom\s*:|you{_APOS}re\s+speaking\s+(?:to|with)"
    rf"|vous\s+[êe]tes\s+en\s+ligne\s+avec)(?=\s)"
    r"|\b(?:madame|monsieur|mademoiselle|miss|docteur|doctor|professeur|professor)(?=\s)"
    r"|\b(?:mme|mlle|mr|mrs|ms|dr)\b\.?(?=\s)"
    r"|(?<![\w.])(?-i:M\.)(?=\s)"
    r"|\b(?:(?:bien\s+)?cordialement|bien\s+[àa]\s+vous|(?:kind\s+|best\s+|warm\s+)?regards|best\s+wishes"
    r"|(?:yours\s+)?sincerely|many\s+thanks)\s*,?(?=\s))",
    re.IGNORECASE,
)
WEAK = re.compile(
    rf"(?=[ijctn])(?<!<)\b(?:this\s+is|it{_APOS}s|it\s+is|i{_APOS}m|i\s+am|c{_APOS}est|ici|je\s+suis|name|nom)(?=\s)",
    re.IGNORECASE,
)
_CONTEXT = re.compile(
    rf"\s*,?\s*(?:calling|speaking|here|from|on\s+behalf|returning|ringing|à\s+l{_APOS}appareil"
    rf"|qui\s+(?:vous\s+)?appelle|je\s+vous\s+appelle|j{_APOS}appelle|du\s|de\s+la\s|de\s+l{_APOS})",
    re.IGNORECASE,
)
# A name before its cue: "Gérard Lemaire à l'appareil", "Emma speaking".
BEFORE = re.compile(
    r"(?<![\w'’-])((?:[A-ZÀ-ÖØ-Þ][\w'’-]+\.?\s+){0,2}[A-ZÀ-ÖØ-Þ][\w'’-]+)"
    rf"(?=\s*,?\s+(?:à\s+l{_APOS}appareil|speaking)\b)"
)
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
        if not capital and any(a in token for a in "'’"):  # j'appelle, l'hôpital
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


def find_names(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of every name introduced by a cue in `text`."""
    for match in STRONG.finditer(text):
        start, end, words = _take_name(text, match.end(), lower_ok=True, first_gap=_GAP)
        if words:
            yield start, end
    for match in CAPITALISED.finditer(text):
        start, end, words = _take_name(text, match.end(), lower_ok=False, first_gap=_FIRST_GAP)
        if words:
            yield start, end
    for match in WEAK.finditer(text):
        start, end, words = _take_name(text, match.end(), lower_ok=False, first_gap=_GAP)
        if words and (_CONTEXT.match(text, end) or (words >= 2 and _CLAUSE_END.match(text, end))):
            yield start, end
    if "appareil" not in text and "speaking" not in text:
        return
    for match in BEFORE.finditer(text):
        first: int | None = None
        for word in reversed(list(_NON_SPACE.finditer(text, match.start(1), match.end(1)))):
            if _is_stop(word.group().rstrip(".")):  # keep the words nearest the cue, up to a stop word
                break
            first = word.start()
        if first is not None:
            yield first, match.end(1)
