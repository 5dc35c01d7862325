"""WL-1: on a festival the worklist calls the priority and frequent-contact customers; the rest of
the book who agreed to SMS get the festival greeting by SMS, written in one step from the day's
page — once per festival, consent checked again at sending. 中秋节 2026 is on 9-25."""

from __future__ import annotations

import datetime as dt

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.messaging.models import Message
from banyan.messaging.services import coming_festival, festival_greeting_targets, festival_greetings_queue
from banyan.segments.models import CustomerSegment

EVE = dt.date(2026, 9, 24)


def _book(bank, make_customer):
    quiet = make_customer(bank.rm_a, name="周平", consent_sms=True)
    priority = make_customer(bank.rm_a, name="吴敏", consent_sms=True)
    CustomerSegment.objects.create(customer=priority, quadrant="high_high", frequency_days=7, is_priority=True,
                                   potential_score=80, value_rank=1, computed_at=clock.now())
    no_sms = make_customer(bank.rm_a, name="郑华", consent_sms=False)
    dnd = make_customer(bank.rm_a, name="冯雪", consent_sms=True, do_not_disturb=True)
    theirs = make_customer(bank.rm_b, name="孙丽", consent_sms=True)
    return quiet, priority, no_sms, dnd, theirs


def test_the_greeting_goes_to_the_rest_of_the_book_who_agreed_to_sms_once(bank, make_customer):
    quiet, *_others = _book(bank, make_customer)
    with clock.frozen(EVE):
        festival = coming_festival(clock.today())
        assert festival.name_zh == "中秋节"
        assert list(festival_greeting_targets(bank.rm_a, festival)) == [quiet]
        assert festival_greetings_queue(actor=bank.rm_a, manager=bank.rm_a, festival=festival) == 1
        assert festival_greetings_queue(actor=bank.rm_a, manager=bank.rm_a, festival=festival) == 0
    message = Message.objects.get()
    assert message.customer == quiet and message.channel == "sms" and "中秋节" in message.body
    assert AuditEvent.objects.filter(action="messages.festival_queued").count() == 2


def test_no_festival_in_the_coming_days_none_is_offered(bank):
    assert coming_festival(dt.date(2026, 11, 23)) is None


def test_the_days_page_offers_the_greetings_and_writes_them(bank, make_customer, login, gateways):
    quiet, *_others = _book(bank, make_customer)
    client = login(bank.rm_a)
    with clock.frozen(EVE):
        page = client.get("/work/").content.decode()
        assert 'id="festival-greeting"' in page and "中秋节" in page
        response = client.post("/work/festival-greetings/", follow=True)
        assert "已为 1 位客户写入中秋节祝福短信" in response.content.decode()
        assert "均已写入" in client.get("/work/").content.decode()
    assert Message.objects.get().status == "sent"  # no broker in the tests: sent at once
    assert [line["to"] for line in gateways.sms.lines()] == [quiet.mobile]
    client_b = login(bank.rm_b)
    with clock.frozen(EVE):
        client_b.post("/work/festival-greetings/")
    assert Message.objects.filter(customer__rm=bank.rm_b).count() == 1  # their own book only
