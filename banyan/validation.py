"""Field checks the services share: unknown fields refused, full_clean's per-field checks of only
the fields a writer gave (the bulk feeds), and Banyan's words for a text that is too long or too
short — the same at a form's field, in a service's refusal and in the API's 422.

Limits are the server's: a form never cuts what was typed (no browser `maxlength`, see
banyan.forms), a service never slices a text to fit (it refuses, naming the field)."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator, MaxLengthValidator
from django.db import models
from django.db.models.expressions import DatabaseDefault
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
def _given_fields(model, given: frozenset[str]) -> tuple:
    """Each given field with what its check needs: (field, attname, name, blank, empty values, quick check)."""
    return tuple((f, f.attname, f.name, f.blank, f.empty_values, _quick(f)) for f in model._meta.fields
                 if f.name in given and not f.generated)


#: (field, type, value) → ("ok", cleaned value) or ("error", error list): a feed repeats the same
#: dates, codes, levels and flags a million times, and a field's checks are pure functions of the
#: value (its foreign keys, whose check reads the database, are never remembered).
_CLEANED: dict[tuple, tuple[str, Any]] = {}
_CLEANED_MAX = 200_000


def _cleaned(field, raw: Any, instance) -> tuple[str, Any]:
    """Django's clean of `raw` for `field`, as ("ok", cleaned value) or ("error", error list)."""
    quick = _quick(field)
    if quick and quick(field, raw):  # a name, an account number, an amount: seen once each in a feed
        return "ok", raw
    return _remembered(field, raw, instance)


def _remembered(field, raw: Any, instance) -> tuple[str, Any]:
    if field.is_relation:
        return _clean_once(field, raw, instance)
    try:
        key = (field, type(raw), str(raw) if isinstance(raw, Decimal) else raw)  # 15 and 15.00 are two values
        found = _CLEANED.get(key)
    except TypeError:  # an unhashable value (a JSON field's list)
        return _clean_once(field, raw, instance)
    if found is None:
        if len(_CLEANED) >= _CLEANED_MAX:
            _CLEANED.clear()
        found = _CLEANED[key] = _clean_once(field, raw, instance)
    return found


# --- Django's verdict on the values a feed does not repeat, without its walk ----------------------------
#
# The memo above pays for a value seen again; a customer's name, mobile or ID number and a holding's
# account number and amounts are seen once each, and Django's clean (to_python, validate, the
# validators) costs 1–4 µs a value. For the kinds of field whose whole check is plain (a text and its
# length, an amount and its digits, a code among its choices, a flag, a date), a value Django would
# keep as it is is told "ok" here (and kept as it was given) — cheaper than the memo even for the
# values that repeat; anything else — too long, too many digits, another type — goes to Django's
# clean, which words the error.

#: field → its quick check, or False (none: Django's clean every time)
_QUICK: dict[Any, Any] = {}


def _quick(field):
    found = _QUICK.get(field)
    if found is None:
        found = _QUICK[field] = _quick_check(field)
    return found


def _text_fits(field, raw: Any) -> bool:
    """A model CharField/TextField without choices whose only validator is its max_length: a text of
    1..max_length characters is what Django's clean returns unchanged (to_python keeps a str)."""
    return type(raw) is str and raw != "" and (field.max_length is None or len(raw) <= field.max_length)


#: (field's id, number of digits, exponent, is it 0) of a Decimal Django's clean accepted
_DECIMAL_SHAPES: set[tuple] = set()


def _decimal_fits(field, raw: Any) -> bool:
    """A model DecimalField without choices whose only validator is its DecimalValidator: Django's
    verdict on a finite Decimal depends only on its shape (the number of digits, the exponent and
    whether it is 0, see DecimalValidator.__call__), so a shape accepted once is accepted again."""
    if type(raw) is not Decimal:
        return False
    _sign, digits, exponent = raw.as_tuple()
    if type(exponent) is not int:  # NaN, Infinity: refused by Django's clean
        return False
    shape = (id(field), len(digits), exponent, digits == (0,))  # a model's fields live as long as the process
    if shape in _DECIMAL_SHAPES:
        return True
    if _clean_once(field, raw, None)[0] == "ok":
        _DECIMAL_SHAPES.add(shape)
        return True
    return False


def _bool_fits(field, raw: Any) -> bool:
    """A model BooleanField without choices or validators: True and False are what its clean returns."""
    return raw is True or raw is False


def _date_fits(field, raw: Any) -> bool:
    """A model DateField without choices or validators: its clean returns a date as it is."""
    return type(raw) is dt.date


def _choice_fits(keys: frozenset[str]):
    """A CharField with choices whose other check is its max_length: one of its codes (no longer
    than the limit) is what Django's clean returns unchanged; a label, a code of other case, a
    choice's enum member go to Django's clean."""
    def one_of_the_codes(field, raw: Any) -> bool:
        return type(raw) is str and raw in keys
    return one_of_the_codes


def _quick_check(field):
    """The quick check of `field`, or False when its check is more than a length, a shape, a
    choice, a flag or a date."""
    if field.generated:
        return False
    validators = field.validators
    if type(field) in (models.CharField, models.TextField):
        plain = all(type(v) is MaxLengthValidator and v.limit_value == field.max_length for v in validators)
        if not (plain and len(validators) == (field.max_length is not None)):
            return False
        if not field.choices:
            return _text_fits
        return _choice_fits(frozenset(key for key, _label in field.flatchoices
                                      if type(key) is str and key and _text_fits(field, key)))
    if field.choices:
        return False
    if type(field) is models.DecimalField:
        plain = (len(validators) == 1 and type(validators[0]) is DecimalValidator
                 and (validators[0].max_digits, validators[0].decimal_places) == (field.max_digits,
                                                                                  field.decimal_places))
        return _decimal_fits if plain else False
    if type(field) is models.BooleanField and not validators:
        return _bool_fits
    if type(field) is models.DateField and not validators:
        return _date_fits
    return False


def _clean_once(field, raw: Any, instance) -> tuple[str, Any]:
    try:
        return "ok", field.clean(raw, instance)
    except ValidationError as e:
        return "error", e.error_list


def clean_given_fields(instance, given) -> None:
    """`instance.clean_fields()` for the fields in `given` (raises the same ValidationError, sets
    the same cleaned values): Django's loop over the given fields only, each value's outcome
    remembered (see _CLEANED) — the bulk feeds run it a million times."""
    errors = {}
    for f, attname, name, blank, empty, quick in _given_fields(type(instance), frozenset(given)):
        raw = getattr(instance, attname)
        if (quick and quick(f, raw)) or (blank and raw in empty) or isinstance(raw, DatabaseDefault):
            continue  # a value Django's clean keeps as it is (most values, so asked first), or nothing to check
        outcome, value = _remembered(f, raw, instance)
        if outcome == "ok":
            setattr(instance, attname, value)
        else:
            errors[name] = value
    if errors:
        raise ValidationError(errors)


def clean_field_value(model, name: str, raw: Any) -> tuple[bool, Any]:
    """What clean_given_fields makes of `raw` as the value of the field `name` (not a relation): (True,
    the value it keeps) or (False, None) when it refuses it. (Its loop, for one value.)"""
    (f, _attname, _name, blank, empty, quick), = _given_fields(model, frozenset((name,)))
    if (quick and quick(f, raw)) or (blank and raw in empty) or isinstance(raw, DatabaseDefault):
        return True, raw
    outcome, value = _remembered(f, raw, None)
    return (True, value) if outcome == "ok" else (False, None)


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
