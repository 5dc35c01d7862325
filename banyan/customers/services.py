"""Writes to the customer file. Views, API, feeds and the demo all come through here."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_bulk_read, audit_log, audit_suggestions, diff, filter_of
from banyan.calendars.lunar import lunar_key_of, mmdd
from banyan.contacts.models import OPEN_STAGES, Appointment, AppointmentStatus, Opportunity
from banyan.customers import identity
from banyan.customers.completeness import completeness_score
from banyan.customers.models import Customer, CustomerRelation, IdType
from banyan.customers.pinyin import search_keys
from banyan.instances import unsaved
from banyan.org.models import BOOK_ROLES, Role, Staff
from banyan.outreach.models import CallEntry, CallStatus
from banyan.validation import clean_given_fields, reject_unknown_fields, same_as_stored
from banyan.worklists.generations import previews_stale
from banyan.worklists.models import Task, TaskStatus

#: Campaign calls still to make or to follow up; the finished ones stay with who made them.
CALLS_OPEN = (CallStatus.PENDING, CallStatus.NOT_REACHED, CallStatus.CALL_BACK, CallStatus.INTERESTED)

#: Fields a manager may edit on the profile form and through the API.
PROFILE_FIELDS = [
    "name", "gender", "id_type", "id_number", "birth_date", "lunar_birthday", "mobile", "mobile2", "email",
    "address", "employer", "occupation", "industry", "education", "marital_status", "spouse_name", "children",
    "interests", "wedding_anniversary", "business_opened_on", "account_opened_on", "preferred_channel",
    "preferred_time", "transaction_habits", "source", "risk_level", "risk_assessed_on", "orientation",
    "other_bank_assets", "notes", "consent_sms", "consent_phone", "consent_email", "consent_wechat",
    "do_not_disturb", "agreed_contact_days", "contact_maturities_only",
]
# Audit snapshots never carry the numbers themselves, only that they changed.
_SECRET_FIELDS = {"id_number", "mobile", "mobile2"}


def _snapshot(customer: Customer) -> dict[str, Any]:
    snap = {}
    for f in PROFILE_FIELDS:
        v = getattr(customer, f)
        if f in _SECRET_FIELDS:
            v = identity.mask_id_number(v) if f == "id_number" else identity.mask_mobile(v)
        snap[f] = v
    snap["rm"] = customer.rm_id
    snap["assistant"] = customer.assistant_id
    return snap


def customer_audit_snapshot_sql(row: str, decimals: Mapping[str, str]) -> str:
    """customer_audit_snapshot of a stored customer as a PostgreSQL jsonb expression over the
    table alias `row`: the same JSON value as the feeds write for the customer as it was stored
    (numbers masked alike), but for the Decimal fields. A snapshot keeps a Decimal as the writer
    gave it (a cell of 30000 says "30000"), the column as stored (30000.00): `decimals` gives each
    one's SQL, e.g. the writer's text passed beside. The bulk feeds have the server build their
    customer.created events from the rows they have just written."""
    pairs = []
    for name in PROFILE_FIELDS:
        field = Customer._meta.get_field(name)
        column = f'{row}."{field.column}"'
        if name == "id_number":
            value = identity.mask_id_number_sql(column)
        elif name in _SECRET_FIELDS:
            value = identity.mask_mobile_sql(column)
        else:
            value = decimals[name] if field.get_internal_type() == "DecimalField" else column
        pairs.append(f"'{name}', {value}")
    pairs += [f"'rm', {row}.\"rm_id\"", f"'assistant', {row}.\"assistant_id\""]
    return f"jsonb_build_object({', '.join(pairs)})"


def _normalise_identity(customer: Customer) -> dict[str, list[str]]:
    """Validate ID number and mobiles in place; derive birth date and gender from a resident ID.
    Returns errors per field (empty when all is well)."""
    errors: dict[str, list[str]] = {}
    if customer.id_number:
        if customer.id_type == IdType.RESIDENT:
            try:
                customer.id_number = identity.validate_resident_id(customer.id_number, today=clock.today())
            except ValidationError as e:
                errors["id_number"] = e.messages
            else:
                derived_birth = identity.birth_date_from_resident_id(customer.id_number)
                derived_gender = identity.gender_from_resident_id(customer.id_number)
                if customer.birth_date and customer.birth_date != derived_birth:
                    errors["birth_date"] = [_("The birth date %(b)s does not match the ID number (%(d)s).")
                                            % {"b": customer.birth_date, "d": derived_birth}]
                if customer.gender and customer.gender != derived_gender:
                    errors["gender"] = [_("The gender does not match the ID number.")]
                customer.birth_date = customer.birth_date or derived_birth
                customer.gender = customer.gender or derived_gender
        else:
            try:
                customer.id_number = identity.validate_other_id(customer.id_number)
            except ValidationError as e:
                errors["id_number"] = e.messages
    for field in ("mobile", "mobile2"):
        value = getattr(customer, field)
        if value:
            try:
                setattr(customer, field, identity.validate_mobile(value))
            except ValidationError as e:
                errors[field] = e.messages
    if customer.birth_date and customer.birth_date > clock.today():
        errors.setdefault("birth_date", []).append(_("The birth date is in the future."))
    return errors


def customer_fill_derived(customer: Customer) -> None:
    """Compute the derived columns (search keys, tails, birthday keys, completeness) in place.
    Every writer of customers uses it — services, feeds and the demo builder — so that the keys
    the search and the worklist rely on are the same everywhere."""
    customer.name = customer.name.strip()
    customer.name_pinyin, customer.name_initials = search_keys(customer.name)
    customer.mobile_tail = customer.mobile[-4:] if customer.mobile else ""
    customer.id_tail = customer.id_number[-4:] if customer.id_number else ""
    birth = customer.birth_date
    customer.birthday_mmdd = mmdd(birth) if birth else None
    if birth and customer.lunar_birthday:
        month, day, _leap = lunar_key_of(birth)
        customer.lunar_birthday_key = month * 100 + day
    else:
        customer.lunar_birthday_key = None
    customer.completeness = completeness_score(customer)


@functools.cache
def _field_kind(field: str) -> tuple[bool, str]:
    """(null, internal type) of a customer field: _coerce asks it for every value a writer gives."""
    model_field = Customer._meta.get_field(field)
    return model_field.null, model_field.get_internal_type()


def _coerce(field: str, value: Any) -> Any:
    """Turn form/API/feed strings into the field's type, with a clear message when impossible."""
    null, internal = _field_kind(field)
    if value is None:
        return None if null else ("" if internal == "CharField" else value)
    if internal == "DateField" and isinstance(value, str):
        if not value.strip():
            return None
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError({field: [_("Enter a date as YYYY-MM-DD, e.g. 1985-03-12.")]}) from None
    if internal == "DecimalField" and not isinstance(value, Decimal):
        if isinstance(value, str) and not value.strip():
            return None
        try:
            return Decimal(str(value).replace(",", ""))
        except InvalidOperation:
            raise ValidationError({field: [_("Enter an amount in yuan, e.g. 800000.00.")]}) from None
    if internal == "CharField" and isinstance(value, str):
        return value.strip()
    return value


