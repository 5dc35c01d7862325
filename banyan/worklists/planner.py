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
import itertools
import json
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

import numpy as np
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
VALUE_BONUS = {"high_high": 20, "high_low": 15, "low_high": 12, "low_low": 0}  # by quadrant
PRIORITY_BONUS = 10  # and for a priority customer


#: A reason planned already is known by a key, a string (services._already_planned: the server
#: makes them for the 1.7M reasons a bank of a million customers planned in its last 45 days): a
#: string hashes once and costs the build's Python nothing a row, where a tuple of four, a date in
#: it, is made a row and hashed at every look-up. "customer code day ref" (the due day as its days
#: since KEY_DAY_ZERO), and "customer code ref" for a reason in its cool-off whatever its day; the
#: ref, which may hold anything, comes last.
KEY_DAY_ZERO = dt.date(2000, 1, 1)
_DAY_ZERO = KEY_DAY_ZERO.toordinal()


def planned_key(customer_id: int, code: str, due: dt.date, ref: str) -> str:
    return f"{customer_id} {code} {due.toordinal() - _DAY_ZERO} {ref}"


def cooling_key(customer_id: int, code: str, ref: str) -> str:
    return f"{customer_id} {code} {ref}"


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


def value_bonus(quadrant: str | None, is_priority) -> int:
    """What a customer's value adds to a task's priority: the quadrant's bonus, and 10 for a
    priority customer (`services` writes the same sum in SQL for a bank-wide build)."""
    return VALUE_BONUS.get(quadrant or "", 0) + (PRIORITY_BONUS if is_priority else 0)


