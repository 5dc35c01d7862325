import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from banyan.contacts.models import Memo, MemoStatus
from banyan.contacts.selectors import timeline
from banyan.contacts.services import interaction_log, memo_complete, memo_create


def test_a_contact_needs_only_a_channel_and_moves_last_contact(bank, make_customer):
    customer = make_customer()
    interaction = interaction_log(actor=bank.rm_a, customer=customer, channel="phone", outcome="reached",
                                  summary="客户确认下周来网点")
    customer.refresh_from_db()
    assert customer.last_contact_at == interaction.occurred_at
    assert interaction.occurred_at.date() == dt.date(2026, 11, 23)


def test_a_back_dated_contact_does_not_move_last_contact_back(bank, make_customer):
    customer = make_customer()
    interaction_log(actor=bank.rm_a, customer=customer, channel="phone", occurred_at="2026-11-20T10:00:00")
    interaction_log(actor=bank.rm_a, customer=customer, channel="visit", occurred_at="2026-10-01T10:00:00")
    customer.refresh_from_db()
    assert timezone.localtime(customer.last_contact_at).date() == dt.date(2026, 11, 20)


def test_an_unanswered_call_or_an_sms_is_not_a_real_contact(bank, make_customer):
    customer = make_customer()
    interaction_log(actor=bank.rm_a, customer=customer, channel="phone", outcome="not_reached")
    interaction_log(actor=bank.rm_a, customer=customer, channel="sms", summary="生日祝福短信")
    interaction_log(actor=bank.rm_a, customer=customer, channel="wechat", summary="节日祝福")  # no answer
    customer.refresh_from_db()
    assert customer.last_contact_at is None
    interaction_log(actor=bank.rm_a, customer=customer, channel="wechat", outcome="reached", summary="客户回复了")
    customer.refresh_from_db()
    assert customer.last_contact_at is not None


@pytest.mark.parametrize(("field", "value"), [("occurred_at", "yesterday"), ("channel", "pigeon"),
                                              ("occurred_at", "2027-01-01T09:00:00")])
def test_bad_contacts_are_refused(bank, make_customer, field, value):
    customer = make_customer()
    args = {"channel": "phone"} | {field: value}
    with pytest.raises(ValidationError) as e:
        interaction_log(actor=bank.rm_a, customer=customer, **args)
    assert field in e.value.message_dict


def test_memos_close_and_the_timeline_tells_the_story(bank, make_customer):
    customer = make_customer()
    memo = memo_create(actor=bank.rm_a, customer=customer, text="定期存款12月底到期，客户想了解贵金属",
                       due_date="2026-12-25")
    interaction_log(actor=bank.rm_a, customer=customer, channel="phone", summary="生日问候")
    memo_complete(actor=bank.rm_a, memo=memo)
    assert Memo.objects.get().status == MemoStatus.DONE
    kinds = [e.kind for e in timeline(customer)]
    assert "interaction" in kinds and "memo" in kinds and "change" in kinds
    with pytest.raises(ValidationError):
        memo_create(actor=bank.rm_a, customer=customer, text="x", due_date="31/08/2026")
