"""A customer's audit snapshot built by PostgreSQL from the stored row (customer_audit_snapshot_sql,
session 27) is the one the services write: the bulk feeds have the server build their
customer.created events, and the trail must not tell which path wrote a customer. The masks in SQL
give the masks' text for any number; a customer created by the services, with every kind of value
the snapshot holds, has the same snapshot from its row as in its customer.created event."""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banyan.audit.models import AuditEvent
from banyan.customers.identity import make_resident_id, mask_id_number, mask_id_number_sql, mask_mobile, mask_mobile_sql
from banyan.customers.services import customer_audit_snapshot_sql, customer_create
from banyan.testing.keys import pg_only

#: Text PostgreSQL stores (no NUL, no lone surrogate), short and long, Latin and Chinese.
_TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40)


def _masked_by_server(text: str) -> tuple[str, str]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {mask_id_number_sql('x.v')}, {mask_mobile_sql('x.v')} FROM (SELECT %s::text AS v) AS x",
                    [text])
        return cur.fetchone()


@pg_only
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXT)
def test_the_masks_in_sql_give_the_masks_text(db, text):
    assert _masked_by_server(text) == (mask_id_number(text), mask_mobile(text))


@pg_only
def test_the_masks_at_each_length_that_changes_them(db):
    # the edges: nothing, shorter than 8 (all stars), 8 to 14 (the head grows), 18 and beyond
    for n in (0, 1, 7, 8, 9, 11, 12, 14, 15, 18, 30):
        text = "1234567890ABCDEFGHIJ王芳李娜陈晓明张伟刘洋"[:n]  # (31 characters)
        assert _masked_by_server(text) == (mask_id_number(text), mask_mobile(text)), n


def _snapshot_of_row(customer_id: int, decimals: dict[str, str | None]) -> dict:
    """The SQL snapshot of a stored customer, each Decimal field's text given as the event kept it."""
    params = list(decimals.values())
    sql = customer_audit_snapshot_sql("c", {name: "%s::text" for name in decimals})
    with connection.cursor() as cur:
        cur.execute(f'SELECT {sql} FROM "customers_customer" AS c WHERE c.id = %s', [*params, customer_id])
        return json.loads(cur.fetchone()[0])  # Django's connection reads jsonb as text


@pg_only
def test_a_stored_customer_has_its_created_events_snapshot(bank):
    # a customer with every kind of value the snapshot holds: masked numbers, dates derived and
    # given, booleans, a whole number of days, an amount written without its places, no assistant
    customer = customer_create(actor=bank.rm_a, external_id="S1", name="曾晓明", rm=bank.rm_a,
                               id_number=make_resident_id("440104", dt.date(1978, 8, 30), 123),
                               mobile="13812345678", mobile2="13987654321", email="zeng@example.com",
                               address="杭州市西湖区文三路1号", wedding_anniversary="2005-10-01",
                               other_bank_assets="30000", consent_sms=True, agreed_contact_days=30,
                               risk_level="C3", risk_assessed_on="2026-03-01")
    after = AuditEvent.objects.get(action="customer.created", customer_id=customer.pk).after
    assert after["other_bank_assets"] == "30000" and after["mobile"] == "138****5678"
    assert _snapshot_of_row(customer.pk, {"other_bank_assets": after["other_bank_assets"]}) == after


@pg_only
def test_a_passport_customer_in_a_branch_only_has_its_snapshot(bank):
    # no manager, a passport number (shorter: a shorter masked head), no amount, a 7-digit mobile
    customer = customer_create(actor=bank.rm_a, external_id="S2", name="Anna Müller", rm=None, branch=bank.b1,
                               id_type="passport", id_number="E1234567", birth_date="1975-02-03", gender="F")
    after = AuditEvent.objects.get(action="customer.created", customer_id=customer.pk).after
    assert after["rm"] is None and after["other_bank_assets"] is None and after["id_number"] == "****4567"
    assert _snapshot_of_row(customer.pk, {"other_bank_assets": None}) == after
