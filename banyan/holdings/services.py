"""Writes to products, NAVs and holdings; AUM kept in step, set-based."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_log
from banyan.customers.models import Customer
from banyan.holdings.models import (
    LIABILITY_TYPES,
    NAV_TYPES,
    AumSnapshot,
    Holding,
    HoldingStatus,
    Product,
    ProductNav,
    Transaction,
    account_search_key,
)
from banyan.instances import unsaved
from banyan.segments.models import CustomerSegment
from banyan.validation import clean_field_value, clean_given_fields, reject_unknown_fields, same_as_stored

_MONEY = DecimalField(max_digits=16, decimal_places=2)


def _decimal(field: str, value: Any, *, required: bool = False) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError({field: [_("This field is required.")]})
        return None
    try:
        result = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationError({field: [_("Enter a number, e.g. 100000.00.")]}) from None
    if not result.is_finite():
        raise ValidationError({field: [_("Enter a number, e.g. 100000.00.")]})
    return result


def _date(field: str, value: Any, *, required: bool = False) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if value is None or not str(value).strip():
        if required:
            raise ValidationError({field: [_("This field is required.")]})
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD, e.g. 2026-08-31.")]}) from None


@transaction.atomic
def product_create(*, actor, code: str, name: str, type: str, risk_level: str, term_days: int | None = None,
                   expected_yield: Any = None, issuer: str = "", is_active: bool = True) -> Product:
    """Add a product to the catalogue. On sale from today when it is added on sale: customers who
    asked for a product of its type come back on their managers' lists (reason wanted_product)."""
    product = Product(code=(code or "").strip(), name=(name or "").strip(), type=type, risk_level=risk_level,
                      term_days=term_days, expected_yield=_decimal("expected_yield", expected_yield), issuer=issuer,
                      is_active=is_active, on_sale_since=clock.today() if is_active else None)
    product.full_clean()
    product.save()
    audit_log(actor=actor, action="product.created", obj=product, after={"code": product.code, "type": type})
    return product


#: What the product catalogue may change of a product (its code is its identity).
PRODUCT_UPDATABLE = ("name", "type", "risk_level", "term_days", "expected_yield", "issuer", "is_active")


@transaction.atomic
def product_update(*, actor, product: Product, **fields: Any) -> Product:
    """Change a product of the catalogue (a new name, a new risk rating, taken off sale); audited.
    Holdings keep what their sale recorded (the customer's risk level then). Put back on sale, it
    is on sale from today (customers who asked for its type come back: reason wanted_product)."""
    unknown = set(fields) - set(PRODUCT_UPDATABLE)
    if unknown:
        raise ValidationError({k: [_("This field cannot be changed here.")] for k in sorted(unknown)})
    if "expected_yield" in fields:
        fields["expected_yield"] = _decimal("expected_yield", fields["expected_yield"])
    before = {k: getattr(product, k) for k in fields}
    for k, v in fields.items():
        setattr(product, k, v)
    saved = list(fields)
    if "is_active" in fields and bool(before["is_active"]) != bool(product.is_active):
        product.on_sale_since = clock.today() if product.is_active else None
        saved.append("on_sale_since")
    product.full_clean(validate_unique=False)
    product.save(update_fields=saved or None)
    changed = {k: v for k, v in fields.items() if before[k] != v}
    if changed:
        audit_log(actor=actor, action="product.updated", obj=product,
                  before={k: str(before[k]) for k in changed}, after={k: str(v) for k, v in changed.items()})
    return product


