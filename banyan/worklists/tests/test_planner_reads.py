"""A bank-wide build reads the whole facts only of the customers the planner reaches (issue 15 §3):
it sorts and ranks every reason by each customer's manager and value alone, and asks for the facts
of the customers due today and of the first candidates of each list, then of the next ones where
the contact rules left a list short. These tests check, without a database, that the lists come
out exactly as when every customer's facts are given at once (`plan`), and that the reads stop
where the lists are full."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from banyan.worklists.models import ReasonCode as C
from banyan.worklists.planner import (
    Facts,
    Planned,
    Rules,
    apply_contact_rules,
    plan,
    plan_together,
    planning,
    priority,
    value_bonus,
)
from banyan.worklists.triggers import Reason

MONDAY = dt.date(2026, 11, 23)
QUADRANTS = ("high_high", "high_low", "low_high", "low_low")
ALL_CHANNELS = {"phone": True, "sms": True, "wechat": True, "email": True}
NO_CHANNEL = {"phone": False, "sms": False, "wechat": False, "email": False}


def _bank(seed: int, *, managers: int = 3, customers: int = 400, quiet_share: float = 0.1, dated_share: float = 1):
    """Random books: each customer late for a regular contact, some with a dated reason (a birthday
    today, a maturity in a few days, a memo missed yesterday), some left out by a contact rule."""
    rng = random.Random(seed)
    facts: dict[int, Facts] = {}
    reasons: dict[int, list[Reason]] = {m: [] for m in range(1, managers + 1)}
    for cid in range(1000, 1000 + customers):
        manager = rng.randint(1, managers)
        quiet = rng.random() < quiet_share
        facts[cid] = Facts(cid, manager, float(rng.choice((50_000, 300_000, 1_200_000))), rng.choice(QUADRANTS),
                           rng.random() < 0.2, rng.choice(("phone", "wechat", "sms")),
                           NO_CHANNEL if quiet and rng.random() < 0.5 else ALL_CHANNELS, quiet,
                           rng.choice((0, 0, 1, 3)))
        mine = reasons[manager]
        late = MONDAY - dt.timedelta(days=rng.randint(-1, 90))
        mine.append(Reason(cid, C.CADENCE_DUE, "已 30 天未联系", late))
        roll = rng.random() / dated_share if dated_share else 1
        if roll < 0.08:
            mine.append(Reason(cid, C.BIRTHDAY, "生日", MONDAY, "birthday:2026"))
        elif roll < 0.2:
            due = MONDAY + dt.timedelta(days=rng.randint(1, 12))
            mine.append(Reason(cid, C.DEPOSIT_MATURITY, "定期存款到期", due, f"holding:{cid}"))
        elif roll < 0.25:
            mine.append(Reason(cid, C.MEMO_DUE, "约定回电", MONDAY - dt.timedelta(days=1), f"memo:{cid}"))
    return facts, reasons


def _together(facts, reasons, days, capacity, rules, reads):
    """The build's way: values only up front, facts read as the planners reach the customers."""
    values = {cid: value_bonus(f.quadrant, f.is_priority) for cid, f in facts.items()}
    known: dict[int, Facts] = {}

    def read(ids):
        reads.append(set(ids))
        return {cid: facts[cid] for cid in ids if cid in facts}

    steps = {m: planning(days=days, reasons=rs, values=values, facts=known, capacity=capacity,
                         is_working_day=lambda d: d.weekday() < 5, rules=rules) for m, rs in reasons.items()}
    return plan_together(steps, known, read)


def _shape(plans):
    return {m: {day: [(p.customer_id, p.rank, p.priority, p.channel, p.rule, p.suppressed,
                       [(r.code, r.due, r.ref) for r in p.reasons]) for p in ps] for day, ps in days.items()}
            for m, days in plans.items()}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("days", [[MONDAY], [MONDAY + dt.timedelta(days=n) for n in range(7)]],
                         ids=["one day", "a week"])
def test_the_same_lists_as_with_every_customers_facts(seed, days):
    facts, reasons = _bank(seed)
    rules = Rules()
    each = {m: plan(days=days, reasons=rs, facts=facts, capacity=30, is_working_day=lambda d: d.weekday() < 5,
                    rules=rules) for m, rs in reasons.items()}
    reads: list[set[int]] = []
    together = _together(facts, reasons, days, 30, rules, reads)
    assert _shape(together) == _shape(each)
    assert sum(len(p) for days_ in each.values() for p in days_.values()) > 30  # the lists are not empty


def test_only_the_customers_reached_are_read_and_a_short_list_reads_on():
    """Half the customers are left out by a rule (do not disturb, no channel): the first read of a
    list falls short, so the planner reads the next candidates until the list is full — and no
    more: far fewer customers read than the books hold, each at most once."""
    facts, reasons = _bank(7, managers=2, customers=600, quiet_share=0.5, dated_share=0)
    reads: list[set[int]] = []
    together = _together(facts, reasons, [MONDAY], 10, Rules(), reads)
    each = {m: plan(days=[MONDAY], reasons=rs, facts=facts, capacity=10, is_working_day=lambda d: d.weekday() < 5,
                    rules=Rules()) for m, rs in reasons.items()}
    assert _shape(together) == _shape(each)
    for manager, ps in together.items():
        # by hand: every candidate ranked, the contact rules applied in that order until ten are kept
        ranked = sorted((-priority(facts[r.customer_id], [r], MONDAY, Rules()), r.due, r.customer_id, r)
                        for r in reasons[manager])
        kept, left_out = [], []
        for *_key, cid, r in ranked:
            if len(kept) == 10:
                break
            candidate = Planned(cid, MONDAY, [r])
            apply_contact_rules(candidate, facts[cid], True, Rules())
            (left_out if candidate.suppressed else kept).append(cid)
        assert sorted(p.customer_id for p in ps[MONDAY] if not p.suppressed) == sorted(kept)  # full: ten
        assert sorted(p.customer_id for p in ps[MONDAY] if p.suppressed) == sorted(left_out) != []
    assert len(reads) >= 2  # the contact rules left the lists short after the first read
    read = [cid for ids in reads for cid in ids]
    assert len(read) == len(set(read))  # nobody read twice
    assert len(read) < len(facts) / 5
    reached = {p.customer_id for ps in together.values() for p in ps[MONDAY]}
    assert reached <= set(read)


def test_a_customer_missing_when_read_is_left_out():
    """A customer gone between the ranking and the read of facts (deleted meanwhile) is left out of
    the list; the next candidate takes the place."""
    facts, reasons = _bank(9, managers=1, customers=80, quiet_share=0, dated_share=0)
    first = _together(facts, reasons, [MONDAY], 5, Rules(), [])
    gone = first[1][MONDAY][0].customer_id
    values = {cid: value_bonus(f.quadrant, f.is_priority) for cid, f in facts.items()}
    known: dict[int, Facts] = {}
    steps = {1: planning(days=[MONDAY], reasons=reasons[1], values=values, facts=known, capacity=5,
                         is_working_day=lambda d: True, rules=Rules())}
    plans = plan_together(steps, known, lambda ids: {cid: facts[cid] for cid in ids if cid != gone})
    listed = [p.customer_id for p in plans[1][MONDAY] if not p.suppressed]
    assert gone not in listed and len(listed) == 5
    assert listed[:4] == [p.customer_id for p in first[1][MONDAY] if not p.suppressed][1:5]
