"""An audit event names a staff member who exists, when it names one (audit migration 0006, issue
15 §1): on PostgreSQL the foreign key AuditEvent.actor is replaced by triggers that check an
insert's events at once (a feed's COPY of thousands naming one person: one look-up, not one per
event); on SQLite the key stays. Either way an event of nobody is refused, one by one and in a
feed's COPY, and a staff member with events cannot be deleted or renumbered under them."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import ProtectedError

from banyan.audit.models import AuditEvent
from banyan.feeds import bulk
from banyan.org.models import Role, Staff
from banyan.testing.keys import (
    assert_checked_by_triggers,
    checked,
    key_columns,
    other_session,
    pg_only,
    raw,
    refused,
)


def _events(actor_id, n: int) -> list[AuditEvent]:
    return [AuditEvent(actor_id=actor_id, action="holding.created", customer_id=i, object_type="holding",
                       object_id=str(i)) for i in range(n)]


def _feed_writes(events: list[AuditEvent]) -> None:
    """A feed's way: its events in one COPY on PostgreSQL."""
    for step in bulk._insert(AuditEvent, events):
        step()


@pytest.mark.django_db
def test_an_event_of_nobody_is_refused_one_by_one_and_in_a_feed(bank):
    nobody = max(Staff.objects.values_list("pk", flat=True)) + 1000
    before = AuditEvent.objects.count()
    refused(lambda: AuditEvent.objects.create(actor_id=nobody, action="customer.viewed"))
    events = _events(bank.rm_a.pk, 600)
    events[300].actor_id = nobody
    refused(lambda: _feed_writes(events))
    refused(lambda: AuditEvent.objects.filter(pk=AuditEvent.objects.create(action="x").pk).update(actor_id=nobody))
    assert AuditEvent.objects.count() == before  # nothing half-written
    _feed_writes(_events(bank.rm_a.pk, 600) + _events(None, 10))  # a feed run by a person; by the system
    checked()
    assert AuditEvent.objects.filter(actor=bank.rm_a, action="holding.created").count() == 600


@pytest.mark.django_db
def test_a_staff_member_with_events_is_not_deleted_or_renumbered_under_them(bank):
    clerk = Staff.objects.create(username="linshi", full_name="临时柜员", role=Role.RM, branch=bank.b1)
    AuditEvent.objects.create(actor=clerk, action="customer.viewed")
    refused(lambda: raw("DELETE FROM org_staff WHERE id = %s", [clerk.pk]))
    refused(lambda: raw("UPDATE org_staff SET id = id + 5000 WHERE id = %s", [clerk.pk]))
    with pytest.raises(ProtectedError):  # Django's own rule, before any SQL
        clerk.delete()
    AuditEvent.objects.filter(actor=clerk).delete()  # (the trail is never deleted by Banyan; here to show it)
    clerk.delete()
    checked()
    assert not Staff.objects.filter(pk=clerk.pk).exists()


@pg_only
@pytest.mark.django_db(transaction=True)
def test_the_key_is_a_trigger_and_an_event_locks_its_actor_until_the_writer_ends(bank):
    import psycopg

    assert not key_columns("audit_auditevent")
    assert_checked_by_triggers("audit_auditevent", {"actor_id": "org_staff"})
    clerk = Staff.objects.create(username="linshi2", full_name="临时柜员", role=Role.RM, branch=bank.b1)
    with transaction.atomic():
        _feed_writes(_events(clerk.pk, 3))
        with other_session() as other:
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM org_staff WHERE id = %s", [clerk.pk])
            other.execute("UPDATE org_staff SET full_name = '正式柜员' WHERE id = %s", [clerk.pk])
    clerk.refresh_from_db()
    assert clerk.full_name == "正式柜员" and AuditEvent.objects.filter(actor=clerk).count() == 3
    AuditEvent.objects.filter(actor=clerk).delete()
