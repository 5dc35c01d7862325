"""Referrals and hand-offs (SVC-2): reads. A referral is seen by who sent it, who received it,
the head of its branch and an administrator — nobody else (404, as for a referral that does not
exist). A hand-off does not widen `visible_customers`: the receiver of an accepted, open referral
reads that one customer's brief through `handoff_customer_for_user`, audited, and nothing more."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from banyan.org.models import Role
from banyan.service.models import OPEN_REFERRAL_STATUSES, Referral, ReferralStatus

S = ReferralStatus


def visible_referrals(user) -> QuerySet[Referral]:
    qs = Referral.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.role == Role.ADMIN:
        return qs
    if user.role == Role.AUDITOR:
        return qs.none()
    mine = Q(sender_id=user.pk) | Q(receiver_id=user.pk)
    if user.role == Role.BRANCH_HEAD:
        return qs.filter(branch_id=user.branch_id) if user.branch_id else qs.filter(mine)
    return qs.filter(mine)


def get_referral_for_user(user, referral_id) -> tuple[Referral, bool]:
    """The referral and whether the caller answers it (the receiver); Http404 when out of reach."""
    try:
        referral = (visible_referrals(user)
                    .select_related("customer", "referrer_customer", "sender", "receiver", "branch")
                    .get(pk=int(referral_id)))
    except (Referral.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such referral") from None
    return referral, referral.receiver_id == user.pk


def _related(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    return qs.select_related("customer", "referrer_customer", "sender", "receiver")


def referrals_sent(user, *, status: str | None = None) -> QuerySet[Referral]:
    qs = _related(Referral.objects.filter(sender_id=user.pk))
    return qs.filter(status=status) if status else qs


def referrals_received(user, *, status: str | None = None) -> QuerySet[Referral]:
    qs = _related(Referral.objects.filter(receiver_id=user.pk))
    return qs.filter(status=status) if status else qs


def referrals_of_customer(user, customer) -> QuerySet[Referral]:
    """The referrals about a customer (referred or referring) the caller may see: the file's card."""
    return _related(visible_referrals(user).filter(Q(customer=customer) | Q(referrer_customer=customer)))


def handoff_customer_for_user(user, referral_id):
    """(referral, customer) for the receiver of an accepted, open referral — the one customer a
    hand-off lets a colleague read; Http404 otherwise (declined, timed out, closed, or not theirs)."""
    referral, answers = get_referral_for_user(user, referral_id)
    if not answers or referral.status != S.ACCEPTED:
        raise Http404("No such referral")
    return referral, referral.customer


def pending_count(user) -> int:
    return Referral.objects.filter(receiver_id=user.pk, status=S.PENDING).count()


# ------------------------------------------------------------------ the branch head's board


@dataclass
class BoardRow:
    name: str
    sent: int = 0
    converted: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return self.converted / self.sent if self.sent else None


@dataclass
class Board:
    first: dt.date
    last: dt.date
    total: int
    converted: int
    open: int
    declined: int
    referrers: list[BoardRow]  # customers who referred
    staff: list[BoardRow]  # staff: passed on (sent) and converted, received and converted

    @property
    def rate(self) -> float | None:
        return self.converted / self.total if self.total else None


def _span(first: dt.date, last: dt.date) -> Q:
    return Q(created_at__date__gte=first, created_at__date__lte=last)


def referral_board(base: QuerySet[Referral], *, first: dt.date, last: dt.date, top: int = 20) -> Board:
    """Who refers and who converts, for referrals sent in [first, last]: counts and conversion
    rates for the referring customers and for the staff (as sender and as receiver). Four
    aggregate queries, whatever the number of referrals."""
    qs = base.filter(_span(first, last))
    totals = qs.aggregate(total=Count("pk"), converted=Count("pk", filter=Q(converted_at__isnull=False)),
                          open=Count("pk", filter=Q(status__in=OPEN_REFERRAL_STATUSES)),
                          declined=Count("pk", filter=Q(status__in=[S.DECLINED, S.TIMED_OUT])))
    referrers = [BoardRow(name=r["referrer_customer__name"], sent=r["n"], converted=r["conv"],
                          extra={"customer_id": r["referrer_customer_id"],
                                 "manager": (r["referrer_customer__rm__full_name"]
                                             or r["referrer_customer__rm__username"] or "")})
                 for r in qs.filter(referrer_customer__isnull=False)
                 .values("referrer_customer_id", "referrer_customer__name", "referrer_customer__rm__full_name",
                         "referrer_customer__rm__username")
                 .annotate(n=Count("pk"), conv=Count("pk", filter=Q(converted_at__isnull=False)))
                 .order_by("-conv", "-n", "referrer_customer__name")[:top]]
    staff: dict[int, BoardRow] = {}
    for r in (qs.values("sender_id", "sender__full_name", "sender__username")
              .annotate(n=Count("pk"), conv=Count("pk", filter=Q(converted_at__isnull=False)))):
        staff[r["sender_id"]] = BoardRow(name=r["sender__full_name"] or r["sender__username"], sent=r["n"],
                                         converted=r["conv"], extra={"received": 0, "accepted": 0, "won": 0})
    for r in (qs.values("receiver_id", "receiver__full_name", "receiver__username")
              .annotate(n=Count("pk"), acc=Count("pk", filter=Q(status__in=[S.ACCEPTED, S.WON, S.LOST])),
                        conv=Count("pk", filter=Q(converted_at__isnull=False)))):
        row = staff.setdefault(r["receiver_id"], BoardRow(name=r["receiver__full_name"] or r["receiver__username"],
                                                          extra={}))
        row.extra.update(received=r["n"], accepted=r["acc"], won=r["conv"])
    for row in staff.values():
        received = row.extra.get("received", 0)
        row.extra["received_rate"] = row.extra.get("won", 0) / received if received else None
        row.extra.setdefault("received", 0)
        row.extra.setdefault("accepted", 0)
        row.extra.setdefault("won", 0)
    ranked = sorted(staff.values(), key=lambda r: (-(r.converted + r.extra["won"]), -r.sent, r.name))
    return Board(first=first, last=last, total=totals["total"], converted=totals["converted"], open=totals["open"],
                 declined=totals["declined"], referrers=referrers, staff=ranked)


def top_referrers(base: QuerySet[Referral], *, first: dt.date, last: dt.date, top: int = 10) -> list[BoardRow]:
    return referral_board(base, first=first, last=last, top=top).referrers