def _save_validated(customer: Customer, extra_errors: dict[str, list[str]]) -> None:
    errors = dict(extra_errors)
    try:
        customer.full_clean(exclude=["name_pinyin", "name_initials", "mobile_tail", "id_tail", "birthday_mmdd",
                                     "lunar_birthday_key"])
    except ValidationError as e:
        _merge_field_errors(errors, e, extra_errors)
    if errors:
        raise ValidationError(errors)
    customer.save()


def _merge_field_errors(errors: dict[str, list[str]], e: ValidationError, identity_errors) -> None:
    """full_clean's messages added to the identity check's; a field the identity check already
    refused keeps only its message ("手机号应为 11 位，已输入 12 位", not also a length count)."""
    for k, msgs in e.message_dict.items():
        if k in identity_errors:
            continue
        errors.setdefault(k, []).extend(m for m in msgs if m not in errors.get(k, []))


def _check_manager(rm: Staff | None, field: str = "rm") -> None:
    if rm is not None and (rm.role not in BOOK_ROLES or not rm.is_active):
        raise ValidationError({field: [_("%(u)s does not keep a book of customers.") % {"u": rm.username}]})


def _new_customer(*, external_id: str, name: str, rm: Staff | None, branch, assistant: Staff | None,
                  fields: dict[str, Any], allowed) -> tuple[Customer, dict[str, list[str]]]:
    """An unsaved customer from what a writer gave, coerced, identity checked and derived columns
    filled; returns it with the identity errors (customer_create and the bulk feeds share it)."""
    reject_unknown_fields(fields, allowed)
    _check_manager(rm)
    branch = branch or (rm.branch if rm else None)
    if branch is None:
        raise ValidationError({"rm": [_("A customer belongs to a manager or at least a branch.")]})
    values = {k: _coerce(k, v) for k, v in fields.items() if k != "referrer"}
    customer = unsaved(Customer, external_id=(external_id or "").strip(), name=name or "", rm=rm,
                       assistant=assistant, branch=branch, referrer=fields.get("referrer"), **values)
    errors = _normalise_identity(customer)
    customer_fill_derived(customer)
    return customer, errors


