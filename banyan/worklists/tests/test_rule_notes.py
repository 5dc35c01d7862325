"""The contact rule a task was planned under (免打扰, the monthly call cap, no consent) reads in the
reader's language on 今日工作 and in the API. Before, the planner stored it as Chinese words on the
task, so a manager who had switched to English read "客户设置了免打扰" and "本月已致电 3 次（资产≥20万客户
每月最多 3 次），改用微信" among English cards. Now the task keeps the rule as a code and its facts, put
in words when shown; a task stored before keeps its Chinese words, still shown. Today is 2026-11-23."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.utils import translation

from banyan.conftest import TODAY
from banyan.contacts.services import interaction_log
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.holdings.services import holding_create
from banyan.org.tests.test_api_auth import ApiCaller
from banyan.segments.services import segments_recompute
from banyan.worklists.models import Task, TaskStatus
from banyan.worklists.planner import Facts, Planned, Rules, apply_contact_rules, rule_args_json, rule_words
from banyan.worklists.services import task_move, worklists_build
from banyan.worklists.triggers import Reason

HAN = re.compile(r"[\u3400-\u9fff]")

ZH_QUIET = "客户设置了免打扰"
ZH_CAP = "本月已致电 3 次（资产≥20万客户每月最多 3 次），改用微信"
EN_QUIET = "The customer asked not to be disturbed"
EN_CAP = ("Called 3 times this month (customers with assets of CNY 200,000 or more: at most 3 calls a month); "
          "by WeChat instead")


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def ruled(bank, make_customer):
    """zhangmin's 周敏 (do not disturb, a birthday today: left out) and 孙丽 (250k with us, called three
    times this month, agrees to WeChat: her cadence contact goes by WeChat)."""
    quiet = make_customer(bank.rm_a, name="周敏", male=False, do_not_disturb=True,
                          id_number=make_resident_id("330106", dt.date(1980, 11, 23), 4))
    capped = make_customer(bank.rm_a, name="孙丽", male=False, consent_phone=True, consent_wechat=True)
    holding_create(actor=bank.rm_a, customer=capped, product=bank.products.deposit, amount="250000",
                   purchase_date="2025-01-01")
    for day in (3, 10, 17):
        interaction_log(actor=bank.rm_a, customer=capped, channel="phone", occurred_at=f"2026-11-{day:02d}T10:00")
    Customer.objects.filter(pk=capped.pk).update(last_contact_at=None)  # cadence due today
    segments_recompute()
    worklists_build(day=TODAY, manager_ids=[bank.rm_a.pk])
    return quiet, capped


def _rule_of(page: str, customer) -> str:
    """The rule shown with the customer: on the card (task-rule) or in the left-out list."""
    start = page.index(f'href="/customers/{customer.pk}/"')
    start = page.index("task-rule", start)
    return page[page.index(">", start) + 1:page.index("</div>", start)]


def test_the_task_keeps_the_rule_as_a_code_and_its_facts(bank, ruled):
    quiet, capped = ruled
    left_out = Task.objects.get(customer=quiet, date=TODAY)
    switched = Task.objects.get(customer=capped, date=TODAY)
    assert (left_out.status, left_out.rule_code, left_out.rule_args) == (TaskStatus.SUPPRESSED, "do_not_disturb", "")
    assert switched.status == TaskStatus.OPEN and switched.suggested_channel == "wechat"
    assert (switched.rule_code, switched.rule_args) == ("monthly_call_cap_switched", '[3,200000,3,"wechat"]')


def test_the_rule_is_kept_through_a_bulk_write_and_a_move(bank, make_customer, monkeypatch):
    """PostgreSQL streams a bank-wide build with COPY; a moved task takes its rule along."""
    from banyan.worklists import services

    monkeypatch.setattr(services, "COPY_FROM_ROWS", 0)  # COPY even for a handful of tasks
    quiet = make_customer(bank.rm_a, name="周敏", male=False, do_not_disturb=True,
                          id_number=make_resident_id("330106", dt.date(1980, 11, 23), 4))
    capped = make_customer(bank.rm_c, name="孙丽", male=False, consent_phone=True, consent_sms=True)
    holding_create(actor=bank.rm_c, customer=capped, product=bank.products.deposit, amount="250000",
                   purchase_date="2025-01-01")
    for day in (3, 10, 17):
        interaction_log(actor=bank.rm_c, customer=capped, channel="phone", occurred_at=f"2026-11-{day:02d}T10:00")
    Customer.objects.filter(pk=capped.pk).update(last_contact_at=None)
    segments_recompute()
    worklists_build(day=TODAY)
    assert Task.objects.get(customer=quiet, date=TODAY).rule_code == "do_not_disturb"
    task = Task.objects.get(customer=capped, date=TODAY)
    assert (task.rule_code, task.rule_args) == ("monthly_call_cap_switched", '[3,200000,3,"sms"]')
    task_move(actor=bank.rm_c, task=task, to=TODAY + dt.timedelta(days=1))
    moved = Task.objects.get(customer=capped, date=TODAY + dt.timedelta(days=1))
    with translation.override("en"):
        assert rule_words(moved.rule_code, moved.rule_args, moved.rule_note).endswith("; by SMS instead")


def test_todays_page_shows_the_contact_rules_in_english(bank, login, ruled):
    quiet, capped = ruled
    page = _english(login(bank.rm_a)).get("/work/").content.decode()
    assert _rule_of(page, capped).endswith(EN_CAP)
    assert _rule_of(page, quiet).strip() == EN_QUIET
    assert "免打扰" not in page and "本月已致电" not in page and "改用" not in page


def test_todays_page_shows_the_contact_rules_in_chinese_by_default(bank, login, ruled):
    quiet, capped = ruled
    page = login(bank.rm_a).get("/work/").content.decode()
    assert _rule_of(page, capped).endswith(ZH_CAP)
    assert _rule_of(page, quiet).strip() == ZH_QUIET


def test_a_task_stored_with_the_rule_in_chinese_words_still_shows_them(bank, login, ruled):
    quiet, _capped = ruled
    Task.objects.filter(customer=quiet, date=TODAY).update(rule_code="", rule_args="",
                                                           rule_note="客户设置了免打扰（旧）")
    for client in (login(bank.rm_a), _english(login(bank.rm_a))):
        assert _rule_of(client.get("/work/").content.decode(), quiet).strip() == "客户设置了免打扰（旧）"


def test_the_api_gives_the_rule_in_the_callers_language_with_its_code(bank, client, ruled):
    quiet, capped = ruled
    caller = ApiCaller(client, bank.rm_a)
    body = caller.get("/worklist").json()
    left_out = next(i for i in body["excluded"] if i["customer_id"] == quiet.pk)
    assert (left_out["rule_code"], left_out["rule"]) == ("do_not_disturb", ZH_QUIET)
    item = next(i for i in body["items"] if i["customer_id"] == capped.pk)
    assert (item["rule_code"], item["rule"]) == ("monthly_call_cap_switched", ZH_CAP)

    _english(client)  # the language switch's cookie: Chinese unless asked
    body = caller.get("/worklist").json()
    assert next(i for i in body["excluded"] if i["customer_id"] == quiet.pk)["rule"] == EN_QUIET
    assert next(i for i in body["items"] if i["customer_id"] == capped.pk)["rule"] == EN_CAP


RICH = {"aum": 300_000.0, "calls_this_month": 4}


@pytest.mark.parametrize(("reason", "facts", "working", "code", "chinese"), [
    ("cadence_due", {"do_not_disturb": True}, True, "do_not_disturb", "客户设置了免打扰"),
    ("memo_due", {"do_not_disturb": True}, True, "do_not_disturb_asked", "客户设置了免打扰：只处理客户本人约定的事项"),
    ("cadence_due", {"consent": {}}, True, "no_consent", "客户未授权任何营销联系渠道"),
    ("loan_overdue", {"consent": {}}, True, "service_only", "客户未同意营销联系：仅告知服务事项，不做营销"),
    ("cadence_due", RICH, True, "monthly_call_cap", "本月已致电 4 次（资产≥20万客户每月最多 3 次）"),
    ("cadence_due", {**RICH, "consent": {"phone": True, "sms": True}}, True, "monthly_call_cap_switched",
     "本月已致电 4 次（资产≥20万客户每月最多 3 次），改用短信"),
    ("birthday", {"consent": {"phone": True, "wechat": True}}, False, "holiday_greeting",
     "节假日：发送祝福信息，不打电话打扰休息"),
])
def test_every_contact_rule_reads_as_before_in_chinese_and_as_english_in_english(reason, facts, working, code,
                                                                               chinese):
    """Each rule of the planner (a preview of the coming days shows them straight from the plan):
    the Chinese words are the ones the planner stored before, the English ones hold no Chinese."""
    base = Facts(customer_id=1, manager_id=1, aum=0.0, quadrant="low_low", is_priority=False,
                 preferred_channel="phone", consent={"phone": True}, do_not_disturb=False, calls_this_month=0)
    p = Planned(1, TODAY, [Reason(1, reason, "", TODAY)])
    apply_contact_rules(p, base._replace(**facts), working, Rules())
    assert p.rule == code
    with translation.override("zh-hans"):
        assert p.rule_note == chinese
        assert rule_words(p.rule, rule_args_json(p.rule_args)) == chinese  # as stored on a task
    with translation.override("en"):
        assert p.rule_note and not HAN.search(p.rule_note), p.rule_note
