"""API v1 plumbing shared by every router, and the token endpoint.

- `BearerAuth`: `Authorization: Bearer <token>`, tokens from `POST /api/v1/auth/token`.
- `ApiError` and `ErrorOut`: the one error shape of API.md,
  `{"error": {"code", "message", "fields"}}` (the handlers are registered in banyan/api.py).
- Typed building blocks for schemas: money and other decimals travel as strings matching
  `^-?\\d+(\\.\\d+)?$` (requests may also send numbers), dates as ISO 8601.

It lives in the org app because authentication is the organisation's business; the routers of the
other apps import from here (banyan/api.py imports the routers, so it cannot be imported by them).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import typing
from decimal import Decimal
from typing import Annotated, Any

from annotated_types import Ge, Le
from django.contrib.auth import authenticate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from ninja.security import HttpBearer
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from banyan import clock
from banyan.org.models import Role
from banyan.org.services import api_token_issue, api_token_user, login_failed, login_is_locked, login_succeeded

# --- the error shape ---------------------------------------------------------------------------


class ApiError(Exception):
    """Raise anywhere in an endpoint to answer `status` with the error shape of API.md."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def forbidden(message: str | None = None) -> ApiError:
    return ApiError(403, "forbidden", message or _("You are not allowed to do this."))


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", _("Some fields are not valid."), {field: [message]})


class ErrorDetail(Schema):
    code: str = Field(description="Machine-readable: unauthorized, forbidden, not_found, invalid, conflict, …",
                      examples=["invalid"])
    message: str = Field(description="For people, in the request's language (Chinese by default).")
    fields: dict[str, list[str]] = Field(default_factory=dict,
                                         description="Field name (dotted for nested fields) → what is wrong with it.")


class ErrorOut(Schema):
    error: ErrorDetail


#: The error answers every authenticated endpoint declares.
ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
#: … and those that create something with a unique number.
ERRORS_409: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}


# --- typed building blocks ---------------------------------------------------------------------

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"


def _fixed(value: Decimal, places: int | None) -> str:
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    return format(value, "f")


#: Money in an answer: a decimal string with two places, "1250000.00".
Money = Annotated[
    Decimal,
    PlainSerializer(lambda d: _fixed(d, 2), return_type=str),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "examples": ["1250000.00"]}),
]


def DecimalOut(decimal_places: int) -> Any:  # noqa: N802 (a type factory)
    """Any other exact number in an answer (NAV, yield, percent, units): a decimal string with
    the column's places ("1.0350"), whatever the caller sent."""
    return Annotated[
        Decimal,
        PlainSerializer(lambda d: _fixed(d, decimal_places), return_type=str),
        WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "examples": ["1." + "0" * decimal_places]}),
    ]


def _bound(bounds: dict[str, Any], key: str) -> Decimal | None:
    return Decimal(str(bounds[key])) if key in bounds else None


def DecimalIn(max_digits: int, decimal_places: int, **bounds: Any) -> Any:  # noqa: N802 (a type factory)
    """A decimal in a request, as a string ("800000.00") or a number, within the column's size
    (`max_digits`, `decimal_places`) and `bounds` (ge, gt, le, lt). The document states the same
    limits: a string pattern (digits before and after the point, a sign only where negatives are
    allowed, a non-zero digit where zero is refused) and a number's range and step."""
    whole = max_digits - decimal_places
    low = _bound(bounds, "ge") if "ge" in bounds else _bound(bounds, "gt")
    positive_only = low is not None and low >= 0
    nonzero = "(?=.*[1-9])" if _bound(bounds, "gt") == 0 else ""
    pattern = rf"^{nonzero}{'' if positive_only else '-?'}[0-9]{{1,{whole}}}(\.[0-9]{{1,{decimal_places}}})?$"
    shape = re.compile(pattern.removeprefix("^").removesuffix("$"))
    largest = Decimal(10) ** whole - Decimal(1).scaleb(-decimal_places)
    number: dict[str, Any] = {"type": "number", "maximum": float(largest), "minimum": float(-largest),
                              "multipleOf": float(Decimal(1).scaleb(-decimal_places))}
    for key, schema_key in (("ge", "minimum"), ("gt", "exclusiveMinimum"), ("le", "maximum"),
                            ("lt", "exclusiveMaximum")):
        if key in bounds:
            number[schema_key] = float(_bound(bounds, key))
            if key == "gt":
                number.pop("minimum")
            if key == "lt":
                number.pop("maximum")

    def _written_plainly(value: Any) -> Any:
        # pydantic would also take " 1.5", "1e3", "0001.5": the document's pattern is the rule
        if isinstance(value, bool) or (isinstance(value, str) and not shape.fullmatch(value)):
            raise ValueError(_("Enter a number, e.g. 100000.00."))
        return value

    return Annotated[
        Decimal,
        BeforeValidator(_written_plainly),
        Field(max_digits=max_digits, decimal_places=decimal_places, allow_inf_nan=False, **bounds),
        WithJsonSchema({"anyOf": [{"type": "string", "pattern": pattern}, number], "examples": ["800000.00"]}),
    ]


