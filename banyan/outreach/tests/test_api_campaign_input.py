"""API v1: a campaign's targets are checked by the schema, and no target list answers 500 or makes
an empty campaign (issue 10, §4)."""

from __future__ import annotations

import pytest

from banyan.org.tests.test_api_auth import ApiCaller, assert_error
from banyan.outreach.models import Campaign

DATES = {"name": "存款到期回访", "start_date": "2026-11-23", "end_date": "2026-12-07"}


@pytest.fixture
def me(bank, client):
    return ApiCaller(client, bank.rm_a)


@pytest.mark.parametrize("ids", [[2**63], [2**70], [0], [True], ["12"]])
def test_a_customer_id_no_table_can_hold_is_422_naming_the_field(me, make_customer, ids):
    """Before: [9223372036854775808] or [2**70] answered 500 (the database overflowed)."""
    make_customer()
    error = assert_error(me.post("/campaigns", {**DATES, "customer_ids": ids}), 422, "invalid")
    assert list(error["fields"]) in (["customer_ids.0"], ["customer_ids"])
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("key, value", [(key, value) for key in ("maturity_within_days", "not_contacted_days", "rm")
                                        for value in ("abc", 1_000_000_000, 2**70, True, -1)
                                        if (key, value) != ("rm", 1_000_000_000)])  # a staff id that can be
def test_a_filter_value_that_is_no_number_of_days_or_staff_id_is_422_naming_it(me, key, value):
    """Before: "abc", 1000000000 and 2**70 answered 500 (int("abc"), a timedelta overflow)."""
    error = assert_error(me.post("/campaigns", {**DATES, "filter": {key: value}}), 422, "invalid")
    assert list(error["fields"]) == [f"filter.{key}"]
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("bad", [{"holds": "gold"}, {"not_holds": "gold"}, {"aum_min": "abc"}, {"aum_max": -5},
                                 {"quadrant": "top"}, {"risk_level": "R9"}, {"priority": "yes"}, {"colour": "red"}])
def test_a_filter_names_known_criteria_with_values_of_their_kind(me, bad):
    error = assert_error(me.post("/campaigns", {**DATES, "filter": bad}), 422, "invalid")
    assert list(error["fields"]) == [f"filter.{next(iter(bad))}"]


@pytest.mark.parametrize("targets", [{"customer_ids": []}, {"filter": {}}, {}])
def test_an_empty_campaign_is_refused(me, make_customer, targets):
    """Before: customer_ids [] made a campaign of nobody, and filter {} one of the whole book."""
    make_customer()
    error = assert_error(me.post("/campaigns", {**DATES, **targets}), 422, "invalid")
    assert error["fields"]
    assert not Campaign.objects.exists()


def test_a_filter_of_days_and_amounts_makes_the_campaign_and_is_kept(me, make_customer):
    make_customer()
    response = me.post("/campaigns", {**DATES, "filter": {"not_contacted_days": 30, "aum_min": "0.00"}})
    assert response.status_code == 201, response.content
    assert Campaign.objects.get().filter == {"not_contacted_days": 30, "aum_min": "0.00"}
    assert response.json()["listed"] == 1