def overdue_bonus(day: dt.date, due: dt.date) -> int:
    """What a regular contact adds to a task's priority on `day` for being overdue since `due`:
    a point for every three days, at most 30."""
    return min(30, max(0, (day - due).days) // 3)


def priority(facts: Facts, reasons: list[Reason], day: dt.date, rules: Rules) -> int:
    """Value and urgency: the weightiest reason, a little for each further reason, the customer's
    value, and for cadence how long it has been overdue."""
    return _priority(value_bonus(facts.quadrant, facts.is_priority), reasons, day, rules)


def _priority(value: int, reasons: list[Reason], day: dt.date, rules: Rules) -> int:
    rule = rules.reason_rules
    if len(reasons) == 1:  # most candidates
        r = reasons[0]
        return rule[r.code].weight + value + (overdue_bonus(day, r.due) if r.code == C.CADENCE_DUE else 0)
    # one pass (a bank-wide build ranks a hundred thousand customers with several reasons)
    codes: set[str] = set()
    weight, since = None, day  # since: the earliest a regular contact fell due
    for r in reasons:
        code = r.code
        codes.add(code)
        w = rule[code].weight
        if weight is None or w > weight:
            weight = w
        if code == C.CADENCE_DUE and r.due < since:
            since = r.due
    return weight + 5 * (len(codes) - 1) + value + overdue_bonus(day, since)


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


def _worth_waiting(reasons: list[Reason], coming: dt.date | None) -> bool:
    """WL-4: when another reason of the same customer comes up before the open ones fall due, hold
    them and make one contact for all then — nothing passes its date by waiting."""
    if coming is None:
        return False
    return coming <= min(r.due if r.code != C.CADENCE_DUE else coming for r in reasons)


def _admit(p: Planned, facts: dict[int, Facts], calls: dict[int, int], working: bool, rules: Rules,
           kept: list[Planned], dropped: list[Planned]) -> bool:
    """Apply the contact rules to a candidate; True when it became a task (and used capacity). A
    candidate whose facts could not be read (a customer gone since the build began) is left out."""
    f = facts.get(p.customer_id)
    if f is None:
        return False
    made = calls.get(p.customer_id, f.calls_this_month)
    apply_contact_rules(p, f if made == f.calls_this_month else f._replace(calls_this_month=made), working, rules)
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
    reason's customer must be in `facts`.
    Returns, per day, the tasks in rank order (suppressed ones after, with rank 0)."""
    reasons = list(reasons)
    values = {}
    for r in reasons:
        f = facts[r.customer_id]
        values[r.customer_id] = value_bonus(f.quadrant, f.is_priority)
    steps = planning(days=days, reasons=reasons, values=values, facts=facts, capacity=capacity,
                     is_working_day=is_working_day, rules=rules)
    try:
        missing = next(steps)
    except StopIteration as done:
        return done.value
    raise KeyError(f"no facts for customers {sorted(missing)[:5]}")


def plan_together(steps: dict, facts: dict[int, Facts], read: Callable[[set[int]], dict[int, Facts]]) -> dict:
    """Run many managers' `planning` side by side, reading the facts they reach: each round, the
    customers all of them need next in one read (`read`: ids → their Facts, put into `facts`).
    A bank-wide build takes two or three rounds: the customers due today and the first candidates
    of each list, then the next candidates of the lists the contact rules left short."""
    plans: dict = {}
    needs: dict = {}

    def step(key) -> None:
        try:
            needs[key] = steps[key].send(None)
        except StopIteration as done:
            plans[key] = done.value

    for key in steps:
        step(key)
    while needs:
        facts.update(read(set().union(*needs.values())))
        waiting, needs = needs, {}
        for key in waiting:
            step(key)
    return plans


def planning(
    *,
    days: list[dt.date],
    reasons: list[Reason],
    values: dict[int, int],
    facts: dict[int, Facts],
    capacity: int,
    is_working_day: Callable[[dt.date], bool],
    rules: Rules,
    dated: set[int] | None = None,
    regulars: RegularRun | None = None,
    today: ListDay | None = None,
) -> Generator[set[int], None, dict[dt.date, list[Planned]]]:
    """`plan`, for a caller that reads the facts only of the customers the planner reaches: ranks
    by `values` (value_bonus of each customer; 0 for one not there), and before it applies the
    contact rules to candidates whose facts are not in `facts` it yields their ids and goes on once
    the caller has put them there (`plan_together`). Returns the plan, as `plan`.
    `dated`: the customers with a reason other than a regular contact among `reasons`, or more
    (the caller may know them: a bank-wide build sorts every reason to its manager once).
    `regulars`: the regular contacts of customers with no other reason, ranked already and left out
    of `reasons` (RegularContacts: a one-day build).
    `today`: the list's reasons worked out already, with every list's (DayCandidates: a one-day
    build), in place of `reasons`."""
    if (regulars is not None or today is not None) and len(days) != 1:
        raise ValueError("candidates worked out ahead plan one day")
    pending = reasons
    cadence = C.CADENCE_DUE.value
    if dated is None and today is None:
        dated = {r.customer_id for r in reasons if r.code != cadence}
    calls: dict[int, int] = {}  # calls this month, counted up as phone tasks are planned
    value = values.get
    result: dict[dt.date, list[Planned]] = {}
    for n, day in enumerate(days):
        working = is_working_day(day)
        last_day = n == len(days) - 1
        if today is not None:
            must, optional, by_customer, runs = today.must(), [], {}, (today.run(), regulars)
        else:
            must, optional, by_customer, pending = _day_pass(pending, day, working, last_day, dated, value, rules)
            runs = (regulars,)
        candidates = _Candidates(optional, runs)  # (with the runs of candidates ranked ahead)
        kept: list[Planned] = []
        dropped: list[Planned] = []
        # The facts of the customers due today and of the first candidates the capacity left may
        # take (a few more: the contact rules leave some out), in one step.
        ahead = _ahead(candidates, capacity - len(must) if working else 0)
        missing = {p.customer_id for p in must if p.customer_id not in facts} | \
            {c for _n, _d, c, _r in ahead if c not in facts}
        if missing:
            yield missing
        for p in must:
            _admit(p, facts, calls, working, rules, kept, dropped)
        free = max(0, capacity - len(kept)) if working else 0
        ahead.reverse()  # taken from the end
        while free > 0 and (ahead or candidates):
            if not ahead:  # the contact rules left the list short: the next candidates' facts
                ahead = _ahead(candidates, free)
                missing = {c for _n, _d, c, _r in ahead if c not in facts}
                if missing:
                    yield missing
                ahead.reverse()
            negative, _due, cid, one = ahead.pop()
            # (one: its one reason; its reasons, of a ListDay's run; None: by_customer holds them)
            listed = one if type(one) is list else [one] if one is not None else _listed(by_customer[cid])
            free -= _admit(Planned(cid, day, listed, priority=-negative), facts, calls, working, rules, kept, dropped)
        chosen = kept + dropped
        kept.sort(key=lambda p: (-p.priority, p.customer_id))
        for rank, p in enumerate(kept, start=1):
            p.rank = rank
        result[day] = kept + dropped
        if last_day:
            break
        placed = {p.customer_id for p in chosen}
        placed_reasons = {id(r) for p in chosen for r in p.reasons}
        # A planned contact covers the cadence too; what was planned is not planned again.
        pending = [r for r in pending if id(r) not in placed_reasons
                   and not (r.code == cadence and r.customer_id in placed)]
    return result


def _day_pass(pending: list[Reason], day: dt.date, working: bool, last_day: bool, dated: set[int],
              value: Callable[[int, int], int], rules: Rules) -> tuple[list[Planned], list[tuple], dict, list[Reason]]:
    """One list's pending reasons on `day`: (the customers due today whatever the capacity, as
    Planned in rank order; the heap entries of the other candidates; each candidate customer's
    reason or reasons; what stays pending for the next days). DayCandidates works the same out
    for every list at once, for a plan of one day."""
    cadence = C.CADENCE_DUE.value
    weight = {code: rule.weight for code, rule in rules.reason_rules.items()}
    # One pass over the pending reasons (a bank-wide build: over a million): a dated reason
    # past its grace (due + grace < day) leaves them; one not open yet (due − lead > day)
    # waits, and tells when its customer's next reason comes (WL-4); the rest are today's
    # candidates. The limits as dates, worked out once a day.
    expired = {code: day - dt.timedelta(days=rule.grace_days) for code, rule in rules.reason_rules.items()}
    opens = {code: day + dt.timedelta(days=rule.lead_days) for code, rule in rules.reason_rules.items()}
    still: list[Reason] = []  # what stays pending for the next days (none after the last)
    keep = still.append
    # A customer's one reason (most candidates: a cadence contact), or the list of them.
    by_customer: dict[int, Reason | list[Reason]] = {}
    forced: set[int] = set()
    coming: dict[int, dt.date] = {}  # the earliest date of a dated reason not open yet
    pull_until = day + dt.timedelta(days=CADENCE_PULL_DAYS)
    # The optional candidates (thousands for a big book, a few taken): ranked by a heap of
    # (-priority, earliest date, customer, its one reason or None) — the order a full sort
    # gives — and a Planned made only for those reached.
    optional: list[tuple] = []
    bumps = _OverdueBonus(day)  # bumps[due]: a regular contact's bonus for being overdue
    for r in pending:
        code, due = r[1], r[3]  # (by index, read a million times: r[0] the customer, r[1] the code, r[3] the date)
        if code == cadence:
            if not last_day:
                keep(r)
            if due > pull_until:
                continue
            if r[0] not in dated:  # the customer's one reason (most candidates): ranked here
                optional.append((-(weight[code] + value(r[0], 0) + bumps[due]), due, r[0], r))
                continue
        else:
            if due < expired[code]:
                continue
            if not last_day:
                keep(r)
            if due > opens[code]:
                cid = r[0]
                soon = coming.get(cid)
                if soon is None or due < soon:
                    coming[cid] = due
                continue
            # Due today, or missed and still within grace: today whatever the capacity. On a
            # day off only what falls due that very day (a missed one waits for a working day).
            if due == day or (working and due < day):
                forced.add(r[0])
        cid = r[0]
        had = by_customer.get(cid)
        if had is None:
            by_customer[cid] = r
        elif type(had) is list:
            had.append(r)
        else:
            by_customer[cid] = [had, r]
    must = [Planned(cid, day, _listed(by_customer[cid])) for cid in forced]
    for p in must:
        p.priority = _priority(value(p.customer_id, 0), p.reasons, day, rules)
    must.sort(key=lambda p: (-p.priority, p.customer_id))
    # the other candidates: a customer's dated reason, or several
    for cid, rs in by_customer.items():
        if cid in forced:
            continue
        if type(rs) is not list:  # one reason: _worth_waiting() and _priority() inlined
            code, due = rs[1], rs[3]
            soon = coming.get(cid)
            if soon is not None and (code == cadence or soon <= due):  # it waits for the one coming
                continue
            optional.append((-(weight[code] + value(cid, 0) + (bumps[due] if code == cadence else 0)), due, cid,
                             None))
        elif not _worth_waiting(rs, coming.get(cid)):
            optional.append((-_priority(value(cid, 0), rs, day, rules), min(r.due for r in rs), cid, None))
    return must, optional, by_customer, still


@dataclass
class Lists:
    """A bank's reasons sorted to the lists they go on (`sort_to_lists`)."""

    reasons: dict[int, list[Reason]]  # by the list's holder
    dated: set[int]  # the customers with a reason other than a regular contact (`planning`)


