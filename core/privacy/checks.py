"""Checksums of structured identifiers: French NIR, NHS number, IBAN and payment cards (Luhn).

Every function takes the identifier with its separators already removed (digits, and letters where the format
has them) and says whether it is well formed *and* its check digits agree.
"""

from __future__ import annotations

import re

_NIR_SHAPE = re.compile(r"[1278]\d{4}(?:\d{2}|2[AB])\d{8}")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")

# Length of the IBAN per country: the SWIFT IBAN registry (release 2024), plus Morocco and Algeria, whose
# banks print IBANs although the registry does not list them yet. A two-letter prefix outside this table is
# not an IBAN.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "DZ": 26, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22,
    "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23,
    "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MA": 28, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31,
    "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    "YE": 30,
}  # fmt: skip
_LETTER_DIGITS = {ord(c): str(ord(c) - 55) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def nir_valid(value: str) -> bool:
    """True if `value` (15 characters, no separators) is a French NIR whose 2-digit key checks."""
    value = value.upper()
    if not _NIR_SHAPE.fullmatch(value):
        return False
    month = int(value[3:5])
    if month == 0 or 13 <= month <= 19:
        return False
    # Corsica: department 2A counts as 19 and 2B as 18 in the key computation.
    department = {"2A": "19", "2B": "18"}.get(value[5:7], value[5:7])
    body = value[:5] + department + value[7:13]
    return 97 - int(body) % 97 == int(value[13:])


def nhs_valid(value: str) -> bool:
    """True if `value` is 10 digits whose last one is the NHS modulus-11 check digit."""
    if len(value) != 10 or not value.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(value[9])


def iban_valid(value: str) -> bool:
    """True if `value` (upper case, no spaces) has an IBAN country's length and a valid mod-97 checksum."""
    if not _IBAN_SHAPE.fullmatch(value):
        return False
    if len(value) != IBAN_LENGTHS.get(value[:2]):
        return False
    return int((value[4:] + value[:4]).translate(_LETTER_DIGITS)) % 97 == 1


def luhn_valid(value: str) -> bool:
    """True if the digit string `value` passes the Luhn check."""
    if not value.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(value)):
        digit = int(char)
        if i % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def card_valid(value: str) -> bool:
    """True if `value` looks like a payment card number: 13–19 digits, issuer prefix 2–6, Luhn."""
    if not 13 <= len(value) <= 19 or value[0] not in "23456":
        return False
    if len(value) == 15 and value[0] != "3":  # only American Express (34/37) issues 15-digit cards
        return False
    return luhn_valid(value)
