"""The lobby's walk-in desk (大堂经理, issue 16 §1, seed 003): reads and writes.

The lobby manager meets customers of the whole branch, most of them in somebody else's book. The
desk therefore looks up **any customer of the caller's branch** — by name, pinyin, mobile or ID
tail, the customer search's own matching (customers.selectors.search_customer_ids_in) — but shows
only a **limited card**: the surname and title (王先生), the segment and the priority flag, the
customer's manager and today's open worklist reasons (a deposit maturing today: "your manager is
expecting you"). Never the ID number, the mobile, holdings, AUM or history: the full file, the API
customer and every other customer endpoint still answer 404 to the lobby for customers outside its
own book (`visible_customers` is not widened). Every look-up is one audit event (a bulk read,
via `lobby` / `api_lobby`) with what was typed and the customers shown.

Who may use the desk: the branch's lobby managers and its staff (rm, planner, assistant, branch
head) — the people who meet a walk-in; an administrator uses it for the branch he or she belongs
to (an administrator without a branch has no desk). An auditor has none.

A walk-in need becomes a referral (`referral_create`, kind walk_in) credited to the caller: to the
customer's manager — on that manager's worklist with reason `referral` — or, for a prospect (or a
customer nobody keeps), to a financial planner of the branch. `referral_create` only lets staff who
keep a book receive (rm, planner), so when the branch has no planner the prospect goes to the
branch's relationship manager with the fewest open referrals, not to the branch head (who keeps no
book, so the prospect would land on no worklist). A double submit writes one referral: the
caller's row is locked while the same open walk-in (customer or prospect's mobile, same need) is
looked for, and the second gets Conflict (409)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _

from banyan import clock
from banyan.customers import identity
from banyan.customers.models import Customer
from banyan.customers.selectors import search_customer_ids_in
from banyan.customers.services import customers_listed
from banyan.org.models import BOOK_ROLES, Role, Staff
from banyan.service.models import OPEN_REFERRAL_STATUSES, Referral, ReferralKind
from banyan.service.referral_services import referral_create
from banyan.transitions import Conflict
from banyan.wealth.report import customer_title

#: Who has the desk: the lobby and the branch's staff who meet walk-ins (an admin: his own branch).
DESK_ROLES = (Role.LOBBY, Role.RM, Role.PLANNER, Role.ASSISTANT, Role.BRANCH_HEAD, Role.ADMIN)
#: The limited card, and nothing else of the customer.
CARD_KEYS = ("customer_id", "display_name", "segment", "is_priority", "rm", "open_reasons")
#: A look-up needs at least this many characters (a surname alone finds half the branch) — or a
#: 4-digit tail of a mobile or an ID number.
MIN_QUERY = 2
TAIL_DIGITS = 4
#: The desk shows at most this many cards (type more to narrow).
LOOKUP_LIMIT = 20


def has_desk(user) -> bool:
    return (getattr(user, "is_authenticated", False) and user.is_active and user.role in DESK_ROLES
            and user.branch_id is not None)


def desk_or_404(user) -> None:
    if not has_desk(user):
        raise Http404("No walk-in desk here")


def branch_customers(user):
    """Every customer of the caller's branch — for the limited card and the walk-in only."""
    if not has_desk(user):
        return Customer.objects.none()
    return Customer.objects.filter(branch_id=user.branch_id)


