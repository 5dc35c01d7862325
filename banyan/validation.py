"""Field checks the services share: unknown fields refused, full_clean's per-field checks of only
the fields a writer gave (the bulk feeds), and Banyan's words for a text that is too long or too
short — the same at a form's field, in a service's refusal and in the API's 422.

Limits are the server's: a form never cuts what was typed (no browser `maxlength`, see
banyan.forms), a service never slices a text to fit (it refuses, naming the field)."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

#: "最多 500 字，已输入 5000 字" — instead of Django's "确保该变量包含不超过 500 字符". The
#: parameters are those of Django's length validators, so the words can replace theirs anywhere.
TOO_LONG = ngettext_lazy("At most %(limit_value)d character; %(show_value)d entered.",
                         "At most %(limit_value)d characters; %(show_value)d entered.", "limit_value")
TOO_SHORT = ngettext_lazy("At least %(limit_value)d character; %(show_value)d entered.",
                          "At least %(limit_value)d characters; %(show_value)d entered.", "limit_value")
LENGTH_MESSAGES = {"max_length": TOO_LONG, "min_length": TOO_SHORT}


def use_banyan_length_messages(models) -> None:
    """Give every text field of `models` Banyan's words for too long / too short, so that each
    full_clean and clean_fields of every service says "最多 500 字，已输入 5000 字" at the field.
    Set once when the apps are ready (banyan.web.apps); a field's own message for these codes
    wins. Only the runtime messages change: migrations read the fields' constructor arguments."""
    for model in models:
        for field in model._meta.get_fields():
            if getattr(field, "max_length", None) and hasattr(field, "error_messages"):
                own = getattr(field, "_error_messages", None) or {}
                field.error_messages = {**field.error_messages,
                                        **{k: v for k, v in LENGTH_MESSAGES.items() if k not in own}}


def reject_unknown_fields(fields, allowed) -> None:
    """A ValidationError naming each field a writer gave that the service does not take."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError({k: [_("Unknown field.")] for k in unknown})


@functools.lru_cache(maxsize=256)
def _not_given(model, given: frozenset[str]) -> frozenset[str]:
    return frozenset(f.name for f in model._meta.fields if f.name not in given)


def clean_given_fields(instance, given) -> None:
    """`instance.clean_fields()` for the fields in `given` (raises the same ValidationError). The
    fields left out are a set made once per model and set of given fields: clean_fields tests each
    field's name against it, and a list rebuilt per row made that a quadratic scan a million times
    over in a feed."""
    instance.clean_fields(exclude=_not_given(type(instance), frozenset(given)))


def same_as_stored(model, name: str, value: Any, stored: Any) -> bool:
    """Whether `value`, a writer's value for the field `name` already turned into the field's type,
    is exactly what is stored: of the same type and equal — and a number written otherwise (15 for
    a stored 15.00) one the field's checks accept. A value equal to a stored one that the checks
    accepted passes them again (they are pure functions of the value); 0E-7 equals a stored 0.00
    but has seven decimal places, so it is checked. The bulk feeds use it to skip a row that
    changes nothing; False only means "judge it in full"."""
    if type(value) is not type(stored) or value != stored:
        return False
    if isinstance(value, Decimal) and value.as_tuple() != stored.as_tuple():
        return _field_accepts(model, name, str(value))
    return True


@functools.lru_cache(maxsize=4096)
def _field_accepts(model, name: str, text: str) -> bool:
    try:
        model._meta.get_field(name).clean(Decimal(text), None)
    except ValidationError:
        return False
    return True


def refuse_too_long(**values: tuple[str, int]) -> None:
    """A ValidationError naming each text longer than its limit, in Banyan's words: name=(text, limit).
    For a text a service takes without a model field of its own (it never slices one to fit)."""
    errors = {name: [str(TOO_LONG % {"limit_value": limit, "show_value": len(text or "")})]
              for name, (text, limit) in values.items() if len(text or "") > limit}
    if errors:
        raise ValidationError(errors)
