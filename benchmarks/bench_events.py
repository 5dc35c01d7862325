"""Client events benchmark (issue 13, EVT-3/EVT-4): inviting a 20,000-customer target list, and the
review of a 5,000-guest event.

    .venv/bin/python benchmarks/bench_events.py --pg bank1m [--targets 20000] [--guests 5000] [--runs 3]
    .venv/bin/python benchmarks/bench_events.py [--customers 20000] [--targets 20000] [--guests 5000]

--pg DATABASE: the bank generated on the benchmarks' PostgreSQL by benchmarks/generate.py (1M
customers). Without it: the demo bank of N customers on SQLite under benchmarks/out/.

What is timed, in this process, through the services the pages and the API call:
  - invite: the branch head of the largest branch invites `targets` customers of the branch by
    phone (the contact rules of campaigns: do-not-disturb, consent, the monthly call cap, other
    campaigns; other events) and again by SMS (the outbox lines with each guest's RSVP link
    written in bulk) — seconds, each run in a transaction rolled back afterwards;
  - review: an event with `guests` invitations (two thirds accepted, half of those checked in with
    their attendance contact, a few opportunities) — selectors.review() in milliseconds, p50 and
    max over the runs (the rows are made once in a transaction rolled back at the end).
Nothing the benchmark writes stays in the bank.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from common import ensure_bank, machine, use_bank, use_pg


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--targets", type=int, default=20_000)
    parser.add_argument("--guests", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default=None)
    parser.add_argument("--pg", metavar="DATABASE")
    args = parser.parse_args()
    if args.pg:
        use_pg(args.pg, create=False)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    else:
        use_bank(args.customers, args.db)
        ensure_bank(args.customers)
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone

    from banyan import clock
    from banyan.contacts.models import Interaction
    from banyan.customers.models import Customer
    from banyan.events import selectors, services
    from banyan.events.models import Answer, Invitation
    from banyan.org.models import Role, Staff

    today = clock.today()
    branch = (Customer.objects.filter(rm__isnull=False).values("branch_id").annotate(n=Count("pk"))
              .order_by("-n").first())
    head = Staff.objects.filter(role=Role.BRANCH_HEAD, branch_id=branch["branch_id"], is_active=True).first()
    ids = list(Customer.objects.filter(branch_id=branch["branch_id"], rm__isnull=False).order_by("pk")
               .values_list("pk", flat=True)[: args.targets])
    print(f"{connection.vendor}, {Customer.objects.count():,} customers; branch {branch['branch_id']} "
          f"({branch['n']:,} customers), {len(ids):,} targets; {machine()}", flush=True)
    starts = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=10), dt.time(14, 30)))

    for channel in ("phone", "sms"):
        times, invited, left = [], 0, 0
        for _run in range(args.runs):
            try:
                with transaction.atomic():
                    event = services.event_create(actor=head, name="基准测试讲座", type="lecture", place="大堂",
                                                  starts_at=starts)
                    t = time.perf_counter()
                    got, excluded = services.invitations_send(actor=head, event=event, channel=channel,
                                                              customer_ids=ids, base_url="https://crm.example/")
                    times.append(time.perf_counter() - t)
                    invited, left = len(got), len(excluded)
                    raise _Rollback
            except _Rollback:
                pass
        print(f"invite {len(ids):,} by {channel}: {invited:,} invited, {left:,} left out by a rule — "
              f"median {statistics.median(times):.2f} s, max {max(times):.2f} s over {args.runs} runs", flush=True)

    try:
        with transaction.atomic():
            event = services.event_create(actor=head, name="基准测试沙龙", type="salon", place="大堂",
                                          starts_at=timezone.make_aware(dt.datetime.combine(today, dt.time(0, 5))),
                                          budget="50000")
            guests = ids[: args.guests]
            rms = dict(Customer.objects.filter(pk__in=guests).values_list("pk", "rm_id"))
            now = clock.now()
            rows = []
            for i, cid in enumerate(guests):
                accepted = i % 3 != 0
                rows.append(Invitation(event=event, customer_id=cid, manager_id=rms[cid], channel="phone",
                                       code=services.new_code(), answer=Answer.ACCEPTED if accepted else Answer.INVITED,
                                       answered_at=now if accepted else None,
                                       checked_in_at=now if accepted and i % 2 == 0 else None))
            Invitation.objects.bulk_create(rows, batch_size=2000)
            came = [r.customer_id for r in rows if r.checked_in_at]
            Interaction.objects.bulk_create([Interaction(customer_id=cid, staff_id=rms[cid], channel="event",
                                                         occurred_at=now, outcome="reached", purpose="care",
                                                         new_info="孩子明年出国" if k % 10 == 0 else "")
                                             for k, cid in enumerate(came)], batch_size=2000)
            times = []
            for _run in range(max(args.runs, 5)):
                t = time.perf_counter()
                figures = selectors.review(event)
                times.append((time.perf_counter() - t) * 1000)
            print(f"review of {len(guests):,} guests ({figures['attended']:,} came, {figures['new_info']:,} with "
                  f"new information): p50 {statistics.median(times):.0f} ms, max {max(times):.0f} ms "
                  f"over {len(times)} runs", flush=True)
            raise _Rollback
    except _Rollback:
        pass


if __name__ == "__main__":
    main()