def _apply_changes(customer: Customer, fields: dict[str, Any]) -> dict[str, list[str]]:
    """Set the given profile fields in place (a new resident ID re-derives birth date and gender),
    check identity and fill the derived columns; returns the identity errors (customer_update and
    the bulk feeds share it)."""
    reject_unknown_fields(fields, PROFILE_FIELDS)
    for k, v in fields.items():
        setattr(customer, k, _coerce(k, v))
    if "id_number" in fields and "birth_date" not in fields and customer.id_type == IdType.RESIDENT:
        customer.birth_date = None  # re-derive from the new number
    if "id_number" in fields and "gender" not in fields and customer.id_type == IdType.RESIDENT:
        customer.gender = ""
    errors = _normalise_identity(customer)
    errors.update(_agreed_frequency_errors(customer))
    customer_fill_derived(customer)
    return errors


#: A contact frequency agreed with the customer: every 1 to 365 days.
AGREED_DAYS_MIN, AGREED_DAYS_MAX = 1, 365


def _agreed_frequency_errors(customer: Customer) -> dict[str, list[str]]:
    """A frequency agreed with the customer (seed 003) is a whole number of days from 1 to 365; it
    replaces the segment's cadence (banyan.worklists.triggers.cadence). "Only before maturities"
    (contact_maturities_only) wins over it: no regular contact at all."""
    days = customer.agreed_contact_days
    if days is None:
        return {}
    if isinstance(days, bool) or not isinstance(days, int) or not AGREED_DAYS_MIN <= days <= AGREED_DAYS_MAX:
        return {"agreed_contact_days": [_("Agree a contact every 1 to 365 days (e.g. 30 for monthly), or leave it "
                                          "empty for the segment's frequency.")]}
    return {}


@transaction.atomic
def customer_create(*, actor, external_id: str, name: str, rm: Staff | None, branch=None,
                    assistant: Staff | None = None, **fields: Any) -> Customer:
    """Create a customer in `rm`'s book (or unassigned in `branch`). Raises ValidationError with
    messages per field; nothing is written when it does."""
    customer, errors = _new_customer(external_id=external_id, name=name, rm=rm, branch=branch, assistant=assistant,
                                     fields=fields, allowed=set(PROFILE_FIELDS) | {"referrer"})
    if Customer.objects.filter(external_id=customer.external_id).exists():
        raise ValidationError({"external_id": [ValidationError(_("A customer with this number already exists."),
                                                               code="unique")]})
    _save_validated(customer, errors)
    audit_log(actor=actor, action="customer.created", customer_id=customer.pk, obj=customer, after=_snapshot(customer))
    return customer


