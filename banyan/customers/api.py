"""API v1: the customer file — create, search, read, change, reveal, segment (API.md).

Every customer is reached through `get_customer_for_user` / `visible_customers` /
`search_customers`: a customer out of the caller's reach answers 404, like one that does not exist.
ID and mobile numbers are masked in every answer; `POST …/reveal` shows one, on purpose, audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from banyan.customers import identity
from banyan.customers.completeness import missing_fields
from banyan.customers.models import (
    Channel,
    Customer,
    Education,
    Gender,
    IdType,
    MaritalStatus,
    Orientation,
    RiskLevel,
    Source,
)
from banyan.customers.selectors import get_customer_for_user, search_customer_ids, visible_customers
from banyan.customers.services import (
    customer_create,
    customer_reveal,
    customer_update,
    customer_viewed,
    customers_listed,
)
from banyan.org.api import (
    ERRORS,
    ERRORS_409,
    MAX_ID,
    Bool,
    In,
    Int,
    IsoDate,
    Moment,
    Money,
    MoneyIn,
    Page,
    PathId,
    actor,
    clean_text,
    forbidden,
    invalid,
    omittable,
)
from banyan.org.models import Role, Staff
from banyan.segments.selectors import segment_of

router = Router(tags=["customers"])

#: A search answers at most this many matches; `count` counts them up to this cap.
SEARCH_CAP = 200

GenderCode = Literal[tuple(Gender.values)]
IdTypeCode = Literal[tuple(IdType.values)]
EducationCode = Literal[tuple(Education.values)]
MaritalCode = Literal[tuple(MaritalStatus.values)]
ChannelCode = Literal[tuple(Channel.values)]
SourceCode = Literal[tuple(Source.values)]
RiskCode = Literal[tuple(RiskLevel.values)]
OrientationCode = Literal[tuple(Orientation.values)]
SecretField = Literal["id_number", "mobile", "mobile2"]


def customer_or_404(request, customer_id: int) -> Customer:
    """The customer if the caller may see it; 404 otherwise (and for ids no database could hold)."""
    if not 0 < customer_id <= MAX_ID:
        raise Http404
    return get_customer_for_user(actor(request), customer_id)


# --- schemas -----------------------------------------------------------------------------------


class ConsentIn(In):
    """Marketing consent per channel; a channel left out keeps its value (new customers: phone
    yes, the others no)."""

    sms: Bool | None = None
    phone: Bool | None = None
    email: Bool | None = None
    wechat: Bool | None = None


class ConsentOut(Schema):
    sms: bool
    phone: bool
    email: bool
    wechat: bool


class CustomerFields(In):
    """The profile (ARC-1). Every field is optional; null clears it on PATCH (the ID type and the
    two flags cannot be cleared: leave them out to keep them)."""

    gender: GenderCode | None = Field(None, description="M or F; derived from a resident ID when omitted.")
    id_type: IdTypeCode = omittable(description="resident (default), passport or other.")
    id_number: str | None = Field(None, max_length=40, description="18 characters for a resident ID (MOD 11-2 "
                                                                   "checked).")
    birth_date: IsoDate | None = Field(None, description="Derived from a resident ID when omitted.")
    lunar_birthday: Bool = omittable(description="Celebrates the birthday by the lunar calendar.")
    mobile: str | None = Field(None, max_length=20, description="A mainland mobile, 11 digits.")
    mobile2: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=200)
    employer: str | None = Field(None, max_length=100)
    occupation: str | None = Field(None, max_length=50)
    industry: str | None = Field(None, max_length=50)
    education: EducationCode | None = None
    marital_status: MaritalCode | None = None
    spouse_name: str | None = Field(None, max_length=50)
    children: str | None = Field(None, max_length=200)
    interests: str | None = Field(None, max_length=200)
    wedding_anniversary: IsoDate | None = None
    business_opened_on: IsoDate | None = None
    account_opened_on: IsoDate | None = None
    preferred_channel: ChannelCode | None = None
    preferred_time: str | None = Field(None, max_length=50)
    transaction_habits: str | None = Field(None, max_length=200)
    source: SourceCode | None = None
    risk_level: RiskCode | None = None
    risk_assessed_on: IsoDate | None = None
    orientation: OrientationCode | None = None
    other_bank_assets: MoneyIn | None = Field(None, description="Estimate of assets at other banks, yuan.")
    agreed_contact_days: Int | None = Field(
        None, description="A contact frequency agreed with the customer: every this many days, 1 to 365 (e.g. 30 "
                          "for monthly). It replaces the segment's cadence on the worklist, and the segment's "
                          "frequency_days follows it. Null clears it (the segment's cadence again).")
    contact_maturities_only: Bool = omittable(
        description="Agreed with the customer: contact only before maturities — no regular (cadence) contact at "
                    "all, whatever agreed_contact_days says; maturity reasons still come.")
    notes: str | None = None
    consent: ConsentIn | None = None
    do_not_disturb: Bool = omittable()


class CustomerIn(CustomerFields):
    external_id: str = Field(min_length=1, max_length=40, description="The core-banking customer number; unique.")
    name: str = Field(min_length=1, max_length=50)
    rm: str = Field(min_length=1, max_length=150, description="Username of the manager whose book it joins.")


class CustomerPatch(CustomerFields):
    name: str = omittable(min_length=1, max_length=50)


class SegmentOut(Schema):
    """Where the customer stands (SEG-1..5). Null fields until the first segment recompute."""

    quadrant: str | None = Field(None, description="high_high, low_high, high_low or low_low (assets × potential).")
    frequency_days: int | None = Field(None, description="Target days between contacts, set by the quadrant — or "
                                                         "the frequency agreed with the customer when there is one "
                                                         "(frequency_agreed); null for 'only before maturities'.")
    frequency_agreed: bool = Field(False, description="frequency_days is the one agreed with the customer "
                                                      "(agreed_contact_days), not the quadrant's.")
    contact_maturities_only: bool = Field(False, description="Agreed: contact only before maturities (no regular "
                                                             "contact).")
    orientation: OrientationCode | None = None
    potential_score: int | None = Field(None, description="0-100.")
    reasons: list[str] = Field(default_factory=list, description="Why the potential score is what it is, in words.")
    is_priority: bool = Field(False, description="Among the top customers by value (二八原则).")
    value_rank: int | None = Field(None, description="1 = the bank's largest customer by AUM.")


class CustomerOut(Schema):
    id: int
    external_id: str
    name: str
    gender: GenderCode | None
    birth_date: dt.date | None
    lunar_birthday: bool
    id_type: IdTypeCode
    id_number: str = Field(description="Masked: 110101********1234. POST …/reveal shows it, audited.")
    mobile: str = Field(description="Masked: 138****5678. POST …/reveal shows it, audited.")
    mobile2: str
    email: str
    address: str
    employer: str
    occupation: str
    industry: str
    education: EducationCode | None
    marital_status: MaritalCode | None
    spouse_name: str
    children: str
    interests: str
    wedding_anniversary: dt.date | None
    business_opened_on: dt.date | None
    account_opened_on: dt.date | None
    preferred_channel: ChannelCode | None
    preferred_time: str
    transaction_habits: str
    source: SourceCode | None
    risk_level: RiskCode | None
    risk_assessed_on: dt.date | None
    orientation: OrientationCode | None
    other_bank_assets: Money | None
    notes: str
    consent: ConsentOut
    do_not_disturb: bool
    agreed_contact_days: int | None = Field(None, description="A contact frequency agreed with the customer, "
                                                              "in days (replaces the segment's cadence).")
    contact_maturities_only: bool = Field(False, description="Agreed: contact only before maturities.")
    rm: str | None = Field(description="Username of the manager.")
    assistant: str | None = Field(description="Username of the assistant, if any.")
    branch: str = Field(description="Branch code.")
    aum: Money = Field(description="Assets under management at this bank, from active holdings.")
    last_contact_at: Moment | None
    completeness: int = Field(description="Percentage of the key fields known.")
    missing_fields: list[str] = Field(description="Key fields not yet known, to ask next time.")
    segment: SegmentOut | None = Field(description="The segment (SEG); null in lists.")
    created_at: Moment
    updated_at: Moment


class CustomerPageOut(Page):
    items: list[CustomerOut]


class RevealIn(In):
    field: SecretField


class RevealOut(Schema):
    value: str


# --- mapping -----------------------------------------------------------------------------------

_CHOICE_FIELDS = ("gender", "education", "marital_status", "preferred_channel", "source", "risk_level", "orientation")
_PLAIN_FIELDS = ("id", "external_id", "name", "birth_date", "lunar_birthday", "id_type", "email", "address",
                 "employer", "occupation", "industry", "spouse_name", "children", "interests", "wedding_anniversary",
                 "business_opened_on", "account_opened_on", "preferred_time", "transaction_habits",
                 "risk_assessed_on", "other_bank_assets", "notes", "do_not_disturb", "agreed_contact_days",
                 "contact_maturities_only", "aum", "last_contact_at",
                 "completeness", "created_at", "updated_at")


def _as_listed(qs):
    """The customers with what customer_out reads of their manager, assistant and branch (not
    every column of three more rows per customer)."""
    own = [f.name for f in Customer._meta.concrete_fields]
    return qs.select_related("rm", "assistant", "branch").only(*own, "rm__username", "assistant__username",
                                                                 "branch__code")


def customer_out(c: Customer) -> dict[str, Any]:
    """The customer as API.md returns it: numbers masked, choices null when unknown."""
    data: dict[str, Any] = {f: getattr(c, f) for f in _PLAIN_FIELDS}
    data.update({f: getattr(c, f) or None for f in _CHOICE_FIELDS})
    data.update(
        id_number=identity.mask_id_number(c.id_number), mobile=identity.mask_mobile(c.mobile),
        mobile2=identity.mask_mobile(c.mobile2), consent=c.consent,
        rm=c.rm.username if c.rm_id else None, assistant=c.assistant.username if c.assistant_id else None,
        branch=c.branch.code, missing_fields=missing_fields(c), segment=None,
    )
    return data


def segment_out(c: Customer) -> dict[str, Any]:
    """The segment; a frequency agreed with the customer replaces the quadrant's (as the worklist's
    cadence does), flagged."""
    seg = segment_of(c)
    agreed = {"frequency_agreed": c.contact_maturities_only or c.agreed_contact_days is not None,
              "contact_maturities_only": c.contact_maturities_only}
    if c.contact_maturities_only:
        agreed["frequency_days"] = None
    elif c.agreed_contact_days is not None:
        agreed["frequency_days"] = c.agreed_contact_days
    if seg is None:
        return {"quadrant": None, "frequency_days": None, "orientation": c.orientation or None,
                "potential_score": None, "reasons": [], "is_priority": False, "value_rank": None, **agreed}
    return {"quadrant": seg.quadrant, "frequency_days": seg.frequency_days, "orientation": seg.orientation,
            "potential_score": seg.potential_score, "reasons": seg.reason_texts, "is_priority": seg.is_priority,
            "value_rank": seg.value_rank, **agreed}


def customer_full_out(c: Customer) -> dict[str, Any]:
    """One customer with its segment (the list leaves the segment out: one query per row)."""
    return {**customer_out(c), "segment": segment_out(c)}


def _profile_values(payload: CustomerFields, *, only_set: bool) -> dict[str, Any]:
    """Body → keyword arguments of the customer services (consent → consent_* fields)."""
    given = payload.model_dump(exclude_unset=only_set, exclude={"consent", "external_id", "rm"})
    if not only_set:
        given = {k: v for k, v in given.items() if v is not None}
    if payload.consent is not None:
        consent = payload.consent.model_dump(exclude_unset=True)
        given.update({f"consent_{k}": v for k, v in consent.items() if v is not None})
    return given


def _may_create_in(user: Staff, rm: Staff) -> bool:
    """A manager fills his or her own book (an assistant the book of the manager he or she works
    for), a branch head the branch, an admin the bank."""
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.BRANCH_HEAD:
        return bool(user.branch_id) and rm.branch_id == user.branch_id
    if user.role == Role.ASSISTANT:
        return rm.pk == user.manager_id
    return rm.pk == user.pk


# --- endpoints ---------------------------------------------------------------------------------


@router.post("/customers", response={201: CustomerOut, **ERRORS_409})
def customer_create_endpoint(request, payload: CustomerIn):
    """Open a customer file in `rm`'s book. Birth date and gender come from a resident ID when
    not given. 409 when the customer number exists; 422 names each field that is wrong."""
    user = actor(request)
    rm = Staff.objects.filter(username=payload.rm).select_related("branch").first()
    if rm is None:
        raise invalid("rm", _("No staff member has the username %(u)s.") % {"u": payload.rm})
    if not _may_create_in(user, rm):
        raise forbidden(_("You may only add customers to a book you keep or oversee."))
    external_id = payload.external_id.strip()
    customer = customer_create(actor=user, external_id=external_id, rm=rm, **_profile_values(payload, only_set=False))
    return Status(201, customer_out(get_customer_for_user(user, customer.pk)))


@router.get("/customers", response={200: CustomerPageOut, **ERRORS})
def customer_list(request, q: str | None = Query(None, max_length=100,
                                                 description="Name, pinyin, pinyin initials, the customer "
                                                             "number (C000003958, c3958), the last 4 digits "
                                                             "of a mobile or ID, a full mobile or ID, an account "
                                                             "or card number or its tail (4 digits or more)."),
                  limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)):
    """With `q`: the caller's customers that match (best first, at most 200). Without: the
    caller's whole visible book, largest AUM first, a page at a time. Each answer is one event
    in the audit log: what was asked, how many customers it showed, and which."""
    user = actor(request)
    q = clean_text(q).strip()
    asked = {"q": q, "limit": limit, "offset": offset} if q else {"limit": limit, "offset": offset}
    if q:
        # The matches (at most the cap) are counted by their ids; only the page's customers are
        # read whole and turned into JSON (a million-customer bank: 200 full rows cost more than the search).
        ids = search_customer_ids(user, q, limit=SEARCH_CAP)
        page = {c.pk: c for c in _as_listed(visible_customers(user).filter(pk__in=ids[offset:offset + limit]))}
        shown = [page[pk] for pk in ids[offset:offset + limit] if pk in page]
        count = len(ids)
    else:
        qs = visible_customers(user).order_by("-aum", "pk")
        shown, count = list(_as_listed(qs)[offset:offset + limit]), qs.count()
    customers_listed(actor=user, customer_ids=[c.pk for c in shown], via="api_customers", params=asked, matched=count)
    return {"items": [customer_out(c) for c in shown], "count": count}


@router.get("/customers/{id}", response={200: CustomerOut, **ERRORS})
def customer_get(request, id: PathId):
    """One customer file, with AUM and segment. The look is written to the audit log."""
    customer = customer_or_404(request, id)
    customer_viewed(actor=actor(request), customer=customer, via="api")
    return customer_full_out(customer)


@router.patch("/customers/{id}", response={200: CustomerOut, **ERRORS_409})
def customer_patch(request, id: PathId, payload: CustomerPatch):
    """Change the fields sent (null clears one); the change is audited."""
    customer = customer_or_404(request, id)
    customer_update(actor=actor(request), customer=customer, **_profile_values(payload, only_set=True))
    return customer_full_out(customer_or_404(request, id))


@router.post("/customers/{id}/reveal", response={200: RevealOut, **ERRORS})
def customer_reveal_endpoint(request, id: PathId, payload: RevealIn):
    """Show one masked number in full. Every reveal is written to the audit log."""
    customer = customer_or_404(request, id)
    return {"value": customer_reveal(actor=actor(request), customer=customer, field=payload.field)}


@router.get("/customers/{id}/segment", response={200: SegmentOut, **ERRORS})
def customer_segment(request, id: PathId):
    """The customer's segment: quadrant, the contact frequency it sets, orientation, potential
    score and the reasons behind it."""
    return segment_out(customer_or_404(request, id))