@transaction.atomic
def nav_record(*, actor, product: Product, date: Any, nav: Any, dividend: Any = None) -> ProductNav:
    """Record (or correct) a NAV. When it is the latest, holdings of the product are revalued and
    their customers' AUM refreshed, in a few statements whatever the number of holders."""
    day = _date("date", date, required=True)
    nav_value = _decimal("nav", nav, required=True)
    if nav_value is None or nav_value <= 0:
        raise ValidationError({"nav": [_("A NAV is a positive number per unit.")]})
    row, _created = ProductNav.objects.update_or_create(
        product=product, date=day, defaults={"nav": nav_value, "dividend": _decimal("dividend", dividend)}
    )
    if product.latest_nav_date is None or day >= product.latest_nav_date:
        Product.objects.filter(pk=product.pk).update(latest_nav=nav_value, latest_nav_date=day)
        product.latest_nav, product.latest_nav_date = nav_value, day
        holders = Holding.objects.filter(product=product, status=HoldingStatus.ACTIVE, units__isnull=False)
        holders.update(current_value=Round(F("units") * Value(nav_value, output_field=_MONEY), 2))
        customers_refresh_aum(customer_ids=holders.values("customer_id"))
    return row


def _current_value(product: Product, amount: Decimal, units: Decimal | None) -> Decimal:
    if product.type in NAV_TYPES and units is not None and product.latest_nav is not None:
        return (units * product.latest_nav).quantize(Decimal("0.01"))
    return amount


_MONEY_FIELDS = ("amount", "cost_price", "units", "expected_return_pct", "take_profit_pct", "stop_loss_pct",
                 "credit_limit", "minimum_payment")
_DATE_FIELDS = ("purchase_date", "maturity_date", "statement_date", "payment_due_date")
_REQUIRED = ("amount", "purchase_date")


