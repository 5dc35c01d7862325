"""What every CSV export shares (the customer book's, the audit log's).

A cell that starts with = + - @ (or a tab or carriage return) is a formula to Excel and WPS:
`=HYPERLINK("http://…?"&A1,"点击")` in a customer's name or a typed detail would run on the
reader's machine. Such a cell is written with a leading apostrophe, which the spreadsheet shows as
text (OWASP, "CSV injection"). A plain number (-1200.50) is left a number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def csv_cell(value: Any) -> str:
    """The value as the text of a CSV cell that no spreadsheet runs."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_row(values: Iterable[Any]) -> list[str]:
    return [csv_cell(v) for v in values]
