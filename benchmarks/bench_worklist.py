"""One day's worklists for a whole bank: the set-based engine against a naive per-customer ORM loop
(issue 3). The naive loop finds the main reasons (birthdays solar and lunar, maturities, card
repayments, overdue loans, take-profit/stop-loss, memos, cadence, risk assessments) — a subset of
the engine's, so the ratio understates the engine's lead — and plans them with the same planner;
only the way the data is read differs: a few set-based queries against ~8 queries per customer.

    .venv/bin/python benchmarks/bench_worklist.py [--customers 200000] [--holdings 1000000]
                                                  [--day 2026-11-24] [--naive-sample 0]

--naive-sample N times the naive loop on N customers only and scales the figure up linearly (the
loop does the same work per customer); 0 (default) runs it over the whole bank.
Targets: the engine ≥ 20× faster than the naive loop, and under 60 s on SQLite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections import defaultdict

from common import ensure_bank, machine, use_bank


def top_up_holdings(target: int, seed: int) -> None:
    """Clone asset holdings (new numbers, maturities spread over the coming year) up to `target`."""
    from banyan.holdings.models import Holding
    from banyan.holdings.services import customers_refresh_aum
    from banyan.segments.services import segments_recompute

    have = Holding.objects.count()
    if have >= target:
        return
    rng = random.Random(seed)
    start = time.perf_counter()
    source = list(Holding.objects.exclude(product__type__in=["loan", "credit_card"]).values(
        "customer_id", "product_id", "amount", "current_value", "purchase_date", "maturity_date", "cost_price",
        "units", "expected_return_pct", "take_profit_pct", "stop_loss_pct", "risk_level_at_sale"))
    made, batch = have, []
    while made < target:
        row = dict(rng.choice(source))
        if row["maturity_date"]:
            row["maturity_date"] = row["purchase_date"] + dt.timedelta(days=rng.randint(30, 720))
        batch.append(Holding(**row, account_no=f"9{made:018d}"))
        made += 1
        if len(batch) == 5000:
            Holding.objects.bulk_create(batch)
            batch = []
    Holding.objects.bulk_create(batch)
    customers_refresh_aum()
    segments_recompute()
    print(f"topped holdings up to {target:,} in {time.perf_counter() - start:.0f} s", flush=True)


def naive_reasons(customer, day: dt.date, window_last: dt.date, policy, rules):
    """Everything the triggers find, for ONE customer, with the queries a per-customer loop makes."""
    from lunar_python import Lunar, Solar

    from banyan.contacts.models import Interaction, Memo, real_contact_q
    from banyan.holdings.models import Holding
    from banyan.segments.models import CustomerSegment
    from banyan.worklists.triggers import Reason

    out = []

    def span(code):
        rule = rules[code]
        return day - dt.timedelta(days=rule.grace_days), window_last + dt.timedelta(days=rule.lead_days)

    first, last = span("birthday")
    if customer.birth_date:
        birth = customer.birth_date
        for year in {first.year, last.year}:
            if customer.lunar_birthday:
                lunar = Solar.fromYmd(birth.year, birth.month, birth.day).getLunar()
                try:
                    s = Lunar.fromYmd(year, abs(lunar.getMonth()), lunar.getDay()).getSolar()
                except Exception:  # noqa: BLE001 - day 30 missing this year
                    s = Lunar.fromYmd(year, abs(lunar.getMonth()), 29).getSolar()
                when = dt.date(s.getYear(), s.getMonth(), s.getDay())
            else:
                try:
                    when = birth.replace(year=year)
                except ValueError:
                    when = dt.date(year, 2, 28)
            if first <= when <= last:
                out.append(Reason(customer.pk, "birthday", "生日", when))
    holdings = list(Holding.objects.filter(customer=customer, status="active").select_related("product"))
    for h in holdings:
        kind = h.product.type
        code = {"time_deposit": "deposit_maturity", "wealth": "product_maturity", "bond": "product_maturity",
                "insurance": "product_maturity", "loan": "loan_maturity"}.get(kind)
        if code and h.maturity_date:
            f, la = span(code)
            if f <= h.maturity_date <= la:
                out.append(Reason(customer.pk, code, h.product.name, h.maturity_date, f"holding:{h.pk}"))
        if kind == "credit_card" and h.payment_due_date and h.minimum_payment:
            f, la = span("card_repayment")
            if f <= h.payment_due_date <= la:
                out.append(Reason(customer.pk, "card_repayment", "还款", h.payment_due_date, f"holding:{h.pk}"))
        if kind == "loan" and h.overdue_days:
            out.append(Reason(customer.pk, "loan_overdue", "逾期", day, f"holding:{h.pk}"))
        nav = h.product.latest_nav
        if h.cost_price and nav and h.product.latest_nav_date < window_last:
            change = (nav - h.cost_price) / h.cost_price * 100
            if h.stop_loss_pct is not None and change <= -h.stop_loss_pct:
                out.append(Reason(customer.pk, "stop_loss", "止损", day, f"holding:{h.pk}"))
            if h.take_profit_pct is not None and change >= h.take_profit_pct:
                out.append(Reason(customer.pk, "take_profit", "止盈", day, f"holding:{h.pk}"))
    f, la = span("memo_due")
    for memo in Memo.objects.filter(customer=customer, status="open"):
        if f <= memo.due_date <= la:
            out.append(Reason(customer.pk, "memo_due", memo.text, memo.due_date, f"memo:{memo.pk}"))
    last_real = Interaction.objects.filter(real_contact_q(), customer=customer).order_by("-occurred_at").first()
    segment = CustomerSegment.objects.filter(customer=customer).first()
    if segment:
        if last_real is None:
            out.append(Reason(customer.pk, "cadence_due", "首次", day))
        elif last_real.occurred_at.date() + dt.timedelta(days=segment.frequency_days) <= window_last:
            out.append(Reason(customer.pk, "cadence_due", "定期",
                              last_real.occurred_at.date() + dt.timedelta(days=segment.frequency_days)))
    f, la = span("risk_assessment_expiry")
    if customer.risk_assessed_on and f <= customer.risk_assessed_on + dt.timedelta(days=365) <= la:
        out.append(Reason(customer.pk, "risk_assessment_expiry", "测评", customer.risk_assessed_on
                          + dt.timedelta(days=365)))
    return out


def naive_build(day: dt.date, limit: int | None) -> tuple[float, int, int]:
    """A per-customer loop over the ORM; returns (seconds, customers looked at, tasks written)."""
    from banyan.calendars.workdays import is_working_day
    from banyan.contacts.models import Interaction
    from banyan.customers.models import Customer
    from banyan.segments.models import CustomerSegment, SegmentPolicy
    from banyan.worklists.models import Task, TaskReason
    from banyan.worklists.planner import Facts, plan
    from banyan.worklists.services import planner_rules

    start = time.perf_counter()
    policy = SegmentPolicy.current()
    rules = planner_rules(policy)
    window_last = day + dt.timedelta(days=7)
    by_manager, facts = defaultdict(list), defaultdict(dict)
    customers = Customer.objects.filter(rm__isnull=False).order_by("pk")
    if limit:
        customers = customers[:limit]
    seen = 0
    for c in customers.iterator(chunk_size=2000):
        seen += 1
        reasons = naive_reasons(c, day, window_last, policy, rules.reason_rules)
        planned_before = set(TaskReason.objects.filter(customer_id=c.pk, task__date__lt=day)
                             .values_list("code", "due_date", "ref"))
        reasons = [r for r in reasons if (r.code, r.due, r.ref) not in planned_before]
        if not reasons:
            continue
        segment = CustomerSegment.objects.filter(customer=c).first()
        calls = Interaction.objects.filter(customer=c, channel="phone",
                                           occurred_at__date__gte=day.replace(day=1)).count()
        facts[c.rm_id][c.pk] = Facts(c.pk, c.rm_id, float(c.aum), segment.quadrant if segment else "low_low",
                                     bool(segment and segment.is_priority), c.preferred_channel,
                                     c.consent, c.do_not_disturb, calls)
        by_manager[c.rm_id] += reasons
    written = 0
    from banyan.org.models import Staff

    for manager_id, reasons in by_manager.items():
        capacity = Staff.objects.get(pk=manager_id).daily_capacity
        for p in plan(days=[day], reasons=reasons, facts=facts[manager_id], capacity=capacity,
                      is_working_day=is_working_day, rules=rules)[day]:
            task = Task.objects.create(manager_id=manager_id, date=day, customer_id=p.customer_id, rank=p.rank,
                                       priority=p.priority, suggested_channel=p.channel, rule_note=p.rule_note,
                                       status="suppressed" if p.suppressed else "open")
            for r in p.reasons:
                TaskReason.objects.create(task=task, customer_id=r.customer_id, code=r.code, detail=r.detail,
                                          due_date=r.due, ref=r.ref)
            written += 1
    return time.perf_counter() - start, seen, written


def clear(day: dt.date) -> None:
    from banyan.worklists.models import Task, WorklistDay

    Task.objects.filter(date=day).delete()
    WorklistDay.objects.filter(date=day).delete()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--holdings", type=int, default=1_000_000)
    parser.add_argument("--day", default=None, help="YYYY-MM-DD; default: the first working day after the build day")
    parser.add_argument("--naive-sample", type=int, default=0)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    use_bank(args.customers, args.db)
    ensure_bank(args.customers)
    top_up_holdings(args.holdings, seed=11)

    from django.db import transaction

    from banyan import clock
    from banyan.calendars.workdays import next_working_day
    from banyan.customers.models import Customer
    from banyan.holdings.models import Holding
    from banyan.org.models import BOOK_ROLES, Staff
    from banyan.worklists.models import Task
    from banyan.worklists.services import worklists_build

    day = dt.date.fromisoformat(args.day) if args.day else next_working_day(clock.today())
    customers, holdings = Customer.objects.count(), Holding.objects.count()
    managers = Staff.objects.filter(role__in=BOOK_ROLES).count()
    print(f"bank: {customers:,} customers, {holdings:,} holdings, {managers} managers; day {day}; {machine()}")

    with clock.frozen(day):
        clear(day)
        start = time.perf_counter()
        result = worklists_build(day=day)
        fast = time.perf_counter() - start
        engine_tasks = Task.objects.filter(date=day).count()
        print(f"engine (set-based):      {fast:8.1f} s   {result.tasks:,} tasks, {result.suppressed:,} left out")

        with transaction.atomic():
            clear(day)
            naive, seen, written = naive_build(day, args.naive_sample or None)
            transaction.set_rollback(True)  # leave the engine's lists in place
    scale = customers / seen if seen else 1
    naive_total = naive * scale
    label = "naive (per-customer ORM)" + (f", {seen:,} customers × {scale:.0f}" if scale > 1 else "")
    print(f"{label}: {naive_total:8.1f} s   {written:,} tasks" + ("" if scale > 1 else f" (engine: {engine_tasks:,})"))
    print(f"ratio: the engine is {naive_total / fast:.0f}× faster; targets ≥ 20× and < 60 s "
          f"({'met' if naive_total / fast >= 20 and fast < 60 else 'NOT met'})")


if __name__ == "__main__":
    main()