def lobby_customer_or_404(user, customer_id: Any) -> Customer:
    """A customer of the caller's branch (for a walk-in need), or 404 — as for one that does not
    exist (another branch's customer is indistinguishable from none)."""
    try:
        return branch_customers(user).select_related("rm").get(pk=int(customer_id))
    except (Customer.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such customer") from None


def query_problem(q: str) -> str:
    """Why a look-up is refused ('' when it is fine): empty, one character, or fewer than four digits."""
    q = "".join((q or "").split())
    if not q:
        return _("Type a name, its pinyin, or the last 4 digits of the mobile or ID number.")
    if q.isdigit() and len(q) < TAIL_DIGITS:
        return _("Type at least the last 4 digits of the mobile or ID number.")
    if len(q) < MIN_QUERY:
        return _("Type at least 2 characters (a surname alone finds too many).")
    return ""


#: The reasons the lobby may see on a card: occasions to greet and service to offer at the door
#: (a maturing deposit, a birthday, a meeting booked). An overdue loan, a card repayment, a
#: complaint or a stop-loss tell of the customer's money or history: the manager's, not the lobby's.
LOBBY_REASONS = ("birthday", "festival", "anniversary", "deposit_maturity", "product_maturity", "appointment",
                 "new_customer", "risk_assessment_expiry", "wanted_product", "event_invitation", "event_follow_up",
                 "referral", "referral_thanks", "cadence_due", "memo_due", "follow_up")


def _open_reasons(ids: list[int]) -> dict[int, list[str]]:
    """Today's open worklist reasons of these customers that the lobby may see, as codes (one query)."""
    from banyan.worklists.models import TaskReason, TaskStatus

    out: dict[int, list[str]] = {}
    rows = (TaskReason.objects.filter(task__customer_id__in=ids, task__date=clock.today(),
                                      task__status=TaskStatus.OPEN, code__in=LOBBY_REASONS)
            .order_by("task__customer_id", "id").values_list("task__customer_id", "code"))
    for cid, code in rows:
        codes = out.setdefault(cid, [])
        if code not in codes:
            codes.append(code)
    return out


def lobby_cards(user, ids: list[int]) -> list[dict[str, Any]]:
    """The limited cards of these customers of the caller's branch, in the order given (two queries
    and the reasons' one)."""
    if not ids:
        return []
    rows = {r["pk"]: r for r in branch_customers(user).filter(pk__in=ids).values(
        "pk", "name", "gender", "rm__full_name", "rm__username", "segment__quadrant", "segment__is_priority")}
    reasons = _open_reasons(list(rows))
    cards = []
    for pk in ids:
        r = rows.get(pk)
        if r is None:
            continue
        cards.append({
            "customer_id": pk,
            "display_name": customer_title(r["name"], r["gender"]),
            "segment": r["segment__quadrant"] or None,
            "is_priority": bool(r["segment__is_priority"]),
            "rm": (r["rm__full_name"] or r["rm__username"]) or None,
            "open_reasons": reasons.get(pk, []),
        })
    return cards


def lobby_lookup(*, actor, q: str, via: str = "lobby", limit: int = LOOKUP_LIMIT) -> list[dict[str, Any]]:
    """Look a walk-in up in the caller's branch: the limited cards, best match first; the look-up
    is written to the audit log once (what was typed, the customers shown — none found too). A
    query too short: ValidationError at `q`, nothing looked up."""
    desk_or_404(actor)
    problem = query_problem(q)
    if problem:
        raise ValidationError({"q": [problem]})
    q = "".join(q.split())[:100]
    ids = search_customer_ids_in(branch_customers(actor), q, limit=limit)
    cards = lobby_cards(actor, ids)
    customers_listed(actor=actor, customer_ids=[c["customer_id"] for c in cards], via=via, params={"q": q})
    return cards


# ------------------------------------------------------------------ walk-in needs


def _least_busy(branch_id: int, role: str) -> Staff | None:
    return (Staff.objects.filter(branch_id=branch_id, role=role, is_active=True)
            .annotate(open_referrals=Count("referrals_received",
                                           filter=Q(referrals_received__status__in=OPEN_REFERRAL_STATUSES)))
            .order_by("open_referrals", "-is_senior", "username").first())


def walk_in_receiver(*, branch_id: int, customer: Customer | None = None) -> Staff | None:
    """Who takes a walk-in need: the customer's own manager (active, keeping a book, of the
    branch); else — a prospect, or a customer nobody keeps — the branch's planner with the fewest
    open referrals; else its relationship manager with the fewest. None: nobody keeps a book there."""
    if customer is not None and customer.rm_id:
        rm = customer.rm
        if rm.is_active and rm.role in BOOK_ROLES and rm.branch_id == branch_id:
            return rm
    return _least_busy(branch_id, Role.PLANNER) or _least_busy(branch_id, Role.RM)


@transaction.atomic
def walk_in_log(*, actor, need: str, customer: Customer | None = None, prospect: dict[str, Any] | None = None,
                product_type: str = "") -> Referral:
    """Log a walk-in's need: a referral (kind walk_in) from the caller to whoever takes it (see
    `walk_in_receiver`), on that manager's worklist as `referral`. `customer` was resolved by
    `lobby_customer_or_404` (the caller's branch). Refused, naming the field, with nothing
    written: what `referral_create` refuses (need, product type, the prospect's name, mobile and
    consent), a customer of another branch, a branch where nobody keeps a book. The same walk-in
    logged already by the caller and still open: Conflict (a double submit writes once)."""
    desk_or_404(actor)
    if customer is not None and customer.branch_id != actor.branch_id:
        raise Http404("No such customer")
    # one walk-in at a time per caller: the double submit waits here, then finds the first
    Staff.objects.select_for_update().filter(pk=actor.pk).exists()
    need = (need or "").strip()
    mine = Referral.objects.filter(kind=ReferralKind.WALK_IN, sender_id=actor.pk, need=need,
                                   status__in=OPEN_REFERRAL_STATUSES)
    if customer is not None and need and mine.filter(customer=customer).exists():
        raise Conflict(_("This need was logged already: %(r)s has it.") % {
            "r": mine.filter(customer=customer).first().receiver.display_name})
    if prospect is not None and need:
        try:
            mobile = identity.validate_mobile(str(prospect.get("mobile") or ""))
        except ValidationError:
            mobile = ""
        if mobile and mine.filter(prospect=True, customer__mobile=mobile).exists():
            raise Conflict(_("This visitor's need was logged already: %(r)s has it.") % {
                "r": mine.filter(prospect=True, customer__mobile=mobile).first().receiver.display_name})
    receiver = walk_in_receiver(branch_id=actor.branch_id, customer=customer)
    if receiver is None:
        raise ValidationError({"customer_id": [_("Nobody in the branch keeps a book to take this need: "
                                                 "ask the branch head.")]})
    return referral_create(actor=actor, to=receiver, need=need, customer=customer, prospect=prospect,
                           product_type=product_type or "", kind=ReferralKind.WALK_IN)
