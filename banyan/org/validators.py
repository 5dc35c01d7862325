"""Password rules beyond Django's own (settings.AUTH_PASSWORD_VALIDATORS lists them all)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    """How many of the four kinds of character the password uses: lower-case letters,
    upper-case letters, digits, anything else (punctuation, spaces, Chinese characters)."""
    kinds = set()
    for ch in password:
        if ch.isdigit():
            kinds.add("digit")
        elif ch.isalpha() and ch.islower():
            kinds.add("lower")
        elif ch.isalpha() and ch.isupper():
            kinds.add("upper")
        else:
            kinds.add("other")
    return len(kinds)


class CharacterClassValidator:
    """Not all one kind of character: `banyan2026` passes, `abcdefghijk` and `1234567890` do not."""

    def __init__(self, min_classes: int = 2):
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_one_class")

    def get_help_text(self) -> str:
        return _("Mix at least two kinds of character: lower-case and upper-case letters, digits, symbols.")
