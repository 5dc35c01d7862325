"""API v1: the caller's worklist (API.md) and the actions on its tasks (compatible extensions)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from banyan import clock
from banyan.contacts.api import OutcomeCode
from banyan.customers.api import ChannelCode
from banyan.org.api import ERRORS, ERRORS_409, In, Int, IsoDate, PathId, actor
from banyan.worklists.models import Task
from banyan.worklists.planner import rule_words
from banyan.worklists.selectors import worklist_owner
from banyan.worklists.services import task_complete, task_move, task_skip
from banyan.worklists.talking import TalkSettings, detail_text, task_talk
from banyan.worklists.tasks import worklist_day

router = Router(tags=["worklist"])


class ReasonOut(Schema):
    code: str = Field(description="A worklist reason code of API.md, e.g. birthday, deposit_maturity; "
                                  "wanted_product: a product of a type the customer asked for and the bank could "
                                  "not offer is on sale now (the detail names it).")
    detail: str = Field(description="What it is about, in words (the caller's language; Chinese by default), "
                                    "e.g. 三年期整存整取 30 万 于 11月30日到期. For the manager: figures included.")
    due_date: dt.date


class TaskOut(Schema):
    customer_id: int
    customer_name: str
    priority: int = Field(description="Higher first: value and urgency.")
    rank: int = Field(description="Position on the day's list (1 = first); 0 when left out by a contact rule.")
    suggested_channel: str
    reasons: list[ReasonOut]
    task_id: int | None = Field(None, description="Null in a preview of a future day (nothing stored yet).")
    status: str = Field(description="open, done, skipped, moved, superseded, suppressed; planned in a preview.")
    rule: str = Field("", description="The contact rule that changed the channel or left the customer out, in "
                                      "words (the caller's language; Chinese by default), e.g. 客户设置了免打扰.")
    rule_code: str = Field("", description="That rule as a code: do_not_disturb, do_not_disturb_asked, no_consent, "
                                           "service_only, monthly_call_cap, monthly_call_cap_switched, "
                                           "holiday_greeting; empty when none applied (and on a task stored "
                                           "before the codes were kept).")
    talking_points: str = Field("", description="`script` as one text, a paragraph a line.")
    script: list[str] = Field([], description="What to say to the customer, paragraph by paragraph, in the "
                                              "caller's language: an opening, one paragraph per topic (the "
                                              "holdings of one product named once), a closing. No internal "
                                              "figure is in it. Empty in a preview and for a customer left out.")
    notes: list[str] = Field([], description="For the manager only, never read out: the facts behind each topic "
                                             "(days since the last contact and the segment's frequency, cost, "
                                             "NAV, thresholds, amounts) and how to handle it; for a sensitive "
                                             "call (an overdue loan, a card repayment past its date, the bank's "
                                             "rule) that it carries no marketing and what was left out.")


class WorklistOut(Schema):
    date: dt.date
    preview: bool = Field(description="True for a future day: planned from today's data, not stored.")
    items: list[TaskOut] = Field(description="Whom to contact, in the list's order.")
    excluded: list[TaskOut] = Field([], description="Customers with a reason that day whom a contact rule "
                                                    "leaves out (do not disturb, no consent, the monthly call "
                                                    "cap): not to be contacted; `rule` says why.")


class WorklistQuery(Schema):
    date: IsoDate | None = Field(None, description="YYYY-MM-DD; default today.")


def _stored(task: Task, talk: TalkSettings | None = None, manager: str | None = None) -> dict:
    said = None if task.status == "suppressed" else task_talk(task, settings=talk, manager=manager)
    return {"customer_id": task.customer_id, "customer_name": task.customer.name, "priority": task.priority,
            "rank": task.rank, "suggested_channel": task.suggested_channel, "task_id": task.pk, "status": task.status,
            "rule": rule_words(task.rule_code, task.rule_args, fallback=task.rule_note), "rule_code": task.rule_code,
            "talking_points": said.text if said else "",
            "script": said.script if said else [], "notes": said.notes if said else [],
            "reasons": [{"code": r.code, "detail": detail_text(r), "due_date": r.due_date} for r in task.reasons.all()]}


def _planned(p, names: dict[int, str]) -> dict:
    return {"customer_id": p.customer_id, "customer_name": names.get(p.customer_id, ""), "priority": p.priority,
            "rank": p.rank, "suggested_channel": p.channel, "task_id": None,
            "status": "suppressed" if p.suppressed else "planned", "rule": p.rule_note, "rule_code": p.rule,
            "reasons": [{"code": r.code, "detail": detail_text(r), "due_date": r.due} for r in p.reasons]}


@router.get("/worklist", response={200: WorklistOut, **ERRORS})
def worklist(request, query: Query[WorklistQuery]):
    """The caller's own list for a date: today's (built now if the nightly job has not run), a past
    day's as it was planned (a past day no list was built for: planned as of that day, `preview`
    true), or a preview of a future day. Each customer appears once, with all of that day's reasons."""
    from banyan.customers.models import Customer

    day = query.date or clock.today()
    owner = worklist_owner(actor(request))
    if owner is None:  # keeps no book (a branch head, an auditor): no list of their own
        return {"date": day, "preview": False, "items": [], "excluded": []}
    kind, items = worklist_day(manager=owner, day=day)
    if kind == "preview":
        names = dict(Customer.objects.filter(pk__in=[p.customer_id for p in items]).values_list("pk", "name"))
        rows = [_planned(p, names) for p in items]
    else:
        talk = TalkSettings.load()
        rows = [_stored(t, talk, owner.display_name) for t in items]
    # a client reads `items` as whom to call: the customers a contact rule leaves out are apart
    return {"date": day, "preview": kind == "preview", "items": [r for r in rows if r["status"] != "suppressed"],
            "excluded": [r for r in rows if r["status"] == "suppressed"]}


