"""The review as an Excel workbook (KPI-3: "export to Excel"): what the branch head keeps, forwards
upward and reads offline — the export endpoint, the review page's button and the monthly report
all make it here, from one `Review`.

One sheet per view, each with the title block (the bank, the scope, the period, the dates the AUM
is read at), a styled header row, frozen panes, an autofilter and set column widths:

- 人员 (Staff): one line per row of the review — name, username, branch, then every figure of
  `definitions.FIELDS` in its order — and a bold total line;
- 网点 (Branches): the rows added up per branch, when the scope is the whole bank;
- 趋势 (Trend): the period week by week, with a line chart of the contact achievement rate and
  the contacts (`figures.weekly_trend`);
- 象限迁移 (Quadrant migration): customers by quadrant at the start (or new) and at the end;
- 定义 (Definitions): every figure's label, key, unit and definition — the figures' meaning
  travels with the file.

The values are exactly the review's: money a number to the fen (format #,##0.00), a rate the
fraction (format 0.0%), counts whole numbers, "no value" (a rate of nothing planned) an empty
cell. The header reads in the caller's language (Chinese by default, English on request).

`review_download(request, review)` answers the workbook as a download and writes the one audit
event of the export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import pgettext

from banyan.kpis.definitions import FIELDS, Field

if TYPE_CHECKING:
    from banyan.kpis.figures import Review, Row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: How each kind of figure is written.
NUMBER_FORMATS = {"money": "#,##0.00", "rate": "0.0%", "count": "#,##0", "minutes": "#,##0", "points": "0.0"}

#: The title block takes rows 1–4, a blank row follows, the header is row 6.
HEADER_ROW = 6

#: The 人员 sheet's leading columns, before the figures.
LEADING = 3

_GREEN = "0F5C4D"
_HEADER_FILL = "E7F2EF"
_TOTAL_FILL = "F4FAF8"


def _ctx(text: str) -> str:
    return pgettext("review export", text)


def sheet_names() -> dict[str, str]:
    """The sheets' names in the active language (人员, 网点, 趋势, 象限迁移, 定义)."""
    return {"staff": _ctx("Staff"), "branches": _ctx("Branches"), "trend": _ctx("Trend"),
            "matrix": _ctx("Quadrant migration"), "definitions": _ctx("Definitions")}


def unit_label(kind: str) -> str:
    return {"money": _ctx("yuan"), "rate": _ctx("fraction (shown as %)"), "count": _ctx("count"),
            "minutes": _ctx("minutes"), "points": _ctx("points")}.get(kind, kind)


def cell_value(field: Field | str, value: Any) -> Any:
    """A figure as the workbook keeps it: money a Decimal to the fen, a rate the fraction, None empty."""
    kind = field.kind if isinstance(field, Field) else field
    if value is None:
        return None
    if kind == "money":
        return Decimal(value).quantize(Decimal("0.01"))
    if kind in ("rate", "points"):
        return float(value)
    return int(value)


def scope_label(review: Review) -> str:
    """The whole bank, a branch, or a manager (in a branch), in words."""
    from banyan.org.models import Branch, Staff

    scope = review.scope
    branch = Branch.objects.filter(pk=scope.branch_id).first() if scope.branch_id else None
    if scope.manager_id is not None:
        staff = Staff.objects.filter(pk=scope.manager_id).select_related("branch").first()
        name = staff.display_name if staff else str(scope.manager_id)
        where = branch or (staff.branch if staff else None)
        return f"{name}（{where.name}）" if where else name
    if getattr(scope, "unassigned", False):
        return f"{branch.name if branch else _ctx('Whole bank')} · {_ctx('customers with no manager')}"
    if branch is not None:
        return f"{branch.name}（{branch.code}）"
    return _ctx("Whole bank")


def scope_slug(review: Review) -> str:
    """A short name for the file: the branch code, the manager's username, or 全行."""
    from banyan.org.models import Branch, Staff

    scope = review.scope
    if scope.manager_id is not None:
        return Staff.objects.filter(pk=scope.manager_id).values_list("username", flat=True).first() or "manager"
    if scope.branch_id is not None:
        return Branch.objects.filter(pk=scope.branch_id).values_list("code", flat=True).first() or "branch"
    return _ctx("Whole bank")


def bank_name() -> str:
    return getattr(settings, "BANYAN_BANK_NAME", "") or "榕树银行"


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


# ------------------------------------------------------------------ styling

