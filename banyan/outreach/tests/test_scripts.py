"""The script library page (OUT-2, today is 2026-11-23): the bank's scripts and the branch's own,
each objection with how often its answer worked; a branch head adds, edits and takes out the
branch's scripts, which its managers then see in the library and on the calling screen — and
another branch never sees."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from banyan.audit.models import AuditEvent
from banyan.outreach.models import CallEntry, Script
from banyan.outreach.services import call_outcome_record, campaign_create

DELAY_STEPS = {
    "step_empathise": "理解您，钱的事情确实要慢慢想。",
    "step_ask": "我能问您一个小问题吗？",
    "step_clarify": "您最放心不下的是期限还是收益？",
    "step_restate": "这款产品可以随时赎回，不耽误您用钱。",
    "step_confirm": "那我周四上午在城东支行等您，您看行吗？",
}
NEW_DELAY = {"title": "城东：拖延客户的随时赎回说法", "kind": "objection", "objection": "delay", **DELAY_STEPS}


def client_for(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _delay_section(page: str) -> str:
    return page[page.index('id="objection-delay"'):page.index('id="objection-not_interested"')]


@pytest.fixture
def branch_script(bank):
    response = client_for(bank.head).post("/outreach/scripts/new/", NEW_DELAY)
    assert response.status_code == 302
    return Script.objects.get(title=NEW_DELAY["title"])


def test_the_library_shows_the_banks_scripts_grouped_by_kind_with_the_five_steps_named(bank):
    page = _text(client_for(bank.rm_a).get("/outreach/scripts/"))

    for heading in ("开场白", "需求探询", "异议处理", "购买信号", "促成技巧"):
        assert f">{heading}</h2>" in page
    delay = _delay_section(page)
    assert "客户拖延：“我考虑考虑”" in delay
    assert delay.index("表达同理心") < delay.index("请求提问") < delay.index("澄清原因") \
        < delay.index("重申价值") < delay.index("确认")
    assert "背景" in page and "难点" in page and "需求效益" in page
    assert "新增话术" not in page  # a manager only reads


def test_a_branch_head_adds_a_delay_script_that_the_branchs_managers_see_and_the_other_branch_does_not(
        bank, make_customer):
    head = client_for(bank.head)
    assert head.get("/outreach/scripts/new/").status_code == 200

    response = head.post("/outreach/scripts/new/", NEW_DELAY)

    script = Script.objects.get(title=NEW_DELAY["title"])
    assert response.status_code == 302 and response["Location"] == f"/outreach/scripts/#script-{script.pk}"
    assert script.branch == bank.b1 and script.objection == "delay"
    assert [s["step"] for s in script.steps] == ["empathise", "ask", "clarify", "restate", "confirm"]
    mine = _delay_section(_text(client_for(bank.rm_a).get("/outreach/scripts/")))
    assert NEW_DELAY["title"] in mine and "您最放心不下的是期限还是收益？" in mine
    assert "城东支行自有" in mine

    customer = make_customer(bank.rm_a, name="王建国")
    campaign = campaign_create(actor=bank.rm_a, name="年末邀约", purpose="资产检视", start_date="2026-11-23",
                               end_date="2026-12-20", customer_ids=[customer.pk])
    call = client_for(bank.rm_a).get(f"/outreach/{campaign.pk}/call/")
    delay_tab = next(t for t in call.context["scripts"]["tabs"] if t["code"] == "delay")
    assert script in delay_tab["scripts"]
    assert "您最放心不下的是期限还是收益？" in _text(call)

    other = client_for(bank.rm_c)
    assert NEW_DELAY["title"] not in _text(other.get("/outreach/scripts/"))
    assert other.get(f"/outreach/scripts/{script.pk}/edit/").status_code == 404
    assert other.post(f"/outreach/scripts/{script.pk}/remove/").status_code == 404
    assert Script.objects.get(pk=script.pk).is_active


def test_a_manager_cannot_add_edit_or_take_out_a_script(bank, branch_script):
    manager = client_for(bank.rm_a)

    assert manager.get("/outreach/scripts/new/").status_code == 403
    assert manager.post("/outreach/scripts/new/", {**NEW_DELAY, "title": "经理自己加的"}).status_code == 403
    assert manager.post(f"/outreach/scripts/{branch_script.pk}/edit/", {**NEW_DELAY, "title": "改了"}).status_code \
        == 403
    assert manager.post(f"/outreach/scripts/{branch_script.pk}/remove/").status_code == 403

    assert not Script.objects.filter(title__in=["经理自己加的", "改了"]).exists()
    assert Script.objects.get(pk=branch_script.pk).is_active


@pytest.mark.parametrize("bad, field, message", [
    ({"title": "  "}, "title", "请填写话术标题。"),
    ({"objection": ""}, "objection", "请选择这条话术应对的异议类型。"),
    ({k: "" for k in DELAY_STEPS}, "step_empathise", "请至少写一步话术。"),
])
def test_bad_input_shows_the_field_error_and_saves_nothing(bank, bad, field, message):
    before = Script.objects.count()

    response = client_for(bank.head).post("/outreach/scripts/new/", {**NEW_DELAY, **bad})

    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    assert message in _text(response)
    assert Script.objects.count() == before
    assert not AuditEvent.objects.filter(action="script.created").exists()


def test_lines_of_another_kind_become_one_step_each_and_empty_lines_do_not_count(bank):
    head = client_for(bank.head)
    empty = head.post("/outreach/scripts/new/", {"title": "二选一", "kind": "closing", "lines": "\n  \n"})
    assert empty.status_code == 400 and "请至少写一步话术。" in _text(empty)

    head.post("/outreach/scripts/new/", {"title": "城东：二选一", "kind": "closing",
                                         "lines": "您看周一还是周二？\n\n上午还是下午？\n"})

    script = Script.objects.get(title="城东：二选一")
    assert [s["text"] for s in script.steps] == ["您看周一还是周二？", "上午还是下午？"]
    assert script.objection == "" and script.branch == bank.b1


def test_adding_editing_and_taking_out_a_script_are_audited_and_a_taken_out_script_disappears(
        bank, branch_script):
    head = client_for(bank.head)
    created = AuditEvent.objects.get(action="script.created")
    assert created.actor == bank.head and created.object_id == str(branch_script.pk)
    assert created.after["branch"] == "B01"

    form = head.get(f"/outreach/scripts/{branch_script.pk}/edit/")
    assert form.status_code == 200 and DELAY_STEPS["step_clarify"] in _text(form)
    head.post(f"/outreach/scripts/{branch_script.pk}/edit/",
              {**NEW_DELAY, "step_clarify": "您是担心收益，还是担心用钱不方便？"})
    branch_script.refresh_from_db()
    assert branch_script.steps[2]["text"] == "您是担心收益，还是担心用钱不方便？"
    updated = AuditEvent.objects.get(action="script.updated")
    assert updated.actor == bank.head and set(updated.after) == {"steps"}

    head.post(f"/outreach/scripts/{branch_script.pk}/remove/")

    assert AuditEvent.objects.filter(action="script.deactivated", actor=bank.head,
                                     object_id=str(branch_script.pk)).exists()
    assert NEW_DELAY["title"] not in _text(client_for(bank.rm_a).get("/outreach/scripts/"))


def test_the_banks_scripts_are_read_only_for_a_branch_head_and_editable_by_an_admin(bank):
    seeded = Script.objects.get(title="客户拖延：“我考虑考虑”", branch=None)
    head = client_for(bank.head)
    assert f"/outreach/scripts/{seeded.pk}/edit/" not in _text(head.get("/outreach/scripts/"))
    assert head.get(f"/outreach/scripts/{seeded.pk}/edit/").status_code == 403
    assert head.post(f"/outreach/scripts/{seeded.pk}/remove/").status_code == 403

    admin = client_for(bank.admin)
    response = admin.post(f"/outreach/scripts/{seeded.pk}/edit/", {
        "title": "客户拖延：“我考虑考虑”", "kind": "objection", "objection": "delay", **DELAY_STEPS})

    assert response.status_code == 302
    seeded.refresh_from_db()
    assert seeded.steps[0]["text"] == DELAY_STEPS["step_empathise"] and seeded.branch is None


def test_each_objection_shows_how_often_the_answer_worked_for_the_branch_and_the_bank(bank, make_customer):
    customers = [make_customer(bank.rm_a, name=n) for n in ("王建国", "李秀英")]
    campaign = campaign_create(actor=bank.rm_a, name="年末邀约", purpose="资产检视", start_date="2026-11-23",
                               end_date="2026-12-20", customer_ids=[c.pk for c in customers])
    entries = list(CallEntry.objects.filter(campaign=campaign).order_by("pk"))
    call_outcome_record(actor=bank.rm_a, entry=entries[0], outcome="interested", objection="delay")
    call_outcome_record(actor=bank.rm_a, entry=entries[1], outcome="refused", reason="没时间", objection="delay")

    delay = _delay_section(_text(client_for(bank.rm_a).get("/outreach/scripts/")))
    assert "本支行：<b>50%</b>" in delay and "(1/2)" in delay
    assert "全行：<b>50%</b>" in delay
    other = _delay_section(_text(client_for(bank.rm_c).get("/outreach/scripts/")))
    assert "本支行：<span class=\"text-secondary\">暂无通话</span>" in other
    assert "全行：<b>50%</b>" in other


@pytest.mark.browser
def test_in_a_browser_a_branch_head_adds_a_script_from_the_campaigns_page(live_server, bank, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    from banyan.conftest import TODAY
    from banyan.testing.browser import SHOTS, chromium, login

    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = login(context, live_server.url, "zhaolei")
        page.goto(f"{live_server.url}/outreach/")
        page.get_by_role("link", name="话术库").click()
        page.locator("#add-script").click()
        page.select_option("select[name=kind]", "closing")
        expect(page.locator("textarea[name=step_empathise]")).to_be_hidden()
        page.select_option("select[name=kind]", "objection")
        expect(page.locator("textarea[name=lines]")).to_be_hidden()
        page.fill("input[name=title]", NEW_DELAY["title"])
        page.select_option("select[name=objection]", "delay")
        for name, text in DELAY_STEPS.items():
            page.fill(f"textarea[name={name}]", text)
        page.screenshot(path=SHOTS / "46-script-form.png", full_page=True)
        page.get_by_role("button", name="保存").click()

        expect(page.locator(".alert-success")).to_contain_text(NEW_DELAY["title"])
        section = page.locator("#objection-delay")
        expect(section).to_contain_text("您最放心不下的是期限还是收益？")
        expect(section).to_contain_text("城东支行自有")
        page.screenshot(path=SHOTS / "45-script-library.png", full_page=True)
        section.evaluate("e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 70)")
        page.screenshot(path=SHOTS / "45b-script-library-delay.png")
    assert Script.objects.filter(title=NEW_DELAY["title"], branch=bank.b1).exists()
