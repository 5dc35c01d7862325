"""Chinese identity numbers and mobiles: validation, what they tell, and masking.

A resident ID (居民身份证, GB 11643-1999) has 18 characters: 6 digits of region, 8 of birth date
(YYYYMMDD), 3 of sequence (odd for men, even for women) and a check character computed with
ISO 7064 MOD 11-2 (0-9 or X).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"
#: What the digits' bytes add to the weighted sum beyond the digits themselves (b"0" is 48).
_ZEROS = ord("0") * sum(_WEIGHTS)
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII digits only: \d would take ༤ or 𝟝 as well
_OTHER_ID_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-]{3,29}$")


def resident_id_check_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    if len(first17) != len(_WEIGHTS):
        raise ValueError(f"a resident ID's check character needs 17 digits, not {len(first17)}")
    if first17.isascii() and first17.isdigit():  # a number's bytes are its digits + 48 (in C: a feed checks millions)
        return _CHECK[(sum(map(operator.mul, first17.encode(), _WEIGHTS)) - _ZEROS) % 11]
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]  # other digits, as int() reads them


def normalize_resident_id(raw: str) -> str:
    return raw.strip().upper().replace(" ", "")


def validate_resident_id(raw: str, *, today: dt.date | None = None) -> str:
    """Return the normalised ID number or raise ValidationError saying what is wrong."""
    number = normalize_resident_id(raw)
    if len(number) != 18:
        raise ValidationError(_("A resident ID number has 18 characters; this one has %(n)d.") % {"n": len(number)},
                              code="id_length")
    if not _ID_RE.match(number):
        raise ValidationError(_("A resident ID number is 17 digits followed by a digit or X."), code="id_format")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date in the ID number (%(d)s) is not a real date.") % {"d": number[6:14]},
                              code="id_birth_date") from None
    if birth.year < 1900 or (today and birth > today):
        raise ValidationError(_("The birth date in the ID number (%(d)s) is out of range.") % {"d": number[6:14]},
                              code="id_birth_date")
    if resident_id_check_char(number[:17]) != number[17]:
        raise ValidationError(_("The ID number's check digit is wrong: please check it against the ID card."),
                              code="id_checksum")
    return number


def birth_date_from_resident_id(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender_from_resident_id(number: str) -> str:
    """'M' or 'F' from the sequence digit (odd: male)."""
    return "M" if int(number[16]) % 2 else "F"


def make_resident_id(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid ID number (demo data and tests). `sequence` 0-999; odd for men."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def validate_mobile(raw: str) -> str:
    """A mainland mobile number, 11 ASCII digits, returned without +86, spaces or dashes (full-width
    digits and signs, as a Chinese input method types them, are read as their ASCII forms)."""
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", raw or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _MOBILE_RE.fullmatch(digits):
        if _DIGITS_RE.fullmatch(digits) and len(digits) != 11:
            raise ValidationError(_("A mobile number has 11 digits; %(n)d entered.") % {"n": len(digits)},
                                  code="mobile_length")
        raise ValidationError(_("A mobile number has 11 digits and starts with 1."), code="mobile_format")
    if not _mobile_block_is_valid(digits[:MOBILE_BLOCK_DIGITS]):
        raise ValidationError(_("%(m)s is not a valid mainland mobile number.") % {"m": digits}, code="mobile_invalid")
    return digits


_MOBILE_RE = re.compile(r"1[0-9]{10}")
_DIGITS_RE = re.compile(r"[0-9]+")
#: A mainland mobile's carrier block (号段) is its first seven digits; libphonenumber's patterns
#: for 11-digit numbers starting with 1 look at no more than these (the rest is "any 4 digits"),
#: so a block is judged once — a feed of a million customers parses ~thousands of blocks, not a
#: million numbers (~60 µs each). A test samples blocks against the full parse.
MOBILE_BLOCK_DIGITS = 7


@functools.lru_cache(maxsize=1 << 16)
def _mobile_block_is_valid(block: str) -> bool:
    return is_mainland_mobile(block + "0" * (11 - len(block)))


def is_mainland_mobile(digits: str) -> bool:
    """libphonenumber's judgement of 11 digits: a valid mainland number of a mobile type."""
    try:
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:  # e.g. 112…: "too short to be a phone number"
        return False
    return phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def mask_mobile(mobile: str) -> str:
    """138****5678 — the first three and last four digits stay."""
    if not mobile:
        return ""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return f"{mobile[:3]}****{mobile[-4:]}"


def mask_mobile_sql(column: str) -> str:
    """mask_mobile of a text `column` as a PostgreSQL expression (the same text for every value):
    for audit snapshots the server builds from the stored rows (bulk feeds)."""
    return (f"CASE WHEN length({column}) < 8 THEN repeat('*', length({column})) "
            f"ELSE left({column}, 3) || '****' || right({column}, 4) END")


def validate_other_id(raw: str) -> str:
    """A passport, travel permit or foreign ID: 4–30 Latin letters, digits or dashes."""
    number = raw.strip().upper().replace(" ", "")
    if not _OTHER_ID_RE.match(number):
        raise ValidationError(_("An ID number of this type has 4 to 30 letters, digits or dashes."),
                              code="id_format")
    return number


def mask_id_number(number: str) -> str:
    """110101********1234 — the region (for a long number) and the last four stay; at least four
    characters in the middle are always hidden."""
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    head = min(6, len(number) - 8)
    return f"{number[:head]}{'*' * (len(number) - head - 4)}{number[-4:]}"


def mask_id_number_sql(column: str) -> str:
    """mask_id_number of a text `column` as a PostgreSQL expression (the same text for every value)."""
    head = f"least(6, length({column}) - 8)"
    return (f"CASE WHEN length({column}) < 8 THEN repeat('*', length({column})) "
            f"ELSE left({column}, {head}) || repeat('*', length({column}) - {head} - 4) || right({column}, 4) END")
