import datetime as dt

import pytest

from banyan.audit.models import AuditEvent
from banyan.contacts.models import Interaction, Memo, MemoStatus
from banyan.contacts.services import memo_create
from banyan.customers.models import Customer, CustomerRelation
from banyan.customers.services import relation_add

HTMX = {"HTTP_HX_REQUEST": "true"}


def _masked(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}"


def test_the_file_shows_everything_with_numbers_masked_and_records_the_view(bank, login, zeng):
    response = login(bank.rm_a).get(f"/customers/{zeng.pk}/")

    assert response.status_code == 200
    text = response.text
    assert "曾晓明" in text and "管户资产" in text
    assert zeng.mobile not in text and zeng.id_number not in text
    assert _masked(zeng.mobile) in text
    assert zeng.id_number[:6] in text and zeng.id_number[-4:] in text
    assert "农历" in text and "四月初四" in text  # 1980-05-17 is 四月初四 in the lunar calendar
    assert "三年期整存整取" in text and "稳健成长混合基金" in text and "个人住房贷款" in text
    assert "¥600,000.00" in text  # AUM: the deposit and the fund, not the loan
    assert 'class="overdue">12<' in text  # the loan's overdue days in red
    assert "27天" in text or "剩27天" in text  # the deposit matures 2026-12-20
    assert "下次可以了解" in text and "工作单位" in text  # a missing key field is named
    assert AuditEvent.objects.filter(action="customer.viewed", customer_id=zeng.pk, actor=bank.rm_a).count() == 1


