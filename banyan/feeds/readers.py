"""Reading a feed file: CSV in UTF-8 (with or without BOM) or GBK/GB18030, and XLSX.

Every record comes with its line number as a person counts lines in the file (the header is
line 1) so that a rejection can point at it. A line whose bytes are not in the file's encoding
(a GBK line pasted into a UTF-8 export) is returned with `bad_encoding` set, to be rejected,
not to stop the whole file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path


class FeedFileError(Exception):
    """The file cannot be read at all (missing, empty, not CSV/XLSX, no header)."""


@dataclass(slots=True)  # one per row read: small and quick to make
class Record:
    line: int
    cells: list[str]
    bad_encoding: bool = False


@dataclass
class Sheet:
    """A feed file's header and its data rows. `records` is read from the file as it is iterated
    (once): a five-million-row holdings file is never held whole. `total` counts the data rows,
    for progress."""

    headers: list[str]
    records: Iterable[Record]
    encoding: str
    total: int


def _plausible_utf8(text: str) -> bool:
    """Short GBK text is now and then valid UTF-8 too (某证券 decodes as ĳ, a Hebrew accent and ȯ);
    real UTF-8 in a Chinese feed has Chinese characters, or at most European letters."""
    if any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text):
        return True
    return all(ord(ch) < 0x180 for ch in text)


_BLOCK = 1 << 20
_BOM = b"\xef\xbb\xbf"


def _raw_lines(path: Path) -> Iterator[bytes]:
    """The file's lines as bytes, ends kept, split as bytes.splitlines splits (\\n, \\r\\n and a
    lone \\r), a block at a time; a UTF-8 byte-order mark is dropped."""
    with path.open("rb") as fh:
        carry = fh.read(len(_BOM))
        if carry == _BOM:
            carry = b""
        while True:
            block = fh.read(_BLOCK)
            lines = (carry + block).splitlines(keepends=True)
            if block and lines:
                # the last line may go on in the next block (a \\r may be half of a \\r\\n)
                carry = lines.pop()
                yield from lines
                continue
            yield from lines
            return


def _guess_encoding(path: Path) -> str:
    """UTF-8 unless most non-ASCII lines are not plausible UTF-8; then GB18030 (a superset of GBK)."""
    ok = bad = 0
    for raw in _raw_lines(path):
        if raw.isascii():
            continue
        try:
            ok_line = _plausible_utf8(raw.decode("utf-8"))
        except UnicodeDecodeError:
            ok_line = False
        ok, bad = (ok + 1, bad) if ok_line else (ok, bad + 1)
    return "utf-8" if ok >= bad else "gb18030"


def _decoded_lines(path: Path, encoding: str, bad_lines: set[int]) -> Iterator[str]:
    """The lines decoded; the numbers (1-based) of lines not in `encoding` are added to `bad_lines`
    as they are met (the line is still given, with replacement characters, to be rejected)."""
    for n, raw in enumerate(_raw_lines(path), start=1):
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError:
            bad_lines.add(n)
            yield raw.decode(encoding, errors="replace")


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list[str], bool]]:
    """(first line, cells, any line not in the encoding) for every non-blank row; the header first."""
    bad_lines: set[int] = set()
    reader = csv.reader(_decoded_lines(path, encoding, bad_lines))
    start = 1
    try:
        for cells in reader:
            end = reader.line_num
            if any(c.strip() for c in cells):  # blank lines are not rows
                yield start, cells, bool(bad_lines) and any(n in bad_lines for n in range(start, end + 1))
            start = end + 1
    except csv.Error as e:
        raise FeedFileError(f"第 {reader.line_num} 行：CSV 格式错误：{e}") from None


def _header_and_count(rows: Iterator[list[str]]) -> tuple[list[str] | None, int]:
    """The first (non-blank) row and how many follow it, keeping none of them: a reader's first read."""
    headers = next(rows, None)
    return headers, sum(1 for _ in rows)


def read_csv(path: Path, encoding: str | None = None) -> Sheet:
    """The header and row count now (a first read that keeps nothing: a malformed file is refused
    before any row is imported); the rows as they are iterated."""
    with path.open("rb") as fh:
        if fh.read(3) == _BOM:
            encoding = encoding or "utf-8"
    try:
        encoding = codecs.lookup(encoding).name if encoding else _guess_encoding(path)
    except LookupError:
        raise FeedFileError(f"未知的编码：{encoding}") from None
    headers, total = _header_and_count(cells for _line, cells, _bad in _csv_rows(path, encoding))
    if headers is None:
        raise FeedFileError("文件是空的：没有表头行。")
    headers = [h.strip() for h in headers]

    def records() -> Iterator[Record]:
        rows = _csv_rows(path, encoding)
        next(rows)  # the header
        for line, cells, bad in rows:
            yield Record(line, [c.strip() for c in cells], bad)

    return Sheet(headers, records(), encoding, total)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(Decimal(repr(value)))
    return str(value).strip()


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) of every non-empty row of the first sheet, read as a stream."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a set-up problem, said plainly
        raise FeedFileError("读取 XLSX 需要 openpyxl（pip install openpyxl==3.1.5）。") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a file that is not a workbook
        raise FeedFileError(f"无法读取 XLSX 文件：{e}") from None
    try:
        for n, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in row]
            if any(cells):
                yield n, cells
    finally:
        book.close()


def read_xlsx(path: Path) -> Sheet:
    """As read_csv: the header and row count by a first read that keeps nothing, then the rows as
    they are iterated (a sheet can hold a million rows)."""
    headers, total = _header_and_count(cells for _n, cells in _xlsx_rows(path))
    if headers is None:
        raise FeedFileError("工作表是空的：没有表头行。")
    # Trailing empty header cells come from formatting, not data: drop them and their cells.
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)

    def records() -> Iterator[Record]:
        rows = _xlsx_rows(path)
        next(rows)  # the header
        for n, cells in rows:
            if not any(cells[width:]):
                cells = cells[:width] + [""] * (width - len(cells[:width]))
            yield Record(n, cells)

    return Sheet(headers, records(), "xlsx", total)


def read_sheet(path: Path, encoding: str | None = None) -> Sheet:
    if not path.exists():
        raise FeedFileError(f"文件不存在：{path}")
    if not path.is_file():
        raise FeedFileError(f"不是文件：{path}")
    with path.open("rb") as fh:
        magic = fh.read(4)
    if path.suffix.lower() in (".xlsx", ".xlsm") or magic == b"PK\x03\x04":
        return read_xlsx(path)
    return read_csv(path, encoding)


def write_rejects(path: Path, headers: list[str], rejects: list[tuple[int, str, list[str]]]) -> None:
    """line, reason, then the raw row — UTF-8 with BOM so that Excel shows the Chinese."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["line", "reason", *headers])
    for line, reason, cells in rejects:
        w.writerow([line, reason, *cells])
    path.write_text(buf.getvalue(), encoding="utf-8-sig")
