"""The audit log page and its CSV export (ARC-8)."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import translation

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.customers.models import Customer
from banyan.customers.services import customer_reveal, customer_update, customer_viewed
from banyan.org.services import login_failed

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(bank, make_customer):
    """zhangmin reveals a customer's mobile; lihua views and edits one of hers."""
    mine = make_customer(bank.rm_a, name="王小明", mobile="13812345678")
    hers = make_customer(bank.rm_b, name="刘洋")
    customer_reveal(actor=bank.rm_a, customer=mine, field="mobile")
    customer_viewed(actor=bank.rm_b, customer=hers)
    customer_update(actor=bank.rm_b, customer=hers, occupation="教师")
    return {"mine": mine, "hers": hers}


def _actions(response):
    return [row.event.action for row in response.context["rows"]]


def test_auditor_sees_a_reveal_done_through_the_service(client, bank, trail):
    # given zhangmin revealed a mobile number (fixture); when the auditor opens the log
    client.force_login(bank.auditor)
    response = client.get(reverse("audit_log"))
    # then the reveal is listed, newest first, in words: who, what, whose file, which number
    assert response.status_code == 200
    html = response.content.decode()
    assert "审计日志" in html
    assert "查看完整号码" in html and "手机号" in html
    assert "张敏" in html and "王小明" in html
    assert _actions(response)[:3] == ["customer.updated", "customer.viewed", "customer.revealed"]
    # and the log itself never shows the number that was revealed
    assert "13812345678" not in html


def test_the_log_filters_by_action(client, bank, trail):
    client.force_login(bank.auditor)
    response = client.get(reverse("audit_log"), {"action": "customer.revealed"})
    assert _actions(response) == ["customer.revealed"]
    # the action select offers the actions present, in words
    assert ("customer.revealed", "查看完整号码") in [(v, str(label)) for v, label in
                                                  response.context["form"].fields["action"].choices]


def test_the_log_filters_by_actor_including_their_failed_logins(client, bank, trail):
    login_failed(username="lihua", ip="10.0.0.9")
    client.force_login(bank.auditor)
    response = client.get(reverse("audit_log"), {"actor": "lihua"})
    assert _actions(response) == ["auth.login_failed", "customer.updated", "customer.viewed"]
    assert "登录失败" in response.content.decode()


def test_the_log_filters_by_customer_and_dates(client, bank, trail):
    client.force_login(bank.auditor)
    response = client.get(reverse("audit_log"), {"customer": trail["hers"].external_id})
    assert set(_actions(response)) == {"customer.created", "customer.viewed", "customer.updated"}
    today = clock.today()  # the audit trail follows the app's (pinned) day
    assert client.get(reverse("audit_log"), {"date_from": today.isoformat()}).context["page"].paginator.count > 0
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert _actions(client.get(reverse("audit_log"), {"date_from": tomorrow})) == []


def test_a_bad_filter_is_named_and_ignored(client, bank, trail):
    client.force_login(bank.auditor)
    response = client.get(reverse("audit_log"), {"customer": "abc", "action": "customer.revealed"})
    assert response.status_code == 200
    assert "customer" in response.context["form"].errors
    assert _actions(response) == ["customer.revealed"]


def test_an_update_shows_what_changed(client, bank, trail):
    client.force_login(bank.auditor)
    response = client.get(reverse("audit_log"), {"action": "customer.updated"})
    row = response.context["rows"][0]
    with translation.override("zh-hans"):
        occupation = str(Customer._meta.get_field("occupation").verbose_name)
    assert row.changes == [(occupation, "—", "教师")]
    assert "修改档案" in response.content.decode()


def test_the_log_is_paginated_a_hundred_a_page(client, bank, trail):
    AuditEvent.objects.bulk_create([AuditEvent(actor=bank.rm_a, action="customer.exported",
                                               data={"via": "book_csv", "count": 2}) for _ in range(150)])
    client.force_login(bank.auditor)
    first = client.get(reverse("audit_log"), {"action": "customer.exported"})
    assert len(first.context["rows"]) == 100 and first.context["page"].paginator.num_pages == 2
    second = client.get(reverse("audit_log"), {"action": "customer.exported", "page": 2})
    assert len(second.context["rows"]) == 50
    # the page links keep the filter
    assert "action=customer.exported" in first.content.decode().split("pagination")[-1]


