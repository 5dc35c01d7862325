"""设置 · 投诉分类与分派 (SVC-1): an administrator adds, renames, reorders and deactivates complaint
categories (one in use is never deleted; a deactivated one is not offered at intake) and edits the
routing rules (a role or a named person, for one branch or all; never the person complained about,
decided at routing time); a branch head reads; anyone else gets 404. Every change audited, refused
at the field with nothing written. And the hook from the customer's file: a contact logged with
purpose complaint opens the registration, prefilled."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from banyan.audit.models import AuditEvent
from banyan.audit.selectors import ACTION_LABELS
from banyan.contacts.models import Interaction
from banyan.org.models import Role
from banyan.org.services import staff_create
from banyan.service.complaints import complaint_receive, route_owner
from banyan.service.models import Complaint, ComplaintCategory, ComplaintRoute

URL = "/service/settings/complaints/"


def _row(category: ComplaintCategory, **changes) -> dict:
    data = {f"cat-{category.pk}-{k}": getattr(category, k) for k in ("name", "name_en", "position")}
    if category.active:
        data[f"cat-{category.pk}-active"] = "on"
    data.update({f"cat-{category.pk}-{k}": v for k, v in changes.items()})
    return {k: v for k, v in data.items() if v is not None}


def _receive(bank, customer, category, **kw):
    return complaint_receive(actor=bank.rm_a, customer=customer, channel="branch", category=category,
                             description="柜面服务态度生硬", received_at=dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC),
                             **kw)[0]


# ------------------------------------------------------------------ categories

def test_an_admin_adds_a_category_offered_at_intake_and_audited(bank, login, make_customer):
    client = login(bank.admin)
    page = client.get(URL).content.decode()
    assert "投诉分类与分派" in page and 'id="category-add-form"' in page and "产品销售与适当性" in page
    assert "Fees and charges" in page  # the seeds' English names (migration 0004)
    response = client.post(f"{URL}categories/", {"code": "pension", "name": "养老金融", "name_en": "Pension finance",
                                                 "position": "20"}, follow=True)
    assert response.status_code == 200 and "已添加分类“养老金融”" in response.content.decode()
    pension = ComplaintCategory.objects.get(code="pension")
    assert (pension.name, pension.name_en, pension.position, pension.active) == (
        "养老金融", "Pension finance", 20, True)
    event = AuditEvent.objects.get(action="complaint_category.added")
    assert event.actor == bank.admin and event.after == {"code": "pension", "name": "养老金融",
                                                          "name_en": "Pension finance", "position": 20}
    intake = login(bank.rm_a).get(f"/service/complaints/new/{make_customer(bank.rm_a).pk}/").content.decode()
    assert f'value="{pension.pk}"' in intake and "养老金融" in intake


def test_a_duplicate_code_or_an_empty_name_is_refused_at_the_field_and_nothing_written(bank, login):
    client = login(bank.admin)
    before = ComplaintCategory.objects.count()
    dup = client.post(f"{URL}categories/", {"code": "fees", "name": "收费二", "name_en": "Fees 2", "position": "3"})
    page = dup.content.decode()
    assert dup.status_code == 400 and "代码 fees 已被其他分类使用。" in page and 'id="category-add-errors"' in page
    assert 'value="收费二"' in page  # what was typed stays in the form
    empty = client.post(f"{URL}categories/", {"code": "newone", "name": "  ", "name_en": "New", "position": "3"})
    assert empty.status_code == 400 and "请填写分类的中文名称。" in empty.content.decode()
    bad_code = client.post(f"{URL}categories/", {"code": "新 代码", "name": "新", "name_en": "New", "position": "3"})
    assert bad_code.status_code == 400
    assert ComplaintCategory.objects.count() == before
    fees = ComplaintCategory.objects.get(code="fees")
    rename = client.post(f"{URL}categories/{fees.pk}/", {**_row(fees, name=" "), "action": "save"})
    assert rename.status_code == 400 and "请填写分类的中文名称。" in rename.content.decode()
    fees.refresh_from_db()
    assert fees.name == "收费"
    assert not AuditEvent.objects.filter(action__startswith="complaint_category.").exists()


def test_rename_reorder_and_deactivate_keep_the_complaints_and_leave_intake(bank, login, make_customer):
    customer = make_customer(bank.rm_a)
    card = ComplaintCategory.objects.get(code="card")
    complaint = _receive(bank, customer, card)
    client = login(bank.admin)
    assert client.post(f"{URL}categories/{card.pk}/", {**_row(card, name="银行卡与支付", position=1),
                                                       "action": "save"}).status_code == 302
    card.refresh_from_db()
    assert (card.name, card.position) == ("银行卡与支付", 1)
    changed = AuditEvent.objects.get(action="complaint_category.changed")
    assert changed.before == {"name": "银行卡", "position": 4}
    assert changed.after == {"name": "银行卡与支付", "position": 1}
    # deactivated: the checkbox left unticked
    assert client.post(f"{URL}categories/{card.pk}/", {**_row(card, active=None), "action": "save"}).status_code == 302
    card.refresh_from_db()
    assert card.active is False
    assert AuditEvent.objects.get(action="complaint_category.deactivated").after == {"active": False}
    complaint.refresh_from_db()
    assert complaint.category == card  # the complaint keeps it
    # a category in use is never deleted
    refused = client.post(f"{URL}categories/{card.pk}/", {**_row(card), "action": "delete"})
    assert refused.status_code == 400 and "已有投诉使用此分类" in refused.content.decode()
    assert ComplaintCategory.objects.filter(pk=card.pk).exists()
    # nor one of API.md's list, used or not (callers of the API send its code)
    ebanking = ComplaintCategory.objects.get(code="ebanking")
    refused = client.post(f"{URL}categories/{ebanking.pk}/", {**_row(ebanking), "action": "delete"})
    assert refused.status_code == 400 and "接口标准分类不可删除" in refused.content.decode()
    assert ComplaintCategory.objects.filter(code="ebanking").exists()
    # one the bank added and never used is
    spare = ComplaintCategory.objects.create(code="spare", name="备用", name_en="Spare", position=30)
    assert client.post(f"{URL}categories/{spare.pk}/", {**_row(spare), "action": "delete"}).status_code == 302
    assert not ComplaintCategory.objects.filter(code="spare").exists()
    assert AuditEvent.objects.get(action="complaint_category.deleted").before["code"] == "spare"
    # reactivated
    client.post(f"{URL}categories/{card.pk}/", {**_row(card, active="on"), "action": "save"})
    card.refresh_from_db()
    assert card.active and AuditEvent.objects.filter(action="complaint_category.reactivated").count() == 1
    assert client.post(f"{URL}categories/999999/", {"action": "save"}).status_code == 404


def test_the_intake_form_offers_only_active_categories(bank, login, make_customer):
    customer = make_customer(bank.rm_a)
    ComplaintCategory.objects.filter(code="loan").update(active=False)
    loan = ComplaintCategory.objects.get(code="loan")
    client = login(bank.rm_a)
    page = client.get(f"/service/complaints/new/{customer.pk}/").content.decode()
    select = re.search(r'<select name="category".*?</select>', page, re.S).group(0)
    offered = set(re.findall(r'value="(\d+)"', select))
    assert offered == {str(pk) for pk in ComplaintCategory.objects.filter(active=True).values_list("pk", flat=True)}
    assert str(loan.pk) not in offered and "贷款" not in select
    # posted anyway (a stale form): refused at the field, nothing registered
    response = client.post(f"/service/complaints/new/{customer.pk}/", {
        "channel": "branch", "category": str(loan.pk), "description": "贷款利率", "received_at": "2026-11-23T09:00"})
    assert response.status_code in (200, 400) and not Complaint.objects.exists()


def test_the_last_active_category_stays_active(bank, login):
    ComplaintCategory.objects.exclude(code="other").update(active=False)
    other = ComplaintCategory.objects.get(code="other")
    response = login(bank.admin).post(f"{URL}categories/{other.pk}/", {**_row(other, active=None), "action": "save"})
    assert response.status_code == 400 and "至少保留一个启用的分类" in response.content.decode()
    other.refresh_from_db()
    assert other.active


# ------------------------------------------------------------------ routing rules

def test_routing_rules_to_a_role_or_a_named_person_for_one_branch_or_all(bank, login, make_customer):
    lobby = staff_create(actor=None, username="datang", password="Banyan-test-2026", role=Role.LOBBY,
                         branch=bank.b1, full_name="周大堂", check_password=False)
    officer = staff_create(actor=None, username="kefu", password="Banyan-test-2026", role=Role.RM,
                           branch=bank.b1, full_name="客服专员", check_password=False)
    service = ComplaintCategory.objects.get(code="service")
    fees = ComplaintCategory.objects.get(code="fees")
    client = login(bank.admin)
    # service attitude, every branch: the lobby manager of the customer's branch
    assert client.post(f"{URL}routes/", {"category": service.pk, "branch": "",
                                         "owner": "role:lobby"}).status_code == 302
    # fees at B01: the named officer
    assert client.post(f"{URL}routes/", {"category": fees.pk, "branch": bank.b1.pk,
                                         "owner": f"staff:{officer.pk}"}).status_code == 302
    page = client.get(URL).content.decode()
    assert "客户所属网点的大堂经理" in page and "客服专员" in page and "全部网点" in page
    saved = AuditEvent.objects.filter(action="complaint_route.saved").order_by("pk")
    assert [e.after for e in saved] == [
        {"category": "service", "branch": None, "owner": None, "owner_role": "lobby"},
        {"category": "fees", "branch": "B01", "owner": "kefu", "owner_role": None}]
    b1_customer, b2_customer = make_customer(bank.rm_a), make_customer(bank.rm_c)
    assert route_owner(customer=b1_customer, category=service, concerned_ids=set()) == lobby
    # B02 has no lobby manager: its branch head, else the head office
    assert route_owner(customer=b2_customer, category=service, concerned_ids=set()) == bank.admin
    assert _receive(bank, b1_customer, fees).owner == officer
    # the person complained about never owns it, whatever the rule: decided at routing time
    assert _receive(bank, b1_customer, service, staff_concerned=[lobby]).owner == bank.head
    # the same category and branch again: the rule is replaced (one row), before and after audited
    client.post(f"{URL}routes/", {"category": service.pk, "branch": "", "owner": "role:admin"})
    assert ComplaintRoute.objects.filter(category=service).count() == 1
    replaced = AuditEvent.objects.filter(action="complaint_route.saved").latest("pk")
    assert replaced.before["owner_role"] == "lobby" and replaced.after["owner_role"] == "admin"
    # removed: back to the branch head
    route = ComplaintRoute.objects.get(category=fees)
    assert client.post(f"{URL}routes/{route.pk}/delete/").status_code == 302
    assert route_owner(customer=b1_customer, category=fees, concerned_ids=set()) == bank.head
    assert AuditEvent.objects.get(action="complaint_route.deleted").before["owner"] == "kefu"
    assert client.post(f"{URL}routes/999999/delete/").status_code == 404


def test_a_bad_rule_is_refused_at_the_field_and_nothing_written(bank, login):
    fees = ComplaintCategory.objects.get(code="fees")
    client = login(bank.admin)
    # a named person of B01 for every branch, or for B02
    for branch in ("", bank.b2.pk):
        response = client.post(f"{URL}routes/", {"category": fees.pk, "branch": branch,
                                                 "owner": f"staff:{bank.rm_a.pk}"})
        assert response.status_code == 400 and "指定人员只承办本人所属网点的投诉" in response.content.decode()
    no_category = client.post(f"{URL}routes/", {"category": "", "branch": "", "owner": "role:lobby"})
    assert no_category.status_code == 400 and 'id="route-errors"' in no_category.content.decode()
    no_owner = client.post(f"{URL}routes/", {"category": fees.pk, "branch": "", "owner": ""})
    assert no_owner.status_code == 400 and 'id="route-errors"' in no_owner.content.decode()
    auditor = client.post(f"{URL}routes/", {"category": fees.pk, "branch": "", "owner": f"staff:{bank.auditor.pk}"})
    assert auditor.status_code == 400  # not offered: not a valid choice
    assert not ComplaintRoute.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="complaint_route.").exists()


# ------------------------------------------------------------------ who

def test_a_branch_head_reads_and_anyone_else_gets_404(bank, login):
    fees = ComplaintCategory.objects.get(code="fees")
    route = ComplaintRoute.objects.create(category=fees, branch=None, owner_role="lobby")
    head = login(bank.head)
    page = head.get(URL)
    body = page.content.decode()
    assert page.status_code == 200 and 'id="read-only"' in body and "收费" in body
    assert 'id="category-add-form"' not in body and 'id="route-form"' not in body
    writes = [(f"{URL}categories/", {"code": "x", "name": "x", "name_en": "x", "position": "1"}),
              (f"{URL}categories/{fees.pk}/", {**_row(fees, name="改名"), "action": "save"}),
              (f"{URL}routes/", {"category": fees.pk, "branch": "", "owner": "role:admin"}),
              (f"{URL}routes/{route.pk}/delete/", {})]
    for url, data in writes:
        assert head.post(url, data).status_code == 403
    for who in (bank.rm_a, bank.assistant, bank.auditor):
        client = login(who)
        assert client.get(URL).status_code == 404
        for url, data in writes:
            assert client.post(url, data).status_code == 404
    fees.refresh_from_db()
    assert fees.name == "收费" and ComplaintRoute.objects.get().owner_role == "lobby"
    assert not ComplaintCategory.objects.filter(code="x").exists()
    assert not AuditEvent.objects.filter(action__startswith="complaint_").exclude(action__startswith="complaint.") \
        .exists()


def test_the_tab_is_among_the_settings_tabs_and_every_action_has_a_label():
    from django.template.loader import render_to_string
    html = render_to_string("worklists/settings/_tabs.html", {"tab": "complaints", "can_edit": True})
    assert 'id="tab-complaints"' in html and URL in html
    for action in ("complaint_category.added", "complaint_category.changed", "complaint_category.deactivated",
                   "complaint_category.reactivated", "complaint_category.deleted", "complaint_route.saved",
                   "complaint_route.deleted"):
        assert action in ACTION_LABELS


# ------------------------------------------------------------------ a contact logged with purpose complaint

@pytest.mark.parametrize("channel, expected", [("phone", "phone"), ("visit", "branch"), ("wechat", "online")])
def test_a_contact_about_a_complaint_opens_the_registration_prefilled(bank, login, make_customer, channel, expected):
    customer = make_customer(bank.rm_a)
    client = login(bank.rm_a)
    response = client.post(f"/customers/{customer.pk}/contacts/", {
        "channel": channel, "outcome": "reached", "purpose": "complaint",
        "summary": "信用卡年费未经告知即扣收，要求退还"})
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == f"/service/complaints/new/{customer.pk}/"
    assert parse_qs(target.query) == {"text": ["信用卡年费未经告知即扣收，要求退还"], "channel": [expected]}
    assert Interaction.objects.filter(customer=customer, purpose="complaint").count() == 1  # the contact is kept
    form = client.get(response["Location"]).content.decode()
    assert "信用卡年费未经告知即扣收，要求退还</textarea>" in form
    assert re.search(rf'<option value="{expected}" selected>', form)
    assert "王小明" in form  # the customer's name on the form
    # registering it works
    fees = ComplaintCategory.objects.get(code="fees")
    # received when the contact was made: the test day's wall-clock time, never a time still to come
    # (a fixed 09:30 was "in the future" from midnight to 09:30 Beijing time)
    heard = timezone.localtime(Interaction.objects.get(customer=customer, purpose="complaint").occurred_at)
    done = client.post(response["Location"], {"channel": expected, "category": fees.pk,
                                              "description": "信用卡年费未经告知即扣收，要求退还",
                                              "received_at": heard.strftime("%Y-%m-%dT%H:%M")})
    assert done.status_code == 302
    complaint = Complaint.objects.get(customer=customer)
    assert (complaint.channel, complaint.category, complaint.description, complaint.owner) == (
        expected, fees, "信用卡年费未经告知即扣收，要求退还", bank.head)
    assert done["Location"] == f"/service/complaints/{complaint.pk}/"


def test_with_htmx_the_contact_about_a_complaint_redirects_the_page(bank, login, make_customer):
    customer = make_customer(bank.rm_a)
    response = login(bank.rm_a).post(f"/customers/{customer.pk}/contacts/", {
        "channel": "phone", "outcome": "reached", "purpose": "complaint", "summary": "理财亏损"},
        HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(f"/service/complaints/new/{customer.pk}/?")


def test_a_contact_with_another_purpose_does_not_offer_a_complaint(bank, login, make_customer):
    customer = make_customer(bank.rm_a)
    client = login(bank.rm_a)
    for purpose in ("care", "service", ""):
        response = client.post(f"/customers/{customer.pk}/contacts/", {
            "channel": "phone", "outcome": "reached", "purpose": purpose, "summary": "客户对服务很满意"})
        assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
        htmx = client.post(f"/customers/{customer.pk}/contacts/", {
            "channel": "phone", "outcome": "reached", "purpose": purpose, "summary": "客户对服务很满意"},
            HTTP_HX_REQUEST="true")
        assert htmx.status_code == 200 and "HX-Redirect" not in htmx
        assert "/service/complaints/new/" not in htmx.content.decode()
    assert not Complaint.objects.exists()
