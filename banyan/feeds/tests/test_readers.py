"""The CSV reader streams the file (a five-million-row holdings feed is never held whole) and
reads it as a whole-file read would: line numbers, line ends, quoted line breaks, encodings."""

import csv
import io
import tracemalloc

import pytest

from banyan.feeds import readers
from banyan.feeds.readers import FeedFileError, read_csv


def _as_whole(data: bytes, encoding: str) -> list[tuple[int, list[str]]]:
    """What reading the whole file at once gives: (first line, cells) per non-blank row."""
    text_lines = [raw.decode(encoding, errors="replace") for raw in data.removeprefix(b"\xef\xbb\xbf").splitlines(True)]
    reader, start, found = csv.reader(text_lines), 1, []
    for cells in reader:
        if any(c.strip() for c in cells):
            found.append((start, [c.strip() for c in cells]))
        start = reader.line_num + 1
    return found


FILES = {
    "lf": "客户号,姓名,备注\nC1,王小明,甲\nC2,李华,乙\n",
    "crlf": "客户号,姓名,备注\r\nC1,王小明,甲\r\n\r\nC2,李华,乙\r\n",
    "lone cr": "客户号,姓名,备注\rC1,王小明,甲\rC2,李华,乙",
    "quoted break": '客户号,姓名,备注\nC1,王小明,"第一行\r\n第二行"\n\nC2,"李,华",乙\n',
    "no final newline": "客户号,姓名,备注\nC1,王小明,甲",
}


@pytest.mark.parametrize("block", [1, 2, 3, 7, 1 << 20])
@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_rows_and_line_numbers_are_those_of_the_whole_file_whatever_the_block(
        tmp_path, monkeypatch, name, block, encoding):
    # given a file cut into blocks that split lines, \r\n pairs and multi-byte characters
    monkeypatch.setattr(readers, "_BLOCK", block)
    data = FILES[name].encode(encoding)
    path = tmp_path / "f.csv"
    path.write_bytes(data)

    # when it is read as a feed
    sheet = read_csv(path)

    # then the header, the rows and their first lines are the whole file's, the encoding is found
    whole = _as_whole(data, "gb18030" if encoding == "gb18030" else "utf-8")
    assert sheet.headers == whole[0][1] == ["客户号", "姓名", "备注"]
    assert [(r.line, r.cells) for r in sheet.records] == whole[1:]
    assert sheet.total == len(whole) - 1
    assert sheet.encoding == ("gb18030" if encoding == "gb18030" else "utf-8")


def test_a_line_not_in_the_files_encoding_is_marked_and_the_rest_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "_BLOCK", 5)
    path = tmp_path / "f.csv"
    path.write_bytes("客户号,姓名\nC1,王小明\n".encode() + "C2,李华\n".encode("gbk") + "C3,张伟\n".encode())

    sheet = read_csv(path)

    assert [(r.line, r.bad_encoding) for r in sheet.records] == [(2, False), (3, True), (4, False)]
    assert sheet.encoding == "utf-8"


def test_unreadable_files_are_refused_before_any_row(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\xef\xbb\xbf\n\n")
    with pytest.raises(FeedFileError, match="没有表头"):
        read_csv(empty)
    broken = tmp_path / "broken.csv"
    broken.write_text("a,b\n1,2\n3," + "4" * 200_000 + "\n", encoding="utf-8")  # beyond csv's field limit
    with pytest.raises(FeedFileError, match="第 3 行：CSV 格式错误"):
        read_csv(broken)
    with pytest.raises(FeedFileError, match="未知的编码"):
        read_csv(tmp_path / "empty.csv", "klingon")


def test_reading_a_large_file_holds_a_block_not_the_file(tmp_path, monkeypatch):
    # given a 3 MB feed, read 64 KB at a time
    monkeypatch.setattr(readers, "_BLOCK", 1 << 16)
    path = tmp_path / "holdings.csv"
    buf = io.StringIO()
    buf.write("external_id,customer,product,amount\n")
    for i in range(40_000):
        buf.write(f"H{i:09d},C{i:09d},产品{i % 50},{i * 7 % 100000}.50,备注备注备注备注备注备注\n")
    path.write_text(buf.getvalue(), encoding="utf-8")
    del buf
    assert path.stat().st_size > 3_000_000

    # when every row is read
    tracemalloc.start()
    try:
        sheet = read_csv(path)
        rows = sum(1 for _ in sheet.records)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # then all of them were, and never more than a few blocks were held at once
    assert rows == sheet.total == 40_000
    assert peak < 1_500_000, f"peak {peak:,} bytes"


def test_an_xlsx_sheet_is_read_as_a_stream_with_its_row_numbers(tmp_path):
    import datetime as dt

    import openpyxl

    from banyan.feeds.readers import read_sheet

    # given a sheet with a formatted (empty) header cell at the end, a blank row, a date cell and
    # a row with a value beyond the header
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["客户号", "姓名", "开户日期", None])
    sheet.append(["C1", "王小明", dt.date(2020, 5, 1), None])
    sheet.append([None, None, None, None])
    sheet.append(["C2", "李华", dt.datetime(2021, 1, 2), "多余"])
    path = tmp_path / "customers.xlsx"
    book.save(path)

    # when it is read
    read = read_sheet(path)

    # then the header loses its empty cell, rows keep their sheet row numbers, the extra cell stays
    # (for the import to reject the row), and the count is known before the rows are read
    assert (read.headers, read.encoding, read.total) == (["客户号", "姓名", "开户日期"], "xlsx", 2)
    assert [(r.line, r.cells) for r in read.records] == [(2, ["C1", "王小明", "2020-05-01"]),
                                                         (4, ["C2", "李华", "2021-01-02", "多余"])]