@transaction.atomic
def customer_update(*, actor, customer: Customer, **fields: Any) -> Customer:
    """Change profile fields; the audit event keeps what changed (numbers masked)."""
    before = _snapshot(customer)
    errors = _apply_changes(customer, fields)
    _save_validated(customer, errors)
    old, new = diff(before, _snapshot(customer))
    if new:
        audit_log(actor=actor, action="customer.updated", customer_id=customer.pk, obj=customer, before=old, after=new,
                  detail=", ".join(new))
    return customer


def customer_reveal(*, actor, customer: Customer, field: str) -> str:
    """Show one masked number in full, on purpose; always audited (ARC-8)."""
    if field not in _SECRET_FIELDS:
        raise ValidationError({"field": [_("Only ID and mobile numbers are masked.")]})
    audit_log(actor=actor, action="customer.revealed", customer_id=customer.pk, obj=customer, detail=field)
    return getattr(customer, field)


def customer_viewed(*, actor, customer: Customer, via: str = "page") -> None:
    audit_log(actor=actor, action="customer.viewed", customer_id=customer.pk, obj=customer, detail=via)


def customers_listed(*, actor, customer_ids: list[int], via: str, params: Mapping[str, Any] | None = None,
                     matched: int | None = None) -> None:
    """A list of customers was shown (a page of the book, a search, an API page): one audit event
    with what was asked (`params`: the query parameters), the count and the customers' ids (ARC-8).
    `matched`: how many the filter found, when the page shows fewer."""
    audit_bulk_read(actor=actor, action="customer.listed", via=via, customer_ids=customer_ids,
                    filter=filter_of(params or {}), matched=matched)


def customers_suggested(*, actor, q: str, customer_ids: list[int], via: str = "suggest") -> None:
    """The search box's suggestions (or the relation picker's) showed these customers: recorded for
    the customers they reveal, not per key typed (audit.services.audit_suggestions)."""
    audit_suggestions(actor=actor, via=via, q=q[:100], customer_ids=customer_ids)


def customers_exported(*, actor, customer_ids: list[int], via: str, params: Mapping[str, Any] | None = None) -> None:
    """Customers were exported (a CSV file): one audit event for the file with its filter, the count
    and the customers' ids, not an event per customer."""
    audit_bulk_read(actor=actor, action="customer.exported", via=via, customer_ids=customer_ids,
                    filter=filter_of(params or {}))


def customer_records_read(*, actor, customer: Customer, via: str, records: int) -> None:
    """Part of one customer's file was read in bulk (the API's holdings, contact history, memos or
    messages of the customer): one event on the customer, with how many records were shown."""
    audit_bulk_read(actor=actor, action="customer.viewed", via=via, customer_id=customer.pk, records=records,
                    obj=customer)


@transaction.atomic
def customer_assign(*, actor, customer: Customer, rm: Staff, assistant: Staff | None = None) -> Customer:
    """Put one customer in another manager's book (and branch)."""
    _check_manager(rm)
    if assistant is not None and assistant.role != Role.ASSISTANT:
        raise ValidationError({"assistant": [_("%(u)s is not an assistant.") % {"u": assistant.username}]})
    before = {"rm": customer.rm_id, "assistant": customer.assistant_id, "branch": customer.branch_id}
    customer.rm, customer.assistant, customer.branch = rm, assistant, rm.branch
    customer.save(update_fields=["rm", "assistant", "branch", "updated_at"])
    if before["rm"] not in (None, rm.pk):
        _work_follows_the_customers([customer.pk], from_rm_id=before["rm"], to_rm=rm)
    previews_stale([before["rm"]])  # the new manager's is renewed by the save
    audit_log(actor=actor, action="customer.assigned", customer_id=customer.pk, obj=customer, before=before,
              after={"rm": rm.pk, "assistant": assistant.pk if assistant else None, "branch": rm.branch_id})
    return customer


