"""The review over the API (shared/API.md "Review"): GET /kpis and GET /kpis/export.xlsx. The
figures are banyan.kpis.figures.review's, the same as the page's and the workbook's."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import create_model

from banyan import clock
from banyan.kpis.definitions import FIELDS
from banyan.kpis.figures import Review, Row, review
from banyan.kpis.periods import KINDS, parse_period
from banyan.kpis.selectors import review_scope
from banyan.org.api import ERRORS, ApiError, Money, actor

router = Router(tags=["review"])

_TYPES: dict[str, Any] = {"count": int, "minutes": int, "money": Money, "rate": float | None, "points": float | None}


def _figures_schema(name: str, extra: dict[str, Any]) -> type[Schema]:
    fields = {**extra}
    for f in FIELDS:
        description = f"{f.label}: {f.definition}" if f.kind != "rate" else f"{f.label}: {f.definition} A fraction."
        fields[f.key] = (_TYPES[f.kind], Field(description=str(description)))
    return create_model(name, __base__=Schema, **fields)


KpiRowOut = _figures_schema("KpiRowOut", {
    "manager": (str | None, Field(description="The staff member's username; null: the branch's customers with no "
                                              "manager (book figures only).")),
    "name": (str, Field(description="The staff member's name.")),
    "branch": (str | None, Field(description="The branch's code: a manager who moved in the period has a row in "
                                             "each branch, with the days worked there.")),
})
KpiTotalOut = _figures_schema("KpiTotalOut", {})


class KpiEventsOut(Schema):
    held: int = Field(description="Client events held in the period (the branch's; a manager's: organised).")
    cost: Money = Field(description="Their actual cost, or the budget while none is recorded.")
    invited: int
    attended: int
    opportunities: int = Field(description="Sales opportunities opened from those events.")
    cost_per_opportunity: Money | None = Field(description="cost ÷ opportunities; null without any.")


class KpiOut(Schema):
    from_: dt.date = Field(alias="from")
    to: dt.date
    aum_start_date: dt.date | None = Field(description="The month-end snapshot the AUM at the start is read from.")
    aum_end_date: dt.date | None = Field(description="The date the AUM at the end is read at (today while the "
                                                     "period runs).")
    rows: list[KpiRowOut]
    total: KpiTotalOut
    events: KpiEventsOut


class KpiQuery(Schema):
    from_: str | None = Field(None, alias="from", max_length=10, description="YYYY-MM-DD; default: this month.")
    to: str | None = Field(None, max_length=10, description="YYYY-MM-DD, inclusive; default: today.")
    period: Literal[KINDS] | None = Field(None, description="Instead of `to`: the day, week, month, quarter or "
                                                           "year that holds `from` (or today).")
    manager: str | None = Field(None, max_length=150, description="A username: that staff member's figures.")
    branch: str | None = Field(None, max_length=20, description="A branch's code.")


def _row_out(row: Row) -> dict[str, Any]:
    return {"manager": row.username, "name": row.name, "branch": row.branch.code if row.branch else None,
            **row.values}


def review_out(r: Review) -> dict[str, Any]:
    return {"from": r.period.start, "to": r.period.end, **r.as_of,
            "rows": [_row_out(row) for row in r.rows], "total": r.total, "events": r.events}


def review_for(request, query: KpiQuery) -> Review:
    """The review the query asks for, if the caller may read it (404 otherwise)."""
    try:
        period = parse_period(start=query.from_, end=query.to, kind=query.period, today=clock.today())
    except ValidationError as e:
        raise ApiError(422, "invalid", _("Some fields are not valid."), e.message_dict) from None
    return review(review_scope(actor(request), period, manager=query.manager, branch=query.branch), period)


@router.get("/kpis", response={200: KpiOut, **ERRORS}, by_alias=True)
def kpis_get(request, query: Query[KpiQuery]):
    """The review's indicators for a period (KPI-1, KPI-2): one row per staff member and branch in
    what the caller may see — a manager his or her own row, a branch head the branch, an admin the
    bank (or `branch`) — and the total. Every figure is defined in its description; the page and
    the Excel show the same numbers."""
    from banyan.kpis.services import review_read

    r = review_for(request, query)
    review_read(actor=actor(request), review=r, via="api")
    return review_out(r)


_XLSX = {"description": "The review as a formatted workbook: a sheet per view and the definitions.",
         "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                     {"schema": {"type": "string", "format": "binary"}}}}


@router.get("/kpis/export.xlsx", response={200: None, **ERRORS}, openapi_extra={"responses": {200: _XLSX}})
def kpis_export(request, query: Query[KpiQuery]):
    """The same figures as GET /kpis as an Excel workbook, audited as an export."""
    from banyan.kpis.excel import review_download

    return review_download(request, review_for(request, query))