def test_another_manager_and_the_auditor_get_404_on_the_file(bank, login, zeng):
    assert login(bank.rm_b).get(f"/customers/{zeng.pk}/").status_code == 404
    assert login(bank.rm_c).get(f"/customers/{zeng.pk}/").status_code == 404
    assert login(bank.auditor).get(f"/customers/{zeng.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(action="customer.viewed").exists()


def test_the_assistant_and_the_branch_head_open_the_file(bank, login, zeng):
    assert login(bank.assistant).get(f"/customers/{zeng.pk}/").status_code == 200
    assert login(bank.head).get(f"/customers/{zeng.pk}/").status_code == 200


def test_the_branch_head_can_reassign_from_the_file_and_a_manager_cannot(bank, login, zeng):
    assert 'class="assign-form"' in login(bank.head).get(f"/customers/{zeng.pk}/").text
    assert 'class="assign-form"' not in login(bank.rm_a).get(f"/customers/{zeng.pk}/").text


def test_another_manager_gets_404_on_every_action_and_nothing_changes(bank, login, zeng):
    memo = memo_create(actor=bank.rm_a, customer=zeng, text="定期到期", due_date="2026-12-20")
    client = login(bank.rm_b)
    urls = [
        (f"/customers/{zeng.pk}/reveal/mobile/", {}),
        (f"/customers/{zeng.pk}/contacts/", {"channel": "phone", "outcome": "reached", "summary": "x"}),
        (f"/customers/{zeng.pk}/memos/", {"text": "x", "due_date": "2026-12-01"}),
        (f"/customers/{zeng.pk}/memos/{memo.pk}/done/", {}),
        (f"/customers/{zeng.pk}/relations/", {"other": zeng.pk, "kind": "friend"}),
        (f"/customers/{zeng.pk}/edit/", {"name": "改名"}),
    ]
    for url, data in urls:
        assert client.post(url, data).status_code == 404, url
        assert client.post(url, data, **HTMX).status_code == 404, url
    assert client.get(f"/customers/{zeng.pk}/edit/").status_code == 404
    zeng.refresh_from_db()
    assert zeng.name == "曾晓明" and zeng.last_contact_at is None
    assert not Interaction.objects.exists()
    assert Memo.objects.get().status == MemoStatus.OPEN
    assert not AuditEvent.objects.filter(action="customer.revealed").exists()


def test_reveal_is_a_post_audited_and_answers_the_full_number(bank, login, zeng):
    client = login(bank.rm_a)
    page = client.get(f"/customers/{zeng.pk}/")
    assert zeng.mobile not in page.text

    assert client.get(f"/customers/{zeng.pk}/reveal/mobile/").status_code == 405
    response = client.post(f"/customers/{zeng.pk}/reveal/mobile/", **HTMX)

    assert response.status_code == 200
    assert zeng.mobile in response.text
    assert "<html" not in response.text  # a partial, swapped in place
    event = AuditEvent.objects.get(action="customer.revealed")
    assert (event.actor, event.customer_id, event.detail) == (bank.rm_a, zeng.pk, "mobile")


def test_reveal_of_the_id_number_works_without_javascript(bank, login, zeng):
    response = login(bank.rm_a).post(f"/customers/{zeng.pk}/reveal/id_number/")
    assert response.status_code == 200
    assert zeng.id_number in response.text
    assert AuditEvent.objects.filter(action="customer.revealed", detail="id_number").count() == 1


def test_only_masked_fields_can_be_revealed(bank, login, zeng):
    assert login(bank.rm_a).post(f"/customers/{zeng.pk}/reveal/name/").status_code == 404
    assert not AuditEvent.objects.filter(action="customer.revealed").exists()


def test_a_quick_contact_lands_on_the_timeline_and_updates_last_contact(bank, login, zeng):
    client = login(bank.rm_a)
    response = client.post(f"/customers/{zeng.pk}/contacts/",
                           {"channel": "phone", "outcome": "reached", "summary": "客户确认下周来网点"}, **HTMX)

    assert response.status_code == 200
    assert 'id="timeline" hx-swap-oob="true"' in response.text
    assert "客户确认下周来网点" in response.text
    assert 'id="quick-log" hx-swap-oob="true"' in response.text
    assert 'value="客户确认下周来网点"' not in response.text  # the form comes back empty
    assert "今天" in response.text  # last contact: today
    zeng.refresh_from_db()
    assert zeng.last_contact_at is not None
    interaction = Interaction.objects.get()
    assert (interaction.channel, interaction.outcome, interaction.staff) == ("phone", "reached", bank.rm_a)

    page = client.get(f"/customers/{zeng.pk}/")
    timeline = page.text.split('id="timeline"', 1)[1]
    assert "客户确认下周来网点" in timeline and "接通" in timeline
    book = client.get("/customers/")
    assert "2026-11-23" in book.text


def test_a_contact_without_javascript_redirects_back_to_the_file(bank, login, zeng):
    client = login(bank.rm_a)
    response = client.post(f"/customers/{zeng.pk}/contacts/",
                           {"channel": "visit", "outcome": "reached", "summary": "面谈理财配置"})
    assert response.status_code == 302 and response.url == f"/customers/{zeng.pk}/"
    assert "面谈理财配置" in client.get(response.url).text


def test_the_next_step_and_date_of_a_contact_show_on_the_timeline(bank, login, zeng):
    client = login(bank.rm_a)
    response = client.post(f"/customers/{zeng.pk}/contacts/", {
        "channel": "phone", "outcome": "interested", "next_step": "寄送基金资料", "next_contact_on": "2026-12-01",
    }, **HTMX)
    timeline = response.text.split('id="timeline"', 1)[1]
    assert "寄送基金资料" in timeline and "2026-12-01" in timeline
    assert Interaction.objects.get().next_contact_on == dt.date(2026, 12, 1)


def test_an_unanswered_call_is_recorded_but_does_not_count_as_contact(bank, login, zeng):
    client = login(bank.rm_a)
    response = client.post(f"/customers/{zeng.pk}/contacts/", {"channel": "phone", "outcome": "not_reached"}, **HTMX)
    assert "未接通" in response.text.split('id="timeline"', 1)[1]
    assert "从未联系" in response.text  # last contact unchanged
    zeng.refresh_from_db()
    assert zeng.last_contact_at is None


def test_a_bad_contact_shows_the_error_next_to_the_field_and_records_nothing(bank, login, zeng):
    client = login(bank.rm_a)
    response = client.post(f"/customers/{zeng.pk}/contacts/",
                           {"channel": "carrier-pigeon", "summary": "保留这句话", "next_contact_on": "明天"}, **HTMX)
    assert response.status_code == 200
    assert 'id="timeline"' not in response.text  # only the form comes back
    assert 'value="保留这句话"' in response.text  # what was typed is kept
    assert response.text.count("invalid-feedback") >= 2
    assert not Interaction.objects.exists()

    no_js = client.post(f"/customers/{zeng.pk}/contacts/", {"channel": "phone", "next_contact_on": "明天"})
    assert no_js.status_code == 400
    assert "曾晓明" in no_js.text and "invalid-feedback" in no_js.text


def test_memos_are_added_and_completed_in_place(bank, login, zeng):
    client = login(bank.rm_a)
    response = client.post(f"/customers/{zeng.pk}/memos/", {"text": "想了解黄金积存", "due_date": "2026-12-05"}, **HTMX)
    assert response.status_code == 200 and "想了解黄金积存" in response.text
    memo = Memo.objects.get()

    response = client.post(f"/customers/{zeng.pk}/memos/{memo.pk}/done/", **HTMX)

    memo.refresh_from_db()
    assert memo.status == MemoStatus.DONE
    memos_part = response.text.split('id="memos"', 1)[1].split('id="timeline"', 1)[0]
    assert "想了解黄金积存" not in memos_part
    assert "备忘已完成" in response.text  # on the timeline


def test_a_memo_of_another_customer_cannot_be_completed_through_this_file(bank, login, zeng, make_customer):
    other = make_customer(bank.rm_a, name="艾米")
    memo = memo_create(actor=bank.rm_a, customer=other, text="x", due_date="2026-12-01")
    assert login(bank.rm_a).post(f"/customers/{zeng.pk}/memos/{memo.pk}/done/").status_code == 404


def test_relations_link_only_to_visible_customers(bank, login, zeng, make_customer):
    wife = make_customer(bank.rm_a, name="林芳", male=False)
    partner = make_customer(bank.rm_c, name="周强")
    relation_add(actor=None, customer=zeng, other=wife, kind="family", note="配偶")
    relation_add(actor=None, customer=zeng, other=partner, kind="business_partner")

    text = login(bank.rm_a).get(f"/customers/{zeng.pk}/").text

    assert f'href="/customers/{wife.pk}/">林芳</a>' in text
    assert "周强" in text and f'href="/customers/{partner.pk}/"' not in text


def test_a_relation_is_added_by_picking_a_visible_customer(bank, login, zeng, make_customer):
    friend = make_customer(bank.rm_a, name="艾米")
    stranger = make_customer(bank.rm_c, name="艾伦")
    client = login(bank.rm_a)
    picks = client.get(f"/customers/search/suggest/?mode=pick&exclude={zeng.pk}&q=ai")
    assert f'value="{friend.pk}"' in picks.text and f'value="{stranger.pk}"' not in picks.text

    response = client.post(f"/customers/{zeng.pk}/relations/", {"other": friend.pk, "kind": "friend", "note": "同学"},
                           **HTMX)
    assert response.status_code == 200 and "艾米" in response.text
    assert CustomerRelation.objects.filter(customer=zeng, other=friend, kind="friend").exists()

    refused = client.post(f"/customers/{zeng.pk}/relations/", {"other": stranger.pk, "kind": "friend"}, **HTMX)
    assert "请从搜索结果中选择一位客户" in refused.text
    assert not CustomerRelation.objects.filter(other=stranger).exists()


def test_partials_do_not_count_as_file_views(bank, login, zeng):
    client = login(bank.rm_a)
    client.get(f"/customers/{zeng.pk}/")
    client.post(f"/customers/{zeng.pk}/contacts/", {"channel": "phone", "outcome": "reached"}, **HTMX)
    client.post(f"/customers/{zeng.pk}/reveal/mobile/", **HTMX)
    assert AuditEvent.objects.filter(action="customer.viewed").count() == 1


@pytest.mark.parametrize("field", ["mobile", "id_number"])
def test_the_edit_form_never_carries_the_full_numbers(bank, login, zeng, field):
    response = login(bank.rm_a).get(f"/customers/{zeng.pk}/edit/")
    assert response.status_code == 200
    assert getattr(zeng, field) not in response.text


def test_the_edit_form_rejects_a_bad_id_checksum_names_the_field_and_saves_nothing(bank, login, zeng):
    good = zeng.id_number
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = login(bank.rm_a).post(f"/customers/{zeng.pk}/edit/", {
        "name": "曾晓明", "id_type": "resident", "id_number": bad, "employer": "新单位",
    })

    assert response.status_code == 400
    field_html = response.text.split('name="id_number"', 1)[1].split("</div>", 2)[0:2]
    assert "身份证号校验位错误" in "".join(field_html)
    zeng.refresh_from_db()
    assert zeng.id_number == good and zeng.employer == ""
    assert not AuditEvent.objects.filter(action="customer.updated").exists()


def _profile_post(customer, **changes):
    """The edit form as the browser sends it: every field as shown, numbers blank (unchanged)."""
    data = {}
    for f in ("name", "gender", "id_type", "address", "employer", "occupation", "industry", "education",
              "marital_status", "spouse_name", "children", "interests", "preferred_channel", "preferred_time",
              "transaction_habits", "source", "risk_level", "orientation", "notes", "email"):
        data[f] = getattr(customer, f) or ""
    for f in ("birth_date", "wedding_anniversary", "business_opened_on", "account_opened_on", "risk_assessed_on"):
        value = getattr(customer, f)
        data[f] = value.isoformat() if value else ""
    data["other_bank_assets"] = customer.other_bank_assets or ""
    for f in ("lunar_birthday", "consent_sms", "consent_phone", "consent_email", "consent_wechat", "do_not_disturb"):
        if getattr(customer, f):
            data[f] = "on"
    data.update(changes)
    return data


def test_the_edit_form_saves_what_changed_and_keeps_blank_numbers(bank, login, zeng):
    mobile, id_number = zeng.mobile, zeng.id_number
    client = login(bank.rm_a)
    response = client.post(f"/customers/{zeng.pk}/edit/",
                           _profile_post(zeng, employer="城东中学", other_bank_assets="300000", consent_sms="on"))

    assert response.status_code == 302, response.text[:3000]
    zeng.refresh_from_db()
    assert zeng.employer == "城东中学" and str(zeng.other_bank_assets) == "300000.00" and zeng.consent_sms
    assert (zeng.mobile, zeng.id_number) == (mobile, id_number)
    event = AuditEvent.objects.get(action="customer.updated")
    assert set(event.after) == {"employer", "other_bank_assets", "consent_sms"}
    assert "档案已保存" in client.get(response.url).text


def test_a_new_mobile_on_the_edit_form_is_validated(bank, login, zeng):
    response = login(bank.rm_a).post(f"/customers/{zeng.pk}/edit/", _profile_post(zeng, mobile="12345"))
    assert response.status_code == 400
    assert "手机号应为 11 位，已输入 5 位" in response.text
    response = login(bank.rm_a).post(f"/customers/{zeng.pk}/edit/", _profile_post(zeng, mobile="23456789012"))
    assert "手机号为以1开头的11位数字" in response.text
    assert Customer.objects.get(pk=zeng.pk).mobile == zeng.mobile