def _parse_holding_fields(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Strings from a form, the API or a feed, as the fields' types; errors per field."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, raw in fields.items():
        try:
            if key in _MONEY_FIELDS:
                values[key] = _decimal(key, raw, required=key in _REQUIRED)
            elif key in _DATE_FIELDS:
                values[key] = _date(key, raw, required=key in _REQUIRED)
            else:
                values[key] = raw
        except ValidationError as e:
            errors.update(e.message_dict)
    return values, errors


#: Columns the services derive (the account number's search key): a number too long is refused at
#: its own field, never again under an internal column's name (as the bulk feeds judge it).
_DERIVED = ["account_no_reversed"]


def _holding_rule_errors(holding: Holding) -> dict[str, list[str]]:
    """The rules a holding keeps, whoever writes it (a sale, a correction, a feed)."""
    errors: dict[str, list[str]] = {}
    if holding.amount is not None and holding.amount < 0:
        errors["amount"] = [_("The amount cannot be negative.")]
    if holding.maturity_date and holding.purchase_date and holding.maturity_date < holding.purchase_date:
        errors["maturity_date"] = [_("The maturity date is before the purchase date.")]
    if holding.stop_loss_pct is not None and not (0 < holding.stop_loss_pct < 100):
        errors["stop_loss_pct"] = [_("A stop-loss is a fall in percent, between 0 and 100 (e.g. 10).")]
    if holding.take_profit_pct is not None and holding.take_profit_pct <= 0:
        errors["take_profit_pct"] = [_("A take-profit is a gain in percent above 0 (e.g. 15).")]
    return errors


def _new_holding(customer: Customer, product: Product, fields: dict[str, Any], *,
                 parsed: bool = False) -> tuple[Holding, set[str]]:
    """An unsaved holding under the rules, with units and current value; returns it and the fields
    given (holding_create and the bulk feeds share it). `parsed`: the fields are values already
    (holding_field_value's), in a dict of the caller's own that this may change."""
    values, errors = (fields, {}) if parsed else _parse_holding_fields(fields)
    holding = unsaved(Holding, customer=customer, product=product,
                      risk_level_at_sale=values.pop("risk_level_at_sale", customer.risk_level),
                      **({k: v for k, v in values.items() if k not in errors} if errors else values))
    for field, messages in _holding_rule_errors(holding).items():
        errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    if holding.units is None and holding.cost_price and product.type in NAV_TYPES:
        holding.units = (holding.amount / holding.cost_price).quantize(Decimal("0.0001"))
    holding.current_value = _current_value(product, holding.amount, holding.units)
    holding.account_no_reversed = account_search_key(holding.account_no)
    return holding, set(values)


@transaction.atomic
def holding_create(*, actor, customer: Customer, product: Product, amount: Any, purchase_date: Any,
                   **fields: Any) -> Holding:
    """Record a holding with what the sale recorded; the customer's AUM follows."""
    holding, _given = _new_holding(customer, product, {"amount": amount, "purchase_date": purchase_date, **fields})
    holding.full_clean(exclude=_DERIVED)
    holding.save()
    customers_refresh_aum(customer_ids=[customer.pk])
    audit_log(actor=actor, action="holding.created", customer_id=customer.pk, obj=holding,
              after={"product": product.code, "amount": holding.amount})
    return holding


def customers_refresh_aum(*, customer_ids=None) -> int:
    """Set Customer.aum to the sum of current values of active, non-liability holdings, for the
    given customers (a list or a subquery) or all. One UPDATE, of the customers whose AUM changed
    only: a night's feeds move a few customers' holdings, and rewriting every customer row (with
    its indexes) was most of a whole-bank refresh. Returns how many changed."""
    total = (
        Holding.objects.filter(customer=OuterRef("pk"), status=HoldingStatus.ACTIVE)
        .exclude(product__type__in=LIABILITY_TYPES)
        .values("customer")
        .annotate(total=Sum("current_value"))
        .values("total")
    )
    aum = Coalesce(Subquery(total, output_field=_MONEY), Value(Decimal(0), output_field=_MONEY))
    qs = Customer.objects.all() if customer_ids is None else Customer.objects.filter(pk__in=customer_ids)
    return qs.filter(~Q(aum=aum)).update(aum=aum)


@transaction.atomic
def aum_snapshot_take(*, day: dt.date) -> int:
    """Record every customer's current AUM and file completeness, manager, branch and quadrant as
    of `day` (idempotent: a second run replaces). One INSERT … SELECT: the rows go from the
    customers to the snapshots inside the server (a month-end of 1M customers used to travel to
    Python as tuples, come back as model instances and be inserted 5,000 at a time)."""
    AumSnapshot.objects.filter(date=day).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {AumSnapshot._meta.db_table} (customer_id, "date", aum, completeness, rm_id, branch_id, '
            f"quadrant) SELECT c.id, %s, c.aum, c.completeness, c.rm_id, c.branch_id, COALESCE(s.quadrant, '') "
            f"FROM {Customer._meta.db_table} c LEFT JOIN {CustomerSegment._meta.db_table} s ON s.customer_id = c.id",
            [day])
        return cursor.rowcount


#: The advisory lock a month-end is taken under on PostgreSQL (SQLite serialises its writers).
MONTH_END_LOCK = 0x61756D73  # "aums"


@transaction.atomic
def aum_month_end_snapshot(*, today: dt.date) -> int:
    """The month-end AUM the customer file's trend is drawn from (ARC-3), taken by the nightly job
    on the first night of a month — as of the last day of the month before, which that night's
    feeds have just closed — or on the first night after, if that one was missed. Returns how many
    customers it recorded (0: that month-end was taken already). Taken once however many runs ask
    at the same time (two days built the same night, a rerun): the next waits for the lock, then
    finds it taken (READ COMMITTED: its look after the lock sees the first one's rows)."""
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MONTH_END_LOCK])
    if AumSnapshot.objects.filter(date=month_end).exists():
        return 0
    return aum_snapshot_take(day=month_end)


#: What a holding update may change (the feed's columns; the sale's record stays).
_HOLDING_UPDATABLE = (
    "customer", "product", "account_no", "status", "amount", "purchase_date", "maturity_date", "auto_rollover",
    "cost_price", "units", "expected_return_pct", "take_profit_pct", "stop_loss_pct", "overdue_days", "credit_limit",
    "statement_date", "payment_due_date", "minimum_payment",
)


_UPDATABLE_SET = frozenset(_HOLDING_UPDATABLE) - {"customer", "product"}
_PARSED_FIELDS = frozenset(_MONEY_FIELDS + _DATE_FIELDS)


