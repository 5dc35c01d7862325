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
from decimal import Decimal
from typing import Annotated, Any

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.security import HttpBearer
from pydantic import BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema, field_validator

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


def DecimalIn(max_digits: int, decimal_places: int, **bounds: Any) -> Any:  # noqa: N802 (a type factory)
    """A decimal in a request, as a string ("800000.00") or a number, within the column's size."""
    return Annotated[
        Decimal,
        Field(max_digits=max_digits, decimal_places=decimal_places, allow_inf_nan=False, **bounds),
        WithJsonSchema({"anyOf": [{"type": "string", "pattern": DECIMAL_PATTERN}, {"type": "number"}],
                        "examples": ["800000.00"]}),
    ]


MoneyIn = DecimalIn(16, 2, ge=0)


#: A moment in an answer: ISO 8601 in the bank's time zone, "2026-11-23T10:30:00+08:00".
Moment = Annotated[
    dt.datetime,
    PlainSerializer(lambda d: timezone.localtime(d).isoformat(timespec="seconds"), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-11-23T10:30:00+08:00"]}),
]


def _iso_only(value: Any) -> Any:
    # pydantic would read a number as a Unix timestamp; API.md speaks ISO 8601 only.
    if isinstance(value, bool | int | float | Decimal):
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    return value


def _sane_year(value: dt.date) -> dt.date:
    # Outside these years a datetime cannot be moved between time zones or stored everywhere.
    if not 1900 <= value.year <= 2999:
        raise ValueError(_("The year must be between 1900 and 2999."))
    return value


#: A date in a request: "2026-11-23".
IsoDate = Annotated[dt.date, BeforeValidator(_iso_only), Field(json_schema_extra={"examples": ["2026-11-23"]})]
#: A moment in a request: "2026-11-23T10:30:00+08:00" (without an offset: Beijing time).
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_iso_only)]


def _storable_value(value: Any) -> Any:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(_("Text cannot contain NUL characters."))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(_("Text must be valid Unicode.")) from None
    if isinstance(value, dt.date):
        _sane_year(value)
    return value


class In(Schema):
    """Base of every request body: unknown fields are refused (a misspelt field must not be dropped
    silently), and text that no database could store is refused as bad input, not a 500."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return type(value)(_storable_value(v) for v in value)
        return _storable_value(value)


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
