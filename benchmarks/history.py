"""Review history for a generated bank (issue 14): the daily worklists of the last full quarter
and of the current quarter so far, worked as a bank's managers work them.

    nice -n 10 .venv/bin/python benchmarks/history.py --database bank1m [--today 2026-12-03]
                                                      [--tasks 20] [--reasons 1.6] [--workers 2] [--seed 7]

The bank comes from benchmarks/generate.py (migrated first). Re-runnable: a run replaces what an
earlier one wrote — the worklists (WorklistDay, Task, TaskReason) of the days it covers, the
contacts those tasks were done with, the opportunities opened on those contacts and the sales
(holdings `HIST…`) — and the snapshots' book columns are only written where they differ, so that
a second run with the same seed and day leaves the same bank.

For each manager with a book (rm0001…, 2,000 at 1M) and each working day (banyan.calendars)
from the first day of the previous quarter to the day before `--today`:
- a WorklistDay and ~20 tasks (the manager's priority customers more often than the rest), each
  with one to three reasons (TaskReason, --reasons on average);
- ~85 % done with a contact (phone mostly, minutes on the phone, an outcome: reached, not reached,
  refused, interested, appointment, sold; new information on about a quarter of the answered
  calls), ~5 % skipped, some superseded, moved, left out by a contact rule, a few left open;
- an "interested" call opens a sales opportunity (need, product type, expected amount, follow-up
  date): about 30 % won within weeks — the sale a holding sold by the manager —, 20 % lost, the rest
  still open (some past their date); a call "sold" is a sale (holding) that day;
then the month-end AUM snapshots get their book (manager, branch), quadrant and completeness:
today's, except ~6 % of the customers whose quadrant moved at one of the month-ends (the asset
side flipped before that: moved up or down) and ~1 % handed over from another manager of the
branch at one of them; the file's completeness grows 0–2 points a month.

Rows go in with COPY (the tables' indexes kept: the bank is shared), from `--workers`
processes each taking every n-th manager. Last, the tables the review reads by date (snapshots,
tasks, contacts, account movements) are rewritten in date order (CLUSTER), as a bank that writes
them day by day has them: generated customer by customer and manager by manager, one month-end's
rows lay over the whole table (92,000 pages for a million snapshots instead of 12,500). Prints
the counts and the time of every stage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import queue
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import use_pg  # noqa: E402

MARK = "HIST"  # external_id prefix of the sales this script writes
FLUSH_MANAGERS = 25

# the day's outcomes of a task, and of a contact
STATUSES = (("done", 85), ("skipped", 5), ("superseded", 4), ("moved", 2), ("suppressed", 1), ("open", 3))
CHANNELS = (("phone", 82), ("wechat", 8), ("visit", 5), ("branch", 5))
OUTCOMES = (("reached", 60), ("not_reached", 18), ("interested", 8), ("appointment", 5), ("refused", 6),
            ("sold", 3))
REASONS = (("cadence_due", 45), ("deposit_maturity", 10), ("product_maturity", 8), ("birthday", 5),
           ("card_repayment", 5), ("memo_due", 5), ("follow_up", 5), ("nav_move", 4), ("large_inflow", 3),
           ("large_outflow", 2), ("opportunity_due", 3), ("risk_assessment_expiry", 2), ("festival", 3))
PURPOSE_OF = {"cadence_due": "care", "birthday": "care", "festival": "care", "deposit_maturity": "maturity",
              "product_maturity": "maturity", "opportunity_due": "product", "follow_up": "after_sales",
              "memo_due": "service", "card_repayment": "service", "risk_assessment_expiry": "info",
              "nav_move": "after_sales", "large_inflow": "product", "large_outflow": "care"}
DETAILS = {"cadence_due": "定期维护到期", "deposit_maturity": "定期存款即将到期",
           "product_maturity": "理财产品即将到期", "birthday": "客户生日", "card_repayment": "信用卡还款日",
           "memo_due": "服务备忘到期", "follow_up": "上次联系约定回访", "nav_move": "持有基金净值波动较大",
           "large_inflow": "账户大额转入", "large_outflow": "账户大额转出", "opportunity_due": "销售机会跟进到期",
           "risk_assessment_expiry": "风险测评即将到期", "festival": "节日问候"}
SUMMARIES = ("客户近况良好，已告知到期安排", "介绍了新发理财产品", "提醒客户关注账户变动", "节日问候，客户表示感谢",
             "客户有意向了解保险保障规划", "约定下周到网点面谈", "客户暂无资金需求", "解答了客户关于基金收益的疑问")
NEW_INFO = ("客户明年计划购房，首付约两百万", "客户孩子明年出国留学", "客户即将退休，关注养老规划",
            "客户在他行有一笔定期即将到期", "客户新换工作，收入提高", "客户家中老人需要医疗保障",
            "客户有一笔房产出售资金入账", "客户计划为孩子准备教育金", "客户配偶在本行尚未开户",
            "客户经营的公司有结算需求")
SKIPS = ("客户出差，改期联系", "客户要求暂不联系", "号码暂时无法接通，已发短信", "客户在外地")
NEEDS = {"time_deposit": "到期资金续存定期", "wealth": "稳健理财配置", "fund": "基金定投", "insurance": "保险保障规划",
         "bond": "国债认购", "precious_metal": "积存金"}
LOST = ("客户选择了他行产品", "收益预期不符", "客户资金另有用途", "客户家人不同意")
SALE_TYPES = (("time_deposit", 35), ("wealth", 30), ("fund", 15), ("insurance", 10), ("bond", 6), ("precious_metal", 4))
QUADRANT_FLIP = {"high_high": "low_high", "low_high": "high_high", "high_low": "low_low", "low_low": "high_low"}


def log(message: str) -> None:
    print(message, flush=True)


def _picker(weights):
    values = [v for v, _w in weights]
    cum, total = [], 0
    for _v, w in weights:
        total += w
        cum.append(total)
    return values, cum


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def history_days(today: dt.date) -> list[dt.date]:
    """The working days from the first day of the previous quarter to the day before `today`."""
    from banyan.calendars.workdays import working_days_between

    first = quarter_start(quarter_start(today) - dt.timedelta(days=1))
    return working_days_between(first, today - dt.timedelta(days=1))


# ------------------------------------------------------------------------------------------------
FUNDING = "bench_history_funding"


def remove_previous(cursor, first: dt.date, last: dt.date) -> dict[str, int]:
    """Delete what an earlier run wrote for [first, last] (FK triggers off: the order is right),
    the demand deposits that paid for its sales given back their money first and the AUM of the
    customers it sold to refreshed: the bank as it was before (the books' order, richest first,
    then the same on every run)."""
    done = {}
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {FUNDING} (deposit_id bigint, sale_id bigint, amount numeric(16, 2), "
                   "applied boolean NOT NULL DEFAULT false)")
    cursor.execute(f"""UPDATE holdings_holding d SET amount = d.amount + f.s, current_value = d.current_value + f.s
                       FROM (SELECT deposit_id, sum(amount) s FROM {FUNDING} WHERE applied GROUP BY 1) f
                       WHERE d.id = f.deposit_id""")
    done["deposits given back"] = cursor.rowcount
    cursor.execute(f"SELECT DISTINCT customer_id FROM holdings_holding WHERE external_id LIKE '{MARK}%%'")
    sold_to = [i for (i,) in cursor.fetchall()]
    cursor.execute(f"TRUNCATE {FUNDING}")
    steps = [
        ("opportunities", "DELETE FROM contacts_opportunity o USING worklists_task t "
                          "WHERE o.interaction_id = t.interaction_id AND t.date BETWEEN %s AND %s"),
        ("sales", f"DELETE FROM holdings_holding WHERE external_id LIKE '{MARK}%%'"),
        ("contacts", "DELETE FROM contacts_interaction i USING worklists_task t "
                     "WHERE t.interaction_id = i.id AND t.date BETWEEN %s AND %s"),
        ("reasons", "DELETE FROM worklists_taskreason r USING worklists_task t "
                    "WHERE r.task_id = t.id AND t.date BETWEEN %s AND %s"),
        ("tasks", "DELETE FROM worklists_task WHERE date BETWEEN %s AND %s"),
        ("worklist days", "DELETE FROM worklists_worklistday WHERE date BETWEEN %s AND %s"),
    ]
    for what, sql in steps:
        cursor.execute(sql, [first, last] if "%s" in sql else [])
        done[what] = cursor.rowcount
    from banyan.holdings.services import customers_refresh_aum

    done["AUM refreshed"] = customers_refresh_aum(customer_ids=sold_to) if sold_to else 0
    return done


def refresh_sold_to(cursor) -> int:
    """The AUM of the customers sold to (customers_refresh_aum's own UPDATE for them)."""
    from banyan.holdings.services import customers_refresh_aum

    cursor.execute(f"SELECT DISTINCT customer_id FROM holdings_holding WHERE external_id LIKE '{MARK}%%'")
    return customers_refresh_aum(customer_ids=[i for (i,) in cursor.fetchall()])


def load_books(cursor):
    """{manager: (branch, capacity, [customer ids, richest first])}, {customer: [aum, risk level,
    demand deposit id, its balance]}."""
    cursor.execute("SELECT id, branch_id, daily_capacity FROM org_staff WHERE role IN ('rm', 'planner') "
                   "AND is_active AND branch_id IS NOT NULL ORDER BY id")
    managers = {pk: (branch, capacity, []) for pk, branch, capacity in cursor.fetchall()}
    cursor.execute("SELECT id, rm_id, aum, risk_level FROM customers_customer WHERE rm_id IS NOT NULL "
                   "ORDER BY rm_id, aum DESC, id")
    facts = {}
    for pk, rm, aum, risk in cursor.fetchall():
        if rm in managers:
            managers[rm][2].append(pk)
            facts[pk] = [aum, risk, None, Decimal(0)]
    # the customer's largest active demand deposit: it pays for the sales (AUM unchanged by a sale
    # paid from it; the part it cannot pay is new money)
    cursor.execute("SELECT DISTINCT ON (h.customer_id) h.customer_id, h.id, h.amount FROM holdings_holding h "
                   "JOIN holdings_product p ON p.id = h.product_id WHERE p.type = 'demand_deposit' "
                   "AND h.status = 'active' ORDER BY h.customer_id, h.amount DESC, h.id")
    for cid, pk, amount in cursor.fetchall():
        if cid in facts:
            facts[cid][2:] = [pk, amount]
    return managers, facts


def load_products(cursor) -> dict[str, list[tuple[int, int | None, Decimal | None]]]:
    cursor.execute("SELECT id, type, term_days, latest_nav FROM holdings_product WHERE is_active AND NOT is_private "
                   "ORDER BY id")
    out: dict[str, list] = {}
    for pk, kind, term, nav in cursor.fetchall():
        out.setdefault(kind, []).append((pk, term, nav))
    return out


# ------------------------------------------------------------------------------------------------
# One worker: every n-th manager, all days, written with COPY.
def _ids(cursor, table: str, n: int) -> list[int]:
    if not n:
        return []
    cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [n])
    return [i for (i,) in cursor.fetchall()]


