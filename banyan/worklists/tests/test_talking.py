"""What a manager reads to the customer, and what stays the manager's (issue 10 §6): the task card,
the API and the calling screen, in Chinese and in English (today is 2026-11-23, a Monday)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import translation

from banyan.audit.models import AuditEvent
from banyan.conftest import TODAY
from banyan.contacts.services import appointment_create, interaction_log, memo_create
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.holdings.services import holding_create, nav_record, product_create, transaction_record
from banyan.org.tests.test_api_auth import ApiCaller
from banyan.outreach.models import Script
from banyan.outreach.services import campaign_create
from banyan.segments.models import SegmentPolicy
from banyan.segments.services import segments_recompute
from banyan.worklists.models import Task
from banyan.worklists.services import reason_rules, worklists_build
from banyan.worklists.triggers import Window, collect

#: What the customer must never hear: the engine's and the bank's figures (seen read aloud before).
INTERNAL = ("天未联系", "应每", "尚未建立联系", "建议首次邀约", "成本", "最新净值", "止损线 10%", "1.0000", "0.8800",
            "余额", "逾期 5 天", " 万", "客户想了解", "%")


def _born(day: dt.date, seq: int = 1, male: bool = True) -> str:
    return make_resident_id("330106", day, seq * 2 + (1 if male else 0))


def _card(page: str, name: str) -> str:
    """The task card of the customer named `name` on the page."""
    cards = [c for c in page.split("<article")[1:] if f">{name}</a>" in c]
    assert len(cards) == 1, name
    return cards[0][:cards[0].index("</article>")]


def _said(card: str) -> str:
    """The card's "what to say" box, as text."""
    found = re.search(r'<div class="talking mt-2">\s*<div class="talking-title">[^<]*</div>(.*?)</div>', card, re.S)
    assert found, "no talking points on the card"
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1))


def _notes(card: str) -> str:
    found = re.search(r'<div class="talking-notes[^"]*"[^>]*>(.*?)</ul>', card, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)) if found else ""


@pytest.fixture
def fund(bank):
    nav_record(actor=bank.admin, product=bank.products.fund, date="2026-06-01", nav="1.0000")
    return bank.products.fund