def _holding_values(holding: Holding, fields) -> dict[str, Any]:
    return {k: getattr(holding, k if k not in ("customer", "product") else f"{k}_id") for k in fields}


def _apply_holding_changes(holding: Holding, fields: dict[str, Any]) -> dict[str, Any]:
    """Set the given fields in place under the rules, the current value following; returns the
    values before (holding_update and the bulk feeds share it)."""
    reject_unknown_fields(fields, _HOLDING_UPDATABLE)
    before = _holding_values(holding, fields)
    values, errors = _parse_holding_fields(fields)
    for key, value in values.items():
        if key not in errors:
            setattr(holding, key, value)
    for field, messages in _holding_rule_errors(holding).items():
        errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    holding.current_value = _current_value(holding.product, holding.amount, holding.units)
    holding.account_no_reversed = account_search_key(holding.account_no)
    return before


@transaction.atomic
def holding_update(*, actor, holding: Holding, **fields: Any) -> Holding:
    """Change a holding (a feed's new balance, a correction) under holding_create's rules; the
    current value and the customer's AUM follow; audited with what changed. Nothing is written
    when nothing changes."""
    old_customer = holding.customer_id
    before = _apply_holding_changes(holding, fields)
    holding.full_clean(exclude=_DERIVED)
    after = _holding_values(holding, fields)
    changed = {k for k in fields if before[k] != after[k]}
    if not changed and not Holding.objects.filter(pk=holding.pk).exclude(current_value=holding.current_value).exists():
        return holding
    holding.save()
    customers_refresh_aum(customer_ids={old_customer, holding.customer_id})
    audit_log(actor=actor, action="holding.updated", customer_id=holding.customer_id, obj=holding,
              before={k: before[k] for k in sorted(changed)}, after={k: after[k] for k in sorted(changed)},
              detail=", ".join(sorted(changed)))
    return holding


@transaction.atomic
def transaction_record(*, actor, customer: Customer, external_id: str, occurred_on: Any, amount: Any,
                       account_no: str = "", counterparty: str = "", description: str = "") -> Transaction:
    """Record a movement fed from core banking, keyed by its external id: a second feed of the
    same movement corrects it in place (never a duplicate). `amount` is signed (+ in, − out)."""
    row = transaction_judge_unsaved(customer=customer, external_id=external_id, occurred_on=occurred_on,
                                    amount=amount, account_no=account_no, counterparty=counterparty,
                                    description=description,
                                    row=Transaction.objects.filter(external_id=(external_id or "").strip()).first())
    row.full_clean()
    row.save()
    return row


# --- the same judgement without a query or a write (bulk feeds) ------------------------------

def holding_build_unsaved(*, customer: Customer, product: Product, amount: Any, purchase_date: Any,
                          **fields: Any) -> Holding:
    """holding_create's judgement, without a query or a write: the same parsing, rules, units,
    current value and field checks, the same ValidationError. The caller writes the row, its
    audit event and refreshes the customers' AUM (customers_refresh_aum)."""
    holding, given = _new_holding(customer, product, {"amount": amount, "purchase_date": purchase_date, **fields})
    # full_clean's field checks for what was given and derived; no foreign-key or uniqueness query
    # (the caller knows the customer, the product and the key)
    clean_given_fields(holding, {*given, "amount", "purchase_date", "units", "current_value",
                                 "risk_level_at_sale", "external_id", "status"})
    return holding


def holding_field_value(name: str, raw: Any) -> tuple[bool, Any]:
    """What holding_build_unsaved keeps of one field's given value — parsed as the services parse it,
    then the field's own check (clean_given_fields) — as (True, value), or (False, None) when it
    would refuse it. A pure function of (name, raw): the bulk feeds ask it once per distinct cell."""
    if name not in _CHECKED_FIELDS:
        return False, None
    values, errors = _parse_holding_fields({name: raw})
    if errors:
        return False, None
    return clean_field_value(Holding, name, values[name])


#: The fields a feed gives a new holding whose values holding_field_value judges alone.
_CHECKED_FIELDS = frozenset(_HOLDING_UPDATABLE) - {"customer", "product"}


