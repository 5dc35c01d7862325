"""The planner: merges the triggers' reasons into one task per customer per day (WL-4), applies
the contact rules (WL-6), pins dated reasons to their date and spreads the rest within each
manager's capacity (WL-5). Pure: it takes plain data and returns plain data; `services` feeds it
from the database and stores what it returns.

Scheduling, in one sentence: a dated reason may be planned on any working day of its window
[date − lead, date], is planned on its date at the latest whatever the capacity (never postponed),
and a missed one is planned on the next day within its grace; cadence contacts, which have no
date, fill the capacity that is left, most overdue and most valuable first — earliest deadline
first, so nothing piles up on a deadline and nothing passes its date."""

from __future__ import annotations

import datetime as dt
import heapq
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from banyan.customers.models import Channel
from banyan.worklists.models import ReasonCode as C
from banyan.worklists.reasons import DEFAULTS, ReasonDefaults
from banyan.worklists.triggers import Reason

CARE_CODES = {C.BIRTHDAY, C.FESTIVAL, C.ANNIVERSARY}
CUSTOMER_ASKED = {C.APPOINTMENT, C.FOLLOW_UP, C.MEMO_DUE}  # things the customer agreed to
CADENCE_PULL_DAYS = 2  # a cadence contact falling due within this many days may be taken early
_VALUE_BONUS = {"high_high": 20, "high_low": 15, "low_high": 12, "low_low": 0}


class Facts(NamedTuple):
    """What the planner needs to know about a customer (a tuple: a bank-wide build makes one per
    customer with a reason)."""

    customer_id: int
    manager_id: int
    aum: float
    quadrant: str
    is_priority: bool
    preferred_channel: str
    consent: dict[str, bool]
    do_not_disturb: bool
    calls_this_month: int


@dataclass
class Planned:
    customer_id: int
    day: dt.date
    reasons: list[Reason]
    priority: int = 0
    channel: str = "phone"
    rule: str = ""  # the contact rule applied (RULE_CODES), stored as Task.rule_code
    rule_args: tuple = ()  # its facts (RULE_ARGS), stored as Task.rule_args
    suppressed: bool = False
    rank: int = 0

    @property
    def rule_note(self) -> str:
        """The rule applied, in words in the reader's language."""
        return rule_words(self.rule, self.rule_args)


@dataclass
class Rules:
    """Contact rules (WL-6), from the bank's policy."""

    call_cap_aum: float = 200_000
    call_cap_per_month: int = 3
    reason_rules: dict[str, ReasonDefaults] = field(default_factory=lambda: dict(DEFAULTS))


