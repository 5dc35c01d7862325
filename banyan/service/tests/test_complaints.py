"""Complaints (SVC-1): the regulator's clock, owner routing, the worklist reasons, visibility and
the API contract (API.md "Service quality")."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.conftest import TODAY
from banyan.org.models import Role
from banyan.org.services import staff_create
from banyan.org.tests.test_api_auth import ApiCaller, assert_error
from banyan.service.complaint_selectors import branch_figures, monthly_statistics, monthly_workbook, visible_complaints
from banyan.service.complaints import complaint_receive, complaint_resolve, route_owner
from banyan.service.complaints_clock import Clock, ClockError, restart
from banyan.service.complaints_clock import clock as due_of
from banyan.service.models import ComplaintCategory, ComplaintRoute, ComplaintStatus
from banyan.worklists.models import Task, TaskReason
from banyan.worklists.services import worklists_build

D = dt.date


# ------------------------------------------------------------------ the clock (pure)

def test_a_decision_is_due_fifteen_calendar_days_after_receipt():
    # 2026-09-30 received: the National Day holiday counts like any day (calendar days)
    assert due_of(Clock(start=D(2026, 9, 30)), D(2026, 10, 1)) == D(2026, 10, 15)
    assert due_of(Clock(start=D(2026, 11, 23)), TODAY) == D(2026, 12, 8)


def test_an_extension_to_thirty_needs_a_reason_and_beyond_thirty_a_senior_and_never_past_sixty():
    c = Clock(start=D(2026, 11, 1))
    with pytest.raises(ClockError) as e:
        due_of(c, TODAY, extend_by=15, reason=" ")
    assert e.value.field == "reason"
    assert due_of(c, TODAY, extend_by=15, reason="需调取录音录像") == D(2026, 12, 1)  # 30 days
    with pytest.raises(ClockError) as e:
        due_of(c, TODAY, extend_by=16, reason="复杂")
    assert (e.value.field, e.value.code) == ("days", "senior")
    assert due_of(c, TODAY, extend_by=45, reason="特别复杂", senior=True) == D(2026, 12, 31)  # 60 days
    with pytest.raises(ClockError) as e:
        due_of(c, TODAY, extend_by=46, reason="特别复杂", senior=True)
    assert e.value.code == "max"
    with pytest.raises(ClockError):  # 30 already: +31 passes 60 even for a senior
        due_of(Clock(start=D(2026, 11, 1), limit_days=30), TODAY, extend_by=31, reason="x", senior=True)


def test_time_waiting_on_an_appraisal_does_not_count():
    start = D(2026, 11, 1)
    assert due_of(Clock(start=start, paused_days=6), TODAY) == D(2026, 11, 22)
    # paused since the 20th and still out on the 23rd: three days so far
    assert due_of(Clock(start=start, paused_since=D(2026, 11, 20)), TODAY) == D(2026, 11, 19)
    assert due_of(Clock(start=start, paused_days=2, paused_since=D(2026, 11, 20)), TODAY) == D(2026, 11, 21)


def test_new_facts_restart_the_clock_at_fifteen_days():
    fresh = restart(D(2026, 11, 20))
    assert fresh == Clock(start=D(2026, 11, 20)) and due_of(fresh, TODAY) == D(2026, 12, 5)


# ------------------------------------------------------------------ services

@pytest.fixture
def fees(db):
    return ComplaintCategory.objects.get(code="fees")


def _receive(bank, customer, category, **kw):
    at = kw.pop("received_at", dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC))
    return complaint_receive(actor=kw.pop("actor", bank.rm_a), customer=customer, channel=kw.pop("channel", "branch"),
                             category=category, description=kw.pop("description", "年费未经告知即扣收"),
                             received_at=at, **kw)


def test_the_owner_is_the_branch_head_and_never_the_person_complained_about(bank, make_customer, fees):
    customer = make_customer(bank.rm_a)
    c, merged = _receive(bank, customer, fees, staff_concerned=[bank.rm_a])
    assert not merged and c.owner == bank.head and c.due_date == D(2026, 12, 5)
    # the head is concerned: upward, to the head office
    other = make_customer(bank.rm_b)
    c2, _m = _receive(bank, other, ComplaintCategory.objects.get(code="service"), staff_concerned=[bank.head])
    assert c2.owner == bank.admin
    # a bank's rule routes a category to a service officer — unless that officer is concerned
    officer = staff_create(actor=None, username="kefu", password="Banyan-test-2026", role=Role.BRANCH_HEAD,
                           branch=bank.head.branch, full_name="客服专员", check_password=False)
    card = ComplaintCategory.objects.get(code="card")
    ComplaintRoute.objects.create(category=card, branch=None, owner=officer)
    assert route_owner(customer=customer, category=card, concerned_ids=set()) == officer
    assert route_owner(customer=customer, category=card, concerned_ids={officer.pk}) == bank.head


def test_a_repeat_of_an_open_complaint_is_merged(bank, make_customer, fees):
    customer = make_customer(bank.rm_a)
    c, _m = _receive(bank, customer, fees)
    again, merged = _receive(bank, customer, fees, channel="hotline", description="又打12378投诉同一笔年费")
    assert merged and again.pk == c.pk and again.repeats == 1 and again.due_date == c.due_date
    # a different matter is a complaint of its own
    third, merged = _receive(bank, customer, ComplaintCategory.objects.get(code="card"))
    assert not merged and third.pk != c.pk


def test_resolving_needs_the_root_cause_and_is_exactly_once(bank, make_customer, fees):
    from django.core.exceptions import ValidationError

    from banyan.transitions import Conflict
    c, _m = _receive(bank, make_customer(bank.rm_a), fees)
    with pytest.raises(ValidationError) as e:
        complaint_resolve(actor=bank.head, complaint=c, resolution="退还年费", cause="", cause_change="",
                          cause_owner=None)
    assert {"root_cause", "root_cause_change"} <= set(e.value.message_dict)
    c.refresh_from_db()
    assert c.status == ComplaintStatus.OPEN
    complaint_resolve(actor=bank.head, complaint=c, resolution="退还年费", cause="disclosure",
                      cause_change="开卡时书面告知年费", cause_owner=bank.head, satisfaction=5)
    with pytest.raises(Conflict):
        complaint_resolve(actor=bank.head, complaint=c, resolution="再次", cause="process", cause_change="x",
                          cause_owner=None)


# ------------------------------------------------------------------ the worklist

def _reasons(staff, day):
    return list(TaskReason.objects.filter(task__manager=staff, task__date=day).values_list("code", "ref"))


def test_complaint_due_on_the_owner_list_ahead_and_escalated_to_the_head_when_near(bank, make_customer, fees):
    customer = make_customer(bank.rm_a, name="钱多多")
    c, _m = _receive(bank, customer, fees, staff_concerned=[bank.rm_a],
                     received_at=dt.datetime(2026, 11, 14, 2, 0, tzinfo=dt.UTC))
    c.owner = bank.rm_b  # a service officer who keeps a book (not the customer's manager)
    c.save()
    assert c.due_date == D(2026, 11, 29)
    # 23 Nov: six days ahead — not yet
    worklists_build(day=D(2026, 11, 23))
    assert ("complaint_due", f"complaint:{c.pk}") not in _reasons(bank.rm_b, D(2026, 11, 23))
    # 24 Nov: five days ahead — on the owner's list, not the customer's manager's, not yet the head's
    with clock.frozen(D(2026, 11, 24)):
        worklists_build(day=D(2026, 11, 24))
    assert ("complaint_due", f"complaint:{c.pk}") in _reasons(bank.rm_b, D(2026, 11, 24))
    assert all(code != "complaint_due" for code, _r in _reasons(bank.rm_a, D(2026, 11, 24)))
    assert _reasons(bank.head, D(2026, 11, 24)) == []
    # 26 Nov: three days ahead — escalated to the branch head, the owner named
    with clock.frozen(D(2026, 11, 26)):
        worklists_build(day=D(2026, 11, 26))
    assert ("complaint_due", f"complaint:{c.pk}:head") in _reasons(bank.head, D(2026, 11, 26))
    task = Task.objects.get(manager=bank.head, date=D(2026, 11, 26))
    assert "李华" in task.reasons.get().detail and task.customer == customer


def test_an_overdue_complaint_comes_back_every_day_and_a_paused_one_does_not(bank, make_customer, fees):
    from banyan.service.complaints import complaint_pause
    customer = make_customer(bank.rm_a)
    c, _m = _receive(bank, customer, fees, received_at=dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC))
    assert c.due_date == D(2026, 11, 16)  # overdue by a week
    worklists_build(day=TODAY)
    assert ("complaint_due", f"complaint:{c.pk}") in _reasons(bank.head, TODAY)  # the head owns it
    other, _m = _receive(bank, make_customer(bank.rm_a, name="孙悟"), ComplaintCategory.objects.get(code="card"),
                         received_at=dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC))
    complaint_pause(actor=bank.head, complaint=other, reason="等待司法鉴定")
    with clock.frozen(D(2026, 11, 24)):
        worklists_build(day=D(2026, 11, 24))
    day2 = _reasons(bank.head, D(2026, 11, 24))
    assert ("complaint_due", f"complaint:{c.pk}") in day2
    assert ("complaint_due", f"complaint:{other.pk}") not in day2


def test_after_resolution_a_care_call_on_the_managers_list_without_marketing(bank, make_customer, fees, login):
    customer = make_customer(bank.rm_a, name="周到")
    c, _m = _receive(bank, customer, fees)
    c = complaint_resolve(actor=bank.head, complaint=c, resolution="退还年费并致歉", cause="disclosure",
                      cause_change="开卡时书面告知年费", cause_owner=bank.head, satisfaction=4)
    assert c.decided_on == TODAY
    with clock.frozen(D(2026, 11, 25)):
        worklists_build(day=D(2026, 11, 25))
    assert ("complaint_care", f"complaint:{c.pk}:care") not in _reasons(bank.rm_a, D(2026, 11, 25))
    with clock.frozen(D(2026, 11, 26)):
        worklists_build(day=D(2026, 11, 26))
        assert ("complaint_care", f"complaint:{c.pk}:care") in _reasons(bank.rm_a, D(2026, 11, 26))
        page = login(bank.rm_a).get("/work/").content.decode()
    assert "投诉后关怀" in page and "不做营销" in page


# ------------------------------------------------------------------ visibility and the API

@pytest.fixture
def callers(bank, client):
    return {name: ApiCaller(client, getattr(bank, name)) for name in ("rm_a", "rm_b", "rm_c", "head", "auditor",
                                                                      "assistant")}


def _post(caller, customer, **kw):
    body = {"customer_id": customer.pk, "channel": "hotline", "category": "fees",
            "description": "理财产品赎回手续费未告知", "received_at": "2026-11-20T09:00:00+08:00", **kw}
    return caller.post("/complaints", body)


def test_the_api_takes_a_complaint_and_works_it_to_resolution(bank, make_customer, callers):
    customer = make_customer(bank.rm_a)
    made = _post(callers["rm_a"], customer, staff_concerned=["lihua"])
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "open" and body["owner"] == "zhaolei" and body["due_date"] == "2026-12-05"
    cid = body["id"]
    head = callers["head"]
    assert head.post(f"/complaints/{cid}/actions", {"text": "调取录音，约客户面谈"}).status_code == 201
    # extension: beyond 60 is 422; to 30 with a reason
    assert_error(head.post(f"/complaints/{cid}/extend", {"days": 46, "reason": "x"}), 422, "invalid")
    ext = head.post(f"/complaints/{cid}/extend", {"days": 15, "reason": "需第三方机构核实"})
    assert ext.status_code == 200 and ext.json()["due_date"] == "2026-12-20" and ext.json()["limit_days"] == 30
    # a manager may not extend past 30 (the owner is the head here; the manager only notes)
    assert callers["rm_a"].post(f"/complaints/{cid}/extend", {"days": 5, "reason": "x"}).status_code == 403
    # resolve without a root cause: 422, nothing written
    error = assert_error(head.post(f"/complaints/{cid}/resolve", {"resolution": "退还手续费"}), 422, "invalid")
    assert "root_cause" in error["fields"]
    done = head.post(f"/complaints/{cid}/resolve", {
        "resolution": "退还手续费并致歉", "satisfaction": 5,
        "root_cause": {"cause": "disclosure", "change": "销售时逐项告知费用并签字确认", "owner": "zhaolei"}})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "resolved" and done.json()["root_cause"]["cause"] == "disclosure"
    assert head.post(f"/complaints/{cid}/resolve", {"resolution": "x", "root_cause": {
        "cause": "other", "change": "x"}}).status_code == 409
    listed = callers["rm_a"].get("/complaints?status=resolved").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == cid


def test_pause_and_resume_move_the_due_date_by_the_days_waited(bank, make_customer, callers):
    cid = _post(callers["rm_a"], make_customer(bank.rm_a)).json()["id"]
    head = callers["head"]
    assert head.post(f"/complaints/{cid}/pause", {"reason": "送第三方鉴定"}).json()["status"] == "paused"
    with clock.frozen(D(2026, 11, 27)):
        back = head.post(f"/complaints/{cid}/resume", {}).json()
    assert back["status"] == "open" and back["due_date"] == "2026-12-09" and back["paused_days"] == 4


def test_the_overdue_filter_and_a_bad_body(bank, make_customer, callers):
    old = _post(callers["rm_a"], make_customer(bank.rm_a), received_at="2026-11-01T09:00:00+08:00").json()
    _post(callers["rm_a"], make_customer(bank.rm_a, name="新客户"))
    overdue = callers["head"].get("/complaints?overdue=true").json()
    assert [i["id"] for i in overdue["items"]] == [old["id"]] and overdue["items"][0]["overdue"]
    error = assert_error(callers["rm_a"].post("/complaints", {"customer_id": 1, "channel": "pigeon"}), 422, "invalid")
    assert "channel" in error["fields"]
    error = assert_error(_post(callers["rm_a"], make_customer(bank.rm_a, name="甲"), category="nope"), 422, "invalid")
    assert "category" in error["fields"]


def test_only_the_owner_the_manager_the_head_and_the_auditor_see_a_complaint(bank, make_customer, callers, login):
    customer = make_customer(bank.rm_a)
    cid = _post(callers["rm_a"], customer).json()["id"]
    for name in ("rm_a", "head", "auditor"):
        assert callers[name].get(f"/complaints/{cid}").status_code == 200, name
    for name in ("rm_b", "rm_c", "assistant"):  # another manager, another branch, an assistant
        caller = callers[name]
        assert caller.get(f"/complaints/{cid}").status_code == 404, name
        assert caller.get(f"/complaints/{cid}/actions").status_code == 404
        for path, body in [("actions", {"text": "x"}), ("extend", {"days": 1, "reason": "x"}),
                           ("pause", {"reason": "x"}), ("resume", {}), ("facts", {"text": "x"}),
                           ("reassign", {"owner": "lihua"}),
                           ("resolve", {"resolution": "x", "root_cause": {"cause": "other", "change": "x"}})]:
            assert caller.post(f"/complaints/{cid}/{path}", body).status_code == 404, (name, path)
        assert caller.get("/complaints").json()["count"] == 0
        page = login(getattr(bank, name))
        assert page.get(f"/service/complaints/{cid}/").status_code == 404
    assert set(visible_complaints(bank.rm_c)) == set()


def test_the_head_reassigns_but_never_to_someone_concerned(bank, make_customer, callers):
    cid = _post(callers["rm_a"], make_customer(bank.rm_a), staff_concerned=["zhangmin"]).json()["id"]
    assert_error(callers["head"].post(f"/complaints/{cid}/reassign", {"owner": "zhangmin"}), 422, "invalid")
    moved = callers["head"].post(f"/complaints/{cid}/reassign", {"owner": "lihua"})
    assert moved.status_code == 200 and moved.json()["owner"] == "lihua"


# ------------------------------------------------------------------ the branch's figures and the Excel

def test_branch_figures_and_the_monthly_workbook_read_back(bank, make_customer, fees):
    a, _m = _receive(bank, make_customer(bank.rm_a, name="甲一"), fees)
    b, _m = _receive(bank, make_customer(bank.rm_a, name="乙二"), ComplaintCategory.objects.get(code="card"),
                     received_at=dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC))
    _receive(bank, make_customer(bank.rm_b, name="丙三"), fees, received_at=dt.datetime(2026, 11, 1, 2, 0,
                                                                                         tzinfo=dt.UTC))
    complaint_resolve(actor=bank.head, complaint=a, resolution="退费", cause="disclosure", cause_change="告知",
                      cause_owner=None, satisfaction=4)
    complaint_resolve(actor=bank.head, complaint=b, resolution="补卡", cause="disclosure", cause_change="告知",
                      cause_owner=None, satisfaction=2)
    qs = visible_complaints(bank.head)
    f = branch_figures(qs)
    assert (f.open, f.overdue, f.resolved) == (1, 1, 2) and f.pareto[0][1] == 2 and f.pareto[0][2] == 100.0
    assert f.average_days == (3 + 21) / 2 and f.satisfaction == 3.0
    stats = monthly_statistics(qs, D(2026, 11, 1), D(2026, 11, 30))
    wb = load_workbook(io.BytesIO(monthly_workbook(stats, "城东支行")))
    summary = {row[0]: row[1] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)}
    # b was decided late
    assert (summary["受理"], summary["已作出决定"], summary["按时决定"], summary["月末未结"]) == (3, 2, 1, 1)
    assert summary["月末逾期"] == 1 and summary["平均满意度"] == 3.0
    names = [row[1] for row in wb.worksheets[-1].iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(["甲一", "乙二", "丙三"])


def test_the_monthly_export_is_audited_and_only_for_the_head(bank, make_customer, fees, login):
    _receive(bank, make_customer(bank.rm_a), fees)
    response = login(bank.head).get("/service/complaints/branch/export.xlsx", {"month": "2026-11"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    assert wb.worksheets[0].cell(1, 2).value == "城东支行"
    assert AuditEvent.objects.filter(action="complaints.exported", actor=bank.head).count() == 1
    assert login(bank.rm_a).get("/service/complaints/branch/export.xlsx").status_code in (403, 404)