def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="C7CCD1")
    return {
        "bank": Font(bold=True, size=14, color=_GREEN),
        "title": Font(bold=True, size=12),
        "meta": Font(size=10, color="4B5563"),
        "header_font": Font(bold=True, color="0B463B"),
        "header_fill": PatternFill("solid", fgColor=_HEADER_FILL),
        "header_align": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "header_border": Border(bottom=Side(style="medium", color=_GREEN)),
        "total_font": Font(bold=True),
        "total_fill": PatternFill("solid", fgColor=_TOTAL_FILL),
        "total_border": Border(top=thin),
        "wrap": Alignment(wrap_text=True, vertical="top"),
    }


def _title_block(ws, review: Review, title: str, st: dict) -> None:
    ws.cell(row=1, column=1, value=bank_name()).font = st["bank"]
    ws.cell(row=2, column=1, value=f"{_ctx('Review')} · {title} · {scope_label(review)}").font = st["title"]
    ws.cell(row=3, column=1, value=f"{_ctx('Period')}：{review.period.label()}").font = st["meta"]
    as_of = review.as_of or {}
    ws.cell(row=4, column=1, value=(
        f"{_ctx('AUM at the start as of')}：{_day(as_of.get('aum_start_date'))}　"
        f"{_ctx('AUM at the end as of')}：{_day(as_of.get('aum_end_date'))}　"
        f"{_ctx('Made on')}：{_made_on()}")).font = st["meta"]


def _made_on() -> str:
    from banyan import clock

    return clock.today().isoformat()


