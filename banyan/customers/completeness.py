"""Profile completeness (ARC-6): which key fields a manager knows, and which to ask next time."""

from __future__ import annotations

import operator

from django.utils.translation import gettext_lazy as _

#: The key fields of seed 003's "key customer information", each with equal weight.
KEY_FIELDS: list[tuple[str, str]] = [
    ("id_number", _("ID number")),
    ("birth_date", _("birth date")),
    ("mobile", _("mobile")),
    ("address", _("address")),
    ("employer", _("employer")),
    ("occupation", _("occupation")),
    ("education", _("education")),
    ("marital_status", _("marital status")),
    ("children", _("children and schooling")),
    ("interests", _("interests")),
    ("preferred_channel", _("preferred channel")),
    ("preferred_time", _("preferred contact time")),
    ("risk_level", _("risk level")),
    ("other_bank_assets", _("assets at other banks")),
    ("important_date", _("an important date (wedding, business opening)")),
]


def _known(customer, field: str) -> bool:
    if field == "important_date":
        return bool(customer.wedding_anniversary or customer.business_opened_on)
    value = getattr(customer, field)
    return value is not None and value != ""


def missing_fields(customer) -> list[str]:
    """Labels of the key fields not yet known, in the order a manager would ask them."""
    return [str(label) for field, label in KEY_FIELDS if not _known(customer, field)]


#: The key fields that are one attribute each (all but the important date), read in one call.
_ONE_ATTRIBUTE = operator.attrgetter(*(field for field, _label in KEY_FIELDS if field != "important_date"))


def completeness_score(customer) -> int:
    """Percentage of key fields known, 0-100 (as _known counts them; every writer of a customer
    calls it, a feed a million times)."""
    known = sum(1 for value in _ONE_ATTRIBUTE(customer) if value is not None and value != "")
    known += _known(customer, "important_date")
    return round(100 * known / len(KEY_FIELDS))
