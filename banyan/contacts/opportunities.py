"""Sales opportunities (销售机会, issue 11 §5): writes. An opportunity is opened from a call where
the customer was interested, an event, a wealth diagnosis, a referral or a walk-in; it moves open →
contacted → proposed → won (with the sale that closed it) or lost (with the reason). Every change is
audited and happens once: two requests moving the same opportunity race on one conditional UPDATE
(banyan/transitions.py), and the second is refused with Conflict (the API's 409).

The page, the API and the call screens all call these two functions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_log
from banyan.contacts.models import (
    OPEN_STAGES,
    Interaction,
    Opportunity,
    OpportunitySource,
    OpportunityStage,
)
from banyan.customers.models import Customer
from banyan.holdings.models import Holding, Product, ProductType
from banyan.transitions import Conflict, transition
from banyan.validation import TOO_LONG

#: An opportunity opened without a date comes back on the worklist this many days later.
DEFAULT_FOLLOW_UP_DAYS = 14

S = OpportunityStage
#: Where each stage may go next. Forward only: a stage reached stays reached (its moment is kept
#: for the period's figures); won and lost are final.
NEXT_STAGES: dict[str, tuple[str, ...]] = {
    S.OPEN: (S.CONTACTED, S.PROPOSED, S.WON, S.LOST),
    S.CONTACTED: (S.PROPOSED, S.WON, S.LOST),
    S.PROPOSED: (S.WON, S.LOST),
    S.WON: (),
    S.LOST: (),
}

#: The moment each stage keeps.
STAGE_MOMENT = {S.CONTACTED: "contacted_at", S.PROPOSED: "proposed_at", S.WON: "won_at", S.LOST: "lost_at"}

NEED_MAX = Opportunity._meta.get_field("need").max_length
REASON_MAX = Opportunity._meta.get_field("lost_reason").max_length
AMOUNT_MAX = Decimal("99999999999999.99")  # 16 digits, 2 after the point


def _day(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]}) from None


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({"expected_amount": [_("Enter a number, e.g. 100000.00.")]}) from None
    if not amount.is_finite() or amount < 0 or amount > AMOUNT_MAX:
        raise ValidationError({"expected_amount": [_("Enter an amount from 0 to 99,999,999,999,999.99 yuan.")]})
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError({"expected_amount": [_("At most 2 digits after the point.")]})
    return amount


@transaction.atomic
def opportunity_create(*, actor, customer: Customer, need: str, source: str = OpportunitySource.OTHER,
                       product: Product | None = None, product_code: str | None = None, product_type: str = "",
                       expected_amount: Any = None, due_date: Any = None, event_id: int | None = None,
                       interaction: Interaction | None = None) -> Opportunity:
    """Open an opportunity for a customer the actor reaches (the caller checked). The manager
    working it is the customer's manager (the actor when the customer has none); without a date it
    comes back on the worklist in DEFAULT_FOLLOW_UP_DAYS. Refused, naming the field: no need, a
    product unknown or no longer on sale, an event id with another source, a date already past."""
    errors: dict[str, list[str]] = {}
    need = (need or "").strip()
    if not need:
        errors["need"] = [_("Say what the customer needs.")]
    elif len(need) > NEED_MAX:
        errors["need"] = [str(TOO_LONG % {"limit_value": NEED_MAX, "show_value": len(need)})]
    if source not in OpportunitySource.values:
        errors["source"] = [_("Choose where the opportunity came from.")]
    if event_id is not None and source != OpportunitySource.EVENT:
        errors["event_id"] = [_("An event is named only for an opportunity from an event (source: event).")]
    if product is None and product_code:
        product = Product.objects.filter(code=product_code.strip()).first()
        if product is None:
            errors["product_code"] = [_("No product has the code %(code)s.") % {"code": product_code.strip()}]
    if product is not None and not product.is_active:
        errors["product_code" if product_code else "product"] = [
            _("%(p)s is no longer on sale.") % {"p": product.name}]
    if product_type and product_type not in ProductType.values:
        errors["product_type"] = [_("Choose a product type.")]
    try:
        amount = _amount(expected_amount)
    except ValidationError as e:
        errors.update(e.message_dict)
        amount = None
    today = clock.today()
    try:
        due = _day(due_date, "due_date")
    except ValidationError as e:
        errors.update(e.message_dict)
        due = None
    else:
        if due is not None and due < today:
            errors["due_date"] = [_("The date %(d)s has passed: follow up today or later.") % {"d": due.isoformat()}]
    if errors:
        raise ValidationError(errors)
    opportunity = Opportunity.objects.create(
        customer=customer, owner_id=customer.rm_id or actor.pk, created_by=actor, source=source, event_id=event_id,
        interaction=interaction, need=need, product=product,
        product_type=product.type if product is not None else (product_type or ""),
        expected_amount=amount, due_date=due or today + dt.timedelta(days=DEFAULT_FOLLOW_UP_DAYS),
        opened_at=clock.now())
    audit_log(actor=actor, action="opportunity.opened", customer_id=customer.pk, obj=opportunity,
              after={"need": need, "source": source, "product": product.code if product else None,
                     "expected_amount": amount, "due_date": opportunity.due_date})
    return opportunity


def stage_refusal(opportunity: Opportunity, stage: str) -> str | None:
    """Why the opportunity cannot move to `stage` from where it is (None: it can). A move to where
    it is already, or from a closed stage, is what a second request of a race finds: Conflict."""
    if stage == opportunity.stage:
        return _("This opportunity is already at that stage.")
    if opportunity.stage not in OPEN_STAGES:
        return _("This opportunity is closed already (%(stage)s).") % {
            "stage": OpportunityStage(opportunity.stage).label}
    return None


@transaction.atomic
def opportunity_stage(*, actor, opportunity: Opportunity, stage: str, reason: str = "",
                      holding: Holding | None = None, holding_id: int | None = None,
                      no_product: bool = False) -> Opportunity:
    """Move an opportunity on, exactly once. Lost needs a reason; won may name the sale that closed
    it (a holding of the same customer, not closing another opportunity). Forward only (see
    NEXT_STAGES). Another request that moved it first: Conflict, and nothing is written.
    `no_product`: lost because the bank had no product of the opportunity's type (it needs one):
    the need stays, and a product of that type going on sale brings the customer back (worklist
    reason wanted_product)."""
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if stage not in OpportunityStage.values:
        raise ValidationError({"stage": [_("Choose a stage.")]})
    refusal = stage_refusal(opportunity, stage)
    if refusal is not None:
        raise Conflict(refusal)
    if stage not in NEXT_STAGES[opportunity.stage]:
        raise ValidationError({"stage": [_("An opportunity only moves forward: it is %(now)s now.") % {
            "now": OpportunityStage(opportunity.stage).label}]})
    if stage == S.LOST:
        if not reason:
            errors["reason"] = [_("Say why the opportunity was lost: it shapes the next offer.")]
        elif len(reason) > REASON_MAX:
            errors["reason"] = [str(TOO_LONG % {"limit_value": REASON_MAX, "show_value": len(reason)})]
    if no_product and stage != S.LOST:
        errors["no_product"] = [_("Only a lost opportunity is lost for want of a product.")]
    elif no_product and not opportunity.product_type:
        errors["no_product"] = [_("Name the kind of product wanted first: the opportunity has no product type.")]
    if holding is None and holding_id is not None:
        holding = Holding.objects.filter(pk=holding_id, customer_id=opportunity.customer_id).first()
        if holding is None:
            errors["holding_id"] = [_("Name a sale of this customer.")]
    if holding is not None:
        if stage != S.WON:
            errors["holding_id"] = [_("Only a won opportunity names the sale that closed it.")]
        elif holding.customer_id != opportunity.customer_id:
            errors["holding_id"] = [_("Name a sale of this customer.")]
        elif Opportunity.objects.filter(holding=holding).exclude(pk=opportunity.pk).exists():
            errors["holding_id"] = [_("This sale already closed another opportunity.")]
    if errors:
        raise ValidationError(errors)
    before = opportunity.stage
    now = clock.now()
    changes: dict[str, Any] = {"stage": stage, STAGE_MOMENT[stage]: now}
    if stage == S.LOST:
        changes["lost_reason"] = reason
        if no_product:
            changes["no_product"] = True
    if holding is not None:
        changes["holding"] = holding
    transition(Opportunity.objects.filter(pk=opportunity.pk, stage=before),
               _("This opportunity was moved by someone else meanwhile."), **changes)
    for name, value in changes.items():
        setattr(opportunity, name, value)
    audit_log(actor=actor, action="opportunity.stage_changed", customer_id=opportunity.customer_id,
              obj=opportunity, before={"stage": before},
              after={"stage": stage, **({"reason": reason} if stage == S.LOST else {}),
                     **({"no_product": True} if no_product else {}),
                     **({"holding": holding.pk} if holding is not None else {})})
    return opportunity
