"""The demo's capacity plan (issue 16 §8, seed 001: 10 a day → 300 a month) and agreed contact
frequencies (§5, seed 003): some of 李华's customers have agreed to a call every week, so that her
cadence demands more contacts a month than she can make — the branch head's capacity page shows
her over 100 % and proposes moving customers to colleagues with room.

Run after the review's history (planned on the books as they were) and before today's lists (which
then call those customers weekly)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from banyan.customers.models import Customer
from banyan.org.models import Branch, Staff
from banyan.segments.models import Quadrant, SegmentPolicy
from banyan.staffing.capacity import capacity, per_month

#: 李华's load this month in the demo, about 120 %.
TARGET_LOAD = Decimal("1.2")
WEEKLY = 7


def make_capacity_example(today: dt.date) -> str:
    branch = Branch.objects.filter(code="001").first()
    lihua = Staff.objects.filter(username="lihua", branch=branch).first()
    if branch is None or lihua is None:
        return "capacity: no 李华 in 城东支行"
    row = capacity(branch, manager_id=lihua.pk, today=today).managers[0]
    gain = per_month(WEEKLY) - per_month(SegmentPolicy.current().frequency_days(Quadrant.LOW_LOW))
    wanted = max(0, math.ceil((row.capacity * TARGET_LOAD - row.needed) / gain))
    pool = (Customer.objects.filter(rm=lihua, segment__quadrant=Quadrant.LOW_LOW, segment__is_priority=False,
                                    agreed_contact_days__isnull=True, contact_maturities_only=False,
                                    consent_phone=True, do_not_disturb=False)
            .order_by("-aum", "pk").values_list("pk", flat=True)[:wanted])
    agreed = Customer.objects.filter(pk__in=list(pool)).update(agreed_contact_days=WEEKLY)
    after = capacity(branch, manager_id=lihua.pk, today=today).managers[0]
    return (f"capacity: {agreed} of 李华's customers agreed to a weekly call — {after.needed:.0f} contacts needed "
            f"this month for {after.capacity} she can make, load {after.load:.0%}")
