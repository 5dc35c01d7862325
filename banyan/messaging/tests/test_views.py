"""The message pages through the test client: the compose page renders a template for the
customer and sends at once, showing sent or the blocking rule; the outbox lists and filters the
caller's messages; another manager gets 404 on both. Today is 2026-11-23."""

from __future__ import annotations

import pytest

from banyan.audit.models import AuditEvent
from banyan.messaging.models import Message
from banyan.messaging.services import message_compose, message_send
from banyan.messaging.tests.conftest import free_port


@pytest.fixture
def wang(bank, make_customer):
    return make_customer(bank.rm_a, name="王建国", mobile="13812345678", consent_sms=True, email="wjg@example.com")


def test_the_compose_page_renders_the_template_with_count_and_sms_units(bank, wang, login):
    response = login(bank.rm_a).get(f"/messages/new/?customer={wang.pk}&channel=sms&template=birthday")
    assert response.status_code == 200
    text = response.content.decode()
    body = "王先生您好！今天是您的生日，城东支行客户经理张敏祝您生日快乐、身体健康、万事如意！"
    assert f">{body}</textarea>" in text
    assert f'<span data-chars>{len(body)}</span> 字' in text and "<span data-units>1</span> 条短信" in text
    assert "138****5678" in text and "13812345678" not in text  # the address is masked
    assert "这条消息将被拦截" not in text


def test_the_compose_page_warns_before_a_message_the_rules_will_block(bank, wang, login):
    text = login(bank.rm_a).get(f"/messages/new/?customer={wang.pk}&channel=email&template=birthday").content.decode()
    assert "这条消息将被拦截" in text and "客户未同意接收邮件" in text
    assert 'value="生日快乐！来自城东支行的祝福"' in text


def test_the_compose_page_asks_for_the_date_of_an_appointment_and_fills_it_in(bank, wang, login):
    client = login(bank.rm_a)
    url = f"/messages/new/?customer={wang.pk}&channel=sms&template=appointment_confirmation"
    assert "发送前请填写：</span>日期和时间" in client.get(url).content.decode()
    text = client.get(url + "&date=11月28日上午10:00").content.decode()
    assert "王先生您好，已为您预约11月28日上午10:00在城东支行面谈" in text and "发送前请填写" not in text


def test_sending_from_the_page_sends_and_shows_the_message_as_sent(bank, wang, login, gateways):
    client = login(bank.rm_a)
    response = client.post("/messages/new/", {"customer": wang.pk, "channel": "sms", "template": "birthday",
                                              "body": "王先生您好！祝您生日快乐！张敏"}, follow=True)
    message = Message.objects.get(customer=wang)
    assert response.redirect_chain[-1][0] == f"/messages/{message.pk}/"
    text = response.content.decode()
    assert "已发送至 138****5678" in text and "王先生您好！祝您生日快乐！张敏" in text
    assert [line["body"] for line in gateways.sms.lines()] == ["王先生您好！祝您生日快乐！张敏"]
    assert message.template_code == "birthday" and message.status == "sent"