def sort_to_lists(reasons: list[Reason], managers: dict[int, int | None]) -> Lists:
    """Each reason to the list it goes on (`_holders`). The reasons keep their order on each list
    (a task's first reason is its purpose). A bank's reasons at once (a plan of several days: the
    preview), by one stable sort by list; a reason is read by index (r[0] the customer, r[1] the
    code)."""
    cadence = C.CADENCE_DUE.value
    if not reasons:
        return Lists({}, set())
    n = len(reasons)
    customers = np.fromiter(map(itemgetter(0), reasons), np.int64, n)
    holder = _holders(reasons, customers, managers)
    at = np.flatnonzero(holder >= 0)
    order = at[np.argsort(holder[at], kind="stable")]
    slices, order_ = _slices(holder[order]), order.tolist()
    by_list = {h: list(map(reasons.__getitem__, order_[start:end])) for h, (start, end) in slices.items()}
    dated = np.fromiter(map(cadence.__ne__, map(itemgetter(1), reasons)), bool, n)
    return Lists(by_list, set(customers[dated].tolist()))


def _holders(reasons: list[Reason], customers: np.ndarray, managers: dict[int, int | None]) -> np.ndarray:
    """The list each reason goes on: its customer's manager's (`managers`; none, or None: a customer
    of no list built, -1: the reason goes nowhere, which the planner trusts), or the staff
    member's it is addressed to (r[6]). `customers`: the reasons' customers, as an array."""
    holder = _by_customer(managers).take(customers, -1)
    addressed = [i for i, staff in enumerate(map(itemgetter(6), reasons)) if staff is not None]
    if addressed:  # (a reason of a customer of no list goes nowhere, addressed or not)
        holder[addressed] = np.where(holder[addressed] >= 0, [reasons[i][6] for i in addressed], holder[addressed])
    return holder