@transaction.atomic
def book_hand_over(*, actor, from_rm: Staff, to_rm: Staff, keep_assistant: bool = False) -> int:
    """A manager leaves or changes post: the whole book moves to `to_rm` in one statement, and
    each customer's file records the hand-over. Returns the number of customers moved."""
    _check_manager(to_rm)
    if from_rm.pk == to_rm.pk:
        raise ValidationError({"to_rm": [_("Choose a different manager.")]})
    book = Customer.objects.filter(rm=from_rm)
    ids = list(book.values_list("pk", flat=True))
    update: dict[str, Any] = {"rm": to_rm, "branch": to_rm.branch, "updated_at": clock.now()}
    if not keep_assistant:
        update["assistant"] = None
    book.update(**update)
    moved = _work_follows_the_customers(ids, from_rm_id=from_rm.pk, to_rm=to_rm)
    previews_stale([from_rm.pk, to_rm.pk])
    # One event for the hand-over, its customers listed with it: each file's timeline and the audit
    # page filtered by a customer find it, without an event per customer.
    audit_log(actor=actor, action="book.handed_over", obj=from_rm, before={"rm": from_rm.pk},
              after={"rm": to_rm.pk, "customers": len(ids), **moved}, data={"count": len(ids)}, customer_ids=ids)
    return len(ids)


def _work_follows_the_customers(ids: list[int], *, from_rm_id: int, to_rm: Staff) -> dict[str, int]:
    """What the previous manager still had to do for these customers goes with them: open worklist
    tasks (today's and the overdue ones), meetings to come, campaign calls not finished and sales
    opportunities still open —
    otherwise a manager who left would keep them and the customers would wait for nobody."""
    now = clock.now()
    # (not onto a day the new manager already has a task for the customer: one task a customer a day)
    theirs = Task.objects.filter(manager=to_rm, date=OuterRef("date"), customer_id=OuterRef("customer_id"))
    tasks = Task.objects.filter(manager_id=from_rm_id, customer_id__in=ids, status=TaskStatus.OPEN).exclude(
        Exists(theirs))
    return {
        "tasks": tasks.update(manager=to_rm),
        "appointments": Appointment.objects.filter(staff_id=from_rm_id, customer_id__in=ids, at__gte=now,
                                                   status=AppointmentStatus.SCHEDULED).update(staff=to_rm),
        "calls": CallEntry.objects.filter(manager_id=from_rm_id, customer_id__in=ids, status__in=CALLS_OPEN)
        .update(manager=to_rm),
        "opportunities": Opportunity.objects.filter(owner_id=from_rm_id, customer_id__in=ids, stage__in=OPEN_STAGES)
        .update(owner=to_rm),
    }


def chosen_customer_ids(customer_ids) -> list[int]:
    """The ids of customers chosen on a page or in the API, sorted, each once; a clear error at
    `customer_ids` for none or for something not a number."""
    try:
        ids = sorted({int(i) for i in customer_ids})
    except (TypeError, ValueError):
        raise ValidationError({"customer_ids": [_("Customer ids are whole numbers.")]}) from None
    if not ids:
        raise ValidationError({"customer_ids": [_("Choose at least one customer.")]})
    return ids


def chosen_customers_locked(actor, ids: list[int], column: str) -> dict[int, Any]:
    """{id: column} of the chosen customers, their rows locked for the change about to be made
    (exactly once: a concurrent request waits, then reads the rows as changed). Only customers in
    the actor's reach: one out of reach is refused exactly like an unknown one."""
    from banyan.customers.selectors import visible_customers

    rows = dict(visible_customers(actor).select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
                .values_list("pk", column))
    unknown = [i for i in ids if i not in rows]
    if unknown:
        raise ValidationError({"customer_ids": [_("No such customer: %(ids)s.") % {
            "ids": ", ".join(str(i) for i in unknown[:10]) + ("…" if len(unknown) > 10 else "")}]})
    return rows