def test_an_sms_sent_in_the_quiet_hours_is_held_and_goes_when_the_outbox_is_opened_after(
        bank, wang, login, gateways, settings, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from banyan import clock

    settings.BANYAN_QUIET_HOURS = (dt.time(21, 0), dt.time(8, 0))
    client = login(bank.rm_a)
    monkeypatch.setattr(clock, "now", lambda: timezone.make_aware(dt.datetime(2026, 11, 23, 22, 30)))
    response = client.post("/messages/new/", {"customer": wang.pk, "channel": "sms", "template": "birthday",
                                              "body": "王先生您好！祝您生日快乐！张敏"}, follow=True)
    assert "免打扰时段：将于 08:00 发出。" in response.content.decode()
    assert Message.objects.get(customer=wang).status == "queued" and gateways.sms.lines() == []
    # no broker here: opening the outbox in the morning sends it
    monkeypatch.setattr(clock, "now", lambda: timezone.make_aware(dt.datetime(2026, 11, 24, 8, 5)))
    client.get("/messages/")
    assert Message.objects.get(customer=wang).status == "sent" and len(gateways.sms.lines()) == 1


def test_a_blocked_send_shows_the_rule_and_the_outbox_keeps_it(bank, wang, login, gateways):
    client = login(bank.rm_a)
    response = client.post("/messages/new/", {"customer": wang.pk, "channel": "wechat", "template": "",
                                              "body": "王先生，周末的沙龙给您留了座位。"}, follow=True)
    text = response.content.decode()
    assert "未发送：客户未同意接收微信消息" in text and "被联系规则拦截" in text
    assert gateways.wechat.lines() == []
    outbox = client.get("/messages/?status=blocked").content.decode()
    assert "王建国" in outbox and "客户未同意接收微信消息" in outbox


def test_an_empty_text_is_refused_on_the_page(bank, wang, login):
    response = login(bank.rm_a).post("/messages/new/", {"customer": wang.pk, "channel": "sms", "body": " "})
    assert response.status_code == 400 and not Message.objects.exists()


def test_the_outbox_filters_by_status_channel_and_date(bank, wang, make_customer, login, smtp_server):
    email_customer = make_customer(bank.rm_a, name="陈静怡", male=False, consent_email=True, email="cjy@example.com")
    message_send(message=message_compose(actor=bank.rm_a, customer=wang, template="birthday", channel="sms"))
    message_send(message=message_compose(actor=bank.rm_a, customer=email_customer, template="birthday",
                                         channel="email"))
    client = login(bank.rm_a)
    page = client.get("/messages/").content.decode()
    assert "王建国" in page and "陈静怡" in page and "c***@example.com" in page and "cjy@example.com" not in page
    assert "陈静怡" not in client.get("/messages/?channel=sms").content.decode()
    assert "王建国" in client.get("/messages/?status=sent&date_from=2026-11-23&date_to=2026-11-23").content.decode()
    assert "王建国" not in client.get("/messages/?date_from=2026-11-24").content.decode()
    assert "结束日期早于开始日期" in client.get("/messages/?date_from=2026-11-24&date_to=2026-11-01").content.decode()


def test_a_failed_message_can_be_sent_again_from_its_page(bank, make_customer, login, smtp_server, monkeypatch):
    customer = make_customer(bank.rm_a, name="陈静怡", male=False, consent_email=True, email="cjy@example.com")
    monkeypatch.setenv("BANYAN_SMTP_PORT", str(free_port()))
    failed = message_send(message=message_compose(actor=bank.rm_a, customer=customer, template="birthday",
                                                  channel="email"))
    client = login(bank.rm_a)
    assert "重新发送" in client.get(f"/messages/{failed.pk}/").content.decode()
    monkeypatch.setenv("BANYAN_SMTP_PORT", str(smtp_server.port))
    text = client.post(f"/messages/{failed.pk}/resend/", follow=True).content.decode()
    assert "已发送至 c***@example.com" in text and len(smtp_server.received) == 1


def test_another_manager_gets_404_on_the_message_the_compose_page_and_the_send(bank, wang, login, gateways):
    message = message_send(message=message_compose(actor=bank.rm_a, customer=wang, template="birthday",
                                                   channel="sms"))
    other = login(bank.rm_c)
    assert other.get(f"/messages/{message.pk}/").status_code == 404
    assert other.post(f"/messages/{message.pk}/resend/").status_code == 404
    assert other.get(f"/messages/new/?customer={wang.pk}&template=birthday").status_code == 404
    assert other.post("/messages/new/", {"customer": wang.pk, "channel": "sms", "body": "您好"}).status_code == 404
    assert "王建国" not in other.get("/messages/").content.decode()
    assert Message.objects.count() == 1 and len(gateways.sms.lines()) == 1


def test_the_branch_head_sees_the_branchs_messages_and_the_auditor_none(bank, wang, login):
    message = message_send(message=message_compose(actor=bank.rm_a, customer=wang, template="birthday",
                                                   channel="sms"))
    assert login(bank.head).get(f"/messages/{message.pk}/").status_code == 200
    assert login(bank.auditor).get(f"/messages/{message.pk}/").status_code == 404


def test_the_customer_file_links_to_the_compose_page_and_the_nav_to_the_outbox(bank, wang, login):
    text = login(bank.rm_a).get(f"/customers/{wang.pk}/").content.decode()
    assert f'href="/messages/new/?customer={wang.pk}" id="send-message">发消息</a>' in text
    assert 'href="/messages/">消息</a>' in text


def test_sending_is_audited_with_the_sender(bank, wang, login, gateways):
    login(bank.rm_a).post("/messages/new/", {"customer": wang.pk, "channel": "sms", "body": "您好"})
    event = AuditEvent.objects.get(action="message.sent")
    assert event.actor == bank.rm_a and event.customer_id == wang.pk


def test_the_pages_speak_english_when_the_user_chose_it_and_the_rule_follows(bank, wang, login):
    message = message_send(message=message_compose(actor=bank.rm_a, customer=wang, template="birthday",
                                                   channel="wechat"))
    assert message.status_detail == "客户未同意接收微信消息"  # stored in the bank's language
    client = login(bank.rm_a)
    client.cookies["django_language"] = "en"
    text = client.get(f"/messages/{message.pk}/").content.decode()
    assert "Blocked by a contact rule:" in text and "The customer has not consented to receive WeChat messages." in text
    compose = client.get(f"/messages/new/?customer={wang.pk}&channel=sms&template=birthday").content.decode()
    assert "Birthday greeting" in compose and "SMS (70 characters each" in compose


def test_the_compose_form_posted_twice_writes_and_sends_one_message(bank, wang, login, gateways):
    """A double click on 发送 (or a reload of the post) wrote and sent the message twice: the page's
    one-time key lets the second post show the first message instead."""
    client = login(bank.rm_a)
    page = client.get(f"/messages/new/?customer={wang.pk}&channel=sms&template=birthday").content.decode()
    key = page.split('name="submission" value="')[1].split('"')[0]
    form = {"customer": wang.pk, "channel": "sms", "template": "birthday", "body": "王先生您好！祝您生日快乐！张敏",
            "submission": key}
    first = client.post("/messages/new/", form)
    second = client.post("/messages/new/", form, follow=True)
    message = Message.objects.get(customer=wang)
    assert first.status_code == 302 and second.redirect_chain[-1][0] == f"/messages/{message.pk}/"
    assert "这条消息已经写过了" in second.content.decode()
    assert len(gateways.sms.lines()) == 1
    assert AuditEvent.objects.filter(action="message.queued").count() == 1
    # a new page is a new key: the manager may still write another on purpose
    again = client.get(f"/messages/new/?customer={wang.pk}&channel=sms&template=birthday").content.decode()
    assert again.split('name="submission" value="')[1].split('"')[0] != key
