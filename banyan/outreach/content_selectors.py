"""Reads of the content library (OUT-7). A piece is seen by the staff of its branch (the bank's
own pieces by everyone); a plan by who made it, the branch head of its branch and the
administrator; who received a piece shows only the customers the reader may see (a manager: his
or her own), and that list is a bulk read, audited once."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from banyan import clock
from banyan.audit.services import audit_log
from banyan.customers.models import Customer
from banyan.customers.selectors import visible_customers
from banyan.org.models import Role
from banyan.outreach.content import fits, may_approve
from banyan.outreach.content_models import ContentDelivery, ContentPiece, ContentPlan, ContentStatus

MAX_ID = 2**31 - 1


def visible_pieces(user) -> QuerySet[ContentPiece]:
    qs = ContentPiece.objects.select_related("approved_by", "created_by", "branch")
    if user.role == Role.ADMIN:
        return qs
    return qs.filter(Q(branch__isnull=True) | Q(branch_id=user.branch_id))


def get_piece_for_user(user, piece_id) -> tuple[ContentPiece, bool]:
    """(piece, may approve it) or 404 when out of reach."""
    try:
        pk = int(piece_id)
        if not 0 < pk <= MAX_ID:
            raise ValueError
        piece = visible_pieces(user).get(pk=pk)
    except (ContentPiece.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such piece") from None
    return piece, may_approve(user, piece) and piece.status == ContentStatus.DRAFT


@dataclass(frozen=True)
class PieceFilters:
    kind: str = ""
    status: str = ""
    q: str = ""
    sendable: bool = False


def pieces_listed(user, filters: PieceFilters | None = None) -> QuerySet[ContentPiece]:
    """The library as the reader sees it, with how many customers received each piece (all of
    them: a number, not who)."""
    f = filters or PieceFilters()
    qs = visible_pieces(user)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status == "expired":
        qs = qs.filter(status=ContentStatus.APPROVED, valid_until__lt=clock.today())
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.sendable:
        qs = qs.filter(status=ContentStatus.APPROVED, valid_until__gte=clock.today())
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(interests__icontains=f.q) | Q(body__icontains=f.q))
    return qs.annotate(received=Count("deliveries")).order_by("-created_at", "-pk")


def recipients(user, piece: ContentPiece, *, audit: bool = True) -> tuple[int, list[ContentDelivery]]:
    """(how many received the piece in all, the deliveries to the customers the reader may see) —
    the list is audited as one bulk read."""
    total = ContentDelivery.objects.filter(piece=piece).count()
    rows = list(ContentDelivery.objects.filter(piece=piece, customer__in=visible_customers(user))
                .select_related("customer", "message", "sent_by").order_by("-at", "-pk")[:500])
    if audit and rows:
        audit_log(actor=user, action="content.recipients_read", obj=piece,
                  customer_ids=[d.customer_id for d in rows], after={"rows": len(rows)})
    return total, rows


def pieces_for_customer(customer: Customer, user) -> list[ContentPiece]:
    """What the manager could send this customer now: approved, still valid, fitting the
    customer's tags, and not received (any version)."""
    today = clock.today()
    received = ContentDelivery.objects.filter(customer=customer).values("lineage")
    segment = getattr(customer, "segment", None)
    return [p for p in visible_pieces(user).filter(status=ContentStatus.APPROVED, valid_until__gte=today)
            .exclude(lineage__in=received).order_by("-approved_at", "-pk")[:100]
            if fits(p, customer, quadrant=segment.quadrant if segment else "",
                    orientation=segment.orientation if segment else "")]


def received_by(customer: Customer) -> QuerySet[ContentDelivery]:
    return (ContentDelivery.objects.filter(customer=customer).select_related("piece", "message")
            .order_by("-at", "-pk"))


def has_received(customer: Customer, piece: ContentPiece) -> bool:
    return ContentDelivery.objects.filter(customer=customer, lineage=piece.lineage).exists()


def visible_plans(user) -> QuerySet[ContentPlan]:
    qs = ContentPlan.objects.select_related("created_by", "branch")
    if user.role == Role.ADMIN:
        return qs
    cond = Q(created_by=user)
    if user.role == Role.BRANCH_HEAD and user.branch_id:
        cond |= Q(branch_id=user.branch_id)
    return qs.filter(cond)


def get_plan_for_user(user, plan_id) -> ContentPlan:
    try:
        pk = int(plan_id)
        if not 0 < pk <= MAX_ID:
            raise ValueError
        return visible_plans(user).get(pk=pk)
    except (ContentPlan.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such plan") from None
