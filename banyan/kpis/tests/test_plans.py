"""Value-uplift plans (价值提升计划, KPI-3, seed 004): the branch head sets a plan, a manager proposes
one and the branch head approves or returns it with a comment; the progress against the targets is
the review's figures for the manager and period, hand-computed here on a tiny bank; the effect is
whether the named customers moved up a quadrant. Bad input is refused at the field with nothing
written; another manager, another branch, lobby, assistants and auditors get 404."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from banyan.audit.models import AuditEvent, AuditEventCustomer
from banyan.contacts.models import Interaction, Opportunity
from banyan.customers.models import Customer
from banyan.holdings.models import AumSnapshot, Holding
from banyan.kpis.figures import Scope, review
from banyan.kpis.models import PlanComment, PlanCustomer, PlanStatus, UpliftPlan
from banyan.kpis.periods import Period
from banyan.kpis.plans import (
    low_high_candidates,
    plan_approve,
    plan_comment,
    plan_create,
    plan_customer_remove,
    plan_customers_add,
    plan_effect,
    plan_progress,
    plan_return,
    plan_update,
    plans_progress,
    visible_plans,
)
from banyan.org.models import Role
from banyan.org.services import api_token_issue, staff_create
from banyan.segments.models import CustomerSegment
from banyan.transitions import Conflict
from banyan.worklists.models import Task, TaskStatus

pytestmark = pytest.mark.django_db
S = PlanStatus
NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
OCT = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _segment(customer, quadrant: str, score: int = 70) -> None:
    CustomerSegment.objects.update_or_create(customer=customer, defaults={
        "quadrant": quadrant, "frequency_days": 30, "orientation": "value", "potential_score": score,
        "value_rank": 1, "computed_at": timezone.now()})


def _api(client: Client, method: str, path: str, token: str, body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is not None:
        return client.generic(method, f"/api/v1{path}", json.dumps(body), content_type="application/json", **kwargs)
    return client.generic(method, f"/api/v1{path}", **kwargs)


@pytest.fixture
def tiny(bank, make_customer):
    """张敏 (rm_a) keeps three customers, 李华 (rm_b) one. In November up to today (the 23rd) 张敏 had
    10 tasks planned (6 reached, 1 done unreached, 3 open), opened 4 opportunities and sold twice
    (¥100,000 + ¥50,000); her book held ¥950,000 at the end of October and holds ¥1,150,000 now.
    October and 李华's work must not count."""
    c1 = make_customer(bank.rm_a, name="林小燕")
    c2 = make_customer(bank.rm_a, name="周明")
    c3 = make_customer(bank.rm_a, name="郑大海")
    d1 = make_customer(bank.rm_b, name="吴桐")
    for c, q, aum in ((c1, "low_high", "100000.00"), (c2, "low_high", "50000.00"), (c3, "high_high", "800000.00"),
                      (d1, "low_high", "20000.00")):
        _segment(c, q)
        Customer.objects.filter(pk=c.pk).update(aum=Decimal(aum))
        AumSnapshot.objects.create(customer=c, date=dt.date(2026, 10, 31), aum=Decimal(aum), rm=c.rm,
                                   branch=c.branch, quadrant=q)
    customers = [c1, c2, c3]
    # 10 tasks in November: 6 reached, 1 done without reaching, 3 open
    outcomes = ["reached"] * 6 + ["not_reached"] + [None] * 3
    for i, outcome in enumerate(outcomes):
        day = dt.date(2026, 11, 2 + i * 2)
        customer = customers[i % 3]
        interaction = None
        if outcome:
            interaction = Interaction.objects.create(customer=customer, staff=bank.rm_a, channel="phone",
                                                     occurred_at=_at(day), outcome=outcome, summary="回访")
        Task.objects.create(manager=bank.rm_a, date=day, customer=customer, rank=1, priority=50,
                            suggested_channel="phone", status=TaskStatus.DONE if outcome else TaskStatus.OPEN,
                            interaction=interaction)
    # not counted: October, and 李华's
    oct_call = Interaction.objects.create(customer=c1, staff=bank.rm_a, channel="phone",
                                          occurred_at=_at(dt.date(2026, 10, 20)), outcome="reached")
    Task.objects.create(manager=bank.rm_a, date=dt.date(2026, 10, 20), customer=c1, rank=1, priority=50,
                        suggested_channel="phone", status=TaskStatus.DONE, interaction=oct_call)
    Task.objects.create(manager=bank.rm_b, date=dt.date(2026, 11, 5), customer=d1, rank=1, priority=50,
                        suggested_channel="phone", status=TaskStatus.OPEN)
    for day, owner, customer in ([(dt.date(2026, 11, d), bank.rm_a, c1) for d in (3, 9, 15, 20)]
                                 + [(dt.date(2026, 10, 9), bank.rm_a, c2), (dt.date(2026, 11, 4), bank.rm_b, d1)]):
        Opportunity.objects.create(customer=customer, owner=owner, created_by=owner, source="call", need="定投",
                                   due_date=day + dt.timedelta(days=14), opened_at=_at(day))
    for day, seller, customer, amount in ((dt.date(2026, 11, 6), bank.rm_a, c1, "100000.00"),
                                          (dt.date(2026, 11, 18), bank.rm_a, c2, "50000.00"),
                                          (dt.date(2026, 10, 12), bank.rm_a, c3, "999999.00"),
                                          (dt.date(2026, 11, 7), bank.rm_b, d1, "30000.00")):
        Holding.objects.create(customer=customer, product=bank.products.wealth, amount=Decimal(amount),
                               current_value=Decimal(amount), purchase_date=day, sold_by=seller)
    return type("Tiny", (), {"c1": c1, "c2": c2, "c3": c3, "d1": d1})


