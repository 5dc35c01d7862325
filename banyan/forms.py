"""What every form of Banyan shares: the server keeps the limits.

A browser's `maxlength` cuts what is typed or pasted without a word (a 12-digit mobile became a
different, valid 11-digit number and was saved). So no form renders it: a field with a limit
carries it as `data-maxlength`, which static/banyan/banyan.js turns into a visible counter
("23/500", red past the limit), and the server refuses a text that is too long with Banyan's
words at the field ("最多 500 字，已输入 5000 字", banyan.validation).

Every form class of the app derives from `BanyanForm` (or mixes in `ServerLimits` over a Django
form such as the login form); banyan/web/tests/test_limits.py fails on one that does not.
"""

from __future__ import annotations

from django import forms

from banyan.validation import LENGTH_MESSAGES

#: Attributes by which a browser silently cuts or refuses a text: the server says it instead.
CUTTING_ATTRS = ("maxlength", "minlength")


def server_limit(field: forms.Field) -> forms.Field:
    """A field's length limit as the page shows it (a counter, never a cut) and as the server
    words it. Forms that add fields after __init__ call it for them (or `apply_limits`)."""
    for attr in CUTTING_ATTRS:
        field.widget.attrs.pop(attr, None)
    limit = getattr(field, "max_length", None)
    if limit:
        field.widget.attrs["data-maxlength"] = str(limit)
    field.error_messages = {**field.error_messages, **LENGTH_MESSAGES}
    return field


class ServerLimits:
    """Mix in before a Django form class: its fields' limits become Banyan's (see module doc)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.apply_limits()

    def apply_limits(self) -> None:
        for field in self.fields.values():
            server_limit(field)


class BanyanForm(ServerLimits, forms.Form):
    """The base of every form of the app."""