@pytest.mark.parametrize("who", ["rm_a", "assistant", "head"])
def test_managers_and_branch_heads_get_404_on_the_log_and_its_export(client, bank, trail, who):
    client.force_login(getattr(bank, who))
    assert client.get(reverse("audit_log")).status_code == 404
    assert client.get(reverse("audit_log_export")).status_code == 404
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_admin_reads_the_log(client, bank, trail):
    client.force_login(bank.admin)
    assert client.get(reverse("audit_log")).status_code == 200


def test_csv_export_of_the_filtered_log_is_itself_audited(client, bank, trail):
    client.force_login(bank.auditor)
    # when the auditor exports zhangmin's events
    response = client.get(reverse("audit_log_export"), {"actor": "zhangmin"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    # then the file holds zhangmin's reveal, in words, with the customer's name
    assert rows[0][:5] == ["时间", "用户名", "姓名", "岗位", "操作"]
    reveal = next(r for r in rows[1:] if r[5] == "customer.revealed")
    assert reveal[1:5] == ["zhangmin", "张敏", "客户经理", "查看完整号码"]
    assert reveal[7] == "王小明"
    assert all(r[1] == "zhangmin" for r in rows[1:])
    # and the export is in the log, by the auditor, with the filter used
    event = AuditEvent.objects.get(action="audit.exported")
    assert event.actor == bank.auditor and event.data == {"filter": {"actor": "zhangmin"}}


def test_csv_cells_cannot_smuggle_spreadsheet_formulas(client, bank, make_customer):
    sneaky = make_customer(bank.rm_a, name="=HYPERLINK(1)")
    customer_viewed(actor=bank.rm_a, customer=sneaky)
    client.force_login(bank.auditor)
    body = b"".join(client.get(reverse("audit_log_export"), {"action": "customer.viewed"})
                    .streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body


def test_every_kind_of_event_reads_in_words(client, bank, make_customer):
    # given a file with a holding, a relation and a reassignment, and a login
    from banyan.customers.services import customer_assign, relation_add
    from banyan.holdings.services import holding_create
    from banyan.org.services import login_succeeded

    a, b = make_customer(bank.rm_a, name="王小明"), make_customer(bank.rm_a, name="王太太")
    holding_create(actor=bank.rm_a, customer=a, product=bank.products.deposit, amount="200000",
                   purchase_date="2026-01-10")
    relation_add(actor=bank.rm_a, customer=a, other=b, kind="family", note="配偶")
    customer_assign(actor=bank.head, customer=a, rm=bank.rm_b, assistant=bank.assistant)
    login_succeeded(staff=bank.head)
    client.force_login(bank.auditor)
    # when the auditor reads the log
    response = client.get(reverse("audit_log"))
    # then each event is named in words, and the reassignment names the managers, not their ids
    assert response.status_code == 200
    html = response.content.decode()
    for words in ("新增持仓", "添加客户关系", "分配客户", "登录", "新建客户"):
        assert words in html
    assigned = next(r for r in response.context["rows"] if r.event.action == "customer.assigned")
    assert ("客户经理", "张敏", "李华") in assigned.changes
    assert ("助理", "—", "陈静") in assigned.changes


def test_the_page_takes_the_same_queries_for_a_full_page_of_many_customers(client, bank, make_customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given the query count for a log with one customer
    customer_viewed(actor=bank.rm_a, customer=make_customer(bank.rm_a, name="甲"))
    client.force_login(bank.auditor)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("audit_log"))
    # when a page shows events about forty different customers and staff
    for i in range(40):
        customer_viewed(actor=bank.rm_b, customer=make_customer(bank.rm_b, name=f"客户{i}"))
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("audit_log"))
    # then the names come from one query per kind, not one per row
    assert len(response.context["rows"]) > 80
    assert len(large.captured_queries) == len(small.captured_queries)
