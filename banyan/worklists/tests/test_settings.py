"""设置: the bank edits its reason rules, talking points, holiday table and segmentation policy,
and the next build of the worklists follows (today is 2026-11-23, a Monday)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from banyan.audit.models import AuditEvent
from banyan.calendars import workdays
from banyan.conftest import TODAY
from banyan.customers.identity import make_resident_id
from banyan.holdings.services import holding_create
from banyan.segments.models import SegmentPolicy
from banyan.segments.services import segments_recompute
from banyan.worklists.models import HolidayOverride, ReasonRule, TalkingPoint, Task
from banyan.worklists.services import worklist_preview, worklists_build
from banyan.worklists.settings_services import template_errors

RULES = "/work/settings/"
TALKING = "/work/settings/talking-points/"
HOLIDAYS = "/work/settings/holidays/"


@pytest.fixture(autouse=True)
def _calendar_as_published():
    """The holiday table lives in the process once loaded: every test starts and ends without it."""
    workdays.clear_overrides()
    yield
    workdays.clear_overrides()



@pytest.fixture
def admin(bank, login) -> Client:
    return login(bank.admin)


@pytest.fixture
def birthday(bank, make_customer):
    """王建国, zhangmin's customer, turns 60 today."""
    return make_customer(bank.rm_a, name="王建国", id_number=make_resident_id("330106", dt.date(1966, 11, 23), 3))


