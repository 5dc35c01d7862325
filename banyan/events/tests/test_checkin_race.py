"""Exactly once at the door (DESIGN.md house style 6): twenty taps on one guest at the same moment —
two lobby phones scanning the same QR code, a double tap — check the guest in once: one attendance,
one contact in the history, one audit event. Requests from many threads at a live server (one
thread and one database connection per request), as banyan/worklists/tests/test_exactly_once.py."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from banyan.audit.models import AuditEvent
from banyan.conftest import TODAY
from banyan.contacts.models import Interaction
from banyan.events import services
from banyan.events.models import Invitation
from banyan.org.services import api_token_issue
from banyan.worklists.tests.test_exactly_once import N, _api, _race, server  # noqa: F401 (server: a fixture)


def test_twenty_parallel_check_ins_of_one_guest_count_one_attendance(server, bank, make_customer):  # noqa: F811
    guest = make_customer(bank.rm_a, name="吴晓燕")
    event = services.event_create(actor=bank.head, name="理财沙龙", type="salon", place="大堂",
                                  starts_at=timezone.make_aware(dt.datetime.combine(TODAY, dt.time(0, 5))),
                                  ends_at=timezone.make_aware(dt.datetime.combine(TODAY, dt.time(23, 50))))
    services.event_staff_add(actor=bank.head, event=event, staff=bank.rm_a, role="inviter")
    services.invitations_send(actor=bank.rm_a, event=event, channel="hand", customer_ids=[guest.pk])
    inv = Invitation.objects.get(event=event, customer=guest)
    services.rsvp_record(invitation=inv, answer="yes")
    token = api_token_issue(staff=bank.rm_a)

    answers = _race(N, lambda i: _api(server, token, f"/events/{event.pk}/checkin",
                                      {"code": inv.code} if i % 2 else {"customer_id": guest.pk}))

    assert [status for status, _body in answers] == [201] * N, answers[:3]
    assert [body["already_checked_in"] for _status, body in answers].count(False) == 1
    assert Invitation.objects.filter(event=event, checked_in_at__isnull=False).count() == 1
    assert Interaction.objects.filter(customer=guest, channel="event").count() == 1
    assert AuditEvent.objects.filter(action="event.checked_in", customer_id=guest.pk).count() == 1


def test_twenty_parallel_walk_ins_of_one_customer_add_one_guest(server, bank, make_customer):  # noqa: F811
    walker = make_customer(bank.rm_a, name="郑小龙")
    event = services.event_create(actor=bank.head, name="答谢宴", type="banquet", place="酒楼",
                                  starts_at=timezone.make_aware(dt.datetime.combine(TODAY, dt.time(0, 5))))
    services.event_staff_add(actor=bank.head, event=event, staff=bank.rm_a, role="checkin")
    token = api_token_issue(staff=bank.rm_a)

    answers = _race(N, lambda i: _api(server, token, f"/events/{event.pk}/checkin", {"customer_id": walker.pk}))

    assert all(status == 201 for status, _body in answers), answers[:3]
    assert Invitation.objects.filter(event=event, customer=walker).count() == 1
    assert Interaction.objects.filter(customer=walker, channel="event").count() == 1