def holding_field_names() -> frozenset[str]:
    """The fields holding_field_value judges (a text among them: kept as given when it fits)."""
    return _CHECKED_FIELDS


def holding_build_parsed(*, customer: Customer, product: Product, external_id: str,
                         values: dict[str, Any]) -> Holding:
    """holding_build_unsaved for `values` each already what it keeps of its field (holding_field_value,
    amount and purchase_date among them): what is left is the rules between fields, the units and
    the current value, and the checks of those and of the key, status and risk level at sale. The
    same holding, or a ValidationError (holding_build_unsaved words it the same way only for the
    rules: a caller wanting the services' reason for any row asks holding_build_unsaved)."""
    if not _REQUIRED_SET <= values.keys():
        raise ValueError("holding_build_parsed needs the amount and the purchase date")
    holding, _given = _new_holding(customer, product, {**values, "external_id": external_id}, parsed=True)
    clean_given_fields(holding, _DERIVED_CHECKED)
    return holding


_REQUIRED_SET = frozenset(_REQUIRED)
_DERIVED_CHECKED = frozenset({"units", "current_value", "risk_level_at_sale", "external_id", "status"})


def holding_change_unsaved(*, holding: Holding, **fields: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """holding_update's judgement in place, without a query or a write (same ValidationError).
    `customer` and `product` are objects, as for holding_update. Returns (before, after) of the
    fields that changed, for the audit event."""
    before = _apply_holding_changes(holding, fields)
    clean_given_fields(holding, {*fields, "current_value"} - {"customer", "product"})
    after = _holding_values(holding, fields)
    changed = sorted(k for k in fields if before[k] != after[k])
    return {k: before[k] for k in changed}, {k: after[k] for k in changed}


def holding_unchanged_by(stored: Mapping[str, Any], *, customer: Customer, product: Product,
                         fields: Mapping[str, Any]) -> bool:
    """Whether holding_update with this customer, product and `fields` would find nothing to change
    on a holding stored with the values `stored` (attname → value: customer_id, product_id, amount,
    units, current_value and the fields'), known without building the holding: the same customer
    and product, every field parsed as holding_update parses it and exactly its stored value, and
    the current value what the product's latest NAV makes of it (a new NAV changes it). The stored
    row was judged by these same rules when it was written. False only means "judge it"
    (holding_change_unsaved): it may still be unchanged, or refused."""
    if customer.pk != stored["customer_id"] or product.pk != stored["product_id"]:
        return False
    if not set(fields) <= _UPDATABLE_SET:
        return False
    values, errors = _parse_holding_fields(dict(fields))
    if errors:
        return False
    for name, value in values.items():
        if name not in _PARSED_FIELDS:  # as clean_fields would make it (an overdue_days of "12" is 12)
            try:
                value = Holding._meta.get_field(name).to_python(value)
            except ValidationError:
                return False
        if not same_as_stored(Holding, name, value, stored[name]):
            return False
    current = _current_value(product, stored["amount"], stored["units"])
    return same_as_stored(Holding, "current_value", current, stored["current_value"])


def transaction_judge_unsaved(*, customer: Customer, external_id: str, occurred_on: Any, amount: Any,
                              account_no: str = "", counterparty: str = "", description: str = "",
                              row: Transaction | None = None) -> Transaction:
    """transaction_record's judgement without a query or a write: `row` is the stored movement
    with this external id (changed in place) or None (a new one is returned, unsaved)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {"customer": customer, "account_no": (account_no or "").strip(),
                              "counterparty": (counterparty or "").strip(),
                              "description": (description or "").strip()}
    for key, parse, raw in (("occurred_on", _date, occurred_on), ("amount", _decimal, amount)):
        try:
            values[key] = parse(key, raw, required=True)
        except ValidationError as e:
            errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    if row is None:
        row = Transaction(external_id=(external_id or "").strip(), **values)
    else:
        for k, v in values.items():
            setattr(row, k, v)
    row.clean_fields(exclude=["customer"])
    return row
