"""A large feed imported in parts, side by side (issue 15 §2): which rows a part takes, and its
rejects merged back in the file's order.

A file is cut by key, never by position. Every row of one key — a customer's number, an
account's number — falls in the same part, and a part takes its rows in the file's order, so each
row is judged against exactly what the one-task import judges it against: the stored row or the
same key's earlier row in the file. Parts never write the same key, so they cannot collide or
overwrite one another's later rows. What keys share is the customers' AUM (a customer's accounts
fall in different parts); a holdings chunk imported in parts locks its customers in id order
before it refreshes their AUM (bulk._refresh_aum), so the last refresh of a customer sees every
part's holdings. A row that cannot be read far enough to give a key goes to part 0."""

from __future__ import annotations

import csv
import heapq
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from banyan.feeds.readers import Record

#: The kinds a file may be cut into parts for: each row touches only its own key's rows (and,
#: for holdings, its customers' AUM, refreshed under locks).
PART_KINDS = ("customers", "new_cards", "holdings", "transactions")


def part_of(key: str, parts: int) -> int:
    """The part a key's rows go to. The key as the reader gave it (cells are stripped); case
    folded too, so that no spelling the services might treat as one key lands in two parts."""
    return zlib.crc32(key.casefold().encode("utf-8")) % parts


def key_column(fields: list[str | None], key: str) -> int:
    """The column whose cell the import judges as the key: the last one named so, as a row's
    cells become a dict by field and a later column of the same field wins (a header may name
    the key twice, 客户号 and 客户编号)."""
    return len(fields) - 1 - fields[::-1].index(key)


def records_of_part(records: Iterable[Record], key_index: int, part: int, parts: int) -> Iterator[Record]:
    """The records of one part, in the file's order."""
    for record in records:
        cells = record.cells
        key = cells[key_index] if key_index < len(cells) and not record.bad_encoding else ""
        if part_of(key, parts) == part:
            yield record


def part_rejects_path(run_rejects: Path, part: int) -> Path:
    return run_rejects.with_name(f"{run_rejects.name}.part{part}")


def rejects_headers(path: Path) -> list[str]:
    """The feed file's headers, as a part's rejects file repeats them after line and reason."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh))[2:]


def read_rejects(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """The rows readers.write_rejects wrote: (line, reason, raw cells)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = csv.reader(fh)
        next(rows, None)  # line, reason, the file's headers
        for row in rows:
            yield int(row[0]), row[1], row[2:]


def merged_rejects(paths: Iterable[Path]) -> list[tuple[int, str, list[str]]]:
    """The parts' rejects as one list in the file's order (each part's file is in that order)."""
    return list(heapq.merge(*(read_rejects(p) for p in paths), key=lambda r: r[0]))
