"""The review's Excel workbook (issue 14 §5): opened with openpyxl and compared cell by cell with the
review it was made from — every line of 人员 and the total, in FIELDS order, money to the fen, rates
as fractions, None as an empty cell — with its number formats, its sheets, and the one audit event
of a download."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import translation
from openpyxl import load_workbook

from banyan.audit.models import AuditEvent
from banyan.kpis.definitions import FIELDS
from banyan.kpis.excel import HEADER_ROW, LEADING, NUMBER_FORMATS, review_download, review_workbook
from banyan.kpis.figures import Scope, review
from banyan.kpis.tests.month_fixtures import OCTOBER

pytestmark = pytest.mark.django_db


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _same(cell, expected) -> bool:
    """A cell read back against the review's value: money to the fen, a rate as the fraction."""
    if expected is None:
        return cell is None
    if isinstance(expected, Decimal):
        return cell is not None and Decimal(str(cell)).quantize(Decimal("0.01")) == expected
    if isinstance(expected, float):
        return cell is not None and abs(float(cell) - expected) < 1e-12
    return cell == expected


def _expected_line(row) -> list:
    return [row.name, row.username, row.branch.name if row.branch else None] + [row.values.get(f.key) for f in FIELDS]


def test_every_cell_of_the_staff_sheet_is_the_reviews_value(bank, october):
    rev = review(Scope(branch_id=bank.b1.pk), OCTOBER)
    wb = _book(review_workbook(rev, language="zh-hans"))
    ws = wb["人员"]
    header = [c.value for c in ws[HEADER_ROW]]
    assert header[:LEADING] == ["姓名", "用户名", "网点"]
    with translation.override("zh-hans"):
        assert header[LEADING:] == [str(f.label) for f in FIELDS]
    lines = [[c.value for c in r] for r in ws.iter_rows(min_row=HEADER_ROW + 1, max_row=ws.max_row)]
    assert len(lines) == len(rev.rows) + 1  # the rows and the total
    for line, row in zip(lines, rev.rows, strict=False):
        for k, (cell, expected) in enumerate(zip(line, _expected_line(row), strict=True)):
            assert _same(cell, expected), (row.name, header[k], cell, expected)
    total = lines[-1]
    assert total[0] == "合计"
    for k, f in enumerate(FIELDS):
        assert _same(total[LEADING + k], rev.total.get(f.key)), (f.key, total[LEADING + k], rev.total.get(f.key))
    # the figures are really there (the comparison is not between two empty sheets)
    zhang = next(r for r in rev.rows if r.username == "zhangmin")
    li = next(r for r in rev.rows if r.username == "lihua")
    col = {f.key: LEADING + k for k, f in enumerate(FIELDS)}
    zhang_line = lines[rev.rows.index(zhang)]
    assert zhang.values["planned"] == 3 and zhang.values["reached"] == 1
    assert zhang_line[col["contact_achievement_rate"]] == pytest.approx(0.333)
    assert Decimal(str(zhang_line[col["sales_amount"]])) == Decimal("123456.78")
    li_line = lines[rev.rows.index(li)]
    assert li.values["contact_achievement_rate"] is None
    assert li_line[col["contact_achievement_rate"]] is None  # nothing planned: an empty cell, not 0%
    assert all(r.branch_id == bank.b1.pk for r in rev.rows)  # the branch's scope: no line of 城西支行


def test_number_formats_follow_the_kind_of_each_figure(bank, october):
    rev = review(Scope(branch_id=bank.b1.pk), OCTOBER)
    ws = _book(review_workbook(rev))["人员"]
    for row in (HEADER_ROW + 1, ws.max_row):  # a line and the total
        for k, f in enumerate(FIELDS):
            cell = ws.cell(row=row, column=LEADING + 1 + k)
            assert cell.number_format == NUMBER_FORMATS[f.kind], (f.key, cell.number_format)
    kinds = {f.key: f.kind for f in FIELDS}
    assert NUMBER_FORMATS[kinds["sales_amount"]] == "#,##0.00"
    assert NUMBER_FORMATS[kinds["contact_achievement_rate"]] == "0.0%"
    assert NUMBER_FORMATS[kinds["planned"]] == "#,##0"
    assert ws.freeze_panes == f"D{HEADER_ROW + 1}"
    assert ws.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
    assert ws.cell(row=ws.max_row, column=1).font.bold and ws.cell(row=HEADER_ROW, column=1).font.bold
    assert ws.column_dimensions["A"].width >= 12
    assert ws["A1"].value == "榕树银行" and "城东支行" in ws["A2"].value
    assert "2026-10-01 – 2026-10-31" in ws["A3"].value


