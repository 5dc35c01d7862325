"""A bulk read's customers name an event that exists (audit migration 0007, session 26): on
PostgreSQL the foreign key AuditEventCustomer.event is replaced by triggers that check a statement's
rows at once (an export of thousands of customers names one event: one look-up, not one per
customer); on SQLite the key stays. Either way a row naming no event is refused, alone and among a
bulk read's rows, an event with customers cannot be deleted or renumbered under them, and Django's
delete of an event takes its customers' rows first. holdings' test_partitioned_history checks that
the check stays when the trail is partitioned by month, where a key cannot be."""

from __future__ import annotations

import pytest
from django.db import transaction

from banyan.audit.models import AuditEvent, AuditEventCustomer
from banyan.audit.services import audit_bulk_read
from banyan.testing.keys import (
    assert_checked_by_triggers,
    checked,
    other_session,
    pg_only,
    raw,
    refused,
)


def _shown(event_id: int, n: int, first: int = 1) -> None:
    """A bulk read's rows as audit_log writes them (bulk_create, one statement per 2,000)."""
    AuditEventCustomer.objects.bulk_create([AuditEventCustomer(event_id=event_id, customer_id=cid)
                                            for cid in range(first, first + n)], batch_size=2000)


@pytest.mark.django_db
def test_a_customer_shown_by_no_event_is_refused_alone_and_in_a_bulk_read(bank):
    event = audit_bulk_read(actor=bank.rm_a, action="customer.listed", via="book", customer_ids=range(1, 2501))
    nobody = event.pk + 1000
    refused(lambda: AuditEventCustomer.objects.create(event_id=nobody, customer_id=7))
    rows = [AuditEventCustomer(event_id=event.pk, customer_id=cid) for cid in range(5001, 7001)]
    rows[1500].event_id = nobody
    refused(lambda: AuditEventCustomer.objects.bulk_create(rows, batch_size=2000))  # one statement
    refused(lambda: AuditEventCustomer.objects.filter(event=event, customer_id=9).update(event_id=nobody))
    assert AuditEventCustomer.objects.count() == 2500  # nothing half-written
    _shown(event.pk, 600, first=10001)
    AuditEventCustomer.objects.filter(event=event, customer_id=9).update(customer_id=20001)  # keeps its event
    checked()
    assert AuditEventCustomer.objects.filter(event=event).count() == 3100


@pytest.mark.django_db
def test_an_event_with_customers_is_not_deleted_or_renumbered_under_them(bank):
    event = audit_bulk_read(actor=bank.rm_a, action="customer.exported", via="book", customer_ids=[1, 2, 3])
    bare = AuditEvent.objects.create(action="customer.viewed", customer_id=1)
    refused(lambda: raw("DELETE FROM audit_auditevent WHERE id IN (%s, %s)", [event.pk, bare.pk]))
    refused(lambda: raw("UPDATE audit_auditevent SET id = id + 5000 WHERE id = %s", [event.pk]))
    raw("UPDATE audit_auditevent SET id = id WHERE id = %s", [event.pk])  # an update keeping the id passes
    raw("DELETE FROM audit_auditevent WHERE id = %s", [bare.pk])  # an event with no customers goes
    checked()
    event.delete()  # Django's delete: its customers' rows first (CASCADE)
    checked()
    assert not AuditEventCustomer.objects.exists() and not AuditEvent.objects.filter(pk=event.pk).exists()


@pg_only
@pytest.mark.django_db
def test_the_key_is_replaced_by_the_triggers_on_postgresql():
    assert_checked_by_triggers("audit_auditeventcustomer", {"event_id": "audit_auditevent"})


@pg_only
@pytest.mark.django_db(transaction=True)
def test_a_bulk_read_locks_its_event_until_it_commits(bank):
    """As the key did (FOR KEY SHARE): another transaction cannot delete the event its rows name
    meanwhile (an event committed before; a new event is not seen by another transaction at all)."""
    import psycopg

    event = AuditEvent.objects.create(action="customer.exported", actor=bank.rm_a)
    with transaction.atomic():
        _shown(event.pk, 2)
        with other_session() as other, pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEventCustomer.objects.filter(event=event).count() == 2
    AuditEventCustomer.objects.all().delete()
    AuditEvent.objects.all().delete()
