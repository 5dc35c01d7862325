"""Staffing by tier (issue 16 §7, SEG-4, seed 002's 二八原则 and 合适的人员): the tier from AUM at
the thresholds, the thresholds as configuration, the out-of-place list on a hand-computed branch,
the branch head's page and the API (the fix through the hand-over), visibility and bad input."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.contacts.models import Opportunity
from banyan.contacts.opportunities import opportunity_create
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.org.models import Role, Staff
from banyan.org.services import staff_create
from banyan.org.tests.test_api_auth import ApiCaller, assert_error
from banyan.staffing.models import Tier
from banyan.staffing.tiers import out_of_place, tier_counts, tier_for_aum, tier_of, tiers, tiers_save
from banyan.worklists.models import Task, TaskStatus
from banyan.worklists.services import worklists_build


def _aum(customer, amount) -> Customer:
    Customer.objects.filter(pk=customer.pk).update(aum=Decimal(amount))
    customer.refresh_from_db()
    return customer


@pytest.fixture
def branch(bank, make_customer):
    """B01 by hand: zhangmin (rm_a) plain, lihua (rm_b) senior, 钱私行 a private banker; chenjing the
    assistant. Out of place, by the default tiers: 大客户甲 (¥8M at a plain manager: needs a private
    banker), 贵宾乙 (¥1M at a plain manager: needs a senior), 小客户丙 (¥100k at a senior with no
    assistant while the branch has one)."""
    Staff.objects.filter(pk=bank.rm_b.pk).update(is_senior=True)
    bank.rm_b.refresh_from_db()
    pb = staff_create(actor=None, username="qianpb", password="x", role=Role.RM, branch=bank.b1, full_name="钱私行",
                      is_private_banker=True, check_password=False)
    c = {}
    for key, rm, amount in [("big_a", bank.rm_a, "8000000"), ("big_pb", pb, "6000000"),
                            ("vip_a", bank.rm_a, "1000000"), ("vip_b", bank.rm_b, "500000"),
                            ("vip_pb", pb, "2000000"), ("small_b", bank.rm_b, "100000"),
                            ("small_b_assisted", bank.rm_b, "200000"), ("small_a", bank.rm_a, "499999.99"),
                            ("other_branch", bank.rm_c, "9000000")]:
        names = {"big_a": "大客户甲", "vip_a": "贵宾乙", "small_b": "小客户丙"}
        birthday_today = make_resident_id("330106", clock.today().replace(year=1966), 11)  # 甲's, for a task
        extra = {"id_number": birthday_today} if key == "big_a" else {}
        c[key] = _aum(make_customer(rm, name=names.get(key, "客户" + key[-2:]), **extra), amount)
    Customer.objects.filter(pk=c["small_b_assisted"].pk).update(assistant=bank.assistant)
    return type("Branch", (), {"pb": pb, "c": c})


# --- the tier from AUM ---------------------------------------------------------------------------

def test_the_tier_follows_the_aum_at_the_thresholds_in_one_query(bank, make_customer, django_assert_num_queries):
    amounts = ["0", "499999.99", "500000", "5999999.99", "6000000", "80000000"]
    expected = ["mass", "mass", "priority", "priority", "private", "private"]
    ids = [_aum(make_customer(bank.rm_a, name=f"客户{i}"), a).pk for i, a in enumerate(amounts)]
    rows = tiers()
    with django_assert_num_queries(1):  # the whole branch: one CASE, no query per customer
        got = dict(Customer.objects.filter(branch=bank.b1).annotate(tier=tier_of(rows)).values_list("pk", "tier"))
    assert [got[i] for i in ids] == expected
    assert [tier_for_aum(Decimal(a)).code for a in amounts] == expected  # the file's badge agrees


def test_the_thresholds_are_configuration_a_changed_row_changes_the_customers_tier(bank, make_customer):
    wang = _aum(make_customer(bank.rm_a, name="王建国"), "600000")
    assert tier_for_aum(wang.aum).code == "priority"
    rows = [{"code": t.code, "name": t.name, "name_en": t.name_en, "min_aum": t.min_aum, "coverage": t.coverage,
             "sort_order": t.sort_order, "delete": False} for t in tiers()]
    next(r for r in rows if r["code"] == "priority")["min_aum"] = Decimal("1000000")
    tiers_save(actor=bank.admin, rows=rows)
    code = Customer.objects.filter(pk=wang.pk).annotate(tier=tier_of()).values_list("tier", flat=True).get()
    assert code == "mass"
    assert AuditEvent.objects.filter(action="tiers.changed").count() == 1


@pytest.mark.parametrize("change", ["lowest_not_zero", "same_threshold", "all_deleted"])
def test_tiers_that_do_not_hang_together_are_refused_and_nothing_is_written(bank, change):
    before = list(Tier.objects.values_list("code", "min_aum", "coverage"))
    rows = [{"code": t.code, "name": t.name, "name_en": t.name_en, "min_aum": t.min_aum, "coverage": t.coverage,
             "sort_order": t.sort_order, "delete": False} for t in tiers()]
    if change == "lowest_not_zero":
        rows[-1]["min_aum"] = Decimal("100")
    elif change == "same_threshold":
        rows[1]["min_aum"] = rows[0]["min_aum"]
    else:
        for r in rows:
            r["delete"] = True
    with pytest.raises(ValidationError):
        tiers_save(actor=bank.admin, rows=rows)
    assert list(Tier.objects.values_list("code", "min_aum", "coverage")) == before
    with pytest.raises(ValidationError):
        tiers_save(actor=bank.head, rows=[])  # only an administrator


# --- out of place ----------------------------------------------------------------------------------

def test_the_out_of_place_list_is_the_hand_computed_one(bank, branch):
    c = branch.c
    got = {x.pk: x.tier for x in out_of_place(bank.head, bank.b1)}
    assert got == {c["big_a"].pk: "private", c["vip_a"].pk: "priority", c["small_b"].pk: "mass"}
    counts = tier_counts(bank.head, bank.b1)
    assert counts.out_of_place == 3
    row = {r.manager.username: r for r in counts.rows if r.manager}
    assert {k: v.customers for k, v in row["zhangmin"].cells.items()} == {"private": 1, "priority": 1, "mass": 1}
    assert (row["zhangmin"].out_of_place, row["lihua"].out_of_place, row["qianpb"].out_of_place) == (2, 1, 0)
    assert {k: v.customers for k, v in counts.totals.items()} == {"private": 2, "priority": 3, "mass": 3}
    assert counts.totals["private"].aum == Decimal("14000000")
    assert counts.co_covered == 3  # 贵宾 is co-covered by the branch head
    # sorted by AUM, highest first, by default; by name on request
    assert [x.pk for x in out_of_place(bank.head, bank.b1)] == [c["big_a"].pk, c["vip_a"].pk, c["small_b"].pk]
    assert [x.pk for x in out_of_place(bank.head, bank.b1, tier="mass")] == [c["small_b"].pk]
    # with no assistant in the branch, nobody could carry the minor customer: not out of place
    Staff.objects.filter(pk=bank.assistant.pk).update(is_active=False)
    assert c["small_b"].pk not in {x.pk for x in out_of_place(bank.head, bank.b1)}


def test_the_counts_are_a_few_queries_whatever_the_branch_size(bank, branch, make_customer,
                                                              django_assert_max_num_queries):
    for i in range(30):
        _aum(make_customer(bank.rm_a, name=f"客户{i}"), str(10000 * i))
    with django_assert_max_num_queries(6):
        counts = tier_counts(bank.head, bank.b1)
    assert sum(r.customers for r in counts.rows) == 38


# --- the branch head's page --------------------------------------------------------------------

def test_the_branch_head_sees_the_page_and_moves_an_out_of_place_customer_through_the_hand_over(client, bank, branch):
    c = branch.c
    today = clock.today()
    # an open task and an open opportunity of the customer, with the manager who gives it up
    wang = c["big_a"]
    worklists_build(day=today, manager_ids=[bank.rm_a.pk])
    assert Task.objects.filter(customer=wang, manager=bank.rm_a, status=TaskStatus.OPEN).exists()
    lead = opportunity_create(actor=bank.rm_a, customer=wang, need="家族信托咨询", source="call")

    client.force_login(bank.head)
    page = client.get(reverse("staffing_tiers"))
    html = page.content.decode()
    assert page.status_code == 200
    for name in ("大客户甲", "贵宾乙", "小客户丙"):
        assert name in html
    assert "客户other_branch" not in html and "分层配置人员" in html
    answer = client.post(reverse("staffing_tier_fix"), {"customers": [wang.pk], "action": "move",
                                                         "to_rm": branch.pb.pk, "reason": "私行客户"})
    assert answer.status_code == 302
    assert Customer.objects.get(pk=wang.pk).rm == branch.pb
    assert not Task.objects.filter(customer=wang, manager=bank.rm_a, status=TaskStatus.OPEN).exists()
    assert Task.objects.filter(customer=wang, manager=branch.pb, status=TaskStatus.OPEN).exists()
    assert Opportunity.objects.get(pk=lead.pk).owner == branch.pb
    event = AuditEvent.objects.get(action="customers.reassigned")
    assert event.data == {"count": 1, "reason": "私行客户"}
    assert [x.pk for x in out_of_place(bank.head, bank.b1)] == [c["vip_a"].pk, c["small_b"].pk]


def test_minor_customers_are_given_to_an_assistant_in_bulk(client, bank, branch):
    c = branch.c
    client.force_login(bank.head)
    answer = client.post(reverse("staffing_tier_fix"), {"customers": [c["small_b"].pk], "action": "assistant",
                                                         "assistant": bank.assistant.pk})
    assert answer.status_code == 302
    small = Customer.objects.get(pk=c["small_b"].pk)
    assert (small.rm, small.assistant) == (bank.rm_b, bank.assistant)
    assert AuditEvent.objects.filter(action="customers.given_to_assistant").count() == 1
    # a private-banking customer is not the assistant's to serve: refused, nothing given
    page = client.post(reverse("staffing_tier_fix"), {"customers": [c["big_a"].pk], "action": "assistant",
                                                       "assistant": bank.assistant.pk})
    assert page.status_code == 400 and "大客户甲" in page.content.decode()
    assert Customer.objects.get(pk=c["big_a"].pk).assistant is None


@pytest.mark.parametrize("case", ["manager_of_another_branch", "unknown_manager", "not_an_assistant",
                                  "customer_of_another_branch", "no_customer"])
def test_bad_input_on_the_page_is_refused_at_its_field_and_nothing_moves(client, bank, branch, case):
    c = branch.c
    form = {"customers": [c["big_a"].pk], "action": "move", "to_rm": branch.pb.pk}
    if case == "manager_of_another_branch":
        form["to_rm"] = bank.rm_c.pk
    elif case == "unknown_manager":
        form["to_rm"] = 2_000_000_000
    elif case == "not_an_assistant":
        form.update(action="assistant", assistant=bank.rm_b.pk)
    elif case == "customer_of_another_branch":
        form["customers"] = [c["big_a"].pk, c["other_branch"].pk]
    else:
        form["customers"] = []
    before = dict(Customer.objects.values_list("pk", "rm_id"))
    client.force_login(bank.head)
    page = client.post(reverse("staffing_tier_fix"), form)
    assert page.status_code == 400
    assert "invalid-feedback" in page.content.decode() or "fix-errors" in page.content.decode()
    assert dict(Customer.objects.values_list("pk", "rm_id")) == before
    assert not AuditEvent.objects.filter(action__in=["customers.reassigned", "customers.given_to_assistant"]).exists()


def test_the_page_is_the_branch_heads_and_the_admins_only(client, bank, branch):
    head2 = staff_create(actor=None, username="head2", password="x", role=Role.BRANCH_HEAD, branch=bank.b2,
                         full_name="王行长", check_password=False)
    for user in (bank.rm_a, bank.assistant, bank.auditor):
        client.force_login(user)
        assert client.get(reverse("staffing_tiers")).status_code == 404
        assert client.post(reverse("staffing_tier_fix"), {"customers": [branch.c["big_a"].pk], "action": "move",
                                                          "to_rm": bank.rm_a.pk}).status_code == 404
    client.force_login(head2)
    assert client.get(reverse("staffing_tiers") + "?branch=B01").status_code == 404
    own = client.get(reverse("staffing_tiers")).content.decode()
    assert "大客户甲" not in own
    client.force_login(bank.admin)
    assert "大客户甲" in client.get(reverse("staffing_tiers") + "?branch=B01").content.decode()
    assert Customer.objects.get(pk=branch.c["big_a"].pk).rm == bank.rm_a


def test_the_page_reads_are_audited_as_one_list_event(client, bank, branch):
    client.force_login(bank.head)
    client.get(reverse("staffing_tiers"))
    event = AuditEvent.objects.get(action="customer.listed")
    assert event.data["via"] == "tiers" and event.data["count"] == 3


# --- the API -----------------------------------------------------------------------------------

def test_api_tiers_counts_and_out_of_place(client, bank, branch):
    body = ApiCaller(client, bank.head).get("/branches/B01/tiers").json()
    assert body["out_of_place_count"] == 3
    assert [i["name"] for i in body["items"]] == ["大客户甲", "贵宾乙", "小客户丙"]
    assert [i["why"] for i in body["items"]] == ["private_banker", "branch_head_co_cover", "assistant_ok"]
    assert {t["code"]: t["customers"] for t in body["tiers"]} == {"private": 2, "priority": 3, "mass": 3}
    assert body["tiers"][0]["min_aum"] == "6000000.00"
    zhang = next(m for m in body["managers"] if m["manager"] == "zhangmin")
    assert zhang["tiers"] == {"private": 1, "priority": 1, "mass": 1} and zhang["out_of_place"] == 2
    paged = ApiCaller(client, bank.head).get("/branches/B01/tiers", sort="name", limit=1, offset=1).json()
    assert len(paged["items"]) == 1


def test_api_tiers_answers_404_to_everyone_but_the_branch_head_and_the_admin(client, bank, branch):
    head2 = staff_create(actor=None, username="head2", password="x", role=Role.BRANCH_HEAD, branch=bank.b2,
                         full_name="王行长", check_password=False)
    for user in (bank.rm_a, bank.rm_c, bank.assistant, bank.auditor, head2):
        caller = ApiCaller(client, user)
        assert_error(caller.get("/branches/B01/tiers"), 404, "not_found")
        # (the auditor writes nothing anywhere: 403 before any lookup, for every branch alike)
        status, code = (403, "forbidden") if user.role == Role.AUDITOR else (404, "not_found")
        assert_error(caller.post("/branches/B01/reassign", {"customer_ids": [branch.c["big_a"].pk],
                                                           "to_rm": "qianpb"}), status, code)
    assert_error(ApiCaller(client, bank.head).get("/branches/NOPE/tiers"), 404, "not_found")
    assert ApiCaller(client, bank.admin).get("/branches/B01/tiers").status_code == 200
    assert Customer.objects.get(pk=branch.c["big_a"].pk).rm == bank.rm_a


def test_api_reassign_moves_through_the_hand_over_and_a_second_call_moves_nothing(client, bank, branch):
    c = branch.c
    caller = ApiCaller(client, bank.head)
    ids = [c["vip_a"].pk, c["small_b"].pk]
    first = caller.post("/branches/B01/reassign", {"customer_ids": ids, "to_rm": "lihua"})
    assert first.status_code == 200, first.content
    assert first.json() == {"moved": 1, "skipped": 1, "customer_ids": [c["vip_a"].pk]}  # 小客户丙 is lihua's
    again = caller.post("/branches/B01/reassign", {"customer_ids": ids, "to_rm": "lihua"}).json()
    assert again["moved"] == 0
    assert AuditEvent.objects.filter(action="customers.reassigned").count() == 1
    given = caller.post("/branches/B01/reassign", {"customer_ids": [c["small_b"].pk], "assistant": "chenjing"})
    assert given.json()["moved"] == 1 and Customer.objects.get(pk=c["small_b"].pk).assistant == bank.assistant


@pytest.mark.parametrize("case", ["unknown_manager", "manager_of_another_branch", "assistant_is_a_manager",
                                  "customer_of_another_branch", "unknown_customer", "both", "neither"])
def test_api_reassign_bad_input_is_422_at_the_field_and_nothing_moves(client, bank, branch, case):
    c = branch.c
    body = {"customer_ids": [c["big_a"].pk], "to_rm": "qianpb"}
    field = {"unknown_manager": "to_rm", "manager_of_another_branch": "to_rm", "assistant_is_a_manager": "assistant",
             "customer_of_another_branch": "customer_ids", "unknown_customer": "customer_ids", "both": "to_rm",
             "neither": "to_rm"}[case]
    if case == "unknown_manager":
        body["to_rm"] = "nobody"
    elif case == "manager_of_another_branch":
        body["to_rm"] = "wangfang"
    elif case == "assistant_is_a_manager":
        body = {"customer_ids": [c["small_b"].pk], "assistant": "lihua"}
    elif case == "customer_of_another_branch":
        body["customer_ids"] = [c["big_a"].pk, c["other_branch"].pk]
    elif case == "unknown_customer":
        body["customer_ids"] = [c["big_a"].pk, 1_999_999_999]
    elif case == "both":
        body["assistant"] = "chenjing"
    else:
        body.pop("to_rm")
    before = dict(Customer.objects.values_list("pk", "rm_id"))
    error = assert_error(ApiCaller(client, bank.head).post("/branches/B01/reassign", body), 422, "invalid")
    assert field in error["fields"]
    assert dict(Customer.objects.values_list("pk", "rm_id")) == before
    assert not Customer.objects.filter(assistant__isnull=False).exclude(pk=c["small_b_assisted"].pk).exists()
    assert not AuditEvent.objects.filter(action__in=["customers.reassigned", "customers.given_to_assistant"]).exists()


# --- the tiers' settings and the private banker flag ---------------------------------------------

def test_the_admin_edits_the_thresholds_on_the_settings_page(client, bank):
    client.force_login(bank.admin)
    page = client.get(reverse("staffing_tier_settings"))
    assert page.status_code == 200 and "私人银行" in page.content.decode()
    assert 'value="6000000"' in page.content.decode()  # the threshold as typed, never "6E+6"
    form = {}
    for t in tiers():
        form.update({f"name_{t.code}": t.name, f"name_en_{t.code}": t.name_en, f"min_aum_{t.code}": str(t.min_aum),
                     f"coverage_{t.code}": t.coverage, f"sort_order_{t.code}": t.sort_order})
    form["min_aum_private"] = "10000000"
    assert client.post(reverse("staffing_tier_settings"), form).status_code == 302
    assert Tier.objects.get(code="private").min_aum == Decimal("10000000")
    form["min_aum_mass"] = "5"  # the lowest must start at 0: refused, nothing written
    refused = client.post(reverse("staffing_tier_settings"), form)
    assert refused.status_code == 400 and "¥0" in refused.content.decode()
    assert Tier.objects.get(code="mass").min_aum == 0
    form["min_aum_mass"] = "-1"
    assert client.post(reverse("staffing_tier_settings"), form).status_code == 400
    client.force_login(bank.head)  # reads, does not write
    assert client.get(reverse("staffing_tier_settings")).status_code == 200
    assert client.post(reverse("staffing_tier_settings"), form).status_code == 403
    client.force_login(bank.rm_a)
    assert client.get(reverse("staffing_tier_settings")).status_code == 404


def test_a_private_banker_is_flagged_on_the_overview_and_by_the_staff_command(client, bank):
    client.force_login(bank.head)
    client.post(reverse("staff_workload", args=[bank.rm_a.pk]), {"daily_capacity": "20", "is_private_banker": "on"})
    bank.rm_a.refresh_from_db()
    assert bank.rm_a.is_private_banker and not bank.rm_a.is_senior
    import sys
    stdin = sys.stdin
    sys.stdin = StringIO("Banyan-test-2026-pw\n")
    try:
        call_command("staff", "add", "sunpb", "--role", "rm", "--branch", "B01", "--private-banker", stdout=StringIO())
    finally:
        sys.stdin = stdin
    assert Staff.objects.get(username="sunpb").is_private_banker


def test_the_default_tiers_are_seeded(db):
    assert list(Tier.objects.order_by("-min_aum").values_list("code", "min_aum", "coverage")) == [
        ("private", Decimal("6000000.00"), "private_banker"),
        ("priority", Decimal("500000.00"), "branch_head_co_cover"),
        ("mass", Decimal("0.00"), "assistant_ok")]
    assert Customer.objects.aggregate(n=Count("pk"))["n"] == 0


def test_the_file_names_the_tier_and_the_co_covering_branch_head(client, bank, branch):
    client.force_login(bank.rm_a)
    vip = client.get(reverse("customer_detail", args=[branch.c["vip_a"].pk])).content.decode()
    assert "贵宾 · 行长赵磊共同维护" in vip  # the priority tier: co-covered by the branch head
    big = client.get(reverse("customer_detail", args=[branch.c["big_a"].pk])).content.decode()
    assert 'id="tier-badge"' in big and "私人银行" in big and "共同维护" not in big.split('id="tier-badge"')[1][:200]
