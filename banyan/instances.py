"""Unsaved model instances made quickly: `unsaved(Customer, name=…, rm=…)` is `Customer(name=…, rm=…)`.

Django's Model.__init__ walks every field of the model for each instance (looking up each in the
keyword arguments, asking each for its default); a feed of a million rows builds a million
customers or holdings with 40-odd fields each. `unsaved` copies the defaults worked out once per
model and sets only the given values, through the same attributes (a foreign key given as an
object goes through its descriptor, as in __init__). A model with init signals, a default that
must be called per instance, or a name that is not one of the model's goes through __init__.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


@functools.cache
def _blank(model: type[Model]) -> tuple[dict[str, Any], tuple, frozenset[str], dict[str, tuple[str, str]]]:
    """The defaults that are the same for every instance, the fields whose default is a callable,
    the names a keyword argument may take (as Model.__init__ walks them), and each foreign key's
    name → (attname, cache name)."""
    constant: dict[str, Any] = {}
    called = []
    names = set(model._meta._property_names)
    foreign: dict[str, tuple[str, str]] = {}
    for field in model._meta.fields:
        if field.column is None or field.generated:
            continue
        names.update((field.name, field.attname))
        if field.many_to_one or field.one_to_one:
            foreign[field.name] = (field.attname, field.cache_name)
        if field.has_default() and callable(field.default):
            called.append(field)
        else:
            constant[field.attname] = field.get_default()
    return constant, tuple(called), frozenset(names), foreign


def unsaved(model: type[Model], **values: Any) -> Model:
    """`model(**values)`, the same instance, made without Model.__init__'s walk of every field."""
    constant, called, names, foreign = _blank(model)
    if pre_init.has_listeners(model) or post_init.has_listeners(model) or not names.issuperset(values):
        return model(**values)
    obj = model.__new__(model)
    obj._state = ModelState()
    state = obj.__dict__
    state.update(constant)
    for field in called:
        if field.name not in values and field.attname not in values:
            state[field.attname] = field.get_default()
    for name, value in values.items():
        if value is None and name in foreign:
            # what the descriptor's __set__ does with None on a new instance (no cached object to
            # clear, no database to route): the id and the cached object are None
            attname, cache_name = foreign[name]
            state[attname] = None
            obj._state.fields_cache[cache_name] = None
        else:
            setattr(obj, name, value)
    return obj
