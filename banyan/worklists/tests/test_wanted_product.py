"""Needs that come back (issue 16 §4, seed 002: "we don't have it" is not "the customer doesn't need
it"): a memo or a lost opportunity names a product type the bank could not offer; when a product
of that type is added (the service, the products feed) or put back on sale, the customer comes
back on the manager's worklist with reason wanted_product and the product named — once."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError

from banyan import clock
from banyan.contacts.models import MemoStatus
from banyan.contacts.opportunities import opportunity_create, opportunity_stage
from banyan.contacts.services import memo_complete, memo_create
from banyan.customers.models import Customer
from banyan.feeds.services import feed_import
from banyan.holdings.models import Product
from banyan.holdings.services import product_create, product_update
from banyan.org.tests.test_api_auth import ApiCaller, assert_error
from banyan.worklists.models import Task, TaskReason
from banyan.worklists.services import worklists_build
from banyan.worklists.talking import task_talk
from banyan.worklists.triggers import Window, wanted_products

MON, TUE, WED, THU = (dt.date(2026, 11, 23) + dt.timedelta(days=n) for n in range(4))


def build(day, *managers):
    with clock.frozen(day):
        worklists_build(day=day, manager_ids=[m.pk for m in managers])
    return {t.customer_id: t for t in Task.objects.filter(manager__in=managers, date=day).prefetch_related("reasons")}


def wanted(task):
    return [r for r in task.reasons.all() if r.code == "wanted_product"]


def gold(code="AU-01", name="如意积存金", **kw):
    return product_create(actor=None, code=code, name=name, type="precious_metal", risk_level="R2", **kw)


@pytest.fixture
def asked(bank, make_customer):
    """王先生 (zhangmin's) asked for gold in August by a memo; 李女士 (lihua's) by an opportunity lost for
    want of a gold product; 赵先生 (zhangmin's) asked for insurance; 钱先生's gold memo is done."""
    with clock.frozen(dt.date(2026, 8, 20)):
        wang = make_customer(bank.rm_a, name="王建国")
        memo_create(actor=bank.rm_a, customer=wang, text="客户想买黄金，我行暂无贵金属业务",
                    due_date=dt.date(2026, 12, 31), product_type="precious_metal")
        li = make_customer(bank.rm_b, name="李秀英", male=False)
        opp = opportunity_create(actor=bank.rm_b, customer=li, need="黄金定投", product_type="precious_metal")
        opportunity_stage(actor=bank.rm_b, opportunity=opp, stage="lost", reason="我行没有贵金属产品", no_product=True)
        zhao = make_customer(bank.rm_a, name="赵强")
        memo_create(actor=bank.rm_a, customer=zhao, text="想了解重疾险", due_date=dt.date(2026, 12, 31),
                    product_type="insurance")
        qian = make_customer(bank.rm_a, name="钱伟")
        done = memo_create(actor=bank.rm_a, customer=qian, text="也问过黄金", due_date=dt.date(2026, 12, 31),
                           product_type="precious_metal")
        memo_complete(actor=bank.rm_a, memo=done)
    # they asked on a call: reached, not strangers (a stranger's call carries no product, seed 004)
    Customer.objects.filter(pk__in=[wang.pk, li.pk, zhao.pk, qian.pk]).update(
        last_contact_at=dt.datetime(2026, 8, 20, 2, tzinfo=dt.UTC))
    return wang, li, zhao, qian


def test_a_gold_product_added_brings_back_everyone_who_asked_on_their_managers_list(bank, asked):
    wang, li, zhao, qian = asked
    assert not any(wanted(t) for t in build(MON, bank.rm_a, bank.rm_b).values())  # nothing on sale yet
    with clock.frozen(TUE):
        product = gold()
    assert product.on_sale_since == TUE
    tasks = build(TUE, bank.rm_a, bank.rm_b)
    (reason,) = wanted(tasks[wang.pk])
    assert tasks[wang.pk].manager == bank.rm_a and tasks[li.pk].manager == bank.rm_b
    assert "如意积存金" in reason.detail and "贵金属" in reason.detail and "08月20日" in reason.detail
    assert reason.ref == f"product:{product.pk}" and reason.due_date == TUE
    (theirs,) = wanted(tasks[li.pk])
    assert "如意积存金" in theirs.detail
    assert zhao.pk not in tasks or not wanted(tasks[zhao.pk])  # asked for insurance
    assert qian.pk not in tasks or not wanted(tasks[qian.pk])  # the memo is done: the need was met
    with clock.frozen(TUE):
        script = "".join(task_talk(tasks[wang.pk]).script)
    assert "您之前问过的贵金属产品，我行现在上线了如意积存金" in script


def test_the_wanted_product_is_planned_once_not_again_on_a_rebuild_or_the_next_days(bank, asked):
    wang, li, *_ = asked
    with clock.frozen(TUE):
        gold()
    build(TUE, bank.rm_a, bank.rm_b)
    build(TUE, bank.rm_a, bank.rm_b)
    for day in (WED, THU):
        build(day, bank.rm_a, bank.rm_b)
    assert TaskReason.objects.filter(code="wanted_product", customer_id=wang.pk).count() == 1
    assert TaskReason.objects.filter(code="wanted_product", customer_id=li.pk).count() == 1


def test_two_gold_products_on_one_day_are_both_named_on_one_task(bank, asked):
    wang, *_ = asked
    with clock.frozen(TUE):
        gold()
        gold(code="AU-02", name="熊猫金币")
    task = build(TUE, bank.rm_a)[wang.pk]
    assert sorted(r.detail.split("“")[1].rstrip("”") for r in wanted(task)) == ["如意积存金", "熊猫金币"]
    with clock.frozen(TUE):
        assert "如意积存金、熊猫金币" in "".join(task_talk(task).script)


def test_a_gold_product_put_back_on_sale_brings_them_back_and_taking_it_off_sale_does_not(bank, asked):
    wang, li, *_ = asked
    with clock.frozen(dt.date(2026, 6, 1)):
        product = gold(is_active=False)  # in the catalogue, not on sale
    assert product.on_sale_since is None
    assert not any(wanted(t) for t in build(MON, bank.rm_a, bank.rm_b).values())
    with clock.frozen(WED):
        product_update(actor=bank.admin, product=product, is_active=True)
    product.refresh_from_db()
    assert product.on_sale_since == WED
    tasks = build(WED, bank.rm_a, bank.rm_b)
    assert wanted(tasks[wang.pk]) and wanted(tasks[li.pk])
    with clock.frozen(THU):
        product_update(actor=bank.admin, product=product, is_active=False)
    product.refresh_from_db()
    assert product.on_sale_since is None
    assert not any(wanted(t) for t in build(THU, bank.rm_a, bank.rm_b).values())


def test_a_need_noted_after_the_product_went_on_sale_is_not_a_need_the_bank_could_not_meet(bank, make_customer):
    with clock.frozen(MON):
        gold()
    with clock.frozen(TUE):
        late = make_customer(bank.rm_a, name="孙丽", male=False)
        memo_create(actor=bank.rm_a, customer=late, text="想买金条", due_date=THU, product_type="precious_metal")
    tasks = build(TUE, bank.rm_a)
    assert late.pk not in tasks or not wanted(tasks[late.pk])


def test_the_products_feed_adding_a_gold_product_brings_them_back(bank, asked, tmp_path):
    wang, li, *_ = asked
    path = tmp_path / "products.csv"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["产品代码", "产品名称", "产品类型", "风险等级", "期限天数", "预期收益率", "在售"])
    w.writerow(["AU-FEED", "招财金条", "贵金属", "R2", "", "", "Y"])
    path.write_bytes(buf.getvalue().encode("utf-8"))
    with clock.frozen(WED):
        result = feed_import(kind="products", path=path, followups=False)
    assert result.added == 1
    assert Product.objects.get(code="AU-FEED").on_sale_since == WED
    tasks = build(WED, bank.rm_a, bank.rm_b)
    assert "招财金条" in wanted(tasks[wang.pk])[0].detail and "招财金条" in wanted(tasks[li.pk])[0].detail


def test_the_trigger_is_set_based_a_few_queries_whatever_the_number_who_asked(bank, make_customer,
                                                                             django_assert_max_num_queries):
    from banyan.segments.models import SegmentPolicy
    from banyan.worklists.services import reason_rules

    for i in range(12):
        c = make_customer(bank.rm_a, name=f"林{i}")
        memo_create(actor=bank.rm_a, customer=c, text="黄金", due_date=THU, product_type="precious_metal")
    gold()
    window = Window(MON, MON, reason_rules(), SegmentPolicy.current(), None)
    with django_assert_max_num_queries(3):
        found = wanted_products(window)
    assert len(found) == 12 and {r.code for r in found} == {"wanted_product"}


def test_an_opportunity_is_lost_for_want_of_a_product_only_when_lost_and_with_a_product_type(bank, make_customer):
    customer = make_customer(bank.rm_a)
    typeless = opportunity_create(actor=bank.rm_a, customer=customer, need="想投资点别的")
    with pytest.raises(ValidationError) as e:
        opportunity_stage(actor=bank.rm_a, opportunity=typeless, stage="lost", reason="没有", no_product=True)
    assert "no_product" in e.value.message_dict
    typed = opportunity_create(actor=bank.rm_a, customer=customer, need="黄金", product_type="precious_metal")
    with pytest.raises(ValidationError) as e:
        opportunity_stage(actor=bank.rm_a, opportunity=typed, stage="contacted", no_product=True)
    assert "no_product" in e.value.message_dict
    typed.refresh_from_db()
    assert typed.stage == "open" and not typed.no_product


def test_the_api_takes_a_memos_product_type_and_an_opportunity_lost_for_want_of_a_product(bank, make_customer,
                                                                                          client):
    customer = make_customer(bank.rm_a)
    api = ApiCaller(client, bank.rm_a)
    response = api.post(f"/customers/{customer.pk}/memos", {"text": "客户想买黄金", "due_date": "2026-12-31",
                                                             "product_type": "precious_metal"})
    assert response.status_code == 201, response.content
    assert response.json()["product_type"] == "precious_metal"
    assert api.get(f"/customers/{customer.pk}/memos").json()["items"][0]["product_type"] == "precious_metal"
    error = assert_error(api.post(f"/customers/{customer.pk}/memos", {"text": "x", "due_date": "2026-12-31",
                                                                       "product_type": "gold"}), 422, "invalid")
    assert "product_type" in error["fields"]
    plain = api.post(f"/customers/{customer.pk}/memos", {"text": "到期提醒", "due_date": "2026-12-31"}).json()
    assert plain["product_type"] is None
    opp = api.post(f"/customers/{customer.pk}/opportunities", {"need": "黄金", "source": "call",
                                                               "product_type": "precious_metal"}).json()
    lost = api.post(f"/opportunities/{opp['id']}/stage", {"stage": "lost", "reason": "我行暂无", "no_product": True})
    assert lost.status_code == 200, lost.content
    assert lost.json()["no_product"] is True
    # another manager's customer: 404, nothing written
    other = ApiCaller(client, bank.rm_c)
    assert_error(other.post(f"/customers/{customer.pk}/memos", {"text": "x", "due_date": "2026-12-31",
                                                                 "product_type": "fund"}), 404, "not_found")
    assert customer.memos.filter(status=MemoStatus.OPEN).count() == 2


def test_the_file_memo_form_names_the_product_asked_for(bank, make_customer, login):
    customer = make_customer(bank.rm_a)
    client = login(bank.rm_a)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'name="product_type"' in page and "precious_metal" in page
    response = client.post(f"/customers/{customer.pk}/memos/", {"text": "想买金条", "due_date": "2026-12-31",
                                                               "product_type": "precious_metal"})
    assert response.status_code in (200, 204, 302), response.content
    assert customer.memos.get().product_type == "precious_metal"
    assert "贵金属" in client.get(f"/customers/{customer.pk}/").content.decode()


def test_the_pipeline_marks_a_sale_lost_for_want_of_the_product(bank, make_customer, login):
    customer = make_customer(bank.rm_a)
    typed = opportunity_create(actor=bank.rm_a, customer=customer, need="黄金", product_type="precious_metal")
    typeless = opportunity_create(actor=bank.rm_a, customer=customer, need="别的")
    client = login(bank.rm_a)
    board = client.get("/opportunities/").content.decode()
    assert board.count('name="no_product"') == 1  # only where a product type is named
    answer = client.post(f"/opportunities/{typed.pk}/stage/", {"stage": "lost", "reason": "我行暂无贵金属",
                                                               "no_product": "1", "back": "board"},
                         HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    typed.refresh_from_db()
    assert typed.stage == "lost" and typed.no_product
    client.post(f"/opportunities/{typeless.pk}/stage/", {"stage": "lost", "reason": "不需要", "back": "board"},
                HTTP_HX_REQUEST="true")
    typeless.refresh_from_db()
    assert typeless.stage == "lost" and not typeless.no_product
