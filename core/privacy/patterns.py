"""Compiled regular expressions for the PII detectors (built once, at import).

Numbers are matched as *isolated runs*: a run may not start right after a letter, a digit group, a "+" or
a "/", and may not be followed by a letter or by another digit group. That keeps a phone pattern from
matching the middle of a longer identifier (an NIR with a wrong key is not a phone number) and keeps dates,
times and amounts ("12/03/2026", "9:15", "45,50 €") out of the runs.
"""

from __future__ import annotations

import re

# Every pattern opens on a character class and checks what precedes that first character with a look-behind
# placed after it ("0(?<![\w+/@].)"): the engine then skips at C speed to the positions where a match can
# start instead of evaluating look-behinds at every character (an order of magnitude on long texts).
_AFTER_FIRST = r"(?<![\w+/@].)(?<!\d[ .\-:,].)"
"""What may not precede a number's first character (checked once that character is consumed)."""
_END = r"(?!\w)(?![ .\-]\d)"

EMAIL = re.compile(
    r"[A-Za-z0-9](?<![\w.%+\-].)[A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)

# Dictated addresses: "marie point dupont arobase gmail point com", "john dot smith at nhs dot net".
# Every repetition is bounded (words of at most 64 characters, at most 4 dotted pieces on each side, spaces
# at most 3): a failed attempt then costs a bounded number of steps wherever it starts, so the scan stays
# linear in the text ("x at y" followed by "dot a" a million times was quadratic with open repetitions).
_SPOKEN_WORD = r"[\w\-]{1,64}"
_SP = r"\s{1,3}"
SPOKEN_EMAIL = re.compile(
    rf"[a-z0-9](?<![\w.\-].)[\w\-]{{0,63}}(?:{_SP}(?:point|dot|tiret|underscore){_SP}{_SPOKEN_WORD}){{0,4}}"
    rf"{_SP}(?:arobase|arrobase|at){_SP}{_SPOKEN_WORD}(?:{_SP}(?:point|dot){_SP}{_SPOKEN_WORD}){{0,3}}"
    rf"{_SP}(?:point|dot){_SP}(?:com|fr|net|org|uk|eu|de|be|ch|io|info)\b",
    re.IGNORECASE,
)

# Candidate IBAN: two letters (an IBAN country, checked after) + check digits + up to 30 alphanumerics in
# groups; the exact length is then taken from the country table (so a word after the IBAN is not swallowed)
# and the checksum decides.
# Every IBAN has four digits in a row within the first eight characters after its check digits (bank codes
# are at most four letters), which drops look-alike words before any checksum is computed.
IBAN = re.compile(
    r"[A-Za-z](?<!\w.)[A-Za-z]\d{2}(?=(?:[ \-]?[A-Za-z0-9]){0,8}?[ \-]?\d{4})(?:[ \-]?[A-Za-z0-9]){11,30}"
)

# A run of digit groups separated by single spaces, dots or dashes (letters A/B allowed for Corsican NIRs).
# Tokens are possessive so a run never ends inside a group.
_TOKEN = r"\d[\dABab]*+(?![\w/:])"
# Only runs of 9 characters or more can hold an identifier or a phone number (the look-ahead drops the
# others before any Python code sees them).
DIGIT_RUN = re.compile(
    r"\d" + _AFTER_FIRST + r"(?=[\dABab .\-]{8})[\dABab]*+(?![\w/:])(?:[ .\-]" + _TOKEN + r")*"
)

# National phone numbers: French 0X XX XX XX XX (10 digits) and UK 0XXXX XXXXXX (11 digits), any grouping.
PHONE_NATIONAL = re.compile(r"0" + _AFTER_FIRST + r"[ .\-]?[1-9](?:[ .\-]?\d){8,9}" + _END)
# UK style with the area code in brackets: "(020) 7946 0018".
PHONE_BRACKETS = re.compile(r"\((?<![\w+].)0\d{1,4}\)[ .\-]?\d(?:[ .\-]?\d){5,9}" + _END)
# International: "+33 6 12 34 56 78", "+44 (0)20 7946 0018", "0033 6 12 34 56 78", "+1 (415) 555-0132".
PHONE_INTL = re.compile(
    r"[+0](?<![\w+].)(?<!\d[ .\-:,].)(?:(?<=\+)[ ]?|(?<=0)0)[1-9](?:[ .\-]?(?:\(0\)|\(\d{1,4}\)|\d)){6,16}"
    + _END,
)

_MONTHS_FR = r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre"
_MONTHS_EN = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
_ORD = r"(?:st|nd|rd|th)?"
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?!\d)"
    r"|\d{4}-\d{2}-\d{2}(?!\d)"
    rf"|(?:1er|premier|\d{{1,2}})\s+(?:{_MONTHS_FR})(?:\s+\d{{4}})?(?!\d)"
    rf"|\d{{1,2}}{_ORD}(?:\s+of)?\s+(?:{_MONTHS_EN})\.?,?(?:\s+\d{{4}})?(?!\d)"
    rf"|(?:{_MONTHS_EN})\.?\s+(?:the\s+)?\d{{1,2}}{_ORD}[,.]?(?:\s+\d{{4}})?(?!\d))"
)
# Words between a birth cue and the date ("date of birth: it's the …"): at most 12 pieces, separators taken
# possessively, so a cue followed by a long filler costs a bounded number of steps.
_FILL = r"(?:[\s:,\-–]++|\b(?:is|was|would|will|be|c['’]est|est|it['’]s|le|on|of|the)\b|['’]s\b){0,12}"
_BIRTH = (
    r"[nbdg](?<![\w<].)(?:(?<=[gG])ave\s+birth\s+to\s+me|(?<=[nN])[ée]e?s?(?:\s?\(e\))?\s+le"
    r"|(?<=[dD])(?:ate\s+de\s+naissance|ate\s+of\s+birth|\.?o\.?b\b\.?|dn\b)"
    r"|(?<=[bB])(?:irth\s*date|irthdate|irthday|orn(?:\s+on)?))"
)
_BIRTH_YEAR = (
    r"[nbya](?<![\w<].)(?:(?<=[nN])[ée]e?s?(?:\s?\(e\))?\s+en|(?<=[bB])orn\s+in|(?<=[yY])ear\s+of\s+birth"
    r"|(?<=[aA])nn[ée]e\s+de\s+naissance)"
)
DOB = re.compile(_BIRTH + _FILL + r"(?P<d>" + _DATE + r")", re.IGNORECASE)
DOB_YEAR = re.compile(_BIRTH_YEAR + _FILL + r"(?P<d>(?:19|20)\d{2})(?!\d)", re.IGNORECASE)

# Cue words never match inside a placeholder ("<PHONE>", "<NHS>", "<DOB>", "<NAME>"), so that redacting
# twice changes nothing.
# Words that announce a phone number: a 9-12 digit run shortly after one is a phone number whatever its
# format ("My phone number is 415 589 5478", "the number you can call me at is 956-729-4344").
PHONE_CUE = re.compile(
    r"(?<!<)\b(?:phone|mobile|cell|tel|t[ée]l[ée]phone|portable|fixe|landline|call\s+me|reach\s+me|text\s+me"
    r"|joindre)\b",
    re.IGNORECASE,
)
# Words that announce an NHS (or Scottish CHI) number.
NHS_CUE = re.compile(r"(?<!<)\b(?:nhs|chi)\b", re.IGNORECASE)

SEPARATORS = re.compile(r"[ .\-]")