@transaction.atomic
def customers_reassign(*, actor, customer_ids, to_rm: Staff, reason: str = "") -> dict[str, Any]:
    """Move chosen customers (of any managers) into `to_rm`'s book and branch — the branch head's
    fix of who covers whom (issue 16 §7 tiers, §8 capacity). The set-based sibling of
    customer_assign: each previous manager's open work follows his or her customers
    (_work_follows_the_customers), the customers' assistant is cleared, and ONE audit event names the
    customers moved (like book_hand_over), the `reason` (a code or the head's words) in its data.

    Only customers the actor may see and a manager the actor may assign to (a branch head: his or
    her branch; an admin: any): an id out of reach is refused exactly like an unknown one, and
    nothing moves. Exactly once: the rows are locked (PostgreSQL waits on a concurrent request's
    rows and re-reads them; SQLite's immediate transactions run one at a time), and a customer
    already in `to_rm`'s book is skipped — a double submit moves each customer once and the second
    request writes nothing. Returns {"customers", "skipped", "customer_ids", "tasks",
    "appointments", "calls", "opportunities"}."""
    from banyan.org.selectors import managers_for

    ids = chosen_customer_ids(customer_ids)
    if to_rm is None or not managers_for(actor).filter(pk=to_rm.pk).exists():
        raise ValidationError({"to_rm": [_("Choose a manager of the branch who keeps a book.")]})
    _check_manager(to_rm, "to_rm")
    rows = chosen_customers_locked(actor, ids, "rm_id")
    moving = [pk for pk, rm_id in rows.items() if rm_id != to_rm.pk]
    result: dict[str, Any] = {"customers": len(moving), "skipped": len(ids) - len(moving), "customer_ids": moving,
                              "tasks": 0, "appointments": 0, "calls": 0, "opportunities": 0}
    if not moving:
        return result
    Customer.objects.filter(pk__in=moving).update(rm=to_rm, branch=to_rm.branch, assistant=None,
                                                  updated_at=clock.now())
    before: dict[int | None, list[int]] = {}
    for pk in moving:
        before.setdefault(rows[pk], []).append(pk)
    for from_rm_id, theirs in before.items():  # one set of updates per previous manager, not per customer
        if from_rm_id is not None:
            for k, n in _work_follows_the_customers(theirs, from_rm_id=from_rm_id, to_rm=to_rm).items():
                result[k] += n
    previews_stale([pk for pk in before if pk is not None] + [to_rm.pk])
    audit_log(actor=actor, action="customers.reassigned", obj=to_rm,
              before={"rm": {str(k): len(v) for k, v in before.items()}},
              after={"rm": to_rm.pk, "customers": len(moving),
                     **{k: result[k] for k in ("tasks", "appointments", "calls", "opportunities")}},
              data={"count": len(moving), "reason": (reason or "")[:200]}, customer_ids=moving)
    return result


@transaction.atomic
def relation_add(*, actor, customer: Customer, other: Customer, kind: str, note: str = "") -> CustomerRelation:
    rel = CustomerRelation(customer=customer, other=other, kind=kind, note=note.strip())
    rel.full_clean()
    rel.save()
    audit_log(actor=actor, action="customer.relation_added", customer_id=customer.pk, obj=rel,
              after={"other": other.pk, "kind": kind, "note": note})
    return rel


@transaction.atomic
def relation_remove(*, actor, relation: CustomerRelation) -> None:
    audit_log(actor=actor, action="customer.relation_removed", customer_id=relation.customer_id, obj=relation,
              before={"other": relation.other_id, "kind": relation.kind})
    relation.delete()


# --- the same judgement without a query or a write (bulk feeds) ------------------------------

