"""A value of a plain field (a name, an account number, an amount, a code, a flag, a date) is checked
quickly (banyan.validation._quick_check): the verdict must be Django's clean's for every value, and an
accepted value the value Django's clean returns."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from hypothesis import given, settings
from hypothesis import strategies as st

from banyan import validation
from banyan.customers.models import Customer, RiskLevel
from banyan.holdings.models import Holding, HoldingStatus, Transaction

_FIELDS = [f for model in (Customer, Holding, Transaction) for f in model._meta.fields
           if not f.is_relation and validation._quick_check(f)]


def _django(field, raw) -> tuple[str, object]:
    try:
        return "ok", field.clean(raw, None)
    except ValidationError as e:
        return "error", [str(m) for m in e.messages]
    except (TypeError, ArithmeticError) as e:  # a date given a number, a flag given sNaN: the same exception
        return "raises", type(e)


def _ours(field, raw) -> tuple[str, object]:
    try:
        outcome, value = validation._cleaned(field, raw, None)
    except (TypeError, ArithmeticError) as e:
        return "raises", type(e)
    return (outcome, value) if outcome == "ok" else (outcome, [str(m) for m in ValidationError(value).messages])


def test_the_plain_texts_amounts_codes_flags_and_dates_have_a_quick_check():
    names = {f"{f.model.__name__}.{f.name}" for f in _FIELDS}
    assert {"Customer.name", "Customer.mobile", "Holding.account_no", "Holding.amount", "Holding.units",
            "Customer.other_bank_assets", "Transaction.amount", "Customer.risk_level", "Holding.status",
            "Customer.consent_sms", "Customer.birth_date", "Holding.maturity_date"} <= names
    # an e-mail's validator, a number's range and the derived keys' checks are Django's clean's
    assert not {"Customer.email", "Customer.agreed_contact_days", "Holding.overdue_days"} & names


_decimals = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=-10**16, max_value=10**16, allow_nan=False, allow_infinity=False),
    st.builds(lambda digits, exponent, sign: Decimal((sign, tuple(digits), exponent)),
              st.lists(st.integers(0, 9), min_size=1, max_size=20), st.integers(-9, 6), st.integers(0, 1)),
    st.sampled_from([Decimal("0E-7"), Decimal("-0"), Decimal("1E+3"), Decimal("0.00"), Decimal("12345678901234.56"),
                     Decimal("123456789012345.67"), Decimal("0.001"), Decimal("1E+20")]),
)
_texts = st.one_of(st.text(max_size=40), st.text(min_size=60, max_size=300), st.just(""), st.just("x" * 32),
                   st.just("x" * 33))
# every choice's code, its label, the code in other case and as its enum member, a code too long
_codes = st.sampled_from(sorted({v for f in _FIELDS for key, label in f.flatchoices
                                 for v in (key, str(label), str(key).lower(), str(key) + "x")}, key=str)
                         + [RiskLevel.C3, HoldingStatus.ACTIVE, "C3 ", "c3", "X" * 40])
_others = st.one_of(st.booleans(), st.dates(), st.datetimes(), st.sampled_from([0, 1, "Y", "true", "2026-01-05"]))


@settings(max_examples=300, deadline=None)
@given(index=st.integers(min_value=0),
       raws=st.lists(st.one_of(_decimals, _texts, _codes, _others, st.integers(), st.none()), min_size=1, max_size=8))
def test_a_quick_verdict_is_djangos(index, raws):
    # values one after the other into one field, as a feed's rows: a shape accepted before stays
    field = _FIELDS[index % len(_FIELDS)]
    validation._DECIMAL_SHAPES.clear()
    validation._CLEANED.clear()
    for raw in raws:
        ours, theirs = _ours(field, raw), _django(field, raw)
        assert ours[0] == theirs[0], (field, raw)
        assert ours[1] == theirs[1], (field, raw)
        if isinstance(theirs[1], Decimal):
            assert ours[1].as_tuple() == theirs[1].as_tuple()


@pytest.mark.parametrize("accepted, refused", [(Decimal("123.45"), Decimal("12.345")),
                                               (Decimal("1.00"), Decimal("1E+16")),
                                               (Decimal("0.00"), Decimal("0E-7")),
                                               (Decimal("0E+20"), Decimal("1E+20"))])
def test_an_amount_of_another_shape_than_one_accepted_is_still_refused(accepted, refused):
    field = Holding._meta.get_field("amount")  # 16 digits, 2 places
    validation._DECIMAL_SHAPES.clear()
    assert _ours(field, accepted)[0] == "ok"
    assert _ours(field, refused) == _django(field, refused) and _django(field, refused)[0] == "error"


@pytest.mark.parametrize("raw", [Decimal("12.345"), Decimal("0E-7"), Decimal("1E+15"), "x" * 33, Decimal("NaN")])
def test_a_value_django_refuses_is_refused_in_its_words(raw):
    field = Holding._meta.get_field("amount" if isinstance(raw, Decimal) else "account_no")
    validation._DECIMAL_SHAPES.clear()
    assert _ours(field, raw) == _django(field, raw)
    assert _ours(field, raw)[0] == "error"


def test_a_code_longer_than_its_field_or_a_label_goes_to_djangos_clean():
    field = models.CharField(max_length=2, choices=[("ab", "甲"), ("abc", "乙")])
    validation._QUICK.pop(field, None)
    for raw in ("ab", "abc", "甲", "AB"):
        assert _ours(field, raw) == _django(field, raw)
    assert [_django(field, raw)[0] for raw in ("ab", "abc", "甲")] == ["ok", "error", "error"]
    assert validation._quick(field)(field, "ab") and not validation._quick(field)(field, "abc")
