"""Giving gifts and deciding on them (issue 16 §6). `gift_give` is the one way a gift is recorded —
the contact form on the customer file, the API and the demo all call it; `gift_decide` is the
branch head's approval or rejection of a gift above the bank's per-customer limit, exactly once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_log
from banyan.customers.models import Customer
from banyan.gifts.models import UNSEGMENTED, Delivery, Gift, GiftBudget, GiftItem, GiftStatus
from banyan.org.models import Role, Staff
from banyan.transitions import transition
from banyan.validation import refuse_too_long

#: The most of one gift handed over at once (a hundred calendars is a campaign, not a gift).
QUANTITY_MAX = 99
#: The limit looks back this far: a rolling twelve months, so that December and January are one window.
LIMIT_WINDOW = dt.timedelta(days=365)


def gift_limit() -> Decimal:
    return settings.BANYAN_GIFT_LIMIT_PER_CUSTOMER


def given_in_window(customer_id: int, day: dt.date) -> Decimal:
    """The value given to the customer in the twelve months up to `day` (approved and still waiting;
    a rejected gift was never handed over)."""
    total = (Gift.objects.filter(customer_id=customer_id, given_on__gt=day - LIMIT_WINDOW, given_on__lte=day,
                                 status__in=[GiftStatus.APPROVED, GiftStatus.PENDING])
             .aggregate(s=Sum("total_cost"))["s"])
    return total or Decimal("0")


def _quantity(value: Any) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        number = None
    if number is None:
        raise ValidationError({"quantity": [_("Enter how many, a whole number.")]})
    if not 1 <= number <= QUANTITY_MAX:
        raise ValidationError({"quantity": [_("Give between 1 and %(most)d.") % {"most": QUANTITY_MAX}]})
    return number


def _day(value: Any) -> dt.date:
    today = clock.today()
    if value in (None, ""):
        return today
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError({"given_on": [_("Enter a date as YYYY-MM-DD.")]}) from None
    if value > today:
        raise ValidationError({"given_on": [_("A gift cannot be recorded in the future.")]})
    return value


@transaction.atomic
def gift_give(*, actor, customer: Customer, item: Any, quantity: Any, delivered_by: Any = None,
              delivery: str = "", interaction=None, given_on: Any = None) -> Gift:
    """Record a gift given to `customer` (a customer the actor may see: the caller checked).

    `item`: a GiftItem or its id, in the catalogue; `delivered_by`: a Staff, an id or a username of the
    customer's branch (omitted: the actor); `interaction`: the contact it was handed over at (the
    customer's). The cost is the catalogue's now, frozen. When the customer's twelve months would pass
    BANYAN_GIFT_LIMIT_PER_CUSTOMER with it, the gift waits for the branch head's approval."""
    errors: dict[str, list[str]] = {}
    if not isinstance(item, GiftItem):
        pk = item if isinstance(item, int) and not isinstance(item, bool) else (
            int(item) if isinstance(item, str) and item.strip().isdigit() and len(item.strip()) < 12 else None)
        item = GiftItem.objects.filter(pk=pk, is_active=True).first() if pk else None
    elif not item.is_active:
        item = None
    if item is None:
        errors["item_id"] = [_("Choose a gift from the catalogue.")]
    try:
        quantity = _quantity(quantity)
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        day = _day(given_on)
    except ValidationError as e:
        errors.update(e.message_dict)
    delivery = (delivery or Delivery.IN_PERSON).strip()
    if delivery not in Delivery.values:
        errors["delivery"] = [_("Say whether the gift was delivered in person or picked up.")]
    deliverer = _deliverer(actor, customer, delivered_by)
    if deliverer is None:
        errors["delivered_by"] = [_("Name a colleague of the customer's branch.")]
    if interaction is not None and interaction.customer_id != customer.pk:
        errors["interaction_id"] = [_("Name a contact with this customer.")]
    if errors:
        raise ValidationError(errors)
    # one customer's gifts are counted one at a time: two gifts recorded at once cannot both slip
    # under the limit
    Customer.objects.select_for_update(of=("self",)).filter(pk=customer.pk).first()
    unit_cost = Decimal(str(item.unit_cost))  # as stored (an item just made may still hold the text given)
    total = (unit_cost * quantity).quantize(Decimal("0.01"))
    before = given_in_window(customer.pk, day)
    over = before + total > gift_limit()
    tier = (Customer.objects.filter(pk=customer.pk).values_list("segment__quadrant", flat=True).first()
            or UNSEGMENTED)
    gift = Gift(customer=customer, interaction=interaction, item=item, quantity=quantity, unit_cost=unit_cost,
                total_cost=total, given_by=actor, delivered_by=deliverer, delivery=delivery, given_on=day,
                branch_id=customer.branch_id, tier=tier,
                status=GiftStatus.PENDING if over else GiftStatus.APPROVED)
    gift.full_clean()
    gift.save()
    audit_log(actor=actor, action="gift.given", customer_id=customer.pk, obj=gift,
              after={"item": item.name, "quantity": quantity, "total_cost": total, "status": gift.status,
                     "given_in_12_months": before + total, "limit": gift_limit()})
    return gift