MoneyIn = DecimalIn(16, 2, ge=0)


#: A moment in an answer: ISO 8601 in the bank's time zone, "2026-11-23T10:30:00+08:00".
Moment = Annotated[
    dt.datetime,
    PlainSerializer(lambda d: timezone.localtime(d).isoformat(timespec="seconds"), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-23T10:30:00+08:00"]}),
]

#: The years of clock.MIN_YEAR–MAX_YEAR as a pattern.
_YEAR = "(19[0-9]{2}|2[0-9]{3})"
DATE_PATTERN = rf"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}$"
DATETIME_PATTERN = (rf"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}[Tt ][0-9]{{2}}:[0-9]{{2}}(:[0-9]{{2}}([.,][0-9]+)?)?"
                    r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?$")
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_SHAPE = re.compile(DATETIME_PATTERN.removeprefix("^").removesuffix("$").replace(_YEAR, "[0-9]{4}", 1))


def _iso_date(value: Any) -> Any:
    # pydantic would read 0 or "0" as a Unix timestamp and "2026-11-23T00:00" as a day: the API
    # speaks YYYY-MM-DD only
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DATE_SHAPE.fullmatch(value):
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    return value


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DATETIME_SHAPE.fullmatch(value):
        raise ValueError(_("Enter a time as YYYY-MM-DDTHH:MM."))
    return value


def _sane_year(value: dt.date) -> dt.date:
    if not clock.MIN_YEAR <= value.year <= clock.MAX_YEAR:
        raise ValueError(_("The year must be between 1900 and 2999."))
    return value


#: A date in a request (body, query or path): "2026-11-23", years 1900–2999.
IsoDate = Annotated[
    dt.date, BeforeValidator(_iso_date), AfterValidator(_sane_year),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN, "examples": ["2026-11-23"]}),
]
def _bank_time(value: dt.datetime) -> dt.datetime:
    # In the bank's time zone from here on: an offset such as -17:47 is ISO 8601 but no database's
    # (PostgreSQL stops at ±15:59), and a moment without one is Beijing time.
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return timezone.localtime(value)


#: A moment in a request: "2026-11-23T10:30:00+08:00" (without an offset: Beijing time), years
#: 1900–2999; the service receives it in the bank's time zone.
IsoDateTime = Annotated[
    dt.datetime, BeforeValidator(_iso_datetime), AfterValidator(_sane_year), AfterValidator(_bank_time),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN,
                    "examples": ["2026-11-23T10:30:00+08:00"]}),
]

#: The largest id a database row can have (a 64-bit signed integer).
MAX_ID = 2**63 - 1

#: A whole number and a flag of a request body. In holds every int and bool of a body to JSON's
#: types (true is no number, "5" and 1 are no flag); the names say so where a schema is read.
Int = int
Bool = bool
#: The id of a row in a request body.
Id = Annotated[int, Ge(1), Le(MAX_ID)]


def _findable(value: int) -> int:
    # An id no table could hold is not found (404, as any other missing row), not looked up: a
    # database would overflow on it.
    if not 1 <= value <= MAX_ID:
        raise Http404
    return value


#: The id of a row in a path; the document states the range, a number outside it is not found (404).
PathId = Annotated[int, AfterValidator(_findable), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_ID}),
                   Path()]


def _storable_value(value: Any) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(_("Text cannot contain NUL characters."))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(_("Text must be valid Unicode.")) from None
    if isinstance(value, dt.date):
        _sane_year(value)  # a date typed otherwise than IsoDate still cannot pass
    return value


def _leaves(annotation: Any) -> set:
    """The plain types a field's annotation can hold: int | None, list[Id], Annotated[…] → {int, None}."""
    if typing.get_origin(annotation) is typing.Literal:
        return set()
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is Annotated:
        return _leaves(args[0])
    if args:
        return set().union(*(_leaves(a) for a in args))
    return {annotation}


@functools.cache
def _json_kind(model: type, field: str) -> str | None:
    leaves = _leaves(model.model_fields[field].annotation)
    return "flag" if bool in leaves else "whole" if int in leaves else None


