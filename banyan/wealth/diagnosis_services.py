"""Writes of the wealth diagnosis (WEA-2): the customer's monthly spending as the manager learnt it,
the bank's model portfolios, and the audit of every report that leaves the bank (a PDF, a batch's
ZIP). The batch itself is queued and run in banyan.wealth.tasks.

Audited as: `customer.spending_recorded`, `settings.model_portfolio_changed`, and each export as
`customer.exported` (via `diagnosis_pdf` / `api_diagnosis_pdf` for one customer, `diagnosis_batch`
for a ZIP naming all its customers) — the same action as the book's CSV export, so the auditor
finds every export in one place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from banyan.audit.services import audit_bulk_read, audit_log
from banyan.wealth.models import AssetClass, CustomerSpending, DiagnosisBatch, ModelPortfolio

#: Monthly spending above this is surely a typo (an extra zero or two): 100 million a month.
SPENDING_MAX = Decimal("100000000")

RISK_FIELDS = ("r1_pct", "r2_pct", "r3_pct", "r4_pct", "r5_pct")
CLASS_FIELDS = tuple(f"{c.value}_pct" for c in AssetClass)
PORTFOLIO_FIELDS = ("name", "name_en", *RISK_FIELDS, *CLASS_FIELDS, "liquid_months_min", "liquid_months_max", "note")


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        raise ValidationError({"monthly": [_("Enter an amount in yuan, e.g. 8000.")]}) from None
    if not amount.is_finite():
        raise ValidationError({"monthly": [_("Enter an amount in yuan, e.g. 8000.")]})
    return amount


@transaction.atomic
def customer_spending_set(*, actor, customer, monthly: Any) -> CustomerSpending | None:
    """Record what the customer spends a month (the liquidity rule reads it); empty clears it."""
    amount = _money(monthly)
    if amount is not None:
        if amount <= 0:
            raise ValidationError({"monthly": [_("Monthly spending must be more than 0.")]})
        if amount > SPENDING_MAX:
            raise ValidationError({"monthly": [_("At most 100,000,000 yuan a month.")]})
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError({"monthly": [_("At most two digits after the point.")]})
    before = CustomerSpending.objects.filter(customer=customer).values_list("monthly", flat=True).first()
    if amount is None:
        CustomerSpending.objects.filter(customer=customer).delete()
        row = None
    else:
        by = actor if getattr(actor, "pk", None) else None
        row, _created = CustomerSpending.objects.update_or_create(customer=customer,
                                                                  defaults={"monthly": amount, "updated_by": by})
    if before != amount:
        audit_log(actor=actor, action="customer.spending_recorded", customer_id=customer.pk,
                  before={"monthly_spending": before}, after={"monthly_spending": amount})
    return row


def _pct(errors: dict, key: str, raw: Any, *, high: int = 100) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        errors.setdefault(key, []).append(_("Enter a whole number."))
        return None
    if not 0 <= value <= high:
        errors.setdefault(key, []).append(_("Between 0 and %(n)s.") % {"n": high})
        return None
    return value


@transaction.atomic
def model_portfolio_update(*, actor, portfolio: ModelPortfolio, data: dict[str, Any]) -> ModelPortfolio:
    """Change a model portfolio: whole percents, each set summing to 100, nothing above the level,
    the liquidity band in months. Every field is checked and all mistakes named at once."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for key in RISK_FIELDS + CLASS_FIELDS:
        if key in data:
            values[key] = _pct(errors, key, data[key])
    for key in ("liquid_months_min", "liquid_months_max"):
        if key in data:
            values[key] = _pct(errors, key, data[key], high=36)
    for key, limit in (("name", 50), ("name_en", 50), ("note", 200)):
        if key in data:
            text = str(data[key] or "").strip()
            if key == "name" and not text:
                errors.setdefault(key, []).append(_("This field is required."))
            elif len(text) > limit:
                errors.setdefault(key, []).append(_("At most %(n)s characters, %(m)s entered.") % {
                    "n": limit, "m": len(text)})
            values[key] = text
    if errors:
        raise ValidationError(errors)
    before = {k: getattr(portfolio, k) for k in PORTFOLIO_FIELDS}
    for key, value in values.items():
        setattr(portfolio, key, value)
    level = int(portfolio.risk_level[1])
    if sum(getattr(portfolio, k) for k in RISK_FIELDS) != 100:
        errors["r1_pct"] = [_("The product risk levels must add up to 100%%, now %(n)s%%.") % {
            "n": sum(getattr(portfolio, k) for k in RISK_FIELDS)}]
    above = [k for n, k in enumerate(RISK_FIELDS, start=1) if n > level and getattr(portfolio, k)]
    for key in above:
        errors[key] = [_("A %(level)s customer may not buy %(risk)s products: keep it at 0.") % {
            "level": portfolio.risk_level, "risk": key[:2].upper()}]
    if sum(getattr(portfolio, k) for k in CLASS_FIELDS) != 100:
        errors["deposit_pct"] = [_("The asset classes must add up to 100%%, now %(n)s%%.") % {
            "n": sum(getattr(portfolio, k) for k in CLASS_FIELDS)}]
    if portfolio.liquid_months_min > portfolio.liquid_months_max:
        errors["liquid_months_min"] = [_("The least months cannot be more than the most.")]
    if errors:
        raise ValidationError(errors)
    portfolio.updated_by = actor if getattr(actor, "pk", None) else None
    portfolio.save()
    after = {k: getattr(portfolio, k) for k in PORTFOLIO_FIELDS}
    changed = {k for k in PORTFOLIO_FIELDS if before[k] != after[k]}
    if changed:
        audit_log(actor=actor, action="settings.model_portfolio_changed", obj=portfolio, detail=portfolio.risk_level,
                  before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return portfolio


def diagnosis_exported(*, actor, customer, as_of: dt.date, via: str) -> None:
    """One customer's diagnosis PDF left the bank (a download, the API): one audit event."""
    audit_bulk_read(actor=actor, action="customer.exported", via=via, customer_id=customer.pk,
                    filter={"date": as_of.isoformat()})


def diagnosis_batch_downloaded(*, actor, batch: DiagnosisBatch) -> None:
    """A batch's ZIP was downloaded: one audit event naming every customer in it."""
    audit_bulk_read(actor=actor, action="customer.exported", via="diagnosis_batch", customer_ids=batch.customer_ids,
                    filter={"date": batch.as_of.isoformat()}, obj=batch)