class _OverdueBonus(dict):
    """overdue_bonus on `day`, by the day a regular contact fell due: worked out once per due day (a
    bank-wide build ranks 800,000 of them, a few hundred days)."""

    def __init__(self, day: dt.date) -> None:
        super().__init__()
        self.day = day

    def __missing__(self, due: dt.date) -> int:
        bonus = self[due] = overdue_bonus(self.day, due)
        return bonus


def _listed(reasons: Reason | list[Reason]) -> list[Reason]:
    return reasons if type(reasons) is list else [reasons]


def _ahead(candidates: _Candidates, free: int) -> list[tuple]:
    """The next candidates, best first: those `free` places may take, and a quarter more for the
    ones the contact rules leave out."""
    take = free + free // 4 + 1 if free > 0 else 0
    out: list[tuple] = []
    while len(out) < take and candidates:
        out.append(candidates.pop())
    return out


class _Candidates:
    """A day's optional candidates, best first: a heap of (-priority, earliest date, customer, its
    one reason, its reasons or None), merged with runs of candidates ranked already (a list's
    regular contacts, RegularRun; its dated candidates of a one-day plan, DatedRun), whose next
    candidates enter the heap one at a time — the order one heap of all of them would give."""

    def __init__(self, heap: list[tuple], runs: Iterable[_Run | None]) -> None:
        heapq.heapify(heap)
        self.heap, self.heads = heap, {}  # heads: id of a run's candidate in the heap → the run
        for run in runs:
            if run is not None:
                self._next_of(run)

    def _next_of(self, run: _Run) -> None:
        head = run.next()
        if head is not None:
            self.heads[id(head)] = run
            heapq.heappush(self.heap, head)

    def __bool__(self) -> bool:
        return bool(self.heap)  # (each run's next candidate is always in it)

    def pop(self) -> tuple:
        item = heapq.heappop(self.heap)
        run = self.heads.pop(id(item), None)
        if run is not None:
            self._next_of(run)
        return item