TARGETS = {"target_contact_rate": Decimal("0.80"), "target_new_aum": Decimal("400000"), "target_opportunities": 5,
           "target_sales_count": 2, "target_sales_amount": Decimal("300000")}


# ------------------------------------------------------------------ progress, hand-computed


def test_progress_against_the_targets_is_the_reviews_figures_hand_computed(bank, tiny):
    plan = plan_create(actor=bank.head, manager=bank.rm_a, start=NOV[0], end=NOV[1], **TARGETS,
                       customer_ids=[tiny.c1.pk, tiny.c2.pk])
    # after the plan named them, 林小燕 moved up (¥300,000, high assets); 周明 stayed
    Customer.objects.filter(pk=tiny.c1.pk).update(aum=Decimal("300000.00"))
    _segment(tiny.c1, "high_high")

    progress = plan_progress(plan)

    assert progress.pace == pytest.approx(23 / 30)  # the 23rd of a 30-day month, today counted
    got = {t.key: (t.actual, t.state) for t in progress.targets}
    assert got == {
        "contact_rate": (Decimal("0.6"), "behind"),  # 6 reached ÷ 10 planned; a rate is judged against its target
        "new_aum": (Decimal("200000.00"), "behind"),  # ¥1,150,000 now − ¥950,000 at the end of October
        "opportunities": (4, "on_track"),  # 4 of 5 = 80% ≥ 23/30 of the month gone
        "sales_count": (2, "met"),
        "sales_amount": (Decimal("150000.00"), "behind"),  # 50% < 76.7%
    }
    share = {t.key: t.share for t in progress.targets}
    assert share["contact_rate"] == pytest.approx(0.75) and share["sales_amount"] == pytest.approx(0.5)
    assert progress.on_track is False
    # the same figures as the review of the manager and period
    total = review(Scope(manager_id=bank.rm_a.pk), Period(*NOV)).total
    assert (total["contact_achievement_rate"], total["aum_change"], total["opportunities_opened"],
            total["sales_count"], total["sales_amount"]) == (0.6, Decimal("200000.00"), 4, 2, Decimal("150000.00"))
    # the effect: then and now, moved up or not
    effect = progress.effect
    rows = {c.customer.name: (c.quadrant_then, c.quadrant_now, c.aum_then, c.aum_now, c.moved_up)
            for c in effect.customers}
    assert rows == {"林小燕": ("low_high", "high_high", Decimal("100000.00"), Decimal("300000.00"), True),
                    "周明": ("low_high", "low_high", Decimal("50000.00"), Decimal("50000.00"), False)}
    assert (effect.listed, effect.moved_up, effect.aum_change) == (2, 1, Decimal("200000.00"))


def test_the_effect_is_read_in_one_query(bank, tiny, django_assert_num_queries):
    plan = plan_create(actor=bank.head, manager=bank.rm_a, start=NOV[0], end=NOV[1], target_sales_count=1,
                       customer_ids=[tiny.c1.pk, tiny.c2.pk, tiny.c3.pk])
    with django_assert_num_queries(1):
        effect = plan_effect(plan)
        assert {c.customer.name: c.quadrant_now for c in effect.customers} == {
            "林小燕": "low_high", "周明": "low_high", "郑大海": "high_high"}


