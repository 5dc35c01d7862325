"""The demo bank's staffing by tier (issue 16 §7; SEG-4, seed 002's 合适的人员): each branch's senior
manager is also its private banker (the private-banking tier's customers go to him or her), so the
branch head's 分层配置人员 page opens on a branch mostly staffed as the tiers say, with the customers
a real branch has out of place: private-banking and priority customers kept by a manager who is
not senior (the demo gives a third of them to the other managers, as books grow by referral), and
minor customers of the senior manager that no assistant serves.

Deterministic: it reads the books the builder made; nothing is moved (the branch head does that
on the page, through the hand-over)."""

from __future__ import annotations

import datetime as dt

from banyan.org.models import Branch, Role, Staff
from banyan.staffing.tiers import tier_counts


def make_tiers_example(today: dt.date) -> str:
    """Flag the private bankers; return the line the builder logs (out of place per branch)."""
    bankers = Staff.objects.filter(role=Role.RM, is_senior=True, is_active=True, branch__isnull=False)
    names = list(bankers.order_by("branch__code").values_list("full_name", flat=True))
    bankers.update(is_private_banker=True)
    found = []
    for branch in Branch.objects.order_by("code"):
        head = Staff.objects.filter(role=Role.BRANCH_HEAD, branch=branch, is_active=True).first()
        if head is not None:
            found.append(f"{branch.code} {tier_counts(head, branch).out_of_place}")
    return f"tiers: private bankers {'、'.join(names) or 'none'}; out of place {', '.join(found)}"