_DERIVED_FIELDS = ("name_pinyin", "name_initials", "mobile_tail", "id_tail", "birthday_mmdd", "lunar_birthday_key")


def _given_field_errors(customer: Customer, given, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """full_clean's field checks (length, choices, e-mail, digits) for the fields a writer gave,
    merged as _save_validated merges them; no uniqueness or foreign-key query (the caller knows)."""
    try:
        clean_given_fields(customer, given)
    except ValidationError as e:
        _merge_field_errors(errors, e, dict(errors))
    return errors


def customer_build_unsaved(*, external_id: str, name: str, rm: Staff | None, branch=None, **fields: Any) -> Customer:
    """customer_create's judgement, without a query or a write: the same coercion, identity and
    mobile checks, derived columns and field checks, the same ValidationError. The caller makes
    sure the external number is new, writes the row and its audit event (customer_audit_snapshot)."""
    customer, errors = _new_customer(external_id=external_id, name=name, rm=rm, branch=branch, assistant=None,
                                     fields=fields, allowed=PROFILE_FIELDS)
    _given_field_errors(customer, {*fields, "external_id", "name"}, errors)
    if errors:
        raise ValidationError(errors)
    return customer


def customer_change_unsaved(customer: Customer, **fields: Any) -> None:
    """customer_update's judgement in place, without a query or a write (same ValidationError).
    The caller compares before and after, writes and audits (customer_audit_snapshot + diff)."""
    errors = _apply_changes(customer, fields)
    _given_field_errors(customer, fields, errors)
    if errors:
        raise ValidationError(errors)


def customer_unchanged_by(stored: Mapping[str, Any], fields: Mapping[str, Any]) -> bool:
    """Whether customer_update with `fields` would find nothing to change on a customer stored
    with the values `stored` (attname → value, at least the fields'), known without building the
    customer: every field, coerced as customer_update coerces it, is exactly its stored value.
    The stored row was judged by these same checks when it was written, and its derived columns
    were filled from these values, so setting them again changes nothing and breaks no rule.
    False only means "judge it" (customer_change_unsaved): it may still be unchanged, or refused."""
    if not set(fields) <= _PROFILE_FIELD_SET:
        return False
    for name, value in fields.items():
        try:
            typed = _coerce(name, value)
        except ValidationError:
            return False
        if not same_as_stored(Customer, name, typed, stored[name]):
            return False
    return True


_PROFILE_FIELD_SET = frozenset(PROFILE_FIELDS)


def customer_check_manager(rm: Staff | None) -> None:
    """customer_assign's check of the new manager (ValidationError when they keep no book)."""
    _check_manager(rm)


def customers_moved_work_follows(moves: list[tuple[int, int | None, Staff]]) -> None:
    """What customer_assign does beside the row, for customers a bulk feed moved: `moves` are
    (customer pk, previous manager's id, new manager) in the file's order, and each customer's
    open work follows each of its moves in turn, as it would one customer_assign after another.
    The n-th moves of all the customers go together, a few statements per pair of managers."""
    rounds: list[dict[tuple[int, int], list[int]]] = []
    seen: dict[int, int] = {}
    for customer_id, from_rm_id, to_rm in moves:
        n = seen[customer_id] = seen.get(customer_id, -1) + 1
        if n == len(rounds):
            rounds.append({})
        if from_rm_id not in (None, to_rm.pk):
            rounds[n].setdefault((from_rm_id, to_rm.pk), []).append(customer_id)
    managers = {to_rm.pk: to_rm for _c, _f, to_rm in moves}
    for pairs in rounds:
        for (from_rm_id, to_rm_id), ids in pairs.items():
            _work_follows_the_customers(ids, from_rm_id=from_rm_id, to_rm=managers[to_rm_id])


def customer_audit_snapshot(customer: Customer) -> dict[str, Any]:
    """What customer.created / customer.updated events record (numbers masked)."""
    return _snapshot(customer)