def test_a_plan_not_yet_begun_and_one_over(bank, tiny):
    december = plan_create(actor=bank.head, manager=bank.rm_a, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 31),
                           target_sales_count=3)
    october = plan_create(actor=bank.head, manager=bank.rm_a, start=OCT[0], end=OCT[1], target_opportunities=5,
                          target_sales_amount=Decimal("500000"), target_contact_rate=Decimal("0.9"),
                          target_new_aum=Decimal("1"))
    progress = plans_progress([december, october])
    assert progress[december.pk].pace == 0 and [t.state for t in progress[december.pk].targets] == ["not_started"]
    over = {t.key: (t.actual, t.state) for t in progress[october.pk].targets}
    assert progress[october.pk].pace == 1
    assert over == {"contact_rate": (Decimal("1.0"), "met"),  # the one October task, reached
                    "new_aum": (None, "unknown"),  # no month-end snapshot before October 1st
                    "opportunities": (1, "missed"), "sales_amount": (Decimal("999999.00"), "met")}


def test_the_months_rows_of_a_branch_come_from_one_review_per_period(bank, tiny, django_assert_max_num_queries):
    from banyan.kpis.plans import month_rows

    plan_create(actor=bank.head, manager=bank.rm_a, start=NOV[0], end=NOV[1], **TARGETS, customer_ids=[tiny.c1.pk])
    plan_create(actor=bank.head, manager=bank.rm_b, start=NOV[0], end=NOV[1], target_sales_count=1)
    rows = month_rows(bank.head, NOV[0])
    by_name = {r.manager.username: r for r in rows}
    assert set(by_name) == {"zhangmin", "lihua"}
    a = by_name["zhangmin"].progress.by_key
    assert (a["contact_rate"].actual, a["sales_amount"].actual) == (Decimal("0.6"), Decimal("150000.00"))
    assert by_name["lihua"].progress.by_key["sales_count"].actual == 1 and by_name["lihua"].plan.listed == 0
    assert by_name["zhangmin"].plan.listed == 1
    # a third manager adds no query: the figures are one review for the branch and the month
    staff_create(actor=None, username="zhouqi", password="x", role=Role.RM, branch=bank.b1, full_name="周琪",
                 check_password=False)
    with django_assert_max_num_queries(56) as captured:
        rows = month_rows(bank.head, NOV[0])
    assert [r.plan for r in rows if r.manager.username == "zhouqi"] == [None]
    before = len(captured.captured_queries)
    plan_create(actor=bank.head, manager="zhouqi", start=NOV[0], end=NOV[1], target_sales_count=1)
    with django_assert_max_num_queries(before) as captured:
        month_rows(bank.head, NOV[0])


# ------------------------------------------------------------------ the approval flow


def test_a_branch_head_sets_a_plan_approved_at_once_and_audited(bank, tiny):
    plan = plan_create(actor=bank.head, manager="zhangmin", start=NOV[0], end=NOV[1], note="提升低资产高潜力客户",
                       target_contact_rate="0.85", customer_ids=[tiny.c1.pk])
    assert (plan.status, plan.approved_by, plan.branch) == (S.APPROVED, bank.head, bank.b1)
    assert plan.target_contact_rate == Decimal("0.8500")
    row = PlanCustomer.objects.get(plan=plan)
    assert (row.customer, row.quadrant_at_start, row.aum_at_start) == (tiny.c1, "low_high", Decimal("100000.00"))
    event = AuditEvent.objects.get(action="uplift_plan.set")
    assert event.object_id == str(plan.pk) and event.after["target_contact_rate"] == "0.8500"
    assert list(AuditEventCustomer.objects.filter(event=event).values_list("customer_id", flat=True)) == [tiny.c1.pk]


