"""Customer groups (客户群, SVC-3): consent per member, withdrawal, shares without promises, and who
may see a group — the services and the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from banyan.audit.models import AuditEvent, AuditEventCustomer
from banyan.conftest import TODAY
from banyan.service.group_selectors import get_group_for_user, memberships_of_customer
from banyan.service.group_services import (
    consent_warnings,
    consent_wording_save,
    group_create,
    group_member_add,
    group_member_withdraw,
    group_share_record,
)
from banyan.service.models.groups import GroupConsentWording, GroupMembership, GroupShare
from banyan.transitions import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def salon(bank):
    return group_create(actor=bank.rm_a, name="城东理财沙龙", kind="salon", purpose="每月一次理财沙龙")


@pytest.fixture
def wang(bank, make_customer):
    return make_customer(bank.rm_a, name="王建国")


def test_a_member_joins_only_with_a_consent_and_the_wording_is_stored_as_shown(bank, salon, wang):
    with pytest.raises(ValidationError) as refused:
        group_member_add(actor=bank.rm_a, group=salon, customer=wang, consent_channel="")
    assert "consent.channel" in refused.value.message_dict
    assert not GroupMembership.objects.exists()

    m = group_member_add(actor=bank.rm_a, group=salon, customer=wang, consent_channel="paper",
                         consent_on=TODAY - dt.timedelta(days=2))
    v1 = GroupConsentWording.objects.get(version=1)
    assert m.consent_wording == v1 and m.consent_on == TODAY - dt.timedelta(days=2) and m.consent_channel == "paper"
    # the placeholders filled in for this group: what the customer heard, word for word
    assert "城东理财沙龙" in m.consent_text and "张敏" in m.consent_text and "{group}" not in m.consent_text
    event = AuditEvent.objects.get(action="group.member_added")
    assert event.customer_id == wang.pk and event.after["wording_version"] == 1

    # a later wording does not rewrite the consent given
    consent_wording_save(actor=bank.admin, text="新版告知：本人同意加入{group}，可随时退出。")
    m.refresh_from_db()
    assert "城东理财沙龙" in m.consent_text and "新版告知" not in m.consent_text and m.consent_wording.version == 1
    assert GroupConsentWording.objects.order_by("-version").first().version == 2


def test_a_consent_date_in_the_future_and_a_wording_both_named_and_given_are_refused(bank, salon, wang):
    with pytest.raises(ValidationError) as refused:
        group_member_add(actor=bank.rm_a, group=salon, customer=wang, consent_channel="phone",
                         consent_on=TODAY + dt.timedelta(days=1), wording_version=1, consent_text="自拟")
    assert set(refused.value.message_dict) == {"consent.date", "consent.text"}
    assert not GroupMembership.objects.exists()
    m = group_member_add(actor=bank.rm_a, group=salon, customer=wang, consent_channel="paper",
                         consent_text="纸质同意书第 3 版全文")
    assert m.consent_wording is None and m.consent_text == "纸质同意书第 3 版全文"


def test_withdrawal_removes_keeps_the_history_and_no_later_share_reaches_the_member(bank, salon, wang,
                                                                                      make_customer):
    li = make_customer(bank.rm_a, name="李秀英")
    group_member_add(actor=bank.rm_a, group=salon, customer=wang, consent_channel="in_person",
                     consent_on=TODAY - dt.timedelta(days=10))
    group_member_add(actor=bank.rm_a, group=salon, customer=li, consent_channel="wechat",
                     consent_on=TODAY - dt.timedelta(days=10))
    before = group_share_record(actor=bank.rm_a, group=salon, text="本周六下午两点理财沙龙：养老规划",
                                shared_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC))
    assert set(before.recipients.values_list("customer_id", flat=True)) == {wang.pk, li.pk}

    m = group_member_withdraw(actor=bank.rm_a, group=salon, customer_id=wang.pk, channel="phone", note="不常看微信")
    assert m.withdrawn_on == TODAY and m.withdrawn_channel == "phone"
    assert GroupMembership.objects.filter(customer=wang).count() == 1  # kept, not deleted
    after = group_share_record(actor=bank.rm_a, group=salon, text="12月沙龙报名开始")
    assert list(after.recipients.values_list("customer_id", flat=True)) == [li.pk]
    event = AuditEvent.objects.get(action="group.member_withdrawn")
    assert event.customer_id == wang.pk and event.after["channel"] == "phone"
    # the share before the withdrawal still shows whom it reached then
    assert before.recipients.count() == 2

    with pytest.raises(Conflict):  # a second withdrawal (another tab, a retry)
        group_member_withdraw(actor=bank.rm_a, group=salon, customer_id=wang.pk, channel="phone")


def test_rejoining_needs_a_new_consent_not_the_withdrawn_one(bank, salon, wang):
    group_member_add(actor=bank.rm_a, group=salon, customer=wang, consent_channel="in_person",
                     consent_on=TODAY - dt.timedelta(days=30))
    group_member_withdraw(actor=bank.rm_a, group=salon, customer_id=wang.pk, channel="phone",
                          on=TODAY - dt.timedelta(days=5))
    with pytest.raises(ValidationError) as refused:  # the consent of before the withdrawal
        group_member_add(actor=bank.rm_a, group=salon, customer=wang, consent_channel="in_person",
                         consent_on=TODAY - dt.timedelta(days=30))
    assert "consent.date" in refused.value.message_dict
    again = group_member_add(actor=bank.rm_a, group=salon, customer=wang, consent_channel="wechat")
    assert again.consent_on == TODAY
    assert [m.is_current for m in memberships_of_customer(wang, bank.rm_a)] == [True, False]


def test_a_member_once_and_do_not_disturb_refused_and_no_wechat_consent_warned(bank, wang, make_customer):
    wechat = group_create(actor=bank.rm_a, name="张敏的理财交流群", kind="wechat")
    group_member_add(actor=bank.rm_a, group=wechat, customer=wang, consent_channel="in_person")
    with pytest.raises(Conflict):
        group_member_add(actor=bank.rm_a, group=wechat, customer=wang, consent_channel="in_person")
    quiet = make_customer(bank.rm_a, name="赵静", do_not_disturb=True)
    with pytest.raises(ValidationError) as refused:
        group_member_add(actor=bank.rm_a, group=wechat, customer=quiet, consent_channel="in_person")
    assert "免打扰" in " ".join(refused.value.message_dict["customer_id"]) or refused.value.message_dict
    assert not GroupMembership.objects.filter(customer=quiet).exists()
    assert not wang.consent_wechat and consent_warnings(wechat, wang)  # joined, with the warning
    wang.refresh_from_db()
    assert wang.consent_wechat is False  # the group's consent is its own: 1:1 WeChat stays off


def test_a_share_that_promises_a_return_is_refused(bank, salon, wang):
    group_member_add(actor=bank.rm_a, group=salon, customer=wang, consent_channel="in_person")
    with pytest.raises(ValidationError) as refused:
        group_share_record(actor=bank.rm_a, group=salon, text="新发理财产品保本保息，稳赚不赔，抓紧买！")
    words = " ".join(refused.value.message_dict["text"])
    assert "稳赚不赔" in words and "保本" in words
    assert not GroupShare.objects.exists()
    with pytest.raises(ValidationError):
        group_share_record(actor=bank.rm_a, group=salon, text="明天的分享",
                           shared_at=dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC))


def test_members_come_from_the_runners_book_and_the_actors_reach(bank, salon, make_customer):
    other = make_customer(bank.rm_b, name="李华的客户")
    with pytest.raises(Http404):
        group_member_add(actor=bank.rm_a, group=salon, customer_id=other.pk, consent_channel="in_person")
    # a branch head's group takes the branch's customers
    club = group_create(actor=bank.head, name="支行贵宾俱乐部", kind="salon")
    m = group_member_add(actor=bank.head, group=club, customer_id=other.pk, consent_channel="paper")
    assert m.customer == other
    far = make_customer(bank.rm_c, name="王芳的客户")
    with pytest.raises(Http404):
        group_member_add(actor=bank.head, group=club, customer_id=far.pk, consent_channel="paper")
    with pytest.raises(PermissionDenied):
        group_create(actor=bank.auditor, name="审计群")


def test_who_sees_a_group(bank, salon):
    assert get_group_for_user(bank.rm_a, salon.pk) == (salon, True)
    assert get_group_for_user(bank.assistant, salon.pk) == (salon, True)  # the manager's assistant
    assert get_group_for_user(bank.head, salon.pk) == (salon, True)
    assert get_group_for_user(bank.auditor, salon.pk) == (salon, False)  # reads
    for outsider in (bank.rm_b, bank.rm_c):
        with pytest.raises(Http404):
            get_group_for_user(outsider, salon.pk)
    far = group_create(actor=bank.rm_c, name="城西沙龙", kind="salon")
    with pytest.raises(Http404):
        get_group_for_user(bank.head, far.pk)


# --- pages ------------------------------------------------------------------------------------------------


def test_the_pages_add_a_member_with_consent_show_the_card_and_withdraw(bank, login, salon, wang):
    client = login(bank.rm_a)
    page = client.get("/service/groups/")
    assert page.status_code == 200 and "城东理财沙龙" in page.content.decode()
    found = client.get(f"/service/groups/{salon.pk}/", {"q": "王建国"}).content.decode()
    assert f"/service/groups/{salon.pk}/members/{wang.pk}/add/" in found
    form = client.get(f"/service/groups/{salon.pk}/members/{wang.pk}/add/").content.decode()
    assert "城东理财沙龙" in form and "随时" in form  # the wording to read, filled in
    refused = client.post(f"/service/groups/{salon.pk}/members/{wang.pk}/add/",
                          {"channel": "in_person", "date": TODAY.isoformat(), "wording_version": "1"})
    assert refused.status_code == 422 and not GroupMembership.objects.exists()  # not confirmed as read
    done = client.post(f"/service/groups/{salon.pk}/members/{wang.pk}/add/",
                       {"channel": "in_person", "date": TODAY.isoformat(), "wording_version": "1", "read_out": "on"})
    assert done.status_code == 302
    m = GroupMembership.objects.get()
    assert m.consent_channel == "in_person" and "城东理财沙龙" in m.consent_text

    detail = client.get(f"/service/groups/{salon.pk}/")
    assert "王建国" in detail.content.decode()
    listed = AuditEvent.objects.filter(action="customer.listed", data__via="group_members").order_by("-pk").first()
    assert list(AuditEventCustomer.objects.filter(event=listed).values_list("customer_id", flat=True)) == [wang.pk]
    card = client.get(f"/service/customers/{wang.pk}/groups/", HTTP_HX_REQUEST="true").content.decode()
    assert "城东理财沙龙" in card and "2026-11-23" in card

    share = client.post(f"/service/groups/{salon.pk}/shares/", {"text": "保证收益的好产品"})
    assert share.status_code == 422 and "保证收益" in share.content.decode() and not GroupShare.objects.exists()
    client.post(f"/service/groups/{salon.pk}/shares/", {"text": "12月沙龙：养老金融知识"})
    assert GroupShare.objects.get().recipients.count() == 1

    gone = client.post(f"/service/groups/{salon.pk}/members/{wang.pk}/withdraw/",
                       {"channel": "wechat", "date": TODAY.isoformat(), "note": "客户微信告知"})
    assert gone.status_code == 302
    m.refresh_from_db()
    assert m.withdrawn_channel == "wechat"
    card = client.get(f"/service/customers/{wang.pk}/groups/", HTTP_HX_REQUEST="true").content.decode()
    assert "退出" in card or "left" in card


def test_every_group_page_answers_404_to_another_manager_and_branch(bank, login, salon, wang):
    group_member_add(actor=bank.rm_a, group=salon, customer=wang, consent_channel="in_person")
    urls = [f"/service/groups/{salon.pk}/", f"/service/groups/{salon.pk}/members/{wang.pk}/add/",
            f"/service/groups/{salon.pk}/members/{wang.pk}/withdraw/"]
    for outsider in (bank.rm_b, bank.rm_c):
        client = login(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, (outsider, url)
        for url in urls[1:]:
            assert client.post(url, {"channel": "phone", "read_out": "on", "wording_version": "1"}).status_code == 404
        assert client.post(f"/service/groups/{salon.pk}/shares/", {"text": "你好"}).status_code == 404
        assert "城东理财沙龙" not in client.get("/service/groups/").content.decode()
        assert client.get(f"/service/customers/{wang.pk}/groups/").status_code == 404
    assert GroupMembership.objects.get().is_current and not GroupShare.objects.exists()
    auditor = login(bank.auditor)
    assert auditor.get(f"/service/groups/{salon.pk}/").status_code == 200
    assert auditor.post(f"/service/groups/{salon.pk}/shares/", {"text": "你好"}).status_code == 403


def test_the_wording_page_makes_a_new_version_for_an_administrator_only(bank, login):
    assert login(bank.head).post("/service/groups/wording/", {"text": "行长版"}).status_code == 403
    assert login(bank.admin).post("/service/groups/wording/", {"text": "本人同意加入{group}。"}).status_code == 302
    assert GroupConsentWording.objects.order_by("-version").first().text == "本人同意加入{group}。"