def test_the_bank_has_a_sheet_per_branch_the_branch_does_not(bank, october):
    mine = _book(review_workbook(review(Scope(branch_id=bank.b1.pk), OCTOBER)))
    assert "网点" not in mine.sheetnames and mine.sheetnames[0] == "人员" and "定义" in mine.sheetnames
    rev = review(Scope(), OCTOBER)
    wb = _book(review_workbook(rev))
    assert wb.sheetnames[:2] == ["人员", "网点"]
    ws = wb["网点"]
    by_branch = rev.by_branch()
    lines = [[c.value for c in r] for r in ws.iter_rows(min_row=HEADER_ROW + 1, max_row=ws.max_row)]
    assert [line[0] for line in lines] == [r.branch.code for r in by_branch] + ["合计"]
    for line, row in zip(lines, by_branch, strict=False):
        for k, f in enumerate(FIELDS):
            assert _same(line[2 + k], row.values.get(f.key)), (row.branch.code, f.key)
    assert {r.branch.code for r in rev.rows} == {"B01", "B02"}


def test_the_definitions_travel_with_the_file_and_english_is_offered(bank, october):
    rev = review(Scope(branch_id=bank.b1.pk), OCTOBER)
    ws = _book(review_workbook(rev))["定义"]
    keys = [ws.cell(row=r, column=2).value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    assert keys == [f.key for f in FIELDS]
    with translation.override("zh-hans"):
        assert ws.cell(row=HEADER_ROW + 1, column=4).value == str(FIELDS[0].definition)
    english = _book(review_workbook(rev, language="en"))
    assert english.sheetnames[0] == "Staff" and "Definitions" in english.sheetnames
    header = [c.value for c in english["Staff"][HEADER_ROW]]
    assert header[:4] == ["Name", "Username", "Branch", "Planned"] and "Contact achievement rate" in header


def test_the_trend_and_the_quadrant_migration_when_the_engine_has_them(bank, october):
    from banyan.kpis import figures

    if not hasattr(figures, "weekly_trend") or not hasattr(figures, "quadrant_matrix"):
        pytest.skip("the figures engine has no weekly trend or quadrant matrix yet")
    rev = review(Scope(branch_id=bank.b1.pk), OCTOBER)
    data = review_workbook(rev)
    wb = _book(data)
    assert {"趋势", "象限迁移"} <= set(wb.sheetnames)
    ws = wb["趋势"]
    weeks = figures.weekly_trend(rev.scope, OCTOBER)
    lines = [[c.value for c in r] for r in ws.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + len(weeks))]
    assert [line[0].date() for line in lines] == [w.start for w, _v in weeks]
    rate = [c.value for c in ws[HEADER_ROW]].index("联系达成率")
    assert [line[rate] for line in lines] == [v["contact_achievement_rate"] for _w, v in weeks]
    assert b"xl/charts/chart1.xml" in data  # the line chart (openpyxl does not read charts back)
    matrix = wb["象限迁移"]
    assert matrix.cell(row=HEADER_ROW + 1, column=1).value == "新客户"


def test_a_name_that_looks_like_a_formula_stays_text(bank, october):
    bank.rm_b.full_name = '=HYPERLINK("http://x.example","点击")'
    bank.rm_b.save()
    rev = review(Scope(branch_id=bank.b1.pk), OCTOBER)
    ws = _book(review_workbook(rev))["人员"]
    names = [ws.cell(row=r, column=1) for r in range(HEADER_ROW + 1, ws.max_row)]
    cell = next(c for c in names if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"


def test_a_download_is_one_audited_export_with_a_chinese_file_name(bank, october):
    rev = review(Scope(branch_id=bank.b1.pk), OCTOBER)
    request = RequestFactory().get("/review/?format=xlsx")
    request.user = bank.head
    with translation.override("zh-hans"):
        answer = review_download(request, rev)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    disposition = answer["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert "%E7%BB%8F%E8%90%A5%E6%A3%80%E8%A7%86-B01-2026-10-01-2026-10-31.xlsx" in disposition  # 经营检视-B01-…
    assert _book(answer.content)["人员"].max_row == HEADER_ROW + len(rev.rows) + 1
    [event] = AuditEvent.objects.filter(action="kpis.exported")
    assert event.actor_id == bank.head.pk and event.customer_id is None
    assert event.data == {"via": "review_page", "branch": "B01", "manager": None, "from": "2026-10-01",
                          "to": "2026-10-31", "rows": len(rev.rows)}
    api = RequestFactory().get("/api/v1/kpis/export.xlsx")
    api.user = api.auth = bank.admin
    review_download(api, review(Scope(), OCTOBER))
    assert AuditEvent.objects.get(action="kpis.exported", actor=bank.admin).data["via"] == "api_kpis_export"