def test_a_manager_proposes_the_branch_head_approves_with_a_comment(bank, tiny):
    plan = plan_create(actor=bank.rm_a, start=NOV[0], end=NOV[1], target_sales_count=3)
    assert (plan.manager, plan.status, plan.approved_by) == (bank.rm_a, S.PROPOSED, None)
    with pytest.raises(PermissionDenied):
        plan_approve(actor=bank.rm_a, plan=plan)  # not her own approval
    plan_approve(actor=bank.head, plan=plan, comment="同意，月底看效果")
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == (S.APPROVED, bank.head)
    assert list(PlanComment.objects.values_list("author__username", "text")) == [("zhaolei", "同意，月底看效果")]
    with pytest.raises(Conflict):
        plan_approve(actor=bank.head, plan=plan)  # once
    with pytest.raises(Conflict):
        plan_update(actor=bank.rm_a, plan=plan, target_sales_count=1)  # approved: the branch head's now
    plan_update(actor=bank.head, plan=plan, target_sales_count=4)
    plan.refresh_from_db()
    assert (plan.target_sales_count, plan.status) == (4, S.APPROVED)
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="uplift_plan.").order_by("pk")] == [
        "uplift_plan.proposed", "uplift_plan.approved", "uplift_plan.updated"]


def test_a_returned_plan_changed_by_its_manager_goes_back_to_the_branch_head(bank, tiny):
    plan = plan_create(actor=bank.rm_a, start=NOV[0], end=NOV[1], target_sales_amount="100000")
    with pytest.raises(ValidationError) as refused:
        plan_return(actor=bank.head, plan=plan, comment="  ")
    assert "comment" in refused.value.message_dict
    assert UpliftPlan.objects.get().status == S.PROPOSED  # nothing written
    plan_return(actor=bank.head, plan=plan, comment="销售目标偏低，请提高到30万")
    assert UpliftPlan.objects.get().status == S.RETURNED
    plan.refresh_from_db()
    plan_update(actor=bank.rm_a, plan=plan, target_sales_amount="300000.00")
    plan.refresh_from_db()
    assert (plan.status, plan.target_sales_amount) == (S.PROPOSED, Decimal("300000.00"))
    plan_comment(actor=bank.rm_a, plan=plan, text="已提高")
    assert list(PlanComment.objects.order_by("pk").values_list("text", flat=True)) == [
        "销售目标偏低，请提高到30万", "已提高"]
    with pytest.raises(PermissionDenied):
        plan_comment(actor=bank.rm_b, plan=plan, text="路过")


def test_one_plan_per_manager_and_period(bank, tiny):
    plan_create(actor=bank.head, manager=bank.rm_a, start=NOV[0], end=NOV[1], target_sales_count=1)
    with pytest.raises(ValidationError) as refused:
        plan_create(actor=bank.rm_a, start=NOV[0], end=NOV[1], target_sales_count=2)
    assert "start" in refused.value.message_dict and refused.value.error_dict["start"][0].code == "unique"
    assert UpliftPlan.objects.count() == 1


def test_named_customers_come_from_the_managers_book_only(bank, tiny):
    plan = plan_create(actor=bank.rm_a, start=NOV[0], end=NOV[1], target_sales_count=1)
    with pytest.raises(ValidationError) as refused:
        plan_customers_add(actor=bank.rm_a, plan=plan, customer_ids=[tiny.c1.pk, tiny.d1.pk])
    assert str(tiny.d1.pk) in refused.value.message_dict["customer_ids"][0]
    assert tiny.d1.name not in refused.value.message_dict["customer_ids"][0]
    assert PlanCustomer.objects.count() == 0  # nothing half-written
    assert plan_customers_add(actor=bank.rm_a, plan=plan, customer_ids=[tiny.c1.pk, tiny.c2.pk]) == [tiny.c1.pk,
                                                                                                     tiny.c2.pk]
    Customer.objects.filter(pk=tiny.c1.pk).update(aum=Decimal("1"))
    assert plan_customers_add(actor=bank.rm_a, plan=plan, customer_ids=[tiny.c1.pk]) == []  # named already: kept
    assert PlanCustomer.objects.get(customer=tiny.c1).aum_at_start == Decimal("100000.00")
    assert [c.pk for c in low_high_candidates(plan)] == []  # 郑大海 is high assets; the others named
    plan_customer_remove(actor=bank.rm_a, plan=plan, customer_id=tiny.c2.pk)
    assert [c.pk for c in low_high_candidates(plan)] == [tiny.c2.pk]
    plan_approve(actor=bank.head, plan=plan)
    plan.refresh_from_db()
    with pytest.raises(Conflict):
        plan_customers_add(actor=bank.rm_a, plan=plan, customer_ids=[tiny.c2.pk])  # approved: the head's
    assert plan_customers_add(actor=bank.head, plan=plan, customer_ids=[tiny.c2.pk]) == [tiny.c2.pk]


# ------------------------------------------------------------------ bad input, at the field


