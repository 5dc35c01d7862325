"""Field checks the services share: unknown fields refused, and full_clean's per-field checks of
only the fields a writer gave (the bulk feeds)."""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


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