class _Run:
    """Candidates ranked already, as rows of numpy columns from `start` to `end`: `next()` makes
    the next heap entry (`entry`, None to pass a row over), None at the end. It reads the columns
    a few rows at a time: a list takes a few dozen."""

    CHUNK = 64

    def __init__(self, columns: tuple[np.ndarray, ...], start: int, end: int) -> None:
        self.columns, self.at, self.end = columns, start, end
        self.buffer: list[tuple] = []

    def next(self) -> tuple | None:
        while True:
            if not self.buffer:
                if self.at >= self.end:
                    return None
                until = min(self.at + self.CHUNK, self.end)
                self.buffer = list(zip(*(c[self.at:until].tolist() for c in self.columns), strict=True))
                self.buffer.reverse()  # taken from the end
                self.at = until
            entry = self.entry(*self.buffer.pop())
            if entry is not None:
                return entry

    def entry(self, *row) -> tuple | None:
        raise NotImplementedError


class RegularContacts:
    """cadence's reasons (the regular contacts), kept as arrays by kind (triggers.cadence_kinds)
    for a one-day build: most of a bank's reasons (800,000 of 1.2M at bank1m) are the one regular
    contact of a customer with no other reason, of which a list takes a few dozen. Those are ranked
    for every list in one sort (numpy) and made reasons only when the planner reaches them
    (`planning`'s `regulars`); the regular contacts of customers with other reasons are made here
    (`reasons_of`) and planned with them."""

    def __init__(self, kinds: list[tuple[tuple[str, dt.date, tuple], list[int]]]) -> None:
        self.kinds = [kind for kind, _ids in kinds]
        counts = [len(ids) for _kind, ids in kinds]
        self.customers = np.fromiter(itertools.chain.from_iterable(ids for _kind, ids in kinds), np.int64,
                                     sum(counts))
        self.kind_of = np.repeat(np.arange(len(kinds), dtype=np.int64), counts)  # by the customers' order

    def reasons_of(self, customers: set[int]) -> list[Reason]:
        """The reasons of these customers (those with another reason), made, in cadence's order."""
        at = np.flatnonzero(_in_set(self.customers, customers))
        code, new, Re, kinds = C.CADENCE_DUE.value, tuple.__new__, Reason, self.kinds
        return [new(Re, (cid, code, kinds[k][0], kinds[k][1], "", kinds[k][2], None))
                for cid, k in zip(self.customers[at].tolist(), self.kind_of[at].tolist(), strict=True)]

    def ranked(self, day: dt.date, managers: ByCustomer | dict[int, int | None], values: ByCustomer | dict[int, int],
               weight: int, planned: tuple[set, set], besides: set[int]) -> dict[int, RegularRun]:
        """The rest — the regular contacts of customers with no other reason (not in `besides`, whose
        are made by `reasons_of`) — by list (the customer's manager's; none of a customer of no list
        built), each ranked as `planning` ranks its candidates: by priority (`weight`, the customer's
        value, the overdue bonus), then the day it fell due, then the customer. Those falling due
        after the days a regular contact may be taken early are left out; what was planned already
        (`planned`: _already_planned's keys) is passed over as the planner reaches it."""
        due = [kind[1] for kind in self.kinds]
        pull_until = day + dt.timedelta(days=CADENCE_PULL_DAYS)
        kind_ok = np.array([d <= pull_until for d in due] or [False])
        bonus = np.array([overdue_bonus(day, d) for d in due] or [0], dtype=np.int64)
        due_day = np.array([d.toordinal() for d in due] or [0], dtype=np.int64)
        at = np.flatnonzero(~_in_set(self.customers, besides) & kind_ok[self.kind_of])
        customers, kind_of = self.customers[at], self.kind_of[at]
        manager = _by_customer(managers).take(customers, -1)
        listed = manager >= 0
        customers, kind_of, manager = customers[listed], kind_of[listed], manager[listed]
        negative = -(weight + _by_customer(values).take(customers, 0) + bonus[kind_of])
        order = _order_by(manager, negative, due_day[kind_of], customers)
        columns = (negative[order], kind_of[order], customers[order])
        return {m: RegularRun(self.kinds, columns, start, end, planned)
                for m, (start, end) in _slices(manager[order]).items()}