@pytest.mark.parametrize("field, value", [
    ("target_contact_rate", "1.5"), ("target_contact_rate", "-0.1"), ("target_contact_rate", "0.12345"),
    ("target_contact_rate", "八成"), ("target_new_aum", "-1"), ("target_new_aum", "100.005"),
    ("target_sales_amount", "1e20"), ("target_new_aum", "99999999999999.99"),  # past what SQLite keeps exactly
    ("target_opportunities", "-1"), ("target_sales_count", "2.5"),
])
def test_a_bad_target_is_refused_at_its_field(bank, tiny, field, value):
    with pytest.raises(ValidationError) as refused:
        plan_create(actor=bank.head, manager=bank.rm_a, start=NOV[0], end=NOV[1], **{field: value})
    assert list(refused.value.message_dict) == [field]
    assert UpliftPlan.objects.count() == 0


@pytest.mark.parametrize("start, end, field", [
    ("2026-11-30", "2026-11-01", "end"), ("2026-01-01", "2027-01-01", "end"), ("2026-13-01", "2026-12-31", "start"),
    ("", "2026-12-31", "start"),
])
def test_a_bad_period_is_refused_at_its_field(bank, tiny, start, end, field):
    with pytest.raises(ValidationError) as refused:
        plan_create(actor=bank.head, manager=bank.rm_a, start=start, end=end, target_sales_count=1)
    assert field in refused.value.message_dict
    # a leap year's 366 days are a year
    plan_create(actor=bank.head, manager=bank.rm_a, start="2028-01-01", end="2028-12-31", target_sales_count=1)


def test_a_plan_with_nothing_in_it_or_for_someone_else_is_refused(bank, tiny):
    with pytest.raises(ValidationError) as refused:
        plan_create(actor=bank.head, manager=bank.rm_a, start=NOV[0], end=NOV[1])
    assert "__all__" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        plan_create(actor=bank.head, manager=bank.rm_c, start=NOV[0], end=NOV[1], target_sales_count=1)
    assert "manager" in refused.value.message_dict  # another branch's manager
    with pytest.raises(ValidationError) as refused:
        plan_create(actor=bank.rm_a, manager="lihua", start=NOV[0], end=NOV[1], target_sales_count=1)
    assert "manager" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        plan_create(actor=bank.assistant, start=NOV[0], end=NOV[1], target_sales_count=1)
    assert UpliftPlan.objects.count() == 0


# ------------------------------------------------------------------ visibility


def test_who_sees_which_plan(bank, tiny):
    head_b2 = staff_create(actor=None, username="qianwei", password="x", role=Role.BRANCH_HEAD, branch=bank.b2,
                           full_name="钱伟", check_password=False)
    a = plan_create(actor=bank.head, manager=bank.rm_a, start=NOV[0], end=NOV[1], target_sales_count=1)
    c = plan_create(actor=bank.admin, manager=bank.rm_c, start=NOV[0], end=NOV[1], target_sales_count=1)
    assert set(visible_plans(bank.rm_a)) == {a}
    assert set(visible_plans(bank.rm_b)) == set()
    assert set(visible_plans(bank.head)) == {a}
    assert set(visible_plans(head_b2)) == {c}
    assert set(visible_plans(bank.admin)) == {a, c}
    for user in (bank.assistant, bank.auditor):
        assert set(visible_plans(user)) == set()


def test_pages_answer_404_out_of_reach(bank, tiny, login):
    head_b2 = staff_create(actor=None, username="qianwei", password="Banyan-test-2026", role=Role.BRANCH_HEAD,
                           branch=bank.b2, full_name="钱伟", check_password=False)
    lobby = staff_create(actor=None, username="dating", password="Banyan-test-2026", role=Role.LOBBY,
                         branch=bank.b1, full_name="大厅", check_password=False)
    plan = plan_create(actor=bank.rm_a, start=NOV[0], end=NOV[1], target_sales_count=1, note="张敏的计划",
                       customer_ids=[tiny.c1.pk])
    pages = [f"/review/plans/{plan.pk}/", f"/review/plans/{plan.pk}/edit/"]
    for user in (bank.rm_b, head_b2, lobby, bank.assistant, bank.auditor):
        client = login(user)
        for page in pages:
            answer = client.get(page)
            assert answer.status_code == 404, (user.username, page)
            assert "张敏的计划" not in answer.content.decode()
        assert client.post(f"/review/plans/{plan.pk}/action/", {"do": "approve"}).status_code == 404
    for user in (lobby, bank.assistant, bank.auditor):
        assert login(user).get("/review/plans/").status_code == 404
    # a branch head of another branch cannot plan for this branch's managers (404, as for nobody)
    assert login(head_b2).get(f"/review/plans/new/?manager={bank.rm_a.pk}").status_code == 404
    assert login(bank.rm_a).get(f"/review/plans/new/?manager={bank.rm_b.pk}").status_code == 404
    assert UpliftPlan.objects.get().status == S.PROPOSED
    # the manager reads it, and may not approve her own (403: she sees it)
    client = login(bank.rm_a)
    assert "张敏的计划" in client.get(f"/review/plans/{plan.pk}/").content.decode()
    assert client.post(f"/review/plans/{plan.pk}/action/", {"do": "approve"}).status_code == 403