def _json_type(kind: str, value: Any) -> None:
    # pydantic would take true as 1, "5" as 5 and 1 or "yes" as true: a body speaks JSON's types
    if kind == "whole" and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ValueError(_("Enter a whole number."))
    if kind == "flag" and not isinstance(value, bool):
        raise ValueError(_("Enter true or false."))


class In(Schema):
    """Base of every request body: unknown fields are refused (a misspelt field must not be dropped
    silently); a whole number is a JSON number (not true/false or "5"; 5.0 is 5, as JSON Schema's
    integer), a flag is true or false; and text that no database could store is refused as bad
    input, not a 500. The rules hold for every field of every body, present and future."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _json_types(cls, value: Any, info: ValidationInfo) -> Any:
        kind = _json_kind(cls, info.field_name)
        if kind is not None and value is not None:
            for item in value if isinstance(value, list) else [value]:
                _json_type(kind, item)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return type(value)(_storable_value(v) for v in value)
        if isinstance(value, dict):
            return {_storable_value(k): _storable_value(v) for k, v in value.items()}
        return _storable_value(value)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**kwargs: Any) -> Any:
    """A body field that may be left out but not sent as null (leaving it out keeps the value):
    the document shows it as optional, not nullable."""
    return Field(None, json_schema_extra=_no_default, **kwargs)


class Page(Schema):
    count: int = Field(description="How many items there are in all (for a search: the matches, up to its cap).")


def clean_text(value: str | None) -> str:
    """A query or path string made safe to pass to any database."""
    return (value or "").replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


# --- authentication ----------------------------------------------------------------------------


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the staff member becomes `request.auth` and `request.user`."""

    def authenticate(self, request, token: str):
        staff = api_token_user(clean_text(token)) if token else None
        if staff is not None:
            request.user = staff
            if staff.role == Role.AUDITOR and request.method not in ("GET", "HEAD", "OPTIONS"):
                # one rule at the door for every write, present and future: the auditor reads
                raise forbidden(_("An auditor reads: the API changes nothing for this role."))
        return staff


def actor(request):
    """The authenticated staff member of an API request."""
    return request.auth


def require_admin(request) -> None:
    if actor(request).role != Role.ADMIN:
        raise forbidden(_("Only an administrator may change the product catalogue."))


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


router = Router(tags=["auth"])


class TokenIn(In):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=4096)


class TokenOut(Schema):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; valid for BANYAN_API_TOKEN_DAYS days.")


@router.post("/auth/token", auth=None, response={200: TokenOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut,
                                                 429: ErrorOut})
def token_issue(request, payload: TokenIn):
    """Exchange a staff login for a bearer token. Failures count towards the same lock as the
    login page: after too many, the username (or address) is locked for a while (429)."""
    ip = _client_ip(request)
    if login_is_locked(username=payload.username, ip=ip):
        raise ApiError(429, "too_many_attempts", _("Too many failed logins: try again in 15 minutes."))
    staff = authenticate(request, username=payload.username, password=payload.password)
    if staff is None:
        login_failed(username=payload.username, ip=ip)
        raise ApiError(401, "unauthorized", _("Wrong username or password."))
    login_succeeded(staff=staff)
    return {"token": api_token_issue(staff=staff)}


# --- the caller's own login ----------------------------------------------------------------------


class MeOut(Schema):
    username: str
    name: str = Field(description="The display name.")
    role: str
    branch: str | None = Field(description="The branch's code.")
    work_mobile: str = Field(description="The work mobile customers are given (the templates' {manager_mobile}); "
                                         "empty when not set.")
    work_wechat: str = Field(description="The work WeChat ID customers are given; empty when not set.")


class MePatchIn(In):
    work_mobile: str = omittable(max_length=30, description="11 digits; empty clears it.")
    work_wechat: str = omittable(max_length=40, description="6–40 letters, digits, - or _; empty clears it.")


def _me(staff) -> dict:
    return {"username": staff.username, "name": staff.display_name, "role": staff.role,
            "branch": staff.branch.code if staff.branch_id else None, "work_mobile": staff.work_mobile,
            "work_wechat": staff.work_wechat}


@router.get("/me", response={200: MeOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def me_read(request):
    """The caller's own login: name, role, branch, and the work mobile and WeChat ID customers are
    given (seed 004)."""
    return _me(actor(request))


@router.patch("/me", response={200: MeOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
                                422: ErrorOut})
def me_update(request, payload: MePatchIn):
    """Set one's own work mobile and WeChat ID (a field left out stays as it is; empty clears it)."""
    from banyan.org.services import staff_contact_set

    staff = actor(request)  # a refusal is a 422 naming the field (banyan/api.py)
    staff_contact_set(actor=staff, staff=staff, work_mobile=payload.work_mobile, work_wechat=payload.work_wechat)
    return _me(staff)
