"""Unsaved model instances made quickly: `unsaved(Customer, name=…, rm=…)` is `Customer(name=…, rm=…)`.

Django's Model.__init__ walks every field of the model for each instance (looking up each in the
keyword arguments, asking each for its default); a feed of a million rows builds a million
customers or holdings with 40-odd fields each. `unsaved` copies the defaults worked out once per
model and sets only the given values, through the same attributes; `copied` is copy.copy of an
instance without the pickling protocol it goes through. A foreign key is set as its
descriptor sets it in __init__ (the steps copied for a project without database routers, as
Banyan's; with one, or for anything unusual, through the descriptor). A model with init signals,
a default that must be called per instance, or a name that is not one of the model's goes
through __init__.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from django.db import DEFAULT_DB_ALIAS, router
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


@functools.cache
def _blank(model: type[Model]) -> tuple[dict[str, Any], tuple, frozenset[str], dict[str, Any]]:
    """The defaults that are the same for every instance, the fields whose default is a callable,
    the names a keyword argument may take (as Model.__init__ walks them), and the foreign keys by
    name."""
    constant: dict[str, Any] = {}
    called = []
    names = set(model._meta._property_names)
    foreign: dict[str, Any] = {}
    for field in model._meta.fields:
        if field.column is None or field.generated:
            continue
        names.update((field.name, field.attname))
        if field.many_to_one and len(field.related_fields) == 1:
            foreign[field.name] = field
        if field.has_default() and callable(field.default):
            called.append(field)
        else:
            constant[field.attname] = field.get_default()
    return constant, tuple(called), frozenset(names), foreign


def unsaved(model: type[Model], **values: Any) -> Model:
    """`model(**values)`, the same instance, made without Model.__init__'s walk of every field."""
    constant, called, names, foreign = _blank(model)
    if _signalled(model) or not names.issuperset(values):
        return model(**values)
    obj = model.__new__(model)
    obj._state = ModelState()
    state = obj.__dict__
    state.update(constant)
    for field in called:
        if field.name not in values and field.attname not in values:
            state[field.attname] = field.get_default()
    routed = bool(router.routers)
    for name, value in values.items():
        field = foreign.get(name)
        if field is None or routed or not _set_foreign(obj, field, value):
            setattr(obj, name, value)
    return obj


def _signalled(model: type[Model]) -> bool:
    """Whether an instance of `model` sends init signals someone listens to (Signal.send's own
    shortcut first: no receiver at all, the common case, needs no look-up)."""
    return bool((pre_init.receivers and pre_init.has_listeners(model))
                or (post_init.receivers and post_init.has_listeners(model)))


def _set_foreign(obj: Model, field, value: Any) -> bool:
    """What the foreign key's descriptor (ForwardManyToOneDescriptor.__set__) does on a new instance
    when the project has no database router: the instance and the object take the object's
    database (else the default), the id is the object's, the object is cached. False, having done
    nothing, for anything else (a wrong type, two databases): the descriptor says what is wrong."""
    state = obj._state
    if value is None:  # no cached object to clear on a new instance
        state.fields_cache[field.cache_name] = None
        obj.__dict__[field.attname] = None
        return True
    if not isinstance(value, field.remote_field.model._meta.concrete_model):
        return False
    db = state.db or value._state.db or DEFAULT_DB_ALIAS
    if (value._state.db or db) != db:
        return False
    state.db = value._state.db = db
    obj.__dict__[field.attname] = getattr(value, field.related_fields[0][1].attname)
    state.fields_cache[field.cache_name] = value
    return True


def copied(obj: Model) -> Model:
    """copy.copy(obj): the same class, a copy of its attributes, its own ModelState and cache of
    related objects (Model.__getstate__'s steps; copy.copy goes there through __reduce_ex__, a
    module lookup and __setstate__ — a feed copies every stored row it judges a change to). A model
    that overrides the pickling steps, or holds a memoryview (which __getstate__ turns into bytes),
    goes through copy.copy."""
    cls = type(obj)
    if (cls.__reduce__ is not Model.__reduce__ or cls.__getstate__ is not Model.__getstate__
            or cls.__setstate__ is not Model.__setstate__
            or any(isinstance(value, memoryview) for value in obj.__dict__.values())):
        return copy.copy(obj)
    new = cls.__new__(cls)
    state = obj.__dict__.copy()
    model_state = ModelState.__new__(ModelState)
    model_state.__dict__.update(state["_state"].__dict__)
    model_state.fields_cache = state["_state"].fields_cache.copy()
    state["_state"] = model_state
    new.__dict__.update(state)
    return new