@pytest.fixture
def overdue(bank, make_customer):
    """孙立: service-oriented (his regular line invites to client events), last spoken to in May, a
    deposit maturing on Friday — and his loan five days overdue."""
    customer = make_customer(bank.rm_a, name="孙立", orientation="service")
    interaction_log(actor=bank.rm_a, customer=customer, channel="phone", outcome="reached",
                    occurred_at="2026-05-04T10:00")
    holding_create(actor=bank.rm_a, customer=customer, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-11-27", maturity_date="2026-11-27")
    holding_create(actor=bank.rm_a, customer=customer, product=bank.products.loan, amount="125000",
                   purchase_date="2024-01-10", overdue_days=5)
    segments_recompute()
    return customer


# ------------------------------------------------------------------ what is said, what is noted

def test_the_script_reads_no_internal_figure_and_the_notes_keep_them(bank, login, make_customer, fund):
    """Before, the card said to the customer "已 323 天未联系（应每 14 天联系一次）", "尚未建立联系：建议首次
    邀约，了解客户需求" and "稳健成长混合基金 成本 1.0000，最新净值 0.8800（-12.0%），止损线 10%" verbatim."""
    long_ago = make_customer(bank.rm_a, name="钱坤")
    interaction_log(actor=bank.rm_a, customer=long_ago, channel="phone", outcome="reached",
                    occurred_at="2026-01-04T10:00")
    make_customer(bank.rm_a, name="郑薇", male=False)  # never contacted
    falling = make_customer(bank.rm_a, name="刘洋")
    interaction_log(actor=bank.rm_a, customer=falling, channel="phone", outcome="reached",
                    occurred_at="2026-11-02T10:00")
    holding_create(actor=bank.rm_a, customer=falling, product=fund, amount="200000", cost_price="1.0000",
                   purchase_date="2026-06-01", stop_loss_pct="10")
    memo_create(actor=bank.rm_a, customer=falling, text="客户想了解积存金，到货后通知", due_date=TODAY)
    segments_recompute()
    nav_record(actor=bank.admin, product=fund, date="2026-11-20", nav="0.8800")

    page = login(bank.rm_a).get("/work/").content.decode()
    for name in ("钱坤", "郑薇", "刘洋"):
        said = _said(_card(page, name))
        assert not [word for word in INTERNAL if word in said], (name, said)
    assert "有段时间没跟您联系了" in _said(_card(page, "钱坤"))
    assert "以后由我作为您的专属客户经理为您服务" in _said(_card(page, "郑薇"))  # a first contact: care only
    falling_said = _said(_card(page, "刘洋"))
    assert "您持有的稳健成长混合基金已经跌到您买入时约定的止损线了" in falling_said
    assert "上次您跟我提到的事情" in falling_said  # the memo in words for the customer, not read out
    # the figures are there, for the manager: with the reasons, and the handling in the notes
    card = _card(page, "刘洋")
    assert "成本 1.0000，最新净值 0.8800（-12.0%），止损线 10%" in card and "客户想了解积存金" in card
    assert "讲清楚情况，由客户决定；不催促，不承诺收益。" in _notes(card)
    assert "已 " in _card(page, "钱坤") and "天未联系（应每" in _card(page, "钱坤")


def test_the_same_product_held_twice_is_one_paragraph_with_both_holdings_in_the_notes(
        bank, make_customer, fund, client):
    """Before, a fund bought twice gave two near-identical paragraphs (one per holding, differing
    only in the cost read aloud); two deposits of one product maturing together, two as well."""
    twice = make_customer(bank.rm_a, name="周强")
    for day, cost in (("2026-06-01", "1.0000"), ("2026-07-01", "1.0500")):
        holding_create(actor=bank.rm_a, customer=twice, product=fund, amount="100000", cost_price=cost,
                       purchase_date=day, stop_loss_pct="10")
    deposits = make_customer(bank.rm_a, name="吴芳", male=False)
    for amount in ("200000", "300000"):
        holding_create(actor=bank.rm_a, customer=deposits, product=bank.products.deposit, amount=amount,
                       purchase_date="2023-11-27", maturity_date="2026-11-27")
    # reached before (a stranger would hear no rollover suggestion: test_familiar_before_selling.py)
    Customer.objects.filter(pk=deposits.pk).update(last_contact_at=dt.datetime(2026, 10, 1, 10, tzinfo=dt.UTC))
    segments_recompute()
    nav_record(actor=bank.admin, product=fund, date="2026-11-20", nav="0.8800")

    items = {i["customer_name"]: i for i in ApiCaller(client, bank.rm_a).get("/worklist").json()["items"]}
    assert items["周强"]["talking_points"].count("稳健成长混合基金") == 1
    assert items["吴芳"]["talking_points"].count("三年期整存整取") == 1
    fund_script = items["周强"]["script"]
    limit = [p for p in fund_script if "止损线" in p]
    assert len(limit) == 1 and limit[0].endswith(
        "您持有的稳健成长混合基金已经跌到您买入时约定的止损线了。我先把情况跟您讲清楚，再一起决定是止损还是继续持有，您不用着急。")
    assert any("成本 1.0000" in n and "成本 1.0500" in n for n in items["周强"]["notes"])  # both, for the manager
    assert [r["code"] for r in items["周强"]["reasons"]].count("stop_loss") == 2  # the reasons: one per holding
    deposit_script = items["吴芳"]["script"]
    assert [p for p in deposit_script if "三年期整存整取" in p] == [
        "另外，提醒您一下，您的两笔三年期整存整取都在11月27日到期。到期后是继续转存，还是看看其他稳健的安排？我可以先帮您做个对比。"]
    assert items["吴芳"]["talking_points"] == "\n".join(deposit_script)


# ------------------------------------------------------------------ reasons that do not mix

def test_a_call_about_an_overdue_loan_carries_no_invitation_and_no_rollover_pitch(bank, login, overdue):
    """Before, 孙立's loan five days overdue and an invitation to a client event came in one call,
    with a rollover pitch for his maturing deposit besides."""
    card = _card(login(bank.rm_a).get("/work/").content.decode(), "孙立")
    said = _said(card)
    assert "客户活动" not in said and "继续转存" not in said
    assert "您的个人住房贷款这一期的还款还没有到账" in said  # what the call is about comes first
    assert said.index("个人住房贷款") < said.index("三年期整存整取")
    assert "提醒您一下，您的三年期整存整取11月27日到期。" in said  # the service notice stays
    assert "有段时间没跟您联系了，最近办理业务还顺利吗？" in said
    assert "本次通话涉及贷款逾期，不做营销：已略去客户活动邀请、续存建议。" in _notes(card)


def test_the_bank_edits_which_reasons_do_not_mix_and_the_change_is_audited(bank, login, overdue):
    admin, manager = login(bank.admin), login(bank.rm_a)
    page = admin.get("/work/settings/").content.decode()
    assert 'id="mix-rule"' in page and 'name="sensitive" value="loan_overdue" id="mix-sensitive-loan_overdue" checked' \
        in page
    # a reason cannot be both: nothing saved, the reason named
    refused = admin.post("/work/settings/mix/", {"sensitive": ["loan_overdue"], "marketing": ["loan_overdue"]})
    assert refused.status_code == 400 and "贷款逾期不能两项都勾选" in refused.content.decode()
    assert not AuditEvent.objects.filter(action="settings.mix_rule_changed").exists()
    # the bank decides an overdue loan does not keep the invitation out: the next look at the card shows it
    saved = admin.post("/work/settings/mix/", {"sensitive": ["card_repayment"],
                                               "marketing": ["cadence_due", "nav_move"]})
    assert saved.status_code == 302
    said = _said(_card(manager.get("/work/").content.decode(), "孙立"))
    assert "我们近期有客户活动，想邀请您参加。" in said
    assert "到期后是继续转存" in said  # deposit maturity is no longer marketing either: its offer is back
    event = AuditEvent.objects.get(action="settings.mix_rule_changed")
    assert event.actor == bank.admin
    assert event.before == {"sensitive": ["card_repayment", "complaint_care", "complaint_due", "loan_overdue"],
                            "marketing": ["cadence_due", "deposit_maturity", "dividend", "large_inflow", "nav_move",
                                          "new_customer", "opportunity_due", "product_maturity",
                                          "wanted_product"]}
    assert event.after == {"sensitive": ["card_repayment"], "marketing": ["cadence_due", "nav_move"]}
    # a branch head reads the rule and may not change it; restoring the defaults is audited too
    head = login(bank.head)
    assert head.post("/work/settings/mix/", {"sensitive": []}).status_code == 403
    admin.post("/work/settings/mix/", {"action": "reset"})
    assert AuditEvent.objects.filter(action="settings.mix_rule_changed").count() == 2
    assert "客户活动" not in _said(_card(manager.get("/work/").content.decode(), "孙立"))


def test_a_card_repayment_is_a_reminder_before_its_date_and_a_sensitive_call_after_it(bank, make_customer):
    card = product_create(actor=None, code="CC01", name="白金信用卡", type="credit_card", risk_level="R1")
    customer = make_customer(bank.rm_a, name="冯雪", male=False, orientation="service")
    interaction_log(actor=bank.rm_a, customer=customer, channel="phone", outcome="reached",
                    occurred_at="2026-05-04T10:00")
    holding_create(actor=bank.rm_a, customer=customer, product=card, amount="0", purchase_date="2024-01-01",
                   payment_due_date="2026-11-24", minimum_payment="1280.00")
    segments_recompute()
    worklists_build(day=TODAY)
    task = Task.objects.get(customer=customer, date=TODAY)
    from banyan.worklists.talking import task_talk

    before = task_talk(task, today=TODAY)
    assert "温馨提醒：您的信用卡本期账单明天到期还款。" in before.text
    assert "我们近期有客户活动，想邀请您参加。" in before.text and not before.mix_note
    after = task_talk(task, today=TODAY + dt.timedelta(days=2))  # left open past its date
    assert "您的信用卡本期账单昨天已经到期，还款好像还没有到账" in after.text
    assert "客户活动" not in after.text
    assert after.mix_note == "本次通话涉及信用卡还款逾期，不做营销：已略去客户活动邀请。"


def test_the_calling_screen_shows_the_days_words_apart_and_keeps_the_campaign_out_of_a_sensitive_call(
        bank, overdue):
    opening = Script.objects.filter(kind="opening").order_by("pk").last()
    campaign = campaign_create(actor=bank.rm_a, name="年末到期邀约", purpose="邀请到期客户来网点做资产检视",
                               start_date="2026-11-23", end_date="2026-12-20",
                               filter={"holds": "time_deposit", "maturity_within_days": 30}, opening=opening)
    worklists_build(day=TODAY)
    client = Client()
    client.force_login(bank.rm_a)
    page = client.get(f"/outreach/{campaign.pk}/call/?customer={overdue.pk}").content.decode()
    say = page[page.index('id="today-say"'):page.index('id="today-notes"')]
    notes = page[page.index('id="today-notes"'):]
    assert "您的个人住房贷款这一期的还款还没有到账" in say and "贷款已逾期" not in say
    assert "贷款已逾期 5 天" in notes and "本次通话涉及贷款逾期，不做营销" in notes
    assert "该客户今天有敏感事项（贷款逾期）：先处理该事项，本次活动的邀约留到下次通话。" in page


# ------------------------------------------------------------------ English mode

def test_english_mode_writes_the_reasons_and_talking_points_in_english_and_chinese_stays_the_default(
        bank, login, make_customer, client, overdue):
    """Before, a manager in English mode read every reason and talking point in Chinese."""
    make_customer(bank.rm_a, name="王建国", id_number=_born(dt.date(1966, 11, 23)))
    english = login(bank.rm_a)
    english.cookies["django_language"] = "en"
    page = english.get("/work/").content.decode()
    card = _card(page, "王建国")
    assert "Birthday on 23 Nov, turns 60 (a round birthday)" in card
    said = _said(card)
    assert said.strip().startswith("Hello Mr Wang, this is 张敏, your relationship manager at 榕树银行.")
    assert "Today is your 60th birthday — on behalf of the bank" in said
    assert not re.search(r"[\u4e00-\u9fff]", said.replace("张敏", "").replace("榕树银行", ""))
    assert "Greetings only; no products." in _notes(card)
    loan = _card(page, "孙立")
    assert "Loan overdue for 5 days, balance CNY 125,000" in loan
    assert "A sensitive call (Loan overdue): no marketing in it. Left out: the client-event invitation, " \
           "the rollover suggestion." in _notes(loan)
    assert "the latest instalment on your 个人住房贷款 has not come in yet" in _said(loan)
    # the API speaks the caller's language too; without a choice, Chinese
    caller = ApiCaller(client, bank.rm_a)
    client.cookies["django_language"] = "en"
    item = next(i for i in caller.get("/worklist").json()["items"] if i["customer_name"] == "王建国")
    assert item["reasons"][0]["detail"] == "Birthday on 23 Nov, turns 60 (a round birthday)"
    # never reached: the introduction first (seed 004), then the greeting
    assert item["script"][1].startswith("From now on I will be your personal relationship manager.")
    assert item["script"][2].startswith("Today is your 60th birthday")
    del client.cookies["django_language"]
    item = next(i for i in caller.get("/worklist").json()["items"] if i["customer_name"] == "王建国")
    assert item["reasons"][0]["detail"] == "11月23日生日，60 岁（整寿）"
    assert item["script"][1].startswith("以后由我作为您的专属客户经理为您服务。")
    assert item["script"][2] == "今天是您的60岁生日，我代表银行祝您生日快乐、身体健康！"


def test_every_reason_reads_in_chinese_exactly_as_stored_and_in_english_from_its_facts(bank, make_customer, fund):
    """The details are written from each reason's facts in the reader's language; in Chinese, word
    for word what the trigger stored (so a page in Chinese reads as the list was planned)."""
    from banyan.worklists.talking import Item, detail_text

    c = make_customer(bank.rm_a, name="韩梅", male=False, id_number=_born(dt.date(1976, 11, 23), 3, False),
                      wedding_anniversary=dt.date(1996, 11, 25), risk_level="C3",
                      risk_assessed_on=dt.date(2025, 12, 1))
    holding_create(actor=bank.rm_a, customer=c, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-11-27", maturity_date="2026-11-27", auto_rollover=True)
    holding_create(actor=bank.rm_a, customer=c, product=bank.products.wealth, amount="1200000",
                   purchase_date="2026-06-01", maturity_date="2026-11-28")
    holding_create(actor=bank.rm_a, customer=c, product=bank.products.loan, amount="450000",
                   purchase_date="2016-12-10", maturity_date="2026-12-10")
    holding_create(actor=bank.rm_a, customer=c, product=bank.products.loan, amount="125000",
                   purchase_date="2024-01-10", overdue_days=5)
    card = product_create(actor=None, code="CC01", name="白金信用卡", type="credit_card", risk_level="R1")
    holding_create(actor=bank.rm_a, customer=c, product=card, amount="0", purchase_date="2024-01-01",
                   payment_due_date="2026-11-25", minimum_payment="12800.00")
    holding_create(actor=bank.rm_a, customer=c, product=fund, amount="200000", cost_price="0.8000",
                   purchase_date="2026-06-01", take_profit_pct="20", units="200000")
    holding_create(actor=bank.rm_a, customer=c, product=fund, amount="100000", cost_price="1.1000",
                   purchase_date="2026-06-01", stop_loss_pct="10")
    nav_record(actor=bank.admin, product=fund, date="2026-11-19", nav="1.0000")
    nav_record(actor=bank.admin, product=fund, date="2026-11-20", nav="0.9600", dividend="0.05")
    transaction_record(actor=None, customer=c, external_id="T1", occurred_on="2026-11-22", amount="-500000",
                       counterparty="某证券公司")
    transaction_record(actor=None, customer=c, external_id="T2", occurred_on="2026-11-22", amount="800000")
    interaction_log(actor=bank.rm_a, customer=c, channel="phone", outcome="reached", occurred_at="2026-01-04T10:00",
                    next_step="了解孩子出国留学的换汇安排", next_contact_on="2026-11-23")
    memo_create(actor=bank.rm_a, customer=c, text="客户想了解积存金", due_date=TODAY)
    appointment_create(actor=bank.rm_a, customer=c, at="2026-11-24T10:00", place="城东支行", purpose="面谈资产配置")
    make_customer(bank.rm_a, name="新客", account_opened_on=dt.date(2026, 11, 20), source="payroll")
    make_customer(bank.rm_a, name="从未")
    segments_recompute()

    window = Window(first=TODAY, last=TODAY + dt.timedelta(days=7), rules=reason_rules(),
                    policy=SegmentPolicy.current(), manager_ids=None)
    reasons = collect(window)
    codes = {r.code for r in reasons}
    assert codes >= {"birthday", "anniversary", "deposit_maturity", "product_maturity", "loan_maturity",
                     "loan_overdue", "card_repayment", "nav_move", "dividend", "take_profit", "stop_loss",
                     "large_outflow", "large_inflow", "cadence_due", "memo_due", "follow_up", "appointment",
                     "new_customer", "risk_assessment_expiry"}
    for r in reasons:
        with translation.override("zh-hans"):
            assert detail_text(r) == r.detail, r
        with translation.override("en"):
            english = detail_text(r)
        if r.code not in ("memo_due", "follow_up"):  # the manager's own words, in whatever language
            assert english != r.detail and re.search(r"[A-Za-z]{2,}", english), (r, english)
    festival = Item("festival", "春节", dt.date(2027, 2, 6), {"festival": "spring_festival"})
    with translation.override("en"):
        assert detail_text(festival) == "Spring Festival"
    with translation.override("zh-hans"):
        assert detail_text(festival) == "春节"