def test_api_answers_404_for_another_managers_or_branchs_plan(bank, tiny):
    head_b2 = staff_create(actor=None, username="qianwei", password="x", role=Role.BRANCH_HEAD, branch=bank.b2,
                           full_name="钱伟", check_password=False)
    plan = plan_create(actor=bank.rm_a, start=NOV[0], end=NOV[1], target_sales_count=1, customer_ids=[tiny.c1.pk])
    client = Client()
    for user in (bank.rm_b, head_b2, bank.assistant, bank.auditor):
        token = api_token_issue(staff=user)
        assert _api(client, "GET", f"/kpis/plans/{plan.pk}", token).status_code == 404
        assert _api(client, "GET", "/kpis/plans?month=2026-11", token).json() == {"items": [], "count": 0}
        for path, body in ((f"/kpis/plans/{plan.pk}/approve", None), (f"/kpis/plans/{plan.pk}/return",
                                                                       {"comment": "x"}),
                           (f"/kpis/plans/{plan.pk}/comments", {"text": "x"}),
                           (f"/kpis/plans/{plan.pk}/customers", {"customer_ids": [tiny.c1.pk]})):
            answer = _api(client, "POST", path, token, body)
            expected = 403 if user.role == Role.AUDITOR else 404  # the auditor writes nothing, at the door
            assert answer.status_code == expected, (user.username, path, answer.content)
        answer = _api(client, "PATCH", f"/kpis/plans/{plan.pk}", token, {"target_sales_count": 9})
        assert answer.status_code == (403 if user.role == Role.AUDITOR else 404)
    assert UpliftPlan.objects.get().status == S.PROPOSED and UpliftPlan.objects.get().target_sales_count == 1


# ------------------------------------------------------------------ the API


