"""A staff member moves to another branch (banyan staff move): the days before count in the old
branch (a posting), the book is handed over first, and the move is audited."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from banyan.audit.models import AuditEvent
from banyan.customers.models import Customer
from banyan.holdings.services import aum_snapshot_take
from banyan.org.models import StaffPosting
from banyan.org.services import staff_move


def test_a_manager_with_a_book_hands_it_over_before_moving(bank, make_customer):
    make_customer(bank.rm_b, name="孙三")
    with pytest.raises(ValidationError) as refused:
        staff_move(actor=bank.admin, staff=bank.rm_b, branch=bank.b2, on=dt.date(2026, 12, 1))
    assert "请先移交" in str(refused.value)  # Chinese first
    assert not StaffPosting.objects.exists()


def test_moves_are_postings_one_after_the_other(bank):
    mover = bank.rm_b
    staff_move(actor=bank.admin, staff=mover, branch=bank.b2, on=dt.date(2026, 11, 1))
    mover.refresh_from_db()
    assert mover.branch == bank.b2
    first = StaffPosting.objects.get(staff=mover)
    assert (first.branch, first.since, first.until) == (bank.b1, None, dt.date(2026, 10, 31))
    with pytest.raises(ValidationError):  # not on or before the day after the last move
        staff_move(actor=bank.admin, staff=mover, branch=bank.b1, on=dt.date(2026, 11, 1))
    with pytest.raises(ValidationError):  # already there
        staff_move(actor=bank.admin, staff=mover, branch=bank.b2, on=dt.date(2026, 12, 1))
    staff_move(actor=bank.admin, staff=mover, branch=bank.b1, on=dt.date(2026, 12, 1))
    second = StaffPosting.objects.filter(staff=mover).order_by("until").last()
    assert (second.branch, second.since, second.until) == (bank.b2, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    event = AuditEvent.objects.filter(action="staff.moved").order_by("-pk").first()
    assert event.after == {"branch": "B01", "on": "2026-12-01"}


def test_the_command_moves_and_names_what_is_wrong(bank):
    out = io.StringIO()
    call_command("staff", "move", "lihua", "--branch", "B02", "--on", "2026-12-01", stdout=out)
    assert "lihua" in out.getvalue()
    with pytest.raises(CommandError, match="No branch"):
        call_command("staff", "move", "lihua", "--branch", "B99")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("staff", "move", "wangfang", "--branch", "B01", "--on", "1.12.2026")


def test_a_snapshot_keeps_the_book_of_the_day(bank, make_customer):
    customer = make_customer(bank.rm_a, name="钱一")
    aum_snapshot_take(day=dt.date(2026, 10, 31))
    snapshot = customer.aum_snapshots.get()
    assert (snapshot.rm_id, snapshot.branch_id) == (bank.rm_a.pk, bank.b1.pk)
    Customer.objects.filter(pk=customer.pk).update(rm=bank.rm_b)
    snapshot.refresh_from_db()
    assert snapshot.rm_id == bank.rm_a.pk  # the book of that day, not today's