@pytest.fixture
def maturing(bank, make_customer):
    """陈静怡, zhangmin's customer: a three-year deposit of 30万 maturing in 12 days (2026-12-05)."""
    customer = make_customer(bank.rm_a, name="陈静怡", male=False)
    holding_create(actor=None, customer=customer, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-12-05", maturity_date="2026-12-05")
    return customer


@pytest.fixture
def cadence(bank, make_customer):
    """何平, zhangmin's customer never contacted: a regular contact is due, nothing dated."""
    customer = make_customer(bank.rm_a, name="何平")
    segments_recompute()
    return customer


def _codes(customer) -> set[str]:
    task = Task.objects.filter(customer=customer, date=TODAY).first()
    return set(task.reasons.values_list("code", flat=True)) if task else set()


def _planned_today(manager, customer) -> set[str]:
    """What a build of today would give the customer (planned in memory; nothing stored)."""
    return {r.code for p in worklist_preview(manager=manager, first=TODAY, days=1)[TODAY]
            if p.customer_id == customer.pk for r in p.reasons}


def _rule_post(client, code, *, lead_days, weight, enabled=True, action="save"):
    data = {"lead_days": lead_days, "weight": weight, "action": action}
    if enabled:
        data["enabled"] = "on"
    return client.post(f"/work/settings/rules/{code}/", data)


def _policy_data(**changes) -> dict:
    policy = SegmentPolicy.current()
    data = {name: str(getattr(policy, name)) for name in (
        "aum_high", "potential_high", "priority_share_pct", "days_high_high", "days_low_high", "days_high_low",
        "days_low_low", "call_cap_aum", "call_cap_per_month", "large_flow_amount", "nav_move_pct")}
    data["recompute"] = "on"
    return {**data, **{k: str(v) for k, v in changes.items()}}


# ------------------------------------------------------------------ reason rules

def test_the_rules_page_shows_every_reason_in_chinese_with_its_defaults(bank, admin):
    response = admin.get(RULES)
    assert response.status_code == 200
    text = response.content.decode()
    assert "联系规则" in text and "话术模板" in text and "节假日调整" in text
    row = text[text.index('id="reason-deposit_maturity"'):]
    row = row[:row.index("</tr>")]
    assert "存款到期" in row
    assert ['<td class="num border-start">7</td>', '<td class="num">80</td>', '<td class="num">5</td>'] == [
        cell for cell in ('<td class="num border-start">7</td>', '<td class="num">80</td>',
                          '<td class="num">5</td>') if cell in row]
    assert 'name="lead_days" value="7"' in row
    assert "设置" in text[:text.index("<main")]  # the header's entry


def test_a_longer_lead_makes_a_deposit_maturing_in_12_days_come_up_in_the_next_build(bank, admin, maturing):
    # given: with the default 7 days ahead, a deposit maturing in 12 days is not on today's list
    assert "deposit_maturity" not in _planned_today(bank.rm_a, maturing)
    # when: the administrator sets deposit maturities to come up 14 days ahead
    response = _rule_post(admin, "deposit_maturity", lead_days=14, weight=80)
    assert response.status_code == 302 and response["Location"].endswith("#reason-deposit_maturity")
    worklists_build(day=TODAY)
    # then
    assert "deposit_maturity" in _codes(maturing)
    rule = ReasonRule.objects.get(code="deposit_maturity")
    assert (rule.lead_days, rule.weight, rule.enabled) == (14, 80, True)
    page = admin.get(RULES).content.decode()
    assert "存款到期：已保存" in page and "1 项由本行设置" in page


def test_a_reason_switched_off_is_not_planned(bank, admin, birthday):
    assert "birthday" in _planned_today(bank.rm_a, birthday)
    assert _rule_post(admin, "birthday", lead_days=0, weight=60, enabled=False).status_code == 302
    worklists_build(day=TODAY)
    assert "birthday" not in _codes(birthday)


@pytest.mark.parametrize(("lead_days", "weight", "enabled", "message"), [
    (91, 60, True, "提前天数应在 0 到 90 之间"),
    (-1, 60, True, "提前天数应在 0 到 90 之间"),
    (3, 101, True, "权重应在 0 到 100 之间"),
    (3, 0, True, "启用的事由权重至少为 1"),
])
def test_a_rule_out_of_range_is_refused_and_nothing_saved(bank, admin, lead_days, weight, enabled, message):
    response = _rule_post(admin, "birthday", lead_days=lead_days, weight=weight, enabled=enabled)
    assert response.status_code == 400
    text = response.content.decode()
    row = text[text.index('id="reason-birthday"'):]
    assert message in row[:row.index("</tr>")]  # next to the refused reason
    assert not ReasonRule.objects.exists()
    assert not AuditEvent.objects.filter(action="settings.reason_rule_changed").exists()


def test_restore_default_deletes_the_override(bank, admin):
    _rule_post(admin, "festival", lead_days=10, weight=30)
    response = _rule_post(admin, "festival", lead_days="", weight="", action="reset")
    assert response.status_code == 302
    assert not ReasonRule.objects.exists()
    assert "节日：已恢复默认" in admin.get(RULES).content.decode()


# ------------------------------------------------------------------ policy

def test_the_policy_is_validated_and_nothing_is_saved_when_refused(bank, admin):
    response = admin.post("/work/settings/policy/", _policy_data(days_low_low=0, days_high_high=400,
                                                                 large_flow_amount="-5"))
    assert response.status_code == 400
    text = response.content.decode()
    assert text.count("联系频率应在 1 到 365 天之间") == 2  # under each refused frequency
    assert "请输入大于 0 的金额" in text
    policy = SegmentPolicy.current()
    assert (policy.days_low_low, policy.days_high_high, policy.large_flow_amount) == (90, 7, Decimal("50000"))
    assert not AuditEvent.objects.filter(action="settings.policy_changed").exists()


def test_a_lower_high_assets_threshold_re_segments_the_book(bank, admin, make_customer):
    customer = make_customer(bank.rm_a, name="周婷", male=False)
    holding_create(actor=None, customer=customer, product=bank.products.deposit, amount="300000",
                   purchase_date="2025-01-01")
    segments_recompute()
    customer.refresh_from_db()
    assert customer.segment.quadrant.endswith("_low") and not customer.segment.quadrant.startswith("high")
    response = admin.post("/work/settings/policy/", _policy_data(aum_high="200000", days_high_low=21))
    assert response.status_code == 302
    customer.segment.refresh_from_db()
    assert customer.segment.quadrant == "high_low"
    assert customer.segment.frequency_days == 21
    event = AuditEvent.objects.get(action="settings.policy_changed")
    assert event.before == {"aum_high": "500000.00", "days_high_low": 30}
    assert event.after == {"aum_high": "200000", "days_high_low": 21}


# ------------------------------------------------------------------ talking points

@pytest.mark.parametrize(("text", "message"), [
    ("{title}，您的{customer}快到期了", "未知的占位符“{customer}”"),
    ("{title}，生日快乐 }", "第 14 个字符处有单独的“}”"),
    ("{title}，{detail", "第 9 个字符处的“{”没有配对的“}”"),
    ("{title}，{}生日快乐", "“{}”没有名称"),
    ("{name!r}，生日快乐", "请把“{name!r}”写成“{name}”"),
])
def test_a_bad_placeholder_is_refused_with_its_name_and_nothing_is_saved(bank, admin, text, message):
    response = admin.post("/work/settings/talking-points/save/",
                          {"code": "birthday", "orientation": "", "text": text, "action": "save"})
    assert response.status_code == 400
    page = response.content.decode()
    slot = page[page.index('id="tp-birthday-any"'):]
    assert message in slot[:slot.index('class="list-group-item')]
    assert not TalkingPoint.objects.exists()
    assert not AuditEvent.objects.filter(action="settings.talking_point_changed").exists()


def test_template_errors_accept_the_four_placeholders_and_doubled_braces():
    assert template_errors("{title}您好，{name}，{detail}，我是{manager}。{{备注}}") == []


def _said(task) -> list[str]:
    from banyan.worklists.talking import task_talk

    return task_talk(task).script


def test_a_custom_talking_point_shows_up_in_a_built_task(bank, admin, birthday):
    response = admin.post("/work/settings/talking-points/save/", {
        "code": "birthday", "orientation": "", "action": "save",
        "text": "{title}，我是{manager}，{detail}，祝您福如东海！"})
    assert response.status_code == 302
    worklists_build(day=TODAY)
    script = _said(Task.objects.get(customer=birthday, date=TODAY))
    # never reached yet: the introduction first (seed 004), then the bank's own birthday line
    assert script[1].startswith("以后由我作为您的专属客户经理为您服务。")
    assert script[2] == "王先生，我是张敏，今天是您的60岁生日，祝您福如东海！"  # {detail}: words for the customer
    assert "我代表银行祝您生日快乐" not in "".join(script)  # the default line is replaced


def test_a_regular_contact_line_per_orientation(bank, admin, make_customer):
    from banyan.contacts.services import interaction_log

    customer = make_customer(bank.rm_a, name="刘洋", orientation="value")
    interaction_log(actor=bank.rm_a, customer=customer, channel="phone", outcome="reached",
                    occurred_at=dt.datetime(2025, 6, 2, 10, tzinfo=dt.UTC))
    never = make_customer(bank.rm_a, name="刘海", orientation="value")
    segments_recompute()
    admin.post("/work/settings/talking-points/save/", {
        "code": "cadence_due", "orientation": "value", "action": "save",
        "text": "{title}，年底了，帮您看看明年的资产配置。{detail}"})
    admin.post("/work/settings/talking-points/save/", {
        "code": "cadence_due", "orientation": "first", "action": "save",
        "text": "{title}您好，我是新来的客户经理{manager}，以后请多关照。"})
    assert TalkingPoint.objects.filter(code="cadence_due", orientation="value").exists()
    worklists_build(day=TODAY)
    assert _said(Task.objects.get(customer=customer, date=TODAY))[1] == \
        "刘先生，年底了，帮您看看明年的资产配置。有段时间没跟您联系了"
    # a customer never contacted gets the first-contact line, not the regular one
    first = _said(Task.objects.get(customer=never, date=TODAY))[1]
    assert first == "刘先生您好，我是新来的客户经理张敏，以后请多关照。"


def test_the_page_previews_each_line_for_the_sample_customer_and_previews_what_is_typed(bank, admin):
    page = admin.get(TALKING).content.decode()
    slot = page[page.index('id="tp-birthday-any"'):]
    assert "今天是您的60岁生日，我代表银行祝您生日快乐、身体健康！" in slot
    response = admin.get("/work/settings/talking-points/preview/",
                         {"code": "deposit_maturity", "text": "{title}，{detail}，{manager}"})
    assert response.status_code == 200
    # {detail} is what the customer hears: the product and its date, not the amount
    assert "王先生，您的三年期整存整取11月28日到期，张敏" in response.content.decode()
    refused = admin.get("/work/settings/talking-points/preview/", {"code": "birthday", "text": "{客户}您好"})
    assert "未知的占位符“{客户}”" in refused.content.decode()


def test_saving_the_default_text_keeps_no_copy_and_restore_default_removes_the_bank_line(bank, admin):
    from banyan.worklists.reasons import TALKING_POINTS

    default = TALKING_POINTS[("festival", "")]
    admin.post("/work/settings/talking-points/save/", {"code": "festival", "orientation": "", "action": "save",
                                                       "text": default})
    assert not TalkingPoint.objects.exists()
    admin.post("/work/settings/talking-points/save/", {"code": "festival", "orientation": "", "action": "save",
                                                       "text": "{title}，{detail}快乐！"})
    assert TalkingPoint.objects.get().text == "{title}，{detail}快乐！"
    admin.post("/work/settings/talking-points/save/", {"code": "festival", "orientation": "", "action": "reset"})
    assert not TalkingPoint.objects.exists()


# ------------------------------------------------------------------ holidays

def test_the_holiday_page_shows_this_year_and_next_as_the_calendar_sees_them(bank, admin):
    page = admin.get(HOLIDAYS).content.decode()
    this_year = page[page.index('id="calendar-2026"'):page.index('id="calendar-2027"')]
    assert "国庆节" in this_year and "2026-10-01 – 10-07" in this_year and "7 天" in this_year
    assert "2026-10-10 星期六" in this_year  # a make-up workday
    next_year = page[page.index('id="calendar-2027"'):]
    assert "2027 年没有调休上班日" in next_year  # the library only projects 2027


def test_a_day_off_entered_on_a_working_day_stops_regular_contacts_that_day(bank, admin, cadence):
    # given: today is a working day and 何平's regular contact would be planned
    assert workdays.is_working_day(TODAY)
    assert "cadence_due" in _planned_today(bank.rm_a, cadence)
    # when: the bank enters today as a day off
    response = admin.post("/work/settings/holidays/add/", {"date": "2026-11-23", "is_working_day": "0",
                                                           "name": "行庆日"})
    assert response.status_code == 302 and response["Location"].endswith("?year=2026")
    # then: the calendar knows at once, and the build plans no regular contact today
    assert not workdays.is_working_day(TODAY) and workdays.holiday_name(TODAY) == "行庆日"
    worklists_build(day=TODAY)
    assert not Task.objects.filter(customer=cadence, date=TODAY).exists()
    page = admin.get(HOLIDAYS).content.decode()
    assert "行庆日" in page[page.index('id="calendar-2026"'):]
    assert "来自本行调整表" in page


def test_a_make_up_workday_for_a_year_the_library_does_not_know_counts_at_once(bank, admin):
    sunday = dt.date(2027, 2, 14)
    assert not workdays.is_working_day(sunday)
    response = admin.post("/work/settings/holidays/add/", {"date": "2027-02-14", "is_working_day": "1",
                                                           "name": "春节调休上班", "year": "2026"})
    assert response.status_code == 302
    assert workdays.is_working_day(sunday)
    page = admin.get(HOLIDAYS).content.decode()
    assert "2027-02-14 星期日" in page[page.index('id="calendar-2027"'):]


def test_a_duplicate_date_is_refused_with_a_clear_message(bank, admin):
    admin.post("/work/settings/holidays/add/", {"date": "2027-02-06", "is_working_day": "0", "name": "春节"})
    response = admin.post("/work/settings/holidays/add/", {"date": "2027-02-06", "is_working_day": "1"})
    assert response.status_code == 400
    assert "2027-02-06 已在调整表中（休息日，春节）：如需修改，请先删除。" in response.content.decode()
    assert HolidayOverride.objects.get().is_working_day is False


def test_deleting_an_entry_gives_the_day_back_to_the_official_calendar(bank, admin):
    admin.post("/work/settings/holidays/add/", {"date": "2026-11-23", "is_working_day": "0", "name": "行庆日"})
    row = HolidayOverride.objects.get()
    assert not workdays.is_working_day(TODAY)
    response = admin.post(f"/work/settings/holidays/{row.pk}/delete/", {"year": "2026"})
    assert response.status_code == 302
    assert not HolidayOverride.objects.exists()
    assert workdays.is_working_day(TODAY)


# ------------------------------------------------------------------ who may

def test_a_branch_head_sees_the_settings_but_cannot_change_them(bank, login, birthday):
    head = login(bank.head)
    for url in (RULES, TALKING, HOLIDAYS):
        page = head.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        assert "只读：仅管理员可以修改" in text
        assert 'method="post" action="/work/settings' not in text
    assert "今天是您的60岁生日" in head.get(TALKING).content.decode()  # the lines in use, previewed
    refused = [
        _rule_post(head, "birthday", lead_days=5, weight=60),
        head.post("/work/settings/policy/", _policy_data(days_low_low=30)),
        head.post("/work/settings/talking-points/save/", {"code": "birthday", "orientation": "", "action": "save",
                                                          "text": "{title}，生日快乐"}),
        head.post("/work/settings/holidays/add/", {"date": "2026-11-24", "is_working_day": "0"}),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403]
    assert not ReasonRule.objects.exists() and not TalkingPoint.objects.exists()
    assert not HolidayOverride.objects.exists() and SegmentPolicy.current().days_low_low == 90


def test_a_branch_head_cannot_delete_a_holiday_entry(bank, admin, login):
    admin.post("/work/settings/holidays/add/", {"date": "2027-02-06", "is_working_day": "0"})
    row = HolidayOverride.objects.get()
    assert login(bank.head).post(f"/work/settings/holidays/{row.pk}/delete/").status_code == 403
    assert HolidayOverride.objects.exists()


@pytest.mark.parametrize("who", ["rm_a", "assistant", "auditor"])
def test_anyone_else_gets_404(bank, login, who):
    client = login(getattr(bank, who))
    for url in (RULES, TALKING, HOLIDAYS, "/work/settings/talking-points/preview/?code=birthday&text=x"):
        assert client.get(url).status_code == 404
    assert _rule_post(client, "birthday", lead_days=5, weight=60).status_code == 404
    assert client.post("/work/settings/holidays/add/", {"date": "2026-11-24", "is_working_day": "0"}).status_code \
        == 404
    assert not ReasonRule.objects.exists() and not HolidayOverride.objects.exists()
    assert "/work/settings/" not in client.get("/").content.decode()  # no header entry either


def test_the_header_entry_is_for_the_admin_and_the_branch_head(bank, login):
    for staff in (bank.admin, bank.head):
        page = login(staff).get(RULES).content.decode()
        header = page[:page.index("<main")]
        assert '<a class="nav-link active" href="/work/settings/">设置</a>' in header


def test_the_pages_speak_english_when_the_user_chose_it(bank, admin):
    admin.cookies["django_language"] = "en"  # what the language switch sets
    rules = admin.get(RULES).content.decode()
    assert "Contact rules" in rules and "Deposit maturing" in rules and ">Settings</a>" in rules
    assert "Holiday adjustments" in admin.get(HOLIDAYS).content.decode()
    refused = admin.post("/work/settings/talking-points/save/",
                         {"code": "birthday", "orientation": "", "text": "{title} {customer}", "action": "save"})
    assert "Unknown placeholder “{customer}”: only {title} {name} {detail} {manager} can be used." \
        in refused.content.decode()


# ------------------------------------------------------------------ audit

def test_every_change_is_audited_with_before_and_after(bank, admin):
    _rule_post(admin, "deposit_maturity", lead_days=14, weight=85)
    _rule_post(admin, "deposit_maturity", lead_days="", weight="", action="reset")
    admin.post("/work/settings/talking-points/save/", {"code": "birthday", "orientation": "", "action": "save",
                                                       "text": "{title}，生日快乐！"})
    admin.post("/work/settings/holidays/add/", {"date": "2027-02-06", "is_working_day": "0", "name": "春节"})
    admin.post(f"/work/settings/holidays/{HolidayOverride.objects.get().pk}/delete/")
    admin.post("/work/settings/policy/", _policy_data(days_low_low=60, recompute=""))
    events = list(AuditEvent.objects.filter(action__startswith="settings.").order_by("pk"))
    assert [(e.action, e.actor_id) for e in events] == [
        ("settings.reason_rule_changed", bank.admin.pk), ("settings.reason_rule_changed", bank.admin.pk),
        ("settings.talking_point_changed", bank.admin.pk), ("settings.holiday_changed", bank.admin.pk),
        ("settings.holiday_changed", bank.admin.pk), ("settings.policy_changed", bank.admin.pk)]
    saved, reset, point, added, deleted, policy = events
    assert saved.before == {"lead_days": 7, "weight": 80, "enabled": True, "override": False}
    assert saved.after == {"lead_days": 14, "weight": 85, "enabled": True, "override": True}
    assert (reset.before["lead_days"], reset.after["lead_days"], reset.after["override"]) == (14, 7, False)
    assert point.before == {"text": None} and point.after == {"text": "{title}，生日快乐！"}
    assert added.after == {"date": "2027-02-06", "is_working_day": False, "name": "春节"} and added.before is None
    assert deleted.before == added.after and deleted.after is None
    assert policy.before == {"days_low_low": 90} and policy.after == {"days_low_low": 60}


# ------------------------------------------------------------------ in a browser

@pytest.mark.browser
def test_the_settings_pages_in_a_browser(live_server, bank, birthday, monkeypatch):
    """The administrator changes a lead day, types a talking point and watches the preview follow
    (refusing an unknown placeholder), and adds next year's make-up workday; a screenshot of each
    page goes to screenshots/."""
    from playwright.sync_api import expect, sync_playwright

    from banyan.testing.browser import SHOTS, chromium, login

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())  # the server thread does not share the frozen clock
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "admin")
        page.click("nav >> text=设置")
        expect(page.locator("h1")).to_contain_text("设置")

        row = page.locator("#reason-deposit_maturity")
        row.locator("input[name=lead_days]").fill("14")
        row.get_by_role("button", name="保存").click()
        expect(page.locator(".alert-success")).to_contain_text("存款到期：已保存")
        expect(page.locator("#reason-deposit_maturity")).to_contain_text("本行设置")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=SHOTS / "20-settings-rules.png", full_page=True)

        # The preview is htmx on the textarea's input: type only once the page's scripts have run
        # (the page shows before its last <script> has, and a keystroke then goes unheard).
        page.click("#settings-tabs >> text=话术模板")
        expect(page).to_have_url(f"{live_server.url}/work/settings/talking-points/")
        page.wait_for_load_state()
        slot = page.locator("#tp-birthday-any")
        slot.locator("textarea").fill("{title}，{manager}祝您生日快乐！{detail}")
        expect(slot.locator(".tp-preview")).to_contain_text("王先生，张敏祝您生日快乐！今天是您的60岁生日")
        slot.locator("textarea").fill("{title}，{客户}生日快乐！")
        expect(slot.locator(".tp-preview")).to_contain_text("未知的占位符“{客户}”")
        slot.locator("textarea").fill("{title}，{manager}祝您生日快乐！{detail}")
        slot.get_by_role("button", name="保存").click()
        expect(page.locator(".alert-success")).to_contain_text("生日：话术已保存")
        page.wait_for_load_state()
        page.locator("#tp-cadence_due-value textarea").fill("{title}，{detail")
        expect(page.locator("#tp-cadence_due-value .tp-preview")).to_contain_text("没有配对的“}”")
        page.locator("#tp-cadence_due-value").screenshot(path=SHOTS / "21b-settings-talking-point-refused.png")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=SHOTS / "21-settings-talking-points.png")

        page.click("#settings-tabs >> text=节假日调整")
        expect(page.locator("#calendar-2027")).to_contain_text("2027 年没有调休上班日")
        page.fill("#id_holiday_date", "2027-02-20")
        page.select_option("#id_holiday_is_working_day", "1")
        page.fill("#id_holiday_name", "春节调休上班")
        page.get_by_role("button", name="添加").click()
        expect(page.locator(".alert-success")).to_contain_text("2027-02-20")
        expect(page.locator("#holiday-overrides")).to_contain_text("春节调休上班")
        expect(page.locator("#calendar-2027")).to_contain_text("2027-02-20 星期六")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=SHOTS / "22-settings-holidays.png", full_page=True)

        head = browser.new_context(locale="zh-CN", viewport={"width": 768, "height": 1024})
        head_page = login(head, live_server.url, "zhaolei")
        head_page.goto(f"{live_server.url}/work/settings/")
        expect(head_page.locator("#read-only")).to_be_visible()
        expect(head_page.locator("#reason-deposit_maturity")).to_contain_text("14")
        head_page.screenshot(path=SHOTS / "23-settings-rules-branch-head-tablet.png", full_page=True)
    assert ReasonRule.objects.get(code="deposit_maturity").lead_days == 14
    assert HolidayOverride.objects.get().is_working_day is True