def _deliverer(actor, customer: Customer, value: Any) -> Staff | None:
    if value in (None, ""):
        return actor
    colleagues = Staff.objects.filter(is_active=True, branch_id=customer.branch_id)
    if isinstance(value, Staff):
        return value if value.pk == actor.pk or colleagues.filter(pk=value.pk).exists() else None
    text = str(value).strip()
    if text == actor.username:
        return actor
    if isinstance(value, int) or (text.isdigit() and len(text) < 12):
        return actor if int(text) == actor.pk else colleagues.filter(pk=int(text)).first()
    return colleagues.filter(username=text).first()


def may_decide(user, gift: Gift) -> bool:
    """The branch head of the gift's branch (or an administrator) — never for a gift of their own."""
    if gift.given_by_id == user.pk:
        return False
    return user.role == Role.ADMIN or (user.role == Role.BRANCH_HEAD and user.branch_id == gift.branch_id)


@transaction.atomic
def gift_decide(*, actor, gift: Gift, approve: bool, note: str = "") -> Gift:
    """The branch head approves or rejects a gift waiting above the limit, exactly once: a gift
    decided already (by another tab, another head) is refused with Conflict and nothing written."""
    if not may_decide(actor, gift):
        raise PermissionDenied(_("Only the branch head decides on a gift above the limit, and never on their own."))
    note = (note or "").strip()
    refuse_too_long(note=(note, Gift._meta.get_field("decision_note").max_length))
    status = GiftStatus.APPROVED if approve else GiftStatus.REJECTED
    now = clock.now()
    transition(Gift.objects.filter(pk=gift.pk, status=GiftStatus.PENDING), _("This gift was already decided."),
               status=status, decided_by=actor, decided_at=now, decision_note=note)
    gift.status, gift.decided_by, gift.decided_at, gift.decision_note = status, actor, now, note
    audit_log(actor=actor, action="gift.approved" if approve else "gift.rejected", customer_id=gift.customer_id,
              obj=gift, before={"status": GiftStatus.PENDING},
              after={"status": status, "item": gift.item.name, "total_cost": gift.total_cost,
                     **({"note": note} if note else {})})
    return gift


@transaction.atomic
def gift_item_save(*, actor, name: str, unit_cost: Any, is_active: bool = True,
                   item: GiftItem | None = None) -> GiftItem:
    """Add a gift to the catalogue or change one (administrators). A changed cost applies to the
    gifts given from now on: those given keep theirs."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied(_("The catalogue is kept by the administrator."))
    before = None if item is None else {"name": item.name, "unit_cost": item.unit_cost, "is_active": item.is_active}
    item = item or GiftItem()
    item.name, item.unit_cost, item.is_active = (name or "").strip(), unit_cost, is_active
    item.full_clean()
    item.save()
    audit_log(actor=actor, action="gift.catalogue_changed", obj=item, before=before,
              after={"name": item.name, "unit_cost": item.unit_cost, "is_active": item.is_active})
    return item


@transaction.atomic
def gift_budgets_set(*, actor, branch, amounts: dict[str, Any]) -> None:
    """Set a branch's monthly budget per tier (administrators): {tier: yuan}."""
    if actor.role != Role.ADMIN:
        raise PermissionDenied(_("The budgets are set by the administrator."))
    before = dict(GiftBudget.objects.filter(branch=branch).values_list("tier", "monthly_amount"))
    for tier, amount in amounts.items():
        budget = GiftBudget.objects.filter(branch=branch, tier=tier).first() or GiftBudget(branch=branch, tier=tier)
        budget.monthly_amount = amount
        try:
            budget.full_clean(validate_constraints=False)
        except ValidationError as e:
            raise ValidationError({tier: e.messages}) from None
        budget.save()
    audit_log(actor=actor, action="gift.budgets_set", obj=branch, before=before,
              after={k: v for k, v in amounts.items()})