def _task_or_404(request, task_id: int) -> Task:
    """A task of the caller's list (or of the manager an assistant works for); 404 otherwise."""
    owner = worklist_owner(actor(request))
    if owner is None:
        raise Http404
    return get_object_or_404(Task.objects.select_related("customer"), pk=task_id, manager=owner)


class CompleteIn(In):
    outcome: OutcomeCode = "reached"
    summary: str = Field("", max_length=500)
    channel: ChannelCode | None = None
    rejection_reason: str = Field("", max_length=200, description="Why the customer said no, in their words.")
    new_info: str = Field("", max_length=500, description="Something new learned, e.g. 女儿九月上大学.")
    next_step: str = Field("", max_length=200)
    next_contact_on: IsoDate | None = Field(None, description="When to contact again; it comes back as a follow-up.")
    minutes: Int = Field(0, ge=0, le=600, description="Minutes on the phone (the daily calling target).")


class SkipIn(In):
    reason: str = Field(min_length=1, max_length=200)


class MoveIn(In):
    to: IsoDate


@router.post("/worklist/tasks/{task_id}/complete", response={200: TaskOut, **ERRORS_409})
def complete(request, task_id: PathId, payload: CompleteIn):
    """Finish a task; the contact is recorded in the customer's history in the same step. A task
    closed already (by another request too) answers 409 and records nothing."""
    task = task_complete(actor=actor(request), task=_task_or_404(request, task_id), **payload.dict())
    return _stored(task)


@router.post("/worklist/tasks/{task_id}/skip", response={200: TaskOut, **ERRORS_409})
def skip(request, task_id: PathId, payload: SkipIn):
    return _stored(task_skip(actor=actor(request), task=_task_or_404(request, task_id), reason=payload.reason))


@router.post("/worklist/tasks/{task_id}/move", response={200: TaskOut, **ERRORS_409})
def move(request, task_id: PathId, payload: MoveIn):
    """Move to a later day; a dated reason (birthday, maturity) cannot move past its date (422)."""
    return _stored(task_move(actor=actor(request), task=_task_or_404(request, task_id), to=payload.to))