def _copy(cursor, sql: str, lines: list[str]) -> int:
    if lines:
        with cursor.copy(sql) as copy:
            copy.write("".join(lines))
    return len(lines)


def _at(day: dt.date, minute: int) -> str:
    return f"{day.isoformat()} {minute // 60:02d}:{minute % 60:02d}:00+08"


def worker_main(worker: int, workers: int, url: str, seed: int, days: list[dt.date], today: dt.date,
                per_day: int, reasons_mean: float, ctx: dict, out) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    from generate import Table, row_class

    from banyan.contacts.models import Opportunity
    from banyan.holdings.models import Holding

    managers, facts, products = ctx["managers"], ctx["facts"], ctx["products"]
    rng = random.Random(seed * 7919 + worker)
    statuses, status_cum = _picker(STATUSES)
    channels, channel_cum = _picker(CHANNELS)
    outcomes, outcome_cum = _picker(OUTCOMES)
    codes, code_cum = _picker(REASONS)
    kinds, kind_cum = _picker(SALE_TYPES)
    kinds = [k for k in kinds if k in products] or list(products)
    kind_cum = kind_cum[:len(kinds)]
    next_day = {d: n for d, n in zip(days, days[1:], strict=False)}
    last = days[-1]
    n_reason_choices = (1, 1, 1, 1, 1, 1, 2, 2, 2, 3) if reasons_mean < 1.8 else (1, 1, 2, 2, 2, 3, 3)
    holdings, opportunities = Table(Holding, keep_id=True), Table(Opportunity, keep_id=True)
    HoldingRow, OpportunityRow = row_class(Holding), row_class(Opportunity)  # noqa: N806
    counts = {"worklist days": 0, "tasks": 0, "reasons": 0, "contacts": 0, "opportunities": 0, "sales": 0}
    mine = [m for k, m in enumerate(sorted(managers)) if k % workers == worker]
    started = time.perf_counter()

    def sale(cid: int, seller: int, day: dt.date, kind: str, amount: Decimal, at_minute: int):
        pk, term, nav = rng.choice(products[kind])
        maturity = day + dt.timedelta(days=term) if term else None
        at = dt.datetime.combine(day, dt.time(at_minute // 60, at_minute % 60),
                                 tzinfo=dt.timezone(dt.timedelta(hours=8)))
        units = cost = None
        if nav and kind in ("fund", "wealth", "precious_metal"):
            cost, units = nav, (amount / nav).quantize(Decimal("0.0001"))
        return HoldingRow(customer_id=cid, product_id=pk, amount=amount, current_value=amount, purchase_date=day,
                          maturity_date=maturity, status="matured" if maturity and maturity < today else "active",
                          cost_price=cost, units=units, risk_level_at_sale=facts[cid][1] or "", sold_by_id=seller,
                          created_at=at, updated_at=at)

    def amount_for(cid: int) -> Decimal:
        aum = float(facts[cid][0] or 0)
        value = max(5_000.0, min(3_000_000.0, aum * rng.uniform(0.03, 0.2)))
        return Decimal(int(value / 1000) * 1000)

    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # no FK triggers while loading
        conn.execute("SET synchronous_commit = off")
        cursor = conn.cursor()
        for start in range(0, len(mine), FLUSH_MANAGERS):
            batch = mine[start:start + FLUSH_MANAGERS]
            tasks, contacts, sales, opps, wdays = [], [], [], [], []
            for manager in batch:
                _branch, capacity, book = managers[manager]
                if not book:
                    continue
                top = book[:max(1, len(book) // 5)]  # the richest fifth: priority customers, called more often
                rest = book[len(top):]
                for day in days:
                    wdays.append(f"{manager}\t{day}\t{_at(day, 7 * 60)}\t{capacity}\n")
                    n = min(per_day, len(book))
                    from_top = min(len(top), round(n * 0.4)) if rest else n
                    picked = rng.sample(top, min(from_top, len(top))) + rng.sample(rest, min(n - from_top, len(rest)))
                    rng.shuffle(picked)
                    for rank, cid in enumerate(picked, 1):
                        status = rng.choices(statuses, cum_weights=status_cum)[0]
                        minute = 9 * 60 + (rank - 1) * 24 + rng.randint(0, 15)
                        n_reasons = rng.choice(n_reason_choices)
                        task_codes = list(dict.fromkeys(rng.choices(codes, cum_weights=code_cum, k=n_reasons)))
                        contact = None
                        if status == "done":
                            channel = rng.choices(channels, cum_weights=channel_cum)[0]
                            outcome = rng.choices(outcomes, cum_weights=outcome_cum)[0]
                            if channel != "phone" and outcome == "not_reached":
                                outcome = "reached"
                            answered = outcome != "not_reached"
                            if channel == "phone":
                                minutes = rng.randint(2, 14) if answered else rng.randint(0, 1)
                            else:
                                minutes = 0
                            info = rng.choice(NEW_INFO) if answered and rng.random() < 0.25 else ""
                            contact = [cid, manager, channel, _at(day, minute), PURPOSE_OF[task_codes[0]],
                                       rng.choice(SUMMARIES) if answered else "", outcome, info, minutes]
                            contacts.append(contact)
                            if outcome == "sold":
                                sales.append((cid, manager, day, rng.choices(kinds, cum_weights=kind_cum)[0],
                                              amount_for(cid), minute, None))
                            elif outcome == "interested":
                                opps.append((cid, manager, day, minute, len(contacts) - 1))
                        tasks.append((manager, day, cid, rank, 100 - rank, status, len(contacts) - 1 if contact else
                                      None, minute, task_codes))
            # ids from the sequences (one query each), then the lines
            conn_ids = {t: _ids(cursor, t, n) for t, n in (
                ("worklists_task", len(tasks)), ("contacts_interaction", len(contacts)),
                ("contacts_opportunity", len(opps)))}
            contact_ids = conn_ids["contacts_interaction"]
            lines = []
            for k, (cid, manager, channel, at, purpose, summary, outcome, info, minutes) in enumerate(contacts):
                lines.append(f"{contact_ids[k]}\t{cid}\t{manager}\t{channel}\t{at}\t{purpose}\t{summary}\t{outcome}"
                             f"\t\t{info}\t\t\\N\t{minutes}\t{at}\n")
            counts["contacts"] += _copy(cursor, "COPY contacts_interaction (id, customer_id, staff_id, channel, "
                                                "occurred_at, purpose, summary, outcome, rejection_reason, new_info, "
                                                "next_step, next_contact_on, minutes, created_at) FROM STDIN", lines)
            task_lines, reason_lines = [], []
            for task_id, (manager, day, cid, rank, priority, status, contact, minute, task_codes) in zip(
                    conn_ids["worklists_task"], tasks, strict=True):
                interaction = contact_ids[contact] if contact is not None else "\\N"
                closed_at, closed_by, skip, moved_to = "\\N", "\\N", "", "\\N"
                if status in ("done", "skipped"):
                    closed_at, closed_by = _at(day, minute + 5), manager
                if status == "skipped":
                    skip = rng.choice(SKIPS)
                elif status == "moved":
                    moved_to = next_day.get(day, day + dt.timedelta(days=1))
                channel = "phone" if rng.random() < 0.9 else "wechat"
                task_lines.append(f"{task_id}\t{manager}\t{day}\t{cid}\t{rank}\t{priority}\t{channel}\t{status}"
                                  f"\t\t\t\t\t{interaction}\t{skip}\t{moved_to}\t{closed_at}\t{closed_by}\n")
                for code in task_codes:
                    due = day + dt.timedelta(days=0 if code == "cadence_due" else rng.randint(0, 7))
                    ref = "" if code in ("cadence_due", "birthday", "festival") else f"{code}:{cid}"
                    reason_lines.append(f"{task_id}\t{cid}\t{code}\t{DETAILS[code]}\t{due}\t{ref}\t\n")
            counts["tasks"] += _copy(cursor, "COPY worklists_task (id, manager_id, date, customer_id, rank, priority, "
                                             "suggested_channel, status, rule_code, rule_args, rule_note, "
                                             "talking_points, interaction_id, skip_reason, moved_to, closed_at, "
                                             "closed_by_id) FROM STDIN", task_lines)
            counts["reasons"] += _copy(cursor, "COPY worklists_taskreason (task_id, customer_id, code, detail, "
                                               "due_date, ref, args) FROM STDIN", reason_lines)
            counts["worklist days"] += _copy(cursor, "COPY worklists_worklistday (manager_id, date, built_at, "
                                                     "capacity) FROM STDIN", wdays)
            # opportunities: won ones become sales (their holding), lost ones close, the rest stay open
            opp_rows = []
            for opp_id, (cid, manager, day, minute, contact) in zip(conn_ids["contacts_opportunity"], opps,
                                                                     strict=True):
                kind = rng.choices(kinds, cum_weights=kind_cum)[0]
                amount = amount_for(cid)
                opened = dt.datetime.combine(day, dt.time(minute // 60, minute % 60),
                                             tzinfo=dt.timezone(dt.timedelta(hours=8)))
                row = OpportunityRow(id=opp_id, customer_id=cid, owner_id=manager, created_by_id=manager, source="call",
                                     interaction_id=contact_ids[contact], need=NEEDS.get(kind, "资产配置"),
                                     product_type=kind, expected_amount=amount, stage="open",
                                     due_date=day + dt.timedelta(days=rng.randint(3, 30)), opened_at=opened)
                fate = rng.random()
                later = day + dt.timedelta(days=rng.randint(2, 30))
                if fate < 0.5 and later <= last:
                    row.contacted_at = opened + dt.timedelta(days=1)
                    if fate < 0.3:
                        row.proposed_at = opened + dt.timedelta(days=(later - day).days // 2 or 1)
                        row.stage, row.won_at = "won", opened + dt.timedelta(days=(later - day).days, hours=1)
                        sales.append((cid, manager, later, kind, amount, minute + 60, row))
                    else:
                        row.stage, row.lost_at = "lost", opened + dt.timedelta(days=(later - day).days)
                        row.lost_reason = rng.choice(LOST)
                elif fate < 0.75:
                    row.stage, row.contacted_at = "contacted", opened + dt.timedelta(days=1)
                elif fate < 0.85:
                    row.stage, row.contacted_at = "proposed", opened + dt.timedelta(days=1)
                    row.proposed_at = opened + dt.timedelta(days=2)
                opp_rows.append(row)
            sale_ids = _ids(cursor, "holdings_holding", len(sales))
            funding = []
            for sale_id, (cid, manager, day, kind, amount, minute, opp) in zip(sale_ids, sales, strict=True):
                f = facts[cid]
                paid = min(amount, f[3])
                if paid > 0:
                    f[3] -= paid
                    funding.append(f"{f[2]}\t{sale_id}\t{paid}\n")
                h = sale(cid, manager, day, kind, amount, min(minute, 17 * 60 + 30))
                h.id, h.external_id = sale_id, f"{MARK}{sale_id}"
                holdings.add(h, None)
                if opp is not None:
                    opp.holding_id = sale_id
            counts["sales"] += holdings.flush(cursor)
            _copy(cursor, f"COPY {FUNDING} (deposit_id, sale_id, amount) FROM STDIN", funding)
            for row in opp_rows:
                opportunities.add(row, None)
            counts["opportunities"] += opportunities.flush(cursor)
            conn.commit()
            done = start + len(batch)
            if done % (FLUSH_MANAGERS * 8) == 0 or done == len(mine):
                log(f"    worker {worker}: {done:,} / {len(mine):,} managers, {counts['tasks']:,} tasks "
                    f"({time.perf_counter() - started:.0f} s)")
    out.put(counts)


# ------------------------------------------------------------------------------------------------
def snapshots_book(cursor, managers: dict, seed: int) -> tuple[int, dict[str, int]]:
    """Fill the month-end snapshots' manager, branch, quadrant and completeness (only where they
    differ: a rerun writes nothing). ~6 % of customers moved quadrant at one of the month-ends and
    ~1 % were handed over from another manager of the branch at one of them (decided by their id
    and the seed: the same on every run)."""
    by_branch: dict[int, list[int]] = {}
    for pk, (branch, _capacity, _book) in managers.items():
        by_branch.setdefault(branch, []).append(pk)
    cursor.execute("SELECT DISTINCT date FROM holdings_aumsnapshot ORDER BY date")
    dates = [d for (d,) in cursor.fetchall()]
    if not dates:
        return 0, {}
    cursor.execute("DROP TABLE IF EXISTS history_handover")
    cursor.execute("CREATE UNLOGGED TABLE history_handover (customer_id bigint PRIMARY KEY, old_rm bigint, "
                   "months smallint)")
    handed = []
    for pk, (branch, _capacity, book) in sorted(managers.items()):
        others = [m for m in by_branch[branch] if m != pk]
        for cid in book:
            if others and (cid * 2654435761 + seed) % 100 == 0:  # by the id alone: the same on every run
                handed.append(f"{cid}\t{others[(cid * 131 + seed) % len(others)]}"
                              f"\t{(cid * 17 + seed) % (len(dates) - 1)}\n")
    with cursor.copy("COPY history_handover FROM STDIN") as copy:
        copy.write("".join(handed))
    last_month = dates[-1].year * 12 + dates[-1].month
    written = 0
    # months back from the last month-end; a customer with mover hash < 60 ‰ moved at `(id·k) % 11` months back
    for day in dates:
        back = last_month - (day.year * 12 + day.month)
        cursor.execute(f"""
            UPDATE holdings_aumsnapshot s SET rm_id = n.rm_id, branch_id = n.branch_id, quadrant = n.quadrant,
                   completeness = n.completeness
            FROM (SELECT c.id,
                         CASE WHEN h.months < {back} THEN h.old_rm ELSE c.rm_id END AS rm_id,
                         c.branch_id,
                         CASE WHEN g.quadrant IS NULL THEN ''
                              WHEN (c.id * 40503 + {seed}) %% 1000 < 60 AND (c.id * 7919) %% 11 < {back}
                              THEN CASE g.quadrant WHEN 'high_high' THEN 'low_high' WHEN 'low_high' THEN 'high_high'
                                                   WHEN 'high_low' THEN 'low_low' ELSE 'high_low' END
                              ELSE g.quadrant END AS quadrant,
                         GREATEST(0, c.completeness - {back} * ((c.id * 31 + {seed}) %% 3))::smallint AS completeness
                  FROM customers_customer c
                  LEFT JOIN segments_customersegment g ON g.customer_id = c.id
                  LEFT JOIN history_handover h ON h.customer_id = c.id) n
            WHERE s.customer_id = n.id AND s.date = %s
              AND (s.rm_id IS DISTINCT FROM n.rm_id OR s.branch_id IS DISTINCT FROM n.branch_id
                   OR s.quadrant IS DISTINCT FROM n.quadrant OR s.completeness IS DISTINCT FROM n.completeness)""",
                       [day])
        written += cursor.rowcount
        log(f"    snapshots of {day}: {cursor.rowcount:,} rows written")
    cursor.execute("DROP TABLE history_handover")
    return written, {"handed over": len(handed)}


#: Tables the review reads by date, in the order a bank writes them: day by day (the nightly
#: snapshot of every customer, the day's lists and contacts, the daily feed of movements).
#: generate.py and this script write customer by customer and manager by manager, which
#: spreads one month-end's or one quarter's rows over the whole table.
TIME_ORDER = [("holdings_aumsnapshot", "date", "date, customer_id"),
              ("worklists_task", "date", "date, manager_id, id"),
              ("contacts_interaction", "occurred_at", "occurred_at, id"),
              ("holdings_transaction", "occurred_on", "occurred_on, id")]


def cluster_by_time(cursor, stage) -> None:
    """Rewrite each table of TIME_ORDER in its time order (CLUSTER on a temporary index), unless
    it is in that order already (the planner's correlation of the column ≥ 0.9): the bank's
    tables then lie as they would after months of daily writes."""
    cursor.execute("SET maintenance_work_mem = '1GB'")
    for table, column, order in TIME_ORDER:
        cursor.execute("SELECT correlation FROM pg_stats WHERE schemaname = current_schema() AND tablename = %s "
                       "AND attname = %s", [table, column])
        row = cursor.fetchone()
        if row and row[0] is not None and row[0] >= 0.9:
            stage(f"{table}: in {column} order already (correlation {row[0]:.2f})")
            continue
        cursor.execute("DROP INDEX IF EXISTS bench_time_order")
        cursor.execute(f"CREATE INDEX bench_time_order ON {table} ({order})")
        cursor.execute(f"CLUSTER {table} USING bench_time_order")
        cursor.execute("DROP INDEX bench_time_order")
        cursor.execute(f"ANALYZE {table}")
        was = f"{row[0]:.2f}" if row and row[0] is not None else "unknown"
        stage(f"{table}: rewritten in {column} order (correlation was {was})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="bank1m")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                        help="the bank's today (default: clock.today()); history up to the day before")
    parser.add_argument("--tasks", type=int, default=20, help="tasks a manager's list holds a day")
    parser.add_argument("--reasons", type=float, default=1.6, help="reasons per task on average (1.6 or 2.1)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-snapshots", action="store_true")
    parser.add_argument("--cluster-only", action="store_true",
                        help="only rewrite the tables the review reads by date in time order (see TIME_ORDER)")
    args = parser.parse_args()

    use_pg(args.database, create=False)
    from django.core.management import call_command
    from django.db import connection, connections

    from banyan import clock
    from banyan.worklists.services import holiday_overrides_load

    t0 = time.perf_counter()
    last_t = [t0]

    def stage(what: str) -> None:
        now = time.perf_counter()
        log(f"  {what:<78} {now - last_t[0]:7.1f} s  (total {now - t0:6.1f} s)")
        last_t[0] = now

    call_command("migrate", verbosity=0)
    if args.cluster_only:
        with connection.cursor() as cursor:
            cluster_by_time(cursor, stage)
        return
    holiday_overrides_load()
    today = args.today or clock.today()
    days = history_days(today)
    log(f"history of {args.database} as of {today}: {len(days)} working days, {days[0]} … {days[-1]}; "
        f"load average {os.getloadavg()[0]:.1f}")
    stage("migrated")

    from generate import conninfo

    url = conninfo()
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        removed = remove_previous(cursor, days[0], days[-1])
    with connection.cursor() as cursor:
        managers, facts = load_books(cursor)
        products = load_products(cursor)
    stage("removed an earlier run's rows: " + ", ".join(f"{v:,} {k}" for k, v in removed.items()))
    log(f"    {len(managers):,} managers, {len(facts):,} customers in their books")

    connections.close_all()
    ctx = {"managers": managers, "facts": facts, "products": products}
    fork = multiprocessing.get_context("fork")
    out = fork.Queue()
    procs = [fork.Process(target=worker_main, args=(w, args.workers, url, args.seed, days, today, args.tasks,
                                                    args.reasons, ctx, out)) for w in range(args.workers)]
    for proc in procs:
        proc.start()
    counts: dict[str, int] = {}
    reported = 0
    while reported < len(procs):
        try:
            part = out.get(timeout=5)
        except queue.Empty:
            if any(proc.exitcode for proc in procs):
                for proc in procs:
                    proc.kill()
                sys.exit("a worker failed")
            continue
        reported += 1
        for key, value in part.items():
            counts[key] = counts.get(key, 0) + value
    for proc in procs:
        proc.join()
        if proc.exitcode:
            sys.exit(f"a worker failed (exit code {proc.exitcode})")
    stage("COPY: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"""UPDATE holdings_holding d SET amount = d.amount - f.s, current_value = d.current_value - f.s
                           FROM (SELECT deposit_id, sum(amount) s FROM {FUNDING} GROUP BY 1) f
                           WHERE d.id = f.deposit_id""")
        debited = cursor.rowcount
        cursor.execute(f"SELECT coalesce(sum(amount), 0) FROM {FUNDING}")
        paid = cursor.fetchone()[0]
        cursor.execute(f"UPDATE {FUNDING} SET applied = true")
        cursor.execute(f"SELECT coalesce(sum(amount), 0) FROM holdings_holding WHERE external_id LIKE '{MARK}%%'")
        sold = cursor.fetchone()[0]
        refreshed = refresh_sold_to(cursor)
    stage(f"sales of {sold:,.0f} paid {paid:,.0f} from {debited:,} demand deposits (the rest new money); "
          f"customers_refresh_aum() of {refreshed:,} customers")

    if not args.skip_snapshots:
        with connection.cursor() as cursor:
            written, extra = snapshots_book(cursor.cursor, managers, args.seed)
        stage(f"snapshots' book, quadrant, completeness: {written:,} rows written "
              f"({extra.get('handed over', 0):,} customers handed over at a month-end)")

    with connection.cursor() as cursor:
        for table in ("worklists_task", "worklists_taskreason", "worklists_worklistday", "contacts_interaction",
                      "contacts_opportunity", "holdings_holding", "holdings_aumsnapshot", "customers_customer"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    stage("VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cluster_by_time(cursor, stage)

    from banyan.audit.services import audit_log

    audit_log(actor=None, action="bench.history_generated",
              detail=f"seed {args.seed}, as of {today}, {days[0]} … {days[-1]}", after=counts)
    log(f"history written in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    os.environ.setdefault("BANYAN_BENCH", "1")
    main()
