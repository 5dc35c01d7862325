"""The demo's gifts (issue 16 §6): a catalogue, every branch's budgets, gifts on visits this month
and last, one above the limit waiting for 城东's branch head — alive on the spend page."""

from __future__ import annotations

import datetime as dt

from banyan import clock
from banyan.demo.gifts import CATALOGUE, make_gifts
from banyan.gifts.models import Gift, GiftBudget, GiftItem, GiftStatus

TODAY = dt.date(2026, 11, 23)


def test_the_demo_gives_gifts_on_visits_with_one_waiting_for_approval(bank, make_customer):
    for i in range(10):
        for rm in (bank.rm_a, bank.rm_b, bank.rm_c):
            make_customer(rm, name=f"顾{i}")
    with clock.frozen(TODAY):
        line = make_gifts(2026, TODAY)
        assert "one waiting for approval" in line, line
        assert GiftItem.objects.count() == len(CATALOGUE)
        assert GiftBudget.objects.filter(branch=bank.b1).count() == 5
        gifts = list(Gift.objects.select_related("interaction"))
        assert len(gifts) == 3 * 4 + 2
        assert all(g.interaction is not None and g.interaction.channel == "visit" for g in gifts)
        months = {g.given_on.replace(day=1) for g in gifts}
        assert months == {dt.date(2026, 10, 1), dt.date(2026, 11, 1)} and max(g.given_on for g in gifts) < TODAY
        waiting = [g for g in gifts if g.status == GiftStatus.PENDING]
        assert len(waiting) == 1 and waiting[0].given_by == bank.rm_a
        assert make_gifts(2026, TODAY).startswith("gifts: none")  # once
