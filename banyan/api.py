"""API v1 (django-ninja): one NinjaAPI, a router per app, the error shape of API.md.

Every error answers `{"error": {"code", "message", "fields"}}`:

| status | code | when |
| --- | --- | --- |
| 400 | bad_request | the body is not JSON |
| 401 | unauthorized | no token, a bad or expired one, a wrong password |
| 403 | forbidden | the caller's role may not do this |
| 404 | not_found | no such thing, or out of the caller's reach (indistinguishable on purpose) |
| 409 | conflict | a unique number exists already; another request closed the task or recorded the call first |
| 413 | too_large | the body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (any path that takes one) |
| 422 | invalid | a field is missing, of the wrong type, or refused by the service; `fields` names each |
| 429 | too_many_attempts | too many failed logins for this username or address |

The OpenAPI document says what the server does: the limits the server keeps are in the schemas
(banyan/org/api.py: dates, ids, JSON's types for numbers and flags, decimals, lengths), and every
status an operation answers is declared (413 once, here, for every operation with a body).
banyan/ops/tests/test_api_schema.py holds the server to it with schemathesis.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponseNotAllowed
from django.urls import re_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from banyan.api_docs import VendoredSwagger
from banyan.contacts.api import router as contacts_router
from banyan.customers.api import router as customers_router
from banyan.events.api import router as events_router
from banyan.gifts.api import router as gifts_router
from banyan.holdings.api import holdings_router, products_router
from banyan.kpis.api import router as kpis_router
from banyan.kpis.plans_api import router as kpis_plans_router
from banyan.messaging.api import router as messaging_router
from banyan.org.api import ApiError, BearerAuth
from banyan.org.api import router as auth_router
from banyan.outreach.api import router as outreach_router
from banyan.outreach.content_api import router as content_router
from banyan.service.complaints_api import router as complaints_router
from banyan.service.groups_api import router as groups_router
from banyan.service.lobby_api import router as lobby_router
from banyan.service.referrals_api import router as referrals_router
from banyan.staffing.capacity_api import router as capacity_router
from banyan.staffing.tiers_api import router as tiers_router
from banyan.wealth.api import router as wealth_router
from banyan.wealth.offers_api import router as offers_router
from banyan.worklists.api import router as worklist_router

logger = logging.getLogger("banyan.api")


class BanyanAPI(NinjaAPI):
    """NinjaAPI whose every answer under /api/v1/ keeps the error shape, including a wrong
    method (405) and a path that does not exist (404), which ninja leaves to Django's HTML."""

    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            pattern.callback = _json_not_allowed(pattern.callback)
        urls.append(re_path(r"^", _unknown_path))
        return urls

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        too_large = {"description": "Payload Too Large: the body is larger than the server takes.",
                     "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "requestBody" in operation:  # answered by _on_too_large below
                    operation["responses"].setdefault(413, too_large)
        return schema


def _json_not_allowed(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            message = _("This path does not take %(m)s.") % {"m": request.method}
            answer = _error(request, 405, "method_not_allowed", message)
            answer["Allow"] = response["Allow"]
            return answer
        return response

    return wrapper


@csrf_exempt  # an API path, authenticated by token when it exists at all
def _unknown_path(request, *args, **kwargs):
    return _error(request, 404, "not_found", _("There is no such path in API v1."))


class Utf8JSONRenderer(JSONRenderer):
    """Chinese names travel as UTF-8, readable in logs and curl, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = BanyanAPI(
    title="Banyan API",
    version="1",
    description="Banyan's HTTP API v1 (shared/API.md). JSON, UTF-8; money as decimal strings; dates ISO 8601 "
    "(YYYY-MM-DD, years 1900–2999). Get a token with `POST /api/v1/auth/token`, then send "
    "`Authorization: Bearer <token>`. An auditor reads only: every write answers 403.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=VendoredSwagger(),  # Swagger UI from static/vendor/, not a CDN (banyan/api_docs.py)
    auth=BearerAuth(),
    renderer=Utf8JSONRenderer(),
)

api.add_router("", auth_router)
api.add_router("", products_router)
api.add_router("", customers_router)
api.add_router("", holdings_router)
api.add_router("", contacts_router)
api.add_router("", worklist_router)
api.add_router("", outreach_router)
api.add_router("", content_router)
api.add_router("", messaging_router)
api.add_router("", wealth_router)
api.add_router("", offers_router)
api.add_router("", events_router)
api.add_router("", kpis_plans_router)
api.add_router("", kpis_router)
api.add_router("", groups_router)
api.add_router("", referrals_router)
api.add_router("", lobby_router)
api.add_router("", complaints_router)
api.add_router("", gifts_router)
api.add_router("", tiers_router)
api.add_router("", capacity_router)


def _error(request, status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": str(message), "fields": fields or {}}}
    return api.create_response(request, body, status=status)


# Friendlier words than pydantic's for the mistakes people make most.
_PYDANTIC_MESSAGES = {
    "missing": gettext_noop("This field is required."),
    "extra_forbidden": gettext_noop("Unknown field."),
    "date_type": gettext_noop("Enter a date as YYYY-MM-DD."),
    "date_parsing": gettext_noop("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": gettext_noop("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_inexact": gettext_noop("Enter a date as YYYY-MM-DD."),
    "datetime_type": gettext_noop("Enter a time as YYYY-MM-DDTHH:MM."),
    "datetime_parsing": gettext_noop("Enter a time as YYYY-MM-DDTHH:MM."),
    "datetime_from_date_parsing": gettext_noop("Enter a time as YYYY-MM-DDTHH:MM."),
    "decimal_parsing": gettext_noop("Enter a number, e.g. 100000.00."),
    "decimal_type": gettext_noop("Enter a number, e.g. 100000.00."),
    "finite_number": gettext_noop("Enter a number, e.g. 100000.00."),
    "int_type": gettext_noop("Enter a whole number."),
    "int_parsing": gettext_noop("Enter a whole number."),
    "int_from_float": gettext_noop("Enter a whole number."),
    "bool_type": gettext_noop("Enter true or false."),
    "bool_parsing": gettext_noop("Enter true or false."),
    "string_type": gettext_noop("Enter text."),
    "string_too_long": gettext_noop("At most %(max_length)s characters."),
    "string_too_short": gettext_noop("At least %(min_length)s characters."),
    "too_short": gettext_noop("Give at least %(min_length)s."),
    "too_long": gettext_noop("Give at most %(max_length)s."),
    "greater_than": gettext_noop("Must be more than %(gt)s."),
    "greater_than_equal": gettext_noop("Must be at least %(ge)s."),
    "less_than": gettext_noop("Must be less than %(lt)s."),
    "less_than_equal": gettext_noop("Must be at most %(le)s."),
    "decimal_max_digits": gettext_noop("At most %(max_digits)s digits."),
    "decimal_max_places": gettext_noop("At most %(decimal_places)s digits after the point."),
    "decimal_whole_digits": gettext_noop("At most %(whole_digits)s digits before the point."),
    "literal_error": gettext_noop("Choose one of %(expected)s."),
}


def _field_name(loc) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[2:]  # ("body", "<parameter>", field, …)
    elif parts:
        parts = parts[1:]  # ("query" | "path", name)
    return ".".join(parts) or "body"


def _message(err: dict) -> str:
    """One pydantic error in words people read, in their language, with its limit."""
    pydantic_words = str(err.get("msg", "")).removeprefix("Value error, ")
    known = _PYDANTIC_MESSAGES.get(err.get("type", ""))
    if not known:
        return pydantic_words
    try:
        return _(known) % {k: str(v) for k, v in (err.get("ctx") or {}).items()}
    except (KeyError, TypeError, ValueError):
        return pydantic_words


@api.exception_handler(NinjaValidationError)
def _on_bad_input(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        fields.setdefault(_field_name(err.get("loc", ())), []).append(_message(err))
    return _error(request, 422, "invalid", _("Some fields are not valid."), fields)


@api.exception_handler(DjangoValidationError)
def _on_refused(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        codes = {e.code for errors in exc.error_dict.values() for e in errors}
        if "conflict" in codes:  # another request changed it first (banyan/transitions.py)
            return _error(request, 409, "conflict", " ".join(exc.messages))
        if "unique" in codes:
            return _error(request, 409, "conflict", _("This already exists."), exc.message_dict)
        return _error(request, 422, "invalid", _("Some fields are not valid."), exc.message_dict)
    return _error(request, 422, "invalid", " ".join(exc.messages))


@api.exception_handler(RequestDataTooBig)
def _on_too_large(request, exc):
    # Django refuses to read a body above DATA_UPLOAD_MAX_MEMORY_SIZE; ninja would make it a 500
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024
    return _error(request, 413, "too_large", _("The request is too large: at most %(mb)s MB.") % {"mb": f"{limit:g}"})


@api.exception_handler(ApiError)
def _on_api_error(request, exc: ApiError):
    return _error(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(Http404)
def _on_not_found(request, exc):
    return _error(request, 404, "not_found", _("Not found."))


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               409: "conflict", 413: "too_large", 429: "too_many_attempts"}


@api.exception_handler(HttpError)
def _on_http_error(request, exc: HttpError):
    if exc.status_code == 401:
        return _error(request, 401, "unauthorized", _("Log in first: send Authorization: Bearer <token>."))
    if exc.status_code == 400:
        return _error(request, 400, "bad_request", _("The body is not valid JSON."))
    return _error(request, exc.status_code, _HTTP_CODES.get(exc.status_code, "error"), exc.message)


@api.exception_handler(PermissionDenied)
def _on_forbidden(request, exc):
    return _error(request, 403, "forbidden", str(exc) or _("You are not allowed to do this."))


@api.exception_handler(IntegrityError)
def _on_conflict(request, exc):
    # A unique number raced past the service's own check.
    return _error(request, 409, "conflict", _("This already exists."))


@api.exception_handler(Exception)
def _on_bug(request, exc):
    logger.exception("API error on %s %s", request.method, request.path)
    return _error(request, 500, "server_error", _("Something went wrong on our side; it has been logged."))
