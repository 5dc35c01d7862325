"""banyan.instances.unsaved makes the same unsaved instance as the model's own constructor, and
`copied` the same copy as copy.copy."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest

from banyan.customers.models import Customer
from banyan.feeds.services import _state
from banyan.holdings.models import Holding
from banyan.instances import copied, unsaved


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.django_db
def test_an_unsaved_customer_and_holding_are_those_the_constructor_makes(bank):
    customer_values = dict(external_id="C1", name="王建华", rm=bank.rm_a, assistant=None, branch=bank.b1,
                           referrer=None, birth_date=dt.date(1980, 5, 17), other_bank_assets=Decimal("500000"))
    made, built = Customer(**customer_values), unsaved(Customer, **customer_values)
    assert _fields(built) == _fields(made) and built.rm is bank.rm_a and built.branch_id == bank.b1.pk
    assert (built._state.adding, built._state.db, built.pk) == (made._state.adding, made._state.db, None)
    # a foreign key given as None is cached as None, as the descriptor caches it: no query to read it
    assert built._state.fields_cache == made._state.fields_cache
    assert built.assistant is None and built.referrer is None

    holding_values = dict(customer=made, product=bank.products.fund, risk_level_at_sale="C3",
                          amount=Decimal("100.00"), purchase_date=dt.date(2026, 1, 5), external_id="H1")
    assert _fields(unsaved(Holding, **holding_values)) == _fields(Holding(**holding_values))

    # a customer not read from the database (as a feed makes them for its holdings) takes the
    # holding's database, as the descriptor gives it
    for make in (Holding, lambda **values: unsaved(Holding, **values)):
        customer = unsaved(Customer, pk=4242, external_id="C9", risk_level="C3")
        holding = make(**{**holding_values, "customer": customer})
        assert (holding._state.db, customer._state.db, holding.customer_id) == ("default", "default", 4242)
        assert holding.customer is customer and holding.product is bank.products.fund


@pytest.mark.django_db
def test_a_foreign_key_of_the_wrong_kind_or_another_database_is_refused_as_by_the_constructor(bank):
    with pytest.raises(ValueError, match="must be a \"Staff\" instance"):
        unsaved(Customer, name="王建华", rm=bank.b1)
    other = Customer(name="王建华")
    other._state.db = "archive"
    with pytest.raises(ValueError, match="router prevents this relation"):
        unsaved(Holding, customer=other, product=bank.products.fund)
    with pytest.raises(ValueError, match="router prevents this relation"):
        Holding(customer=other, product=bank.products.fund)


def test_a_name_the_model_does_not_have_is_refused_as_by_the_constructor():
    with pytest.raises(TypeError, match="unexpected keyword"):
        unsaved(Customer, nonsense=1)


@pytest.mark.django_db
def test_a_stored_row_copied_is_the_copy_copy_makes_and_changing_it_leaves_the_stored_one_alone(bank, zeng):
    stored = Holding.objects.select_related("product").get(customer=zeng, product=bank.products.fund)
    for copy_ in (copied(stored), copy.copy(stored)):
        assert type(copy_) is Holding and copy_ is not stored
        assert _fields(copy_) == _fields(stored) and _state(copy_) == _state(stored)
        assert (copy_._state.db, copy_._state.adding) == ("default", False)
        assert copy_._state is not stored._state and copy_._state.fields_cache is not stored._state.fields_cache
        assert copy_.product is stored.product  # the cached product comes along: no query to read it
        copy_.amount, copy_.product = Decimal("200.00"), bank.products.deposit
        copy_._state.adding = True
        assert stored.amount == Decimal("100000.00") and stored.product_id == bank.products.fund.pk
        assert stored._state.adding is False and stored.product is not bank.products.deposit
    assert _state(copied(stored)) == _state(stored)
    assert list(_state(stored)) == [f.attname for f in Holding._meta.concrete_fields
                                    if f.attname not in ("created_at", "updated_at")]
