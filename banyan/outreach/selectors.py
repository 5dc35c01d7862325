"""Reads of campaigns, through the visibility gate: a campaign is seen by whoever created it, by
the managers with customers on its list, and by the branch head of its branch; its call list
shows only the customers the caller may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from banyan.customers.selectors import visible_customers
from banyan.org.models import Role
from banyan.outreach.models import CallEntry, Campaign, Exclusion


def visible_campaigns(user) -> QuerySet[Campaign]:
    qs = Campaign.objects.all()
    if user.role == Role.ADMIN:
        return qs
    cond = Q(created_by=user) | Q(entries__manager=user)
    if user.role == Role.BRANCH_HEAD and user.branch_id:
        cond |= Q(branch_id=user.branch_id)
    if user.role == Role.ASSISTANT and user.manager_id:
        cond |= Q(entries__manager_id=user.manager_id)
    return qs.filter(cond).distinct()


def get_campaign_for_user(user, campaign_id) -> Campaign:
    try:
        return visible_campaigns(user).get(pk=int(campaign_id))
    except (Campaign.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such campaign") from None


def call_list(user, campaign: Campaign) -> QuerySet[CallEntry]:
    return (campaign.entries.filter(customer__in=visible_customers(user)).select_related("customer")
            .order_by("status", "-customer__aum", "pk"))


def exclusions(user, campaign: Campaign) -> QuerySet[Exclusion]:
    return campaign.exclusions.filter(customer__in=visible_customers(user)).select_related("customer")


def entry_for_user(user, campaign: Campaign, customer_id) -> CallEntry:
    try:
        return call_list(user, campaign).get(customer_id=int(customer_id))
    except (CallEntry.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("Not on this call list") from None


def call_target(manager) -> tuple[int, int]:
    """(calls, minutes) a day for the manager: their own target, the bank's default, or 20 / 120."""
    from banyan.outreach.models import CallTarget

    rows = {t.manager_id: t for t in CallTarget.objects.filter(Q(manager=manager) | Q(manager__isnull=True))}
    target = rows.get(manager.pk) or rows.get(None)
    return (target.calls_per_day, target.minutes_per_day) if target else (20, 120)


def calling_progress(managers, first, last) -> dict[int, dict]:
    """Per manager and day in [first, last]: phone call records and minutes on the phone — every
    phone contact counts, from a campaign, the worklist or the file's quick log. One grouped query."""
    from django.db.models import Count, Sum
    from django.db.models.functions import TruncDate

    from banyan.contacts.models import Interaction

    ids = [m.pk for m in managers]
    progress: dict[int, dict] = {pk: {} for pk in ids}
    rows = (Interaction.objects.filter(staff_id__in=ids, channel="phone", occurred_at__date__gte=first,
                                       occurred_at__date__lte=last)
            .annotate(day=TruncDate("occurred_at")).values("staff_id", "day")
            .annotate(n=Count("pk"), m=Sum("minutes")))
    for row in rows:
        progress[row["staff_id"]][row["day"]] = {"calls": row["n"], "minutes": row["m"] or 0}
    return progress


def visible_funnel(user, campaign: Campaign) -> dict[str, int]:
    """The campaign's funnel over the entries the user may see (a manager: their own customers;
    a branch head: the branch's) — listed → called → reached → interested → appointment →
    visited → sold, in one query."""
    from banyan.outreach.services import funnel

    return funnel(campaign, entries=campaign.entries.filter(customer__in=visible_customers(user)))