def test_api_sets_proposes_approves_returns_and_comments(bank, tiny):
    client = Client()
    head, rm = api_token_issue(staff=bank.head), api_token_issue(staff=bank.rm_a)

    answer = _api(client, "POST", "/kpis/plans", head, {
        "manager": "lihua", "start": "2026-11-01", "end": "2026-11-30", "target_contact_rate": "0.85",
        "target_sales_amount": "300000.00", "note": "重点提升"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["status"], body["manager"], body["target_contact_rate"], body["target_sales_amount"]) == (
        "approved", "lihua", "0.8500", "300000.00")
    assert body["approved_by"] == "zhaolei" and body["customers"] == [] and body["comments"] == []

    answer = _api(client, "POST", "/kpis/plans", rm, {"start": "2026-11-01", "end": "2026-11-30",
                                                      "target_sales_count": 2, "target_sales_amount": 300000,
                                                      "customer_ids": [tiny.c1.pk]})
    assert answer.status_code == 201, answer.content
    proposed = answer.json()
    assert proposed["status"] == "proposed" and proposed["effect"] == {"listed": 1, "moved_up": 0}
    assert proposed["customers"][0] | {"name": ""} == {
        "customer_id": tiny.c1.pk, "name": "", "quadrant_at_start": "low_high", "quadrant_now": "low_high",
        "aum_at_start": "100000.00", "aum_now": "100000.00", "moved_up": False}
    progress = {p["key"]: p for p in proposed["progress"]}
    assert progress["sales_count"] == {"key": "sales_count", "target": "2", "actual": "2", "share": 1.0,
                                       "on_track": True, "state": "met"}
    assert progress["sales_amount"]["actual"] == "150000.00" and progress["sales_amount"]["state"] == "behind"
    pid = proposed["id"]

    assert _api(client, "POST", f"/kpis/plans/{pid}/approve", rm).status_code == 403
    answer = _api(client, "POST", f"/kpis/plans/{pid}/return", head, {"comment": "请补充名单"})
    assert answer.status_code == 200 and answer.json()["status"] == "returned"
    assert _api(client, "POST", f"/kpis/plans/{pid}/approve", head).status_code == 409  # returned: not waiting
    answer = _api(client, "PATCH", f"/kpis/plans/{pid}", rm, {"target_sales_amount": None, "note": "已补充"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "proposed" and answer.json()["target_sales_amount"] is None
    assert _api(client, "POST", f"/kpis/plans/{pid}/customers", rm,
                {"customer_ids": [tiny.c2.pk]}).json()["effect"]["listed"] == 2
    answer = _api(client, "POST", f"/kpis/plans/{pid}/approve", head)
    assert answer.status_code == 200 and answer.json()["status"] == "approved"
    answer = _api(client, "POST", f"/kpis/plans/{pid}/comments", head, {"text": "进度落后，加快销售"})
    assert answer.status_code == 201 and answer.json()["author"] == "zhaolei"
    detail = _api(client, "GET", f"/kpis/plans/{pid}", rm).json()
    assert [c["text"] for c in detail["comments"]] == ["请补充名单", "进度落后，加快销售"]
    assert AuditEvent.objects.filter(action="customer.listed", data__via="api_plan_customers").exists()

    listed = _api(client, "GET", "/kpis/plans?month=2026-11", head).json()
    assert listed["count"] == 2 and {p["manager"] for p in listed["items"]} == {"zhangmin", "lihua"}
    assert _api(client, "GET", "/kpis/plans?month=2026-12", head).json()["count"] == 0
    assert [p["id"] for p in _api(client, "GET", "/kpis/plans?month=2026-11", rm).json()["items"]] == [pid]


def test_api_refuses_bad_input_at_the_field_and_a_second_plan_with_409(bank, tiny):
    client = Client()
    head = api_token_issue(staff=bank.head)
    base = {"manager": "zhangmin", "start": "2026-11-01", "end": "2026-11-30"}
    for extra, field in (({"target_contact_rate": "85"}, "target_contact_rate"),
                         ({"target_contact_rate": 1.2}, "target_contact_rate"),
                         ({"target_new_aum": "-5"}, "target_new_aum"),
                         ({"target_sales_amount": "1.005"}, "target_sales_amount"),
                         ({"target_opportunities": -1}, "target_opportunities"),
                         ({"end": "2026-10-01", "target_sales_count": 1}, "end"),
                         ({"end": "2027-12-01", "target_sales_count": 1}, "end"),
                         ({"manager": "wangfang", "target_sales_count": 1}, "manager"),
                         ({"target_sales_count": 1, "customer_ids": [tiny.d1.pk]}, "customer_ids"),
                         ({"target_sales_count": 1, "colour": "red"}, "colour")):
        answer = _api(client, "POST", "/kpis/plans", head, {**base, **extra})
        assert answer.status_code == 422, (extra, answer.content)
        error = answer.json()["error"]
        assert error["code"] == "invalid" and field in error["fields"], (extra, error)
    assert _api(client, "GET", "/kpis/plans?month=2026-1", head).status_code == 422
    assert UpliftPlan.objects.count() == 0
    assert _api(client, "POST", "/kpis/plans", head, {**base, "target_sales_count": 1}).status_code == 201
    answer = _api(client, "POST", "/kpis/plans", head, {**base, "target_sales_count": 2})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "conflict"
    assert "start" in answer.json()["error"]["fields"]


# ------------------------------------------------------------------ the pages


def test_the_branch_heads_month_and_a_plan_set_from_it(bank, tiny, login):
    plan_create(actor=bank.head, manager=bank.rm_a, start=NOV[0], end=NOV[1], **TARGETS, customer_ids=[tiny.c1.pk])
    client = login(bank.head)
    html = client.get("/review/plans/?month=2026-11").content.decode()
    assert "张敏" in html and "李华" in html and "本月尚未制定计划" in html
    assert 'data-actual="0.6"' in html and "60.0%" in html and "80.0%" in html  # the rate: actual / target
    assert f"/review/plans/new/?manager={bank.rm_b.pk}&amp;month=2026-11" in html
    english = login(bank.head)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = english.get("/review/plans/?month=2026-11").content.decode()
    assert "Value-uplift plans" in html and "No plan for this month yet." in html and "behind" in html

    # the form takes percent: 85 → 0.85; a bad one is refused at its field, nothing written
    answer = client.post(f"/review/plans/new/?manager={bank.rm_b.pk}&month=2026-11", {
        "manager": bank.rm_b.pk, "start": "2026-11-01", "end": "2026-11-30", "target_contact_rate": "150"})
    assert answer.status_code == 422 and UpliftPlan.objects.filter(manager=bank.rm_b).count() == 0
    assert 'data-field="target_contact_rate"' in answer.content.decode()
    answer = client.post(f"/review/plans/new/?manager={bank.rm_b.pk}&month=2026-11", {
        "manager": bank.rm_b.pk, "start": "2026-11-30", "end": "2026-11-01", "target_contact_rate": "85"})
    assert answer.status_code == 422 and 'data-field="end"' in answer.content.decode()
    answer = client.post(f"/review/plans/new/?manager={bank.rm_b.pk}&month=2026-11", {
        "manager": bank.rm_b.pk, "start": "2026-11-01", "end": "2026-11-30", "target_contact_rate": "85",
        "target_sales_amount": "200000"})
    plan = UpliftPlan.objects.get(manager=bank.rm_b)
    assert answer.status_code == 302 and answer["Location"] == f"/review/plans/{plan.pk}/"
    assert (plan.status, plan.target_contact_rate, plan.target_sales_amount) == (
        S.APPROVED, Decimal("0.8500"), Decimal("200000.00"))
    # a second plan for the same month is refused at the field, not a 500
    answer = client.post(f"/review/plans/new/?manager={bank.rm_b.pk}&month=2026-11", {
        "manager": bank.rm_b.pk, "start": "2026-11-01", "end": "2026-11-30", "target_sales_count": "1"})
    assert answer.status_code == 422 and "已有" in answer.content.decode()


def test_the_plan_page_names_customers_and_the_manager_proposes(bank, tiny, login):
    client = login(bank.rm_a)
    html = client.get("/review/plans/?month=2026-11").content.decode()
    assert 'id="propose-plan"' in html and "李华" not in html
    answer = client.post("/review/plans/new/?month=2026-11", {"start": "2026-11-01", "end": "2026-11-30",
                                                              "target_sales_count": "3", "note": "提升周明"})
    plan = UpliftPlan.objects.get()
    assert answer.status_code == 302 and (plan.manager, plan.status) == (bank.rm_a, S.PROPOSED)
    page = client.get(f"/review/plans/{plan.pk}/").content.decode()
    assert 'id="pick-customers"' in page and "林小燕" in page and "郑大海" not in page  # low assets, high potential
    assert 'id="approve"' not in page
    answer = client.post(f"/review/plans/{plan.pk}/action/", {"do": "add_customers",
                                                              "customer": [tiny.c1.pk, tiny.c2.pk]})
    assert answer.status_code == 302 and PlanCustomer.objects.filter(plan=plan).count() == 2
    page = client.get(f"/review/plans/{plan.pk}/").content.decode()
    assert f'href="/customers/{tiny.c1.pk}/"' in page
    assert AuditEvent.objects.filter(action="customer.listed", data__via="plan_customers").exists()

    head = login(bank.head)
    page = head.get(f"/review/plans/{plan.pk}/").content.decode()
    assert 'id="approve"' in page and 'id="return"' in page
    answer = head.post(f"/review/plans/{plan.pk}/action/", {"do": "return", "comment": ""})
    assert answer.status_code == 422 and UpliftPlan.objects.get().status == S.PROPOSED
    head.post(f"/review/plans/{plan.pk}/action/", {"do": "return", "comment": "请把目标提高到5笔"})
    assert UpliftPlan.objects.get().status == S.RETURNED
    assert client.post(f"/review/plans/{plan.pk}/edit/", {"target_sales_count": "5"}).status_code == 302
    assert UpliftPlan.objects.get().status == S.PROPOSED
    head.post(f"/review/plans/{plan.pk}/action/", {"do": "approve", "comment": ""})
    assert UpliftPlan.objects.get().status == S.APPROVED
    # approved: the manager may not change it any more (403), the second approval is told, not done again
    assert client.get(f"/review/plans/{plan.pk}/edit/").status_code == 403
    answer = head.post(f"/review/plans/{plan.pk}/action/", {"do": "approve"}, follow=True)
    assert "已处理" in answer.content.decode() or "已批准" in answer.content.decode()
    assert AuditEvent.objects.filter(action="uplift_plan.approved").count() == 1
