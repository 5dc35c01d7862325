"""One day's build keeps the regular contacts by kind (planner.RegularContacts, session 29): those of
customers with no other reason are ranked for every list in one sort and made reasons only when a
list takes them; those of customers with another reason are made and planned with it. These tests
check, without a database, that every list comes out exactly as when every regular contact is a
reason among the others (the planner's own ranking, after services._fresh), also with reasons
planned already, customers of no list built, and reasons addressed to another list's holder."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest

from banyan.worklists.models import ReasonCode as C
from banyan.worklists.planner import (
    ByCustomer,
    DayCandidates,
    Facts,
    RegularContacts,
    Rules,
    _in_set,
    _order_by,
    cooling_key,
    plan_together,
    planned_key,
    planning,
    sort_to_lists,
)
from banyan.worklists.services import _fresh
from banyan.worklists.tests.test_planner_reads import ALL_CHANNELS, MONDAY, QUADRANTS
from banyan.worklists.triggers import Reason

CAPACITY = 12


def _bank(seed: int):
    """Random books of 5 managers (and customers of a sixth, whose list is not built): regular
    contacts in a few kinds (shared due day and facts), a third of the customers with a dated
    reason too, one in twenty with a complaint addressed to manager 1, some reasons planned already."""
    rng = random.Random(seed)
    kinds = []
    for _ in range(rng.randint(1, 12)):
        due = MONDAY - dt.timedelta(days=rng.randint(-6, 120))
        kinds.append(((f"已 {rng.randint(30, 200)} 天未联系", due, (rng.randint(30, 200), 30, "")), []))
    facts, managers, values, before, after = {}, {}, {}, [], []
    for cid in rng.sample(range(1, 5000), rng.randint(0, 700)):
        manager = rng.randint(1, 6)
        quadrant = rng.choice(QUADRANTS)
        facts[cid] = Facts(cid, manager, float(rng.choice((50_000, 300_000))), quadrant, rng.random() < 0.2,
                           "phone", ALL_CHANNELS, rng.random() < 0.05, rng.choice((0, 3)))
        managers[cid] = manager
        values[cid] = rng.choice((0, 10, 12, 15, 20, 30))
        if rng.random() < 0.9:
            rng.choice(kinds)[1].append(cid)
        roll = rng.random()
        if roll < 0.1:
            before.append(Reason(cid, C.BIRTHDAY, "生日", MONDAY, "birthday:2026"))
        elif roll < 0.25:
            due = MONDAY + dt.timedelta(days=rng.randint(-2, 9))
            before.append(Reason(cid, C.DEPOSIT_MATURITY, "定期存款到期", due, f"holding:{cid}"))
        elif roll < 0.3:
            after.append(Reason(cid, C.COMPLAINT_DUE, "投诉待回访", MONDAY, f"complaint:{cid}", (), 1))
        elif roll < 0.35:
            after.append(Reason(cid, C.MEMO_DUE, "约定回电", MONDAY - dt.timedelta(days=1), f"memo:{cid}"))
        roll = rng.random()  # a second reason: some open, some not yet (WL-4), some past their grace
        if roll < 0.1:
            due = MONDAY + dt.timedelta(days=rng.randint(0, 7))  # (lead 2)
            after.append(Reason(cid, C.ANNIVERSARY, "结婚纪念日", due, f"anniversary:{cid}"))
        elif roll < 0.15:
            due = MONDAY - dt.timedelta(days=rng.randint(0, 5))  # (grace 2)
            after.append(Reason(cid, C.BIRTHDAY, "生日", due, "birthday:2025"))
        elif roll < 0.2:
            due = MONDAY + dt.timedelta(days=rng.randint(-4, 1))  # (grace 3)
            before.append(Reason(cid, C.STOP_LOSS, "基金触及止损线", due, f"stop:{cid}"))
    for _kind, ids in kinds:
        ids.sort()  # (as the server's array of a kind's ids)
    regular = [Reason(cid, C.CADENCE_DUE, words, due, "", args) for (words, due, args), ids in kinds for cid in ids]
    exact = {planned_key(r.customer_id, r.code, r.due, r.ref) for r in rng.sample(regular + before, len(regular) // 8)}
    cooling = {cooling_key(r.customer_id, r.code, r.ref) for r in rng.sample(regular, len(regular) // 10)}
    if len(managers) > 1:
        first, second = list(managers)[:2]
        del managers[first]  # a customer of no list built (no manager of the books read)
        managers[second] = None  # one of no manager, read for a reason addressed to a staff member
    return kinds, before, regular, after, facts, managers, values, (exact, cooling)


def _plans(day, facts, values, rules, *, lists=None, today=None, runs=None):
    seen: dict[int, Facts] = {}
    steps = {m: planning(days=[day], reasons=lists.reasons.get(m, []) if lists else [], values=values, facts=seen,
                         capacity=CAPACITY, is_working_day=lambda d: d.weekday() < 5, rules=rules,
                         dated=lists.dated if lists else None, regulars=(runs or {}).get(m),
                         today=today.of(m) if today else None)
             for m in range(1, 6)}
    plans = plan_together(steps, seen, lambda ids: {cid: facts[cid] for cid in ids})
    return {m: [(p.customer_id, p.rank, p.priority, p.suppressed, p.reasons) for p in days[day]]
            for m, days in plans.items()}


@pytest.mark.parametrize("day", [MONDAY, MONDAY - dt.timedelta(days=1)], ids=["working day", "day off"])
@pytest.mark.parametrize("seed", range(40))
def test_the_lists_are_those_of_every_reason_planned_a_reason_at_a_time(seed, day):
    """A one-day build (services._plan_window): the regular contacts ranked as arrays, the other
    reasons worked out for every list at once (DayCandidates) — the lists `planning` makes of every
    reason a list and a reason at a time (`_day_pass`)."""
    kinds, before, regular, after, facts, managers, values, planned = _bank(seed)
    rules = Rules()
    whole = sort_to_lists(_fresh([*before, *regular, *after], *planned), managers)
    expected = _plans(day, facts, values, rules, lists=whole)

    regulars = RegularContacts(kinds)
    before, after = _fresh(before, *planned), _fresh(after, *planned)
    others = {r.customer_id for r in [*before, *after]}
    beside = _fresh(regulars.reasons_of(others), *planned)
    today = DayCandidates([*before, *beside, *after], managers, values, day, day.weekday() < 5, rules)
    runs = regulars.ranked(day, managers, values, rules.reason_rules[C.CADENCE_DUE].weight, planned, others)
    got = _plans(day, facts, values, rules, today=today, runs=runs)

    assert got == expected
    assert sum(len(tasks) for tasks in expected.values()) > 0 or not facts or day.weekday() >= 5


def test_no_regular_contacts_rank_nothing():
    regulars = RegularContacts([])
    assert regulars.reasons_of({1, 2}) == []
    assert regulars.ranked(MONDAY, {1: 1}, {1: 0}, 20, (set(), set()), set()) == {}


def test_a_plan_of_several_days_takes_no_ranked_regular_contacts():
    steps = planning(days=[MONDAY, MONDAY + dt.timedelta(days=1)], reasons=[], values={}, facts={}, capacity=3,
                     is_working_day=lambda d: True, rules=Rules(),
                     regulars=RegularContacts([]).ranked(MONDAY, {}, {}, 20, (set(), set()), set()).get(1) or object())
    with pytest.raises(ValueError):
        next(steps)


@pytest.mark.parametrize("spread", [1, 10**9])
def test_look_ups_by_table_or_by_search_agree_with_the_dict(spread):
    """A bank's ids are dense (a table over their span); one group's customers of a very large bank
    may be spread thin over it (a sorted search): the same answers, None and absent as missing —
    also after the numbers changed (their arrays made before)."""
    rng = random.Random(spread)
    of = {rng.randrange(1, 5000) * spread: rng.choice((3, 7, None)) for _ in range(300)}
    ids = np.array(sorted({rng.randrange(1, 5000) * spread for _ in range(400)} | set(list(of)[:50])), dtype=np.int64)
    numbers = ByCustomer(of).ready()
    assert numbers.take(ids, -1).tolist() == [-1 if of.get(i) is None else of[i] for i in ids.tolist()]
    changed = int(ids[0])
    numbers[changed] = 11
    numbers.update({int(ids[1]): 12})
    numbers.pop(int(ids[2]), None)
    expected = [-1 if numbers.get(i) is None else numbers[i] for i in ids.tolist()]
    assert numbers.take(ids, -1).tolist() == expected
    assert expected[:3] == [11, 12, -1]
    assert ByCustomer().take(ids, 0).tolist() == [0] * len(ids)
    members = {i for i in of if of[i] == 3}
    assert _in_set(ids, members).tolist() == [i in members for i in ids.tolist()]


def _sorted_one_by_one(reasons, managers):
    """sort_to_lists as it was until session 30: a reason at a time."""
    by_list: dict[int, list] = {}
    for r in reasons:
        manager_id = managers.get(r.customer_id)
        if manager_id is not None:
            by_list.setdefault(manager_id if r.staff_id is None else r.staff_id, []).append(r)
    return by_list, {r.customer_id for r in reasons if r.code != C.CADENCE_DUE}


@pytest.mark.parametrize("seed", range(20))
def test_reasons_are_sorted_to_lists_as_one_at_a_time(seed):
    """Every reason on the list of its customer's manager or of the staff member it is addressed to,
    in the order given; a customer of no list (absent, or None) nowhere, even when addressed."""
    kinds, before, regular, after, _facts, managers, _values, _planned = _bank(seed)
    rng = random.Random(seed)
    reasons = [*before, *regular, *after]
    rng.shuffle(reasons)
    reasons += [Reason(cid, C.COMPLAINT_DUE, "投诉待回访", MONDAY, f"complaint:{cid}", (), 77)
                for cid in rng.sample(sorted(managers) + [999_999], min(5, len(managers) + 1))]
    lists = sort_to_lists(reasons, managers)
    expected, dated = _sorted_one_by_one(reasons, managers)
    assert {m: [id(r) for r in rs] for m, rs in lists.reasons.items()} == \
        {m: [id(r) for r in rs] for m, rs in expected.items()}
    assert lists.dated == dated
    assert sort_to_lists([], managers).reasons == {}


@pytest.mark.parametrize("spread", [1, 2**60])
def test_the_packed_order_is_lexsorts(spread):
    """Columns packed into one number a row (their spans fit in 63 bits), or too wide for it (lexsort
    itself): the same order as lexsort, ties kept in place."""
    rng = np.random.default_rng(spread % 1000)
    columns = (rng.integers(1, 30, 2000), -rng.integers(0, 9, 2000), rng.integers(0, 5, 2000) * spread,
               rng.integers(-3, 3, 2000))
    assert _order_by(*columns).tolist() == np.lexsort(columns[::-1]).tolist()
    assert _order_by(np.zeros(0, dtype=np.int64)).tolist() == []