def _text(ws, row: int, column: int, value: str | None):
    """A text cell, never a formula: a name that starts with = stays text."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


def _header(ws, labels: list[str], st: dict, row: int = HEADER_ROW) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font, cell.fill = st["header_font"], st["header_fill"]
        cell.alignment, cell.border = st["header_align"], st["header_border"]
    ws.row_dimensions[row].height = 42


def _figures(ws, row: int, first_col: int, values: dict[str, Any], fields: list[Field]) -> None:
    for k, field in enumerate(fields):
        cell = ws.cell(row=row, column=first_col + k, value=cell_value(field, values.get(field.key)))
        cell.number_format = NUMBER_FORMATS.get(field.kind, "General")


def _total_style(ws, row: int, last_col: int, st: dict) -> None:
    for col in range(1, last_col + 1):
        cell = ws.cell(row=row, column=col)
        cell.font, cell.fill, cell.border = st["total_font"], st["total_fill"], st["total_border"]


def _widths(ws, widths: list[float]) -> None:
    from openpyxl.utils import get_column_letter

    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _field_width(field: Field) -> float:
    label = str(field.label)
    # a CJK character is about two columns wide; the header wraps onto two or three lines
    wide = sum(2 if ord(ch) > 0x2E80 else 1 for ch in label)
    return max(11.0, min(18.0, wide / 2 + 3))


def _finish_table(ws, last_row: int, last_col: int, freeze_col: int) -> None:
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=freeze_col + 1)
    if last_row > HEADER_ROW:
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(last_col)}{last_row}"
    ws.sheet_view.zoomScale = 90


# ------------------------------------------------------------------ the sheets

def _staff_sheet(wb, review: Review, st: dict) -> None:
    ws = wb.active
    ws.title = sheet_names()["staff"]
    _title_block(ws, review, sheet_names()["staff"], st)
    _header(ws, [_ctx("Name"), _ctx("Username"), _ctx("Branch")] + [str(f.label) for f in FIELDS], st)
    row = HEADER_ROW
    for r in review.rows:
        row += 1
        _text(ws, row, 1, r.name)
        _text(ws, row, 2, r.username or None)
        _text(ws, row, 3, r.branch.name if r.branch is not None else None)
        _figures(ws, row, LEADING + 1, r.values, FIELDS)
    last_data = row
    row += 1
    ws.cell(row=row, column=1, value=_ctx("Total"))
    _figures(ws, row, LEADING + 1, review.total, FIELDS)
    _total_style(ws, row, LEADING + len(FIELDS), st)
    _widths(ws, [14, 14, 14] + [_field_width(f) for f in FIELDS])
    _finish_table(ws, last_data, LEADING + len(FIELDS), LEADING)


def _branch_sheet(wb, review: Review, st: dict) -> None:
    ws = wb.create_sheet(sheet_names()["branches"])
    _title_block(ws, review, sheet_names()["branches"], st)
    _header(ws, [_ctx("Branch code"), _ctx("Branch")] + [str(f.label) for f in FIELDS], st)
    row = HEADER_ROW
    for r in review.by_branch():
        row += 1
        _text(ws, row, 1, r.branch.code if r.branch is not None else None)
        _text(ws, row, 2, r.branch.name if r.branch is not None else None)
        _figures(ws, row, 3, r.values, FIELDS)
    last_data = row
    row += 1
    ws.cell(row=row, column=1, value=_ctx("Total"))
    _figures(ws, row, 3, review.total, FIELDS)
    _total_style(ws, row, 2 + len(FIELDS), st)
    _widths(ws, [12, 16] + [_field_width(f) for f in FIELDS])
    _finish_table(ws, last_data, 2 + len(FIELDS), 2)


#: The trend sheet's columns (weekly_trend's keys), in order.
TREND_KEYS = ["planned", "done", "reached", "contact_achievement_rate", "contacts", "new_info", "calls",
              "opportunities_opened", "sales_amount"]


def _trend_sheet(wb, review: Review, st: dict) -> None:
    try:
        from banyan.kpis.figures import weekly_trend
    except ImportError:  # the figures engine has no trend yet
        return
    from openpyxl.chart import LineChart, Reference

    from banyan.kpis.definitions import FIELD_BY_KEY

    weeks = weekly_trend(review.scope, review.period)
    ws = wb.create_sheet(sheet_names()["trend"])
    _title_block(ws, review, sheet_names()["trend"], st)
    fields = [FIELD_BY_KEY[k] for k in TREND_KEYS]
    _header(ws, [_ctx("From"), _ctx("To")] + [str(f.label) for f in fields], st)
    row = HEADER_ROW
    for week, values in weeks:
        row += 1
        ws.cell(row=row, column=1, value=week.start).number_format = "yyyy-mm-dd"
        ws.cell(row=row, column=2, value=week.end).number_format = "yyyy-mm-dd"
        _figures(ws, row, 3, values, fields)
    _widths(ws, [12, 12] + [_field_width(f) for f in fields])
    _finish_table(ws, row, 2 + len(fields), 2)
    if row == HEADER_ROW:
        return
    rate_col = 3 + TREND_KEYS.index("contact_achievement_rate")
    contacts_col = 3 + TREND_KEYS.index("contacts")
    categories = Reference(ws, min_col=1, min_row=HEADER_ROW + 1, max_row=row)
    rate = LineChart()
    rate.title = _ctx("Contact achievement rate and contacts by week")
    rate.y_axis.title = str(FIELD_BY_KEY["contact_achievement_rate"].label)
    rate.y_axis.number_format = "0%"
    rate.y_axis.scaling.min = 0
    rate.y_axis.majorGridlines = None
    rate.add_data(Reference(ws, min_col=rate_col, min_row=HEADER_ROW, max_row=row), titles_from_data=True)
    rate.set_categories(categories)
    rate.x_axis.number_format = "mm-dd"
    contacts = LineChart()
    contacts.add_data(Reference(ws, min_col=contacts_col, min_row=HEADER_ROW, max_row=row), titles_from_data=True)
    contacts.y_axis.axId = 200
    contacts.y_axis.title = str(FIELD_BY_KEY["contacts"].label)
    contacts.y_axis.crosses = "max"
    rate.series[0].graphicalProperties.line.solidFill = _GREEN
    contacts.series[0].graphicalProperties.line.solidFill = "C98A1B"
    rate += contacts
    rate.height, rate.width = 8.5, 20
    ws.add_chart(rate, f"A{row + 3}")


def quadrant_labels() -> dict[str, str]:
    from banyan.segments.models import Quadrant

    return {"new": _ctx("New customers"), "unknown": _ctx("Quadrant not recorded"),
            **{q.value: str(q.label) for q in Quadrant}}


def _matrix_sheet(wb, review: Review, st: dict) -> None:
    from banyan.segments.models import Quadrant

    matrix = review.quadrant_matrix()
    labels = quadrant_labels()
    ends = list(Quadrant.values)
    starts = ["new"] + ends + (["unknown"] if any(s == "unknown" for s, _e in matrix) else [])
    ws = wb.create_sheet(sheet_names()["matrix"])
    _title_block(ws, review, sheet_names()["matrix"], st)
    _header(ws, [_ctx("At the start ↓ / at the end →")] + [labels[e] for e in ends] + [_ctx("Total")], st)
    row = HEADER_ROW
    for start in starts:
        row += 1
        _text(ws, row, 1, labels.get(start, start)).font = st["header_font"]
        for k, end in enumerate(ends):
            ws.cell(row=row, column=2 + k, value=matrix.get((start, end), 0)).number_format = "#,##0"
        ws.cell(row=row, column=2 + len(ends), value=sum(matrix.get((start, e), 0) for e in ends)).number_format = \
            "#,##0"
    row += 1
    ws.cell(row=row, column=1, value=_ctx("Total"))
    for k, end in enumerate(ends):
        ws.cell(row=row, column=2 + k, value=sum(matrix.get((s, end), 0) for s in starts)).number_format = "#,##0"
    ws.cell(row=row, column=2 + len(ends), value=sum(matrix.get((s, e), 0) for s in starts for e in ends))
    _total_style(ws, row, 2 + len(ends), st)
    ws.cell(row=row + 2, column=1, value=_ctx(
        "Customers of the book at the end, by their quadrant at the start of the period (new: no record then) "
        "and at its end.")).font = st["meta"]
    _widths(ws, [26] + [16] * len(ends) + [10])
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)


def _definitions_sheet(wb, review: Review, st: dict) -> None:
    ws = wb.create_sheet(sheet_names()["definitions"])
    _title_block(ws, review, sheet_names()["definitions"], st)
    _header(ws, [_ctx("Figure"), _ctx("Key"), _ctx("Unit"), _ctx("Definition")], st)
    row = HEADER_ROW
    for field in FIELDS:
        row += 1
        ws.cell(row=row, column=1, value=str(field.label))
        ws.cell(row=row, column=2, value=field.key)
        ws.cell(row=row, column=3, value=unit_label(field.kind))
        ws.cell(row=row, column=4, value=str(field.definition)).alignment = st["wrap"]
    _widths(ws, [22, 26, 16, 90])
    _finish_table(ws, row, 4, 1)


def review_workbook(review: Review, *, language: str | None = None) -> bytes:
    """The review as an .xlsx file (bytes): 人员, 网点 (the whole bank only), 趋势, 象限迁移, 定义.
    `language`: "en" for English headers; None: the active language (Chinese by default)."""
    from openpyxl import Workbook

    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        st = _styles()
        wb = Workbook()
        _staff_sheet(wb, review, st)
        if review.scope.branch_id is None and review.scope.manager_id is None \
                and not getattr(review.scope, "unassigned", False):
            _branch_sheet(wb, review, st)
        _trend_sheet(wb, review, st)
        _matrix_sheet(wb, review, st)
        _definitions_sheet(wb, review, st)
        wb.properties.creator = bank_name()
        wb.properties.title = f"{_ctx('Review')} {scope_label(review)} {review.period.label()}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook_filename(review: Review) -> str:
    """经营检视-B01-2026-10-01-2026-10-31.xlsx (the scope's code or username, the period)."""
    period = review.period
    return f"{_ctx('Review')}-{scope_slug(review)}-{period.start.isoformat()}-{period.end.isoformat()}.xlsx"


def scope_of(review: Review) -> dict[str, Any]:
    """The scope as the audit keeps it: the branch's code and the manager's username (None: all)."""
    from banyan.org.models import Branch, Staff

    scope = review.scope
    out: dict[str, Any] = {
        "branch": Branch.objects.filter(pk=scope.branch_id).values_list("code", flat=True).first()
        if scope.branch_id else None,
        "manager": Staff.objects.filter(pk=scope.manager_id).values_list("username", flat=True).first()
        if scope.manager_id else None,
    }
    if getattr(scope, "unassigned", False):
        out["unassigned"] = True
    return out


def review_exported(*, actor, review: Review, via: str) -> None:
    """One audit event for one workbook of the review: the scope, the period and the rows in it.
    The review holds figures per staff member, no customer: no customer is named."""
    from banyan.audit.services import audit_log

    audit_log(actor=actor, action="kpis.exported", data={
        "via": via, **scope_of(review), "from": review.period.start.isoformat(),
        "to": review.period.end.isoformat(), "rows": len(review.rows)})


def xlsx_response(body: bytes, filename: str) -> HttpResponse:
    from banyan.wealth.report import attachment

    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = attachment(filename)
    response["Cache-Control"] = "private, no-store"
    return response


def review_download(request: HttpRequest, review: Review, *, via: str | None = None) -> HttpResponse:
    """The review as an .xlsx download (the export endpoint, the review pages' button), in the
    caller's language, with a Chinese file name (RFC 5987) — and ONE audit event (kpis.exported)
    naming the scope, the period and the number of rows."""
    actor = getattr(request, "auth", None) or request.user
    if via is None:
        via = "api_kpis_export" if request.path.startswith("/api/") else "review_page"
    body = review_workbook(review, language=translation.get_language())
    review_exported(actor=actor, review=review, via=via)
    with translation.override(translation.get_language()):
        name = workbook_filename(review)
    return xlsx_response(body, name)


def read_staff_sheet(data: bytes) -> tuple[list[str], list[list[Any]], list[Any]]:
    """(header, data lines, the total line) of the 人员 sheet of a workbook made here — for the
    tests that compare page, API and Excel."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    lines = [list(r) for r in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]
    header, body = lines[0], lines[1:]
    return header, body[:-1], body[-1]


def row_cells(row: Row) -> list[Any]:
    """What the 人员 sheet writes for a row (for comparisons)."""
    return [row.name, row.username or None, row.branch.name if row.branch is not None else None] + [
        cell_value(f, row.values.get(f.key)) for f in FIELDS]