class RegularRun(_Run):
    """One list's regular contacts, ranked (RegularContacts.ranked): `next()` makes the next as the
    heap entry `planning` would have made — (-priority, due day, customer, its reason) — passing
    over those planned already (services._fresh's test), None at the end."""

    def __init__(self, kinds: list, columns: tuple, start: int, end: int, planned: tuple[set, set]) -> None:
        super().__init__(columns, start, end)  # (negative priority, kind, customer)
        self.kinds = kinds
        self.exact, self.cooling = planned

    def entry(self, negative: int, k: int, cid: int) -> tuple | None:
        words, due, facts = self.kinds[k]
        code = C.CADENCE_DUE.value
        if planned_key(cid, code, due, "") in self.exact or cooling_key(cid, code, "") in self.cooling:
            return None
        return negative, due, cid, tuple.__new__(Reason, (cid, code, words, due, "", facts, None))


class DayCandidates:
    """A plan of one day, for every list at once (services._plan_window: the nightly build, each
    group of a split one, a list built on a page): the reasons other than the regular contacts
    that RegularContacts ranks — the dated ones and the regular contacts of their customers, 600,000
    at bank1m — worked out as arrays, as `_day_pass` works them out a list and a reason at a time:
    which are gone (a dated reason past its grace, a regular contact falling due after the days it
    may be taken early), which customers wait for a reason not open yet (WL-4), which are due
    today whatever the capacity and how the others rank. A customer's reasons on a list (in their
    order: the first is the task's purpose) are made a Planned only when the list must take the
    customer (`ListDay.must`) or reaches it (`ListDay.run`)."""

    def __init__(self, reasons: list[Reason], managers: ByCustomer | dict[int, int | None],
                 values: ByCustomer | dict[int, int], day: dt.date, working: bool, rules: Rules) -> None:
        self.reasons, self.day = reasons, day
        rule = rules.reason_rules
        codes = list(rule)
        if len(codes) > 62:
            raise ValueError("a customer's codes are counted as the bits of a number")
        code_of = {code: i for i, code in enumerate(codes)}
        n = len(reasons)
        customer = np.fromiter(map(itemgetter(0), reasons), np.int64, n)
        holder = _holders(reasons, customer, managers)
        code = np.fromiter(map(code_of.__getitem__, map(itemgetter(1), reasons)), np.int64, n)
        due = np.fromiter(map(dt.date.toordinal, map(itemgetter(3), reasons)), np.int64, n)
        lead, grace, weight = (np.array([getattr(rule[c], name) for c in codes] or [0], dtype=np.int64)
                               for name in ("lead_days", "grace_days", "weight"))
        today = day.toordinal()
        regular = code == code_of.get(C.CADENCE_DUE, -1)
        gone = (holder < 0) | np.where(regular, due > today + CADENCE_PULL_DAYS, due < today - grace[code])
        coming = ~gone & ~regular & (due > today + lead[code])  # a dated reason not open yet
        opened = ~gone & ~coming
        # due today, or missed and still within grace: today whatever the capacity (on a day off,
        # only what falls due that very day: a missed one waits for a working day)
        forced = opened & ~regular & ((due == today) | (working & (due < today)))
        # Each list's customers (holder, customer): their reasons, in the reasons' order.
        at = np.flatnonzero(opened | coming)
        at = at[_order_by(holder[at], customer[at])]
        h, c, o = holder[at], customer[at], opened[at]
        first = np.flatnonzero(np.r_[True, (h[1:] != h[:-1]) | (c[1:] != c[:-1])]) if len(at) else at
        big = np.iinfo(np.int64).max

        def least(column: np.ndarray) -> np.ndarray:
            return np.minimum.reduceat(column, first) if len(first) else column[:0]

        def total(column: np.ndarray) -> np.ndarray:
            return np.add.reduceat(column.astype(np.int64), first) if len(first) else np.zeros(0, np.int64)

        opened_of = total(o)  # the customer's reasons open today on the list (none: it only waits)
        forced_of = total(forced[at]) > 0
        coming_of = least(np.where(coming[at], due[at], big))  # the earliest not open yet
        dated_of = least(np.where(o & ~regular[at], due[at], big))  # the earliest open dated reason
        due_of = least(np.where(o, due[at], big))
        since = least(np.where(o & regular[at], due[at], today))  # when the regular contact fell due
        heaviest = np.maximum.reduceat(np.where(o, weight[code[at]], -1), first) if len(first) else first
        kinds = np.bitwise_count(np.bitwise_or.reduceat(np.where(o, np.left_shift(1, code[at]), 0), first)) \
            if len(first) else first
        customers, holders = c[first], h[first]
        # planner._priority: the weightiest reason, 5 for each further kind, the customer's value,
        # and for a regular contact a point for every three days overdue, at most 30
        priority = heaviest + 5 * (kinds.astype(np.int64) - 1) + _by_customer(values).take(customers, 0) + \
            np.minimum(30, np.maximum(0, today - since) // 3)
        waits = (coming_of < big) & (coming_of <= dated_of)  # _worth_waiting
        must = np.flatnonzero((opened_of > 0) & forced_of)
        may = np.flatnonzero((opened_of > 0) & ~forced_of & ~waits)
        self.positions = at[o]  # each customer's open reasons, one after another
        self.first = np.cumsum(opened_of) - opened_of
        self.count = opened_of
        must = must[_order_by(holders[must], -priority[must], customers[must])]
        may = may[_order_by(holders[may], -priority[may], due_of[may], customers[may])]
        self.must_rows = (customers[must], priority[must], must)
        self.may_rows = (-priority[may], due_of[may], customers[may], may)
        self.must_of, self.may_of = _slices(holders[must]), _slices(holders[may])

    def of(self, holder: int) -> ListDay:
        return ListDay(self, self.must_of.get(holder, (0, 0)), self.may_of.get(holder, (0, 0)))

    def reasons_of(self, group: int) -> list[Reason]:
        start = int(self.first[group])
        return list(map(self.reasons.__getitem__, self.positions[start:start + int(self.count[group])].tolist()))


@dataclass
class ListDay:
    """One list's part of DayCandidates."""

    candidates: DayCandidates
    must_at: tuple[int, int]
    may_at: tuple[int, int]

    def must(self) -> list[Planned]:
        """The customers due today whatever the capacity, in rank order."""
        start, end = self.must_at
        customers, priority, groups = (column[start:end].tolist() for column in self.candidates.must_rows)
        day, reasons_of = self.candidates.day, self.candidates.reasons_of
        return [Planned(cid, day, reasons_of(g), priority=p) for cid, p, g in zip(customers, priority, groups,
                                                                                  strict=True)]

    def run(self) -> DatedRun | None:
        start, end = self.may_at
        return DatedRun(self.candidates, start, end) if end > start else None


class DatedRun(_Run):
    """One list's other candidates of a one-day plan, ranked (DayCandidates): heap entries
    (-priority, earliest date, customer, its reasons)."""

    def __init__(self, candidates: DayCandidates, start: int, end: int) -> None:
        super().__init__(candidates.may_rows, start, end)
        self.reasons_of = candidates.reasons_of

    def entry(self, negative: int, due: int, cid: int, group: int) -> tuple:
        return negative, dt.date.fromordinal(due), cid, self.reasons_of(group)


def _slices(holders: np.ndarray) -> dict[int, tuple[int, int]]:
    """Where each holder's rows start and end, in rows sorted by holder."""
    if not len(holders):
        return {}
    starts = np.flatnonzero(np.r_[True, holders[1:] != holders[:-1]])
    ends = np.r_[starts[1:], len(holders)]
    return {h: (a, b) for h, a, b in zip(holders[starts].tolist(), starts.tolist(), ends.tolist(), strict=True)}


def _order_by(*columns: np.ndarray) -> np.ndarray:
    """The order that sorts rows by `columns`, the first column first, ties kept in place (as
    numpy.lexsort, whose last key sorts first). Where the columns' spans fit in 63 bits (a bank's
    managers, priorities, due days and customers do) they are packed into one number a row and
    sorted once: three times faster than lexsort of four columns at 500,000 rows."""
    packed, bits = np.zeros(len(columns[0]), dtype=np.int64), 0
    for column in columns:
        low = int(column.min()) if len(column) else 0
        width = (int(column.max()) - low).bit_length() if len(column) else 0
        bits += width
        if bits > 63:
            return np.lexsort(columns[::-1])
        packed = (packed << width) | (column - low)
    return np.argsort(packed, kind="stable")


def _in_set(ids: np.ndarray, customers: set[int]) -> np.ndarray:
    """Which of `ids` are in `customers` (a mask)."""
    if not len(ids) or not customers:
        return np.zeros(len(ids), dtype=bool)
    return np.isin(ids, np.fromiter(customers, np.int64, len(customers)))


class ByCustomer(dict):
    """A number for each customer id — its manager, its value — that also answers for an array of
    ids at once (`take`): a bank-wide build looks up the managers of 600,000 reasons and of 500,000
    regular contacts, and the values of the latter. Its arrays are made once, on the first `take`
    or by `ready()` (a bank-wide build: on the thread that read the million rows, while the
    triggers run); any change to it drops them. None (a customer of no manager, added for a reason
    addressed to a staff member: services._with_addressed) is taken as absent."""

    _arrays: tuple | None = None  # (the table's first id, the table) or (None, sorted ids, their numbers)

    def ready(self) -> ByCustomer:
        try:
            keys = np.fromiter(self.keys(), np.int64, len(self))
            found = np.fromiter(self.values(), np.int64, len(self))
        except TypeError:  # (a None among the values: left out)
            pairs = [(k, v) for k, v in self.items() if v is not None]
            keys = np.fromiter((k for k, _v in pairs), np.int64, len(pairs))
            found = np.fromiter((v for _k, v in pairs), np.int64, len(pairs))
        low = int(keys.min()) if len(keys) else 0
        high = int(keys.max()) if len(keys) else -1
        if high - low < 8 * len(keys) + 1024:  # a bank's ids are dense: a table over their span (8 MB at 1M)
            table = np.full(high - low + 1, _ABSENT, dtype=np.int64)
            table[keys - low] = found
            self._arrays = (low, table)
        else:  # (one group's customers of a very large bank, spread thin over its ids: a sorted search)
            order = np.argsort(keys, kind="stable")
            self._arrays = (None, keys[order], found[order])
        return self

    def take(self, ids: np.ndarray, missing: int) -> np.ndarray:
        """self[id] for each of `ids`, `missing` where absent or None."""
        if self._arrays is None:
            self.ready()
        if self._arrays[0] is not None:
            low, table = self._arrays
            inside = (ids >= low) & (ids < low + len(table))
            out = np.full(len(ids), _ABSENT, dtype=np.int64)
            out[inside] = table[ids[inside] - low]
        else:
            _none, keys, found = self._arrays
            if not len(keys):
                return np.full(len(ids), missing, dtype=np.int64)
            at = np.minimum(np.searchsorted(keys, ids), len(keys) - 1)
            out = np.where(keys[at] == ids, found[at], _ABSENT)
        out[out == _ABSENT] = missing
        return out


_ABSENT = np.iinfo(np.int64).min


def _by_customer(numbers: dict[int, int | None]) -> ByCustomer:
    return numbers if isinstance(numbers, ByCustomer) else ByCustomer(numbers)


def _dropping_arrays(name: str):
    change = getattr(dict, name)

    def changed(self, *args, **kwargs):
        self._arrays = None
        return change(self, *args, **kwargs)

    changed.__name__ = name
    return changed


for _name in ("__setitem__", "__delitem__", "update", "pop", "popitem", "setdefault", "clear"):
    setattr(ByCustomer, _name, _dropping_arrays(_name))