def priority(facts: Facts, reasons: list[Reason], day: dt.date, rules: Rules) -> int:
    """Value and urgency: the weightiest reason, a little for each further reason, the customer's
    value, and for cadence how long it has been overdue."""
    value = _VALUE_BONUS.get(facts.quadrant, 0) + (10 if facts.is_priority else 0)
    if len(reasons) == 1:  # most candidates: the same sum, without the generators
        r = reasons[0]
        overdue = (day - r.due).days if r.code == C.CADENCE_DUE else 0
        return rules.reason_rules[r.code].weight + value + min(30, max(0, overdue) // 3)
    weight = max(rules.reason_rules[r.code].weight for r in reasons)
    extra = 5 * (len({r.code for r in reasons}) - 1)
    overdue = max(((day - r.due).days for r in reasons if r.code == C.CADENCE_DUE), default=0)
    return weight + extra + value + min(30, max(0, overdue) // 3)


_CONSENT_OF = {"phone": "phone", "visit": "phone", "branch": "phone", "wechat": "wechat", "sms": "sms",
               "email": "email"}

#: The contact rules a task can be planned under (or left out by), and the facts each keeps, in
#: the order of `Planned.rule_args` / `Task.rule_args` (a JSON list). Put in words when shown, in
#: the reader's language (rule_words); the codes are the API's `rule_code`.
RULE_ARGS: dict[str, tuple[str, ...]] = {
    "do_not_disturb": (),  # left out
    "do_not_disturb_asked": (),  # kept: only what the customer agreed to
    "no_consent": (),  # left out: no channel agreed to
    "service_only": (),  # kept: a service matter, by phone, no marketing
    "monthly_call_cap": ("calls", "aum", "cap"),  # left out: no channel but the phone
    "monthly_call_cap_switched": ("calls", "aum", "cap", "channel"),
    "holiday_greeting": (),  # kept: a greeting by message (the task's channel), no call
}


def _rule(p: Planned, code: str, *args, suppressed: bool = False) -> None:
    p.rule, p.rule_args = code, args
    if suppressed:
        p.suppressed = True


def apply_contact_rules(p: Planned, facts: Facts, working_day: bool, rules: Rules) -> None:
    """Choose the suggested channel, change it, or drop the task, and say which rule did it."""
    if facts.do_not_disturb:
        asked = [r for r in p.reasons if r.code in CUSTOMER_ASKED]
        if not asked:
            _rule(p, "do_not_disturb", suppressed=True)
            return
        _rule(p, "do_not_disturb_asked")
    service = any(rules.reason_rules[r.code].service for r in p.reasons)
    preferred = facts.preferred_channel if facts.preferred_channel in _CONSENT_OF else "phone"
    allowed = [ch for ch in dict.fromkeys([preferred, "phone", "wechat", "sms", "email"])
               if facts.consent.get(_CONSENT_OF[ch], False)]
    if not allowed:
        if service:
            p.channel = "phone"
            _rule(p, "service_only")
            return
        _rule(p, "no_consent", suppressed=True)
        return
    p.channel = allowed[0]
    over_cap = facts.aum >= rules.call_cap_aum and facts.calls_this_month >= rules.call_cap_per_month
    if p.channel in ("phone", "visit", "branch") and over_cap:
        others = [ch for ch in allowed if _CONSENT_OF[ch] != "phone"]
        cap = (facts.calls_this_month, _number(rules.call_cap_aum), rules.call_cap_per_month)
        if not others:
            _rule(p, "monthly_call_cap", *cap, suppressed=True)
            return
        p.channel = others[0]
        _rule(p, "monthly_call_cap_switched", *cap, others[0])
    if not working_day and p.channel == "phone" and all(r.code in CARE_CODES for r in p.reasons):
        message = [ch for ch in allowed if ch in ("wechat", "sms")]
        if message:
            p.channel = message[0]
            _rule(p, "holiday_greeting")


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# ------------------------------------------------------------------ the rule, in words

def rule_args_json(args) -> str:
    """A rule's facts as stored (Task.rule_args)."""
    args = list(args)
    return json.dumps(args, ensure_ascii=False, separators=(",", ":")) if args else ""


def _chinese() -> bool:
    return (translation.get_language() or settings.LANGUAGE_CODE).lower().startswith("zh")


def _threshold(aum) -> str:
    """The call cap's threshold of assets: 20万 / CNY 200,000."""
    amount = float(aum)
    return f"{amount / 10000:g}万" if _chinese() else f"CNY {amount:,.0f}"


def _channel(code) -> str:
    return str(Channel(code).label) if code in Channel.values else str(code)


def _cap_words(calls, aum, cap) -> str:
    return ngettext(
        "Called %(calls)s time this month (customers with assets of %(aum)s or more: at most %(cap)s calls a month)",
        "Called %(calls)s times this month (customers with assets of %(aum)s or more: at most %(cap)s calls a month)",
        int(calls)) % {"calls": calls, "aum": _threshold(aum), "cap": cap}


_RULE_WORDS = {
    "do_not_disturb": gettext_lazy("The customer asked not to be disturbed"),
    "do_not_disturb_asked": gettext_lazy("The customer asked not to be disturbed: only what the customer asked for"),
    "no_consent": gettext_lazy("The customer has agreed to no channel for marketing contact"),
    "service_only": gettext_lazy("The customer has not agreed to marketing contact: tell them of the service "
                                 "matter only, no marketing"),
    "holiday_greeting": gettext_lazy("A holiday: send a greeting message, no call to disturb the customer's rest"),
}


def rule_words(code: str, args=(), fallback: str = "") -> str:
    """The contact rule a task was planned under, in the reader's language, from its code and
    facts (`args`: a tuple, or the JSON text stored in Task.rule_args); `fallback` (a task stored
    before the rules were kept as codes: its Chinese note) when there is no code or it cannot be
    put in words."""
    names = RULE_ARGS.get(code)
    if names is None:
        return fallback or code
    if isinstance(args, str):
        try:
            args = json.loads(args) if args else []
        except ValueError:
            args = None
    if not isinstance(args, list | tuple) or len(args) != len(names):
        return fallback or code
    f = dict(zip(names, args, strict=True))
    try:
        if code in _RULE_WORDS:
            return str(_RULE_WORDS[code])
        cap = _cap_words(f["calls"], f["aum"], f["cap"])
        if code == "monthly_call_cap":
            return cap
        return _("%(cap)s; by %(channel)s instead") % {"cap": cap, "channel": _channel(f["channel"])}
    except (TypeError, ValueError):
        return fallback or code


def _coming_soon(pending: list[Reason], day: dt.date, rules: Rules) -> dict[int, dt.date]:
    """Per customer, the earliest date of a dated reason not yet open today (e.g. a birthday on
    Wednesday seen on Monday)."""
    soon: dict[int, dt.date] = {}
    cadence = C.CADENCE_DUE.value
    lead = {code: dt.timedelta(days=rule.lead_days) for code, rule in rules.reason_rules.items()}
    for r in pending:
        if r.code != cadence and r.due - lead[r.code] > day:
            soon[r.customer_id] = min(r.due, soon.get(r.customer_id, r.due))
    return soon


def _worth_waiting(reasons: list[Reason], coming: dt.date | None) -> bool:
    """WL-4: when another reason of the same customer comes up before the open ones fall due, hold
    them and make one contact for all then — nothing passes its date by waiting."""
    if coming is None:
        return False
    return coming <= min(r.due if r.code != C.CADENCE_DUE else coming for r in reasons)


def _admit(p: Planned, facts: dict[int, Facts], calls: dict[int, int], working: bool, rules: Rules,
           kept: list[Planned], dropped: list[Planned]) -> bool:
    """Apply the contact rules to a candidate; True when it became a task (and used capacity)."""
    f = facts[p.customer_id]
    made = calls.get(p.customer_id, f.calls_this_month)
    apply_contact_rules(p, f._replace(calls_this_month=made), working, rules)
    if p.suppressed:
        dropped.append(p)
        return False
    kept.append(p)
    if p.channel == "phone":
        calls[p.customer_id] = made + 1
    return True


def plan(
    *,
    days: list[dt.date],
    reasons: Iterable[Reason],
    facts: dict[int, Facts],
    capacity: int,
    is_working_day: Callable[[dt.date], bool],
    rules: Rules,
) -> dict[dt.date, list[Planned]]:
    """Plan one manager's days. `reasons` must already exclude what earlier days planned, and each
    reason's customer must be in `facts` (the caller sorts reasons to managers by their facts; a
    bank-wide build would otherwise look up a million reasons twice).
    Returns, per day, the tasks in rank order (suppressed ones after, with rank 0)."""
    pending = reasons
    calls: dict[int, int] = {}  # calls this month, counted up as phone tasks are planned
    lead = {code: dt.timedelta(days=rule.lead_days) for code, rule in rules.reason_rules.items()}
    grace = {code: dt.timedelta(days=rule.grace_days) for code, rule in rules.reason_rules.items()}
    cadence = C.CADENCE_DUE.value
    weight = {code: rule.weight for code, rule in rules.reason_rules.items()}
    bonus = _VALUE_BONUS
    result: dict[dt.date, list[Planned]] = {}
    for n, day in enumerate(days):
        working = is_working_day(day)
        # One pass over the pending reasons (a bank-wide build: over a million): a dated reason
        # past its grace (due + grace < day) leaves them; one not open yet (due − lead > day)
        # waits; the rest are today's candidates. The limits as dates, worked out once a day.
        expired = {code: day - days_ for code, days_ in grace.items()}
        opens = {code: day + days_ for code, days_ in lead.items()}
        still: list[Reason] = []
        keep = still.append
        by_customer: dict[int, list[Reason]] = defaultdict(list)
        forced: set[int] = set()
        pull_until = day + dt.timedelta(days=CADENCE_PULL_DAYS)
        for r in pending:
            code, due = r.code, r.due
            if code == cadence:
                keep(r)
                if due <= pull_until:
                    by_customer[r.customer_id].append(r)
                continue
            if due < expired[code]:
                continue
            keep(r)
            if due > opens[code]:
                continue
            by_customer[r.customer_id].append(r)
            # Due today, or missed and still within grace: today whatever the capacity. On a day
            # off only what falls due that very day (a missed one waits for the next working day).
            if due == day or (working and due < day):
                forced.add(r.customer_id)
        pending = still
        must = [Planned(cid, day, by_customer[cid]) for cid in forced]
        for p in must:
            p.priority = priority(facts[p.customer_id], p.reasons, day, rules)
        must.sort(key=lambda p: (-p.priority, p.customer_id))
        # The optional candidates (thousands for a big book, a few taken): ranked by a heap of
        # (-priority, earliest date, customer) — the order a full sort gives — and a Planned made
        # only for those reached.
        waiting = _coming_soon(pending, day, rules)
        optional = []
        for cid, rs in by_customer.items():
            if cid in forced:
                continue
            coming = waiting.get(cid)
            if coming is not None and _worth_waiting(rs, coming):
                continue
            if len(rs) == 1:  # most candidates (a cadence contact): priority() inlined
                r = rs[0]
                f = facts[cid]
                overdue = (day - r.due).days if r.code == cadence else 0
                value = bonus.get(f.quadrant, 0) + (10 if f.is_priority else 0)
                optional.append((-(weight[r.code] + value + min(30, max(0, overdue) // 3)), r.due, cid))
            else:
                optional.append((-priority(facts[cid], rs, day, rules), min(r.due for r in rs), cid))
        heapq.heapify(optional)
        kept: list[Planned] = []
        dropped: list[Planned] = []
        for p in must:
            _admit(p, facts, calls, working, rules, kept, dropped)
        free = max(0, capacity - len(kept)) if working else 0
        while free > 0 and optional:
            negative, _due, cid = heapq.heappop(optional)
            free -= _admit(Planned(cid, day, by_customer[cid], priority=-negative), facts, calls, working, rules,
                           kept, dropped)
        chosen = kept + dropped
        kept.sort(key=lambda p: (-p.priority, p.customer_id))
        for rank, p in enumerate(kept, start=1):
            p.rank = rank
        result[day] = kept + dropped
        if n == len(days) - 1:
            break
        placed = {p.customer_id for p in chosen}
        placed_reasons = {id(r) for p in chosen for r in p.reasons}
        # A planned contact covers the cadence too; what was planned is not planned again.
        pending = [r for r in pending if id(r) not in placed_reasons
                   and not (r.code == cadence and r.customer_id in placed)]
    return result
