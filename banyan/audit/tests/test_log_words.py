"""The auditor's page reads in the auditor's words: filtered by the customer number people see,
every action and every detail in Chinese (English when the user chose it), never the code words
the program stores ("page", "visit_brief", "book csv", "5000 customers", "book hand-over a → b")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from banyan.audit.models import AuditEvent
from banyan.audit.selectors import ACTION_LABELS, action_label
from banyan.customers.services import customer_viewed, customers_exported, customers_listed

pytestmark = pytest.mark.django_db


def _details(response) -> list[str]:
    return [r.detail for r in response.context["rows"]]


def test_the_log_filters_by_the_customer_number_people_see(client, bank, make_customer):
    # given two customers, each viewed once
    wang, li = make_customer(bank.rm_a, name="王小明"), make_customer(bank.rm_a, name="李雷")
    customer_viewed(actor=bank.rm_a, customer=wang)
    customer_viewed(actor=bank.rm_a, customer=li)
    client.force_login(bank.auditor)
    # when the auditor types 王小明's customer number (C…), as printed on his file
    response = client.get(reverse("audit_log"), {"customer": wang.external_id})
    # then only his events are listed, and the customer column shows that number, not an internal id
    assert response.context["form"].errors == {}
    assert {r.event.customer_id for r in response.context["rows"]} == {wang.pk}
    assert wang.external_id in response.content.decode()
    assert f"#{wang.pk}" not in response.content.decode()
    # a number nobody has is named at the field, and the log is not filtered by it
    unknown = client.get(reverse("audit_log"), {"customer": "C999999999"})
    assert "C999999999" in str(unknown.context["form"].errors["customer"])
    assert {r.event.customer_id for r in unknown.context["rows"]} >= {wang.pk, li.pk}


@pytest.fixture
def mixed_log(bank, make_customer):
    """Views through the file and the visit brief, a book page, an export, and four events in the
    English text older versions wrote into `detail`."""
    wang = make_customer(bank.rm_a, name="王小明")
    customer_viewed(actor=bank.rm_a, customer=wang)
    customer_viewed(actor=bank.rm_a, customer=wang, via="visit_brief")
    customers_listed(actor=bank.rm_a, customer_ids=[wang.pk], via="book", params={"band": "5w-50w", "page": "2"},
                     matched=1832)
    customers_exported(actor=bank.head, customer_ids=[wang.pk], via="book_csv", params={"risk": "C3"})
    AuditEvent.objects.create(action="segments.recomputed", detail="5000 customers")
    AuditEvent.objects.create(action="customer.assigned", customer_id=wang.pk, actor=bank.head,
                              detail="book hand-over zhangmin → lihua")
    AuditEvent.objects.create(action="customer.exported", actor=bank.rm_a, detail="book csv ?sort=-aum")
    AuditEvent.objects.create(action="worklists.built", detail="2026-11-23 managers=3 tasks=41")
    return wang


def test_every_detail_reads_in_chinese_not_in_code_words(client, bank, mixed_log):
    client.force_login(bank.auditor)
    response = client.get(reverse("audit_log"))
    details = _details(response)
    html = response.content.decode()
    for words in ("客户档案页", "走访简报", "查看客户列表", "我的客户列表", "客户名单 CSV", "导出客户",
                  "显示 1 位客户（共 1,832 位）", "资产段：5万–50万；页码：2", "风险等级：C3 平衡型",
                  "5,000 位客户", "整本客户移交：zhangmin → lihua", "客户名单 CSV · 排序：管户资产从高到低",
                  "2026-11-23：3 位客户经理，41 项任务"):
        assert words in html, words
    # no detail is a code word or English system text
    for detail in details:
        assert not re.search(r"\b(page|visit_brief|book csv|customers|hand-over|managers=)\b", detail), detail


def test_the_details_follow_the_readers_language(client, bank, mixed_log):
    client.force_login(bank.auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("audit_log")).content.decode()
    for words in ("customer file page", "visit brief", "My customers list", "customer list CSV",
                  "1 of 1,832 customers", "5,000 customers", "Book handed over: zhangmin → lihua"):
        assert words in html, words


def test_every_action_the_program_writes_has_a_chinese_label():
    # every dotted action passed to the audit services anywhere in the code …
    source = Path(settings.BASE_DIR) / "banyan"
    written = set()
    for path in source.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        written |= set(re.findall(r"""action=["']([a-z_]+\.[a-z_]+)["']""", path.read_text(encoding="utf-8")))
    assert {"customer.listed", "customer.exported", "book.handed_over"} <= written
    # … has a label, in Chinese
    assert written - set(ACTION_LABELS) == set()
    with translation.override("zh-hans"):
        for action in written:
            assert re.search(r"[\u4e00-\u9fff]", action_label(action)), action
