"""The seeds' own stories walked through the worklist engine (issue 3, "Must show")."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from banyan import clock
from banyan.contacts.models import Interaction, Memo, MemoStatus
from banyan.contacts.services import interaction_log, memo_create
from banyan.customers.identity import make_resident_id
from banyan.customers.models import Customer
from banyan.holdings.services import holding_create, nav_record
from banyan.segments.services import segments_recompute
from banyan.worklists.models import Task, TaskStatus, WorklistDay
from banyan.worklists.planner import rule_words
from banyan.worklists.services import task_complete, task_move, task_skip, worklist_preview, worklists_build

MON, TUE, WED = dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 25)


def build(day, manager):
    with clock.frozen(day):
        worklists_build(day=day, manager_ids=[manager.pk])
    return {t.customer_id: t for t in Task.objects.filter(manager=manager, date=day).prefetch_related("reasons")}


def codes(task):
    return sorted(r.code for r in task.reasons.all())


def said(task, day):
    """What the manager is given to say on `day` (the opening, a paragraph per topic, the closing)."""
    from banyan.worklists.talking import task_talk

    with clock.frozen(day):
        return task_talk(task).script


def reached(customer):
    """Spoken to a week before: not a stranger, who would hear the introduction first and no offer
    (issue 16 §9, test_familiar_before_selling.py)."""
    from banyan.customers.models import Customer

    Customer.objects.filter(pk=customer.pk).update(last_contact_at=dt.datetime(2026, 11, 16, 2, tzinfo=dt.UTC))


def born(day, male=True, seq=1):
    return make_resident_id("330106", day, seq * 2 + (1 if male else 0))


def test_a_birthday_read_from_the_id_card_comes_up_on_its_day(bank, make_customer):
    customer = make_customer(bank.rm_a, name="王建国", id_number=born(dt.date(1966, 11, 25)))
    reached(customer)
    assert bank.rm_a.pk and customer.birthday_mmdd == 1125
    assert customer.pk not in build(TUE, bank.rm_a)
    task = build(WED, bank.rm_a)[customer.pk]
    assert codes(task) == ["birthday"]
    assert "60 岁" in task.reasons.get().detail
    assert said(task, WED)[:2] == ["王先生您好，我是榕树银行的客户经理张敏，现在跟您说几句方便吗？",
                                   "今天是您的60岁生日，我代表银行祝您生日快乐、身体健康！"]


def test_a_lunar_birthday_comes_up_on_this_years_lunar_date(bank, make_customer):
    # Born 1980-09-23 = 农历八月十五 (中秋); in 2026 that is 2026-09-25.
    customer = make_customer(bank.rm_a, name="李秀英", male=False, id_number=born(dt.date(1980, 9, 23), male=False),
                             lunar_birthday=True)
    tasks = build(dt.date(2026, 9, 25), bank.rm_a)
    assert "农历八月十五" in tasks[customer.pk].reasons.get(code="birthday").detail


def test_a_deposit_maturing_at_month_end_comes_up_before_it_matures(bank, make_customer):
    customer = make_customer(bank.rm_a, name="张伟")
    holding_create(actor=bank.rm_a, customer=customer, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-11-30", maturity_date="2026-11-30")
    seen = None
    for offset in range(8):
        day = MON + dt.timedelta(days=offset)
        task = build(day, bank.rm_a).get(customer.pk)
        if task:
            seen = (day, codes(task), task.reasons.get().detail)
            break
    assert seen is not None and seen[0] < dt.date(2026, 11, 30)
    assert seen[1] == ["deposit_maturity"] and "11月30日到期" in seen[2]


def test_a_fund_falling_through_the_customers_stop_loss_comes_up_the_next_day(bank, make_customer):
    customer = make_customer(bank.rm_a, name="刘洋")
    fund = bank.products.fund
    nav_record(actor=bank.admin, product=fund, date="2026-06-01", nav="1.0000")
    holding_create(actor=bank.rm_a, customer=customer, product=fund, amount="200000", cost_price="1.0000",
                   purchase_date="2026-06-01", stop_loss_pct="10", take_profit_pct="20")
    nav_record(actor=bank.admin, product=fund, date="2026-11-23", nav="0.8800")  # -12% after the close
    assert customer.pk not in build(MON, bank.rm_a)
    task = build(TUE, bank.rm_a)[customer.pk]
    assert "stop_loss" in codes(task)
    assert "止损线 10%" in task.reasons.get(code="stop_loss").detail
    # Once told, not told again the next day.
    build(WED, bank.rm_a)
    assert not Task.objects.filter(date=WED, customer=customer, reasons__code="stop_loss").exists()


def test_two_reasons_on_one_day_make_one_task_with_both(bank, make_customer):
    customer = make_customer(bank.rm_a, name="陈静", male=False, id_number=born(dt.date(1975, 11, 25), male=False))
    holding_create(actor=bank.rm_a, customer=customer, product=bank.products.deposit, amount="500000",
                   purchase_date="2023-11-25", maturity_date="2026-11-25")
    for day in (MON, TUE, WED):
        build(day, bank.rm_a)
    tasks = Task.objects.filter(customer=customer)
    assert tasks.count() == 1
    assert codes(tasks.get()) == ["birthday", "deposit_maturity"]


def test_a_rich_customer_called_three_times_this_month_is_not_offered_a_fourth_call(bank, make_customer):
    only_phone = make_customer(bank.rm_a, name="赵强", consent_phone=True, consent_wechat=False, consent_sms=False)
    with_wechat = make_customer(bank.rm_a, name="孙丽", male=False, consent_phone=True, consent_wechat=True)
    for customer in (only_phone, with_wechat):
        holding_create(actor=bank.rm_a, customer=customer, product=bank.products.deposit, amount="250000",
                       purchase_date="2025-01-01")
        for day in (3, 10, 17):
            interaction_log(actor=bank.rm_a, customer=customer, channel="phone", occurred_at=f"2026-11-{day:02d}T10:00")
        Customer.objects.filter(pk=customer.pk).update(last_contact_at=None)  # cadence due
    segments_recompute()
    tasks = Task.objects.filter(date=MON)
    build(MON, bank.rm_a)
    suppressed = tasks.get(customer=only_phone)
    assert suppressed.status == TaskStatus.SUPPRESSED and suppressed.rule_code == "monthly_call_cap"
    assert "本月已致电 3 次" in rule_words(suppressed.rule_code, suppressed.rule_args)
    switched = tasks.get(customer=with_wechat)
    assert switched.status == TaskStatus.OPEN and switched.suggested_channel == "wechat"
    assert "改用微信" in rule_words(switched.rule_code, switched.rule_args)


def test_do_not_disturb_and_no_consent_are_honoured(bank, make_customer):
    quiet = make_customer(bank.rm_a, name="周敏", do_not_disturb=True, id_number=born(dt.date(1980, 11, 23)))
    no_consent = make_customer(bank.rm_a, name="吴刚", consent_phone=False,
                               id_number=born(dt.date(1981, 11, 23), seq=2))
    tasks = build(MON, bank.rm_a)
    assert tasks[quiet.pk].status == TaskStatus.SUPPRESSED and tasks[quiet.pk].rule_code == "do_not_disturb"
    assert tasks[no_consent.pk].status == TaskStatus.SUPPRESSED and tasks[no_consent.pk].rule_code == "no_consent"


def test_capacity_holds_cadence_but_never_postpones_a_dated_reason(bank, make_customer):
    bank.rm_a.daily_capacity = 20
    bank.rm_a.save()
    birthdays = [make_customer(bank.rm_a, name=f"林{i}", id_number=born(dt.date(1970 + i, 11, 24), seq=i)).pk
                 for i in range(1, 24)]
    cadence = [make_customer(bank.rm_a, name=f"黄{i}").pk for i in range(40)]
    segments_recompute()
    monday = build(MON, bank.rm_a)
    assert len([t for t in monday.values() if t.status == TaskStatus.OPEN]) == 20  # cadence fills Monday
    tuesday = build(TUE, bank.rm_a)
    assert set(birthdays) <= set(tuesday)  # 23 birthdays on their day, over capacity: never postponed
    assert not (set(tuesday) & set(cadence))  # and no cadence on top of them
    seen = set()
    for offset in range(2, 7):
        day = MON + dt.timedelta(days=offset)
        planned = build(day, bank.rm_a)
        cadence_today = [cid for cid in planned if cid in cadence]
        assert len(cadence_today) <= 20
        seen |= set(cadence_today)
    seen |= set(monday)
    assert set(cadence) <= seen  # spread over the coming working days, none lost


def test_a_build_is_stable_and_a_second_build_changes_nothing(bank, make_customer):
    make_customer(bank.rm_a, id_number=born(dt.date(1990, 11, 23)))
    build(MON, bank.rm_a)
    before = list(Task.objects.values_list("pk", "customer_id", "rank"))
    build(MON, bank.rm_a)
    assert list(Task.objects.values_list("pk", "customer_id", "rank")) == before
    assert WorklistDay.objects.filter(manager=bank.rm_a, date=MON).count() == 1


def test_completing_a_task_records_the_contact_and_closes_the_memo(bank, make_customer):
    customer = make_customer(bank.rm_a, name="郑华")
    memo = memo_create(actor=bank.rm_a, customer=customer, text="客户想了解贵金属", due_date=MON)
    task = build(MON, bank.rm_a)[customer.pk]
    assert codes(task) == ["memo_due"]
    task_complete(actor=bank.rm_a, task=task, outcome="interested", summary="约周五来网点看金条")
    interaction = Interaction.objects.get(customer=customer)
    assert interaction.summary == "约周五来网点看金条" and interaction.channel == "phone"
    assert Memo.objects.get(pk=memo.pk).status == MemoStatus.DONE
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE
    with pytest.raises(ValidationError):
        task_complete(actor=bank.rm_a, task=Task.objects.get(pk=task.pk))


def _maturing(bank, make_customer, name="张伟"):
    customer = make_customer(bank.rm_a, name=name)
    holding_create(actor=bank.rm_a, customer=customer, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-11-30", maturity_date="2026-11-30")
    return customer


def test_an_unanswered_call_comes_back_on_the_next_lists_three_calls_in_all(bank, make_customer):
    customer = _maturing(bank, make_customer)
    memo_create(actor=bank.rm_a, customer=customer, text="提醒客户带身份证", due_date=MON)
    thursday = dt.date(2026, 11, 26)
    for day in (MON, TUE, WED):
        task = build(day, bank.rm_a)[customer.pk]
        assert codes(task) == ["deposit_maturity", "memo_due"], day
        with clock.frozen(day):
            task_complete(actor=bank.rm_a, task=task, outcome="not_reached")
    assert Memo.objects.get(customer=customer).status == MemoStatus.OPEN  # nobody told the customer
    assert customer.pk not in build(thursday, bank.rm_a)  # three calls: the manager decides what next
    assert Interaction.objects.filter(customer=customer, outcome="not_reached").count() == 3


def test_an_answered_call_does_not_come_back(bank, make_customer):
    customer = _maturing(bank, make_customer)
    with clock.frozen(MON):
        task_complete(actor=bank.rm_a, task=build(MON, bank.rm_a)[customer.pk], outcome="reached")
    assert customer.pk not in build(TUE, bank.rm_a)


def test_a_task_left_open_is_carried_into_the_customers_next_task_with_its_reasons(bank, make_customer):
    customer = _maturing(bank, make_customer)
    reached(customer)
    monday = build(MON, bank.rm_a)[customer.pk]  # not called on Monday
    memo_create(actor=bank.rm_a, customer=customer, text="客户想了解贵金属", due_date=TUE)
    tuesday = build(TUE, bank.rm_a)[customer.pk]
    assert codes(tuesday) == ["deposit_maturity", "memo_due"]
    # the maturity leads (the weightier reason), its product named although it came from Monday's task
    script = said(tuesday, TUE)
    assert script[1].startswith("提醒您一下，您的三年期整存整取11月30日到期。")
    assert script[2].startswith("另外，上次您跟我提到的事情")  # the memo itself is the manager's, not read out
    assert Task.objects.get(pk=monday.pk).status == TaskStatus.SUPERSEDED
    with clock.frozen(TUE):
        task_complete(actor=bank.rm_a, task=tuesday, outcome="reached", summary="转存三年期")
    assert Interaction.objects.get(customer=customer).purpose == "maturity"
    assert customer.pk not in build(WED, bank.rm_a)


def test_without_a_broker_the_days_first_list_refreshes_segments_older_than_the_day(bank, make_customer):
    from banyan.segments.models import CustomerSegment
    from banyan.worklists.tasks import worklist_day

    make_customer(bank.rm_a, name="何平")
    with clock.frozen(MON):
        segments_recompute()  # Monday's segments
    newcomer = make_customer(bank.rm_a, name="韩梅")  # opened on Tuesday morning: no segment yet
    assert not CustomerSegment.objects.filter(customer=newcomer).exists()
    with clock.frozen(TUE):
        kind, tasks = worklist_day(manager=bank.rm_a, day=TUE)
    assert kind == "stored" and CustomerSegment.objects.filter(customer=newcomer).exists()
    assert newcomer.pk in {t.customer_id for t in tasks}  # a first contact is due


def test_a_dated_task_cannot_be_moved_past_its_date_but_cadence_can(bank, make_customer):
    birthday = make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 23)))
    other = make_customer(bank.rm_a, name="何平")
    segments_recompute()
    tasks = build(MON, bank.rm_a)
    with pytest.raises(ValidationError):
        task_move(actor=bank.rm_a, task=tasks[birthday.pk], to=dt.date(2026, 12, 1))
    task_move(actor=bank.rm_a, task=tasks[other.pk], to=WED)
    assert Task.objects.get(date=WED, customer=other).status == TaskStatus.OPEN
    task_skip(actor=bank.rm_a, task=tasks[birthday.pk], reason="客户出国")
    assert Task.objects.get(pk=tasks[birthday.pk].pk).skip_reason == "客户出国"


def test_the_preview_spreads_the_coming_week_without_storing_it(bank, make_customer):
    for i in range(30):
        make_customer(bank.rm_a, name=f"邓{i}")
    bank.rm_a.daily_capacity = 10
    bank.rm_a.save()
    segments_recompute()
    preview = worklist_preview(manager=bank.rm_a, first=MON, days=7)
    per_day = [len([p for p in preview[d] if not p.suppressed]) for d in sorted(preview)]
    assert max(per_day) <= 10 and sum(per_day) == 30
    assert per_day[5] == per_day[6] == 0  # Saturday and Sunday: no cadence calls
    assert not Task.objects.exists()


def test_a_large_outflow_and_an_overdue_loan_come_up(bank, make_customer):
    from banyan.holdings.models import Transaction

    customer = make_customer(bank.rm_a, name="曹操")
    Transaction.objects.create(customer=customer, external_id="T1", occurred_on=MON - dt.timedelta(days=1),
                               amount=Decimal("-180000"), counterparty="他行")
    loan = holding_create(actor=bank.rm_a, customer=customer, product=bank.products.loan, amount="400000",
                          purchase_date="2020-01-01", maturity_date="2040-01-01")
    loan.overdue_days = 5
    loan.save()
    task = build(MON, bank.rm_a)[customer.pk]
    assert codes(task) == ["large_outflow", "loan_overdue"]


def test_take_profit_and_stop_loss_use_the_customers_own_percentages_exactly(bank, make_customer):
    fund = bank.products.fund
    nav_record(actor=bank.admin, product=fund, date="2026-06-01", nav="1.0000")
    near = make_customer(bank.rm_a, name="甲")
    holding_create(actor=bank.rm_a, customer=near, product=fund, amount="100000", cost_price="1.0000",
                   purchase_date="2026-06-01", stop_loss_pct="10", take_profit_pct="15")

    def limits(day):
        task = build(day, bank.rm_a).get(near.pk)
        return [c for c in codes(task) if c in ("take_profit", "stop_loss")] if task else []

    nav_record(actor=bank.admin, product=fund, date="2026-11-20", nav="1.0850")  # +8.5%: below 15%
    assert limits(MON) == []
    nav_record(actor=bank.admin, product=fund, date="2026-11-23", nav="0.9500")  # -5%: above -10%
    assert limits(TUE) == []
    nav_record(actor=bank.admin, product=fund, date="2026-11-24", nav="1.1500")  # +15%: exactly the target
    assert limits(WED) == ["take_profit"]


def test_a_task_moved_onto_a_day_not_built_yet_takes_that_days_new_reasons(bank, make_customer):
    customer = make_customer(bank.rm_a, name="钱芳")
    segments_recompute()
    task = build(MON, bank.rm_a)[customer.pk]
    task_move(actor=bank.rm_a, task=task, to=WED)
    memo_create(actor=bank.rm_a, customer=customer, text="带孩子来办留学汇款", due_date=WED)
    wednesday = build(WED, bank.rm_a)
    assert Task.objects.filter(date=WED, customer=customer).count() == 1
    assert codes(wednesday[customer.pk]) == ["cadence_due", "memo_due"]


def test_a_bank_wide_build_written_in_bulk_keeps_every_reason_on_its_managers_task(bank, make_customer, monkeypatch):
    from banyan.worklists import services

    monkeypatch.setattr(services, "COPY_FROM_ROWS", 0)  # PostgreSQL: COPY even for a handful of tasks
    mine = make_customer(bank.rm_a, name="卫东", id_number=born(dt.date(1976, 11, 23)))
    holding_create(actor=bank.rm_a, customer=mine, product=bank.products.deposit, amount="200000",
                   purchase_date="2023-11-23", maturity_date="2026-11-23")
    theirs = make_customer(bank.rm_c, name="卫南", id_number=born(dt.date(1981, 11, 23), seq=3))
    reached(mine)
    with clock.frozen(MON):
        result = worklists_build(day=MON)
    assert result.tasks == 2
    task = Task.objects.get(date=MON, customer=mine)
    assert task.manager == bank.rm_a and codes(task) == ["birthday", "deposit_maturity"]
    assert said(task, MON)[1:3] == ["今天是您的50岁生日，我代表银行祝您生日快乐、身体健康！",
                                    "另外，提醒您一下，您的三年期整存整取今天到期。到期后是继续转存，还是看看其他稳健的安排？"
                                    "我可以先帮您做个对比。"]  # the facts kept through the bulk write
    other = Task.objects.get(date=MON, customer=theirs)
    assert other.manager == bank.rm_c and codes(other) == ["birthday"]
    # The ids drawn for the bulk write are the table's own: a task made afterwards does not collide.
    task_move(actor=bank.rm_a, task=task, to=WED)
    moved = Task.objects.get(date=WED, customer=mine)
    assert codes(moved) == ["birthday", "deposit_maturity"]
    assert "您的三年期整存整取前天到期" in said(moved, WED)[2]  # and through a move


def test_a_customer_without_a_manager_is_on_nobodys_list_in_a_bank_wide_build(bank, make_customer):
    orphan = make_customer(bank.rm_a, name="孤客", id_number=born(dt.date(1970, 11, 23), seq=4))
    holding_create(actor=bank.rm_a, customer=orphan, product=bank.products.deposit, amount="100000",
                   purchase_date="2025-11-23", maturity_date="2026-11-23")
    memo_create(actor=bank.rm_a, customer=orphan, text="回访", due_date=MON)
    Customer.objects.filter(pk=orphan.pk).update(rm=None)
    kept = make_customer(bank.rm_b, name="留客", id_number=born(dt.date(1971, 11, 23), seq=5))
    with clock.frozen(MON):
        worklists_build(day=MON)
    assert not Task.objects.filter(customer=orphan).exists()
    assert Task.objects.get(customer=kept).manager == bank.rm_b


def test_a_wedding_anniversary_and_a_fifth_account_anniversary_come_up_but_not_a_fourth(bank, make_customer):
    married = make_customer(bank.rm_a, name="白鹭", wedding_anniversary=dt.date(1996, 11, 25))
    fifth = make_customer(bank.rm_a, name="白云", account_opened_on=dt.date(2021, 11, 25))
    fourth = make_customer(bank.rm_a, name="白雪", account_opened_on=dt.date(2022, 11, 25))
    tasks = build(WED, bank.rm_a)
    assert "结婚纪念日（30 周年）" in tasks[married.pk].reasons.get(code="anniversary").detail
    assert "开户纪念日（5 周年）" in tasks[fifth.pk].reasons.get(code="anniversary").detail
    assert fourth.pk not in tasks or "anniversary" not in codes(tasks[fourth.pk])



def test_the_triggers_that_build_reasons_as_plain_tuples_give_every_field(bank, make_customer):
    """cadence, maturities and card repayments make their hundreds of thousands of reasons with
    tuple.__new__ and every field in order (half the named tuple's cost): a field added to Reason
    must be added there too, or their reasons would lack it."""
    from banyan.holdings.services import product_create
    from banyan.segments.models import SegmentPolicy
    from banyan.worklists.services import planner_rules
    from banyan.worklists.triggers import Reason, Window, cadence, card_repayments, maturities

    customer = make_customer(bank.rm_a, name="张伟")
    Customer.objects.filter(pk=customer.pk).update(agreed_contact_days=30)  # never contacted: cadence
    holding_create(actor=bank.rm_a, customer=customer, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-11-30", maturity_date="2026-11-30")
    card = product_create(actor=None, code="CC01", name="白金信用卡", type="credit_card", risk_level="R1")
    holding_create(actor=bank.rm_a, customer=customer, product=card, amount="0", purchase_date="2024-01-01",
                   payment_due_date="2026-11-24", minimum_payment="1280.00")
    policy = SegmentPolicy.current()
    window = Window(first=MON, last=MON + dt.timedelta(days=14), rules=planner_rules(policy).reason_rules,
                    policy=policy, manager_ids=None)
    with clock.frozen(MON):
        for trigger in (cadence, maturities, card_repayments):
            (reason,) = trigger(window)
            assert type(reason) is Reason and len(reason) == len(Reason._fields), trigger.__name__
            assert reason.customer_id == customer.pk and reason.staff_id is None
