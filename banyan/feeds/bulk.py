"""The bulk path of the feeds: customers, new cards, holdings and transactions, a chunk at a time.

Every row is still judged on its own, by the same checks as the services (customers.services
`customer_build_unsaved` / `customer_change_unsaved`, holdings.services `holding_build_unsaved` /
`holding_change_unsaved` / `transaction_judge_unsaved`, which customer_create & co. are made of),
and a rejected row gets its line and the same reason. What changes is the writing:

- per chunk, ONE query reads the stored values of the file's columns for the chunk's keys, as
  plain tuples (and one the customers a holdings or transactions chunk names); staff, branches
  and products come from the feed's cache;
- a row whose every cell is what is stored (the services' own test: customer_unchanged_by,
  holding_unchanged_by) is unchanged at a glance — no model instance, no check run again: the
  stored row passed them when it was written. A rerun of yesterday's file is mostly such rows;
- the other rows are judged in memory against the stored row (a second query reads those that
  are stored, whole) or against the same key earlier in the file (the later row wins, judged
  against the earlier one); equal → unchanged, nothing written;
- the chunk is written in ONE transaction: new rows by `COPY … FROM STDIN` on PostgreSQL (ids
  drawn from the table's sequence first, so audit events can name them), changed rows by COPY
  into a temporary table and one `UPDATE … FROM`; on SQLite `bulk_create` and `bulk_update`;
  the customers' AUM refreshed in one UPDATE for the chunk's holdings; one audit event per row
  written, as the services write them (created / updated with masked snapshots / assigned; on
  PostgreSQL a new customer's created snapshot built by the server from its stored row, _Created);
- a database error in a chunk (a constraint no check foresaw) rolls the chunk back and replays
  it through the row-by-row path, so the culprit gets its line and reason and the good rows stay;
- whole chunks commit, and a rerun upserts by key: a process killed half-way loses and
  duplicates nothing when the file is run again;
- on PostgreSQL, outside a caller's transaction, a thread of the feed's own writes chunk n while
  the feed judges chunk n+1 and makes its writes ready (`_WriteBehind`, BANYAN_FEED_WRITE_BEHIND):
  the write is mostly the server's work, which the feed used to wait for. The feed's thread also
  draws the new rows' ids and formats every COPY's data (`_prepare`), so the writing thread only
  sends: Python work there would wait for the judging thread's turn (Python runs one thread at a
  time) and the write with it. A chunk with a key of the chunk being written waits for its commit,
  so every row is judged against what one after the other would show it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import itertools
import json
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone, translation
from psycopg._copy_base import TextFormatter  # psycopg's COPY text format (pinned in pyproject)
from psycopg.adapt import Transformer

from banyan import clock, validation
from banyan.audit.models import AuditEvent
from banyan.audit.request import current_ip
from banyan.audit.services import _jsonable, diff
from banyan.customers.models import Customer, Source
from banyan.customers.services import (
    PROFILE_FIELDS,
    customer_audit_snapshot,
    customer_audit_snapshot_sql,
    customer_build_unsaved,
    customer_change_unsaved,
    customer_check_manager,
    customer_unchanged_by,
    customers_moved_work_follows,
)
from banyan.feeds import services as rows
from banyan.feeds.readers import Record
from banyan.holdings.models import Holding, Transaction
from banyan.holdings.services import (
    customers_refresh_aum,
    holding_build_parsed,
    holding_build_unsaved,
    holding_change_unsaved,
    holding_field_names,
    holding_field_value,
    holding_unchanged_by,
    transaction_judge_unsaved,
)
from banyan.instances import copied, unsaved
from banyan.sequences import drawn_ids

BULK_KINDS = ("customers", "new_cards", "holdings", "transactions")
#: Chunk sizes: the first chunks are small (a quick first commit and progress report), then 5,000.
CHUNK_RAMP = (500, 1000, 2000)
CHUNK_SIZE = 5000


def _chunks(records: Iterable[Record]) -> Iterator[list[Record]]:
    """The records a chunk at a time, read from the file as the chunks are taken."""
    rows = iter(records)
    for n in itertools.count():
        chunk = list(itertools.islice(rows, CHUNK_RAMP[n] if n < len(CHUNK_RAMP) else CHUNK_SIZE))
        if not chunk:
            return
        yield chunk


class _Chunk:
    """What one chunk found: objects to insert and to update by key, audit events, touched
    customers. Counts and rejects go to `out` (a FeedResult merged after the commit)."""

    def __init__(self, out: rows.FeedResult) -> None:
        self.out = out
        self.new: dict[str, Any] = {}  # key → unsaved object (its final state in this chunk)
        self.changed: dict[str, Any] = {}  # key → stored object, changed
        # (key, action, before, after, detail, customer id): the customer as it was when the row was
        # judged (a holding moved by a later row of the file keeps its earlier events on the earlier
        # customer, as row by row); None for a customer's own event (its pk is drawn at the write)
        self.events: list[tuple[str, str, Any, Any, str, int | None]] = []
        self.touched: set[int] = set()
        # (key, previous manager's id, new manager) of every customer a row moves, in the file's order
        self.moves: list[tuple[str, int | None, Any]] = []
        self.originals: dict[str, Any] = {}  # key → the stored object as it was read

    def base(self, key: str, stored: dict[str, Any]):
        """What a row with `key` is judged against: an earlier row of the chunk, or the stored row."""
        found = self.new.get(key) or self.changed.get(key)
        if found is None:
            found = stored.get(key)
            if found is not None:
                self.originals.setdefault(key, found)
        return found

    def changed_columns(self) -> set[str]:
        """The attributes any changed row of the chunk changes: only those are written, so that
        a column the feed does not touch is never written back from what the chunk read."""
        columns: set[str] = set()
        for key, obj in self.changed.items():
            before, after = _state(self.originals[key]), _state(obj)
            columns.update(k for k, v in after.items() if before[k] != v)
        return columns

    def keep(self, key: str, obj, *, is_new: bool) -> None:
        """Keep `obj` to be written, as the database will give it back: a later row of the file
        with this key is judged against it as, row by row, against the stored row (and its audit
        event's "before" says 20000.00 for a cell that read 20000, as row by row)."""
        _as_stored(obj)
        (self.new if is_new or key in self.new else self.changed)[key] = obj

    def count(self, outcome: str) -> None:
        setattr(self.out, outcome, getattr(self.out, outcome) + 1)


def _state(obj) -> dict[str, Any]:
    return rows._state(obj)


@functools.cache
def _decimal_fields(model) -> tuple[tuple[str, Decimal], ...]:
    return tuple((f.attname, Decimal(1).scaleb(-f.decimal_places)) for f in model._meta.concrete_fields
                 if isinstance(f, models.DecimalField))


def _as_stored(obj) -> None:
    """Decimals to their column's places in place (Decimal('1E+3') → Decimal('1000.00')), as read back
    from the database; the judgement has checked that they fit. A zero loses its sign: a cell of
    -0 is stored and read back as 0.00 (numeric has no negative zero)."""
    for attname, places in _decimal_fields(type(obj)):
        value = getattr(obj, attname)
        if isinstance(value, Decimal) and value.is_finite():
            value = value.quantize(places)
            setattr(obj, attname, value.copy_abs() if value.is_zero() else value)


def _with_keys(qs, keys):
    """`qs` filtered on external_id in `keys`: one array parameter on PostgreSQL (= ANY), which
    costs a fraction of Django's IN list of 5,000 placeholders."""
    if _postgres():
        table = qs.model._meta.db_table
        return qs.extra(where=[f'"{table}"."external_id" = ANY(%s)'], params=[list(keys)])
    return qs.filter(external_id__in=keys)


class _Created:
    """A new customer's customer.created snapshot, taken when the chunk's events are written: on
    PostgreSQL the server builds it from the row it has just stored (customer_audit_snapshot_sql;
    building and writing the JSON of a first load's million snapshots was a seventh of its Python),
    unless a later row of the chunk changed the customer. Then (and on SQLite) `taken()` is
    customer_audit_snapshot of the customer as it was created: later rows change copies of it, and
    `keep` only brings its Decimals to their places, which the snapshot keeps as the row gave them."""

    __slots__ = ("customer", "decimals")

    def __init__(self, customer: Customer) -> None:
        self.customer = customer
        self.decimals = {name: getattr(customer, name) for name in _SNAPSHOT_DECIMALS}

    def taken(self) -> dict[str, Any]:
        return {**customer_audit_snapshot(self.customer), **self.decimals}


#: The Decimal fields of a customer's audit snapshot (other_bank_assets).
_SNAPSHOT_DECIMALS = tuple(name for name in PROFILE_FIELDS
                           if Customer._meta.get_field(name).get_internal_type() == "DecimalField")


# --- rows that change nothing, at a glance ---------------------------------------------------------

Batch = list[tuple[Record, dict[str, str]]]


def _skip_unchanged(model, batch: Batch, columns: list[str], unchanged: Callable[[dict[str, str], dict], bool],
                    chunk: _Chunk) -> tuple[Batch, set[str]]:
    """Count as unchanged, without building a model instance, each row whose cells are what is
    stored (`unchanged(cells, stored values)`, the services' own test); returns the rows left to
    judge in full and which of their keys are stored. A rerun of yesterday's file is mostly such
    rows. The stored values are read as plain tuples, only the file's `columns`. A key repeated
    in the chunk is judged in full each time: its later rows go against the earlier ones."""
    keys = Counter(values["external_id"] for _r, values in batch)
    columns = list(dict.fromkeys(columns))  # once each (a new card's source may also be a column)
    found = _with_keys(model.objects.all(), keys).values_list("external_id", *columns)
    stored = {row[0]: row for row in found}
    left: Batch = []
    for record, values in batch:
        row = stored.get(values["external_id"])
        if row is not None and keys[row[0]] == 1 and unchanged(values, dict(zip(columns, row[1:], strict=True))):
            chunk.count("unchanged")
        else:
            left.append((record, values))
    return left, {values["external_id"] for _r, values in left} & stored.keys()


def _file_fields(batch: Batch, refs: tuple[str, ...]) -> list[str]:
    """The model fields the file gives (its columns but the key and the references)."""
    return [name for name in batch[0][1] if name not in refs] if batch else []


_CUSTOMER_REFS = ("external_id", "rm", "branch")
_HOLDING_REFS = ("external_id", "customer", "product")


def _customer_unchanged(kind: str, look) -> Callable[[dict[str, str], dict], bool]:
    def unchanged(cells: dict[str, str], stored: dict) -> bool:
        try:  # an unknown manager or branch, a bad Y/N: judged in full, refused with the services' reason
            rm = look.staff(cells["rm"]) if cells.get("rm") else None
            if cells.get("branch"):
                look.branch(cells["branch"])
            fields = rows._convert({k: v for k, v in cells.items() if v != "" and k not in _CUSTOMER_REFS})
        except ValidationError:
            return False
        if kind == "new_cards":
            fields["source"] = Source.NEW_CARD
        return (rm is None or rm.pk == stored["rm_id"]) and customer_unchanged_by(stored, fields)
    return unchanged


def _holding_unchanged(look, customers: dict[str, Customer]) -> Callable[[dict[str, str], dict], bool]:
    def unchanged(cells: dict[str, str], stored: dict) -> bool:
        try:
            customer = _customer_of(customers, cells.get("customer", ""))
            product = look.product(cells.get("product", ""))
            fields = rows._convert({k: v for k, v in cells.items() if v != "" and k not in _HOLDING_REFS})
        except ValidationError:
            return False
        return holding_unchanged_by(stored, customer=customer, product=product, fields=fields)
    return unchanged


# --- judging a chunk, per kind ---------------------------------------------------------------------

def _judge_customers(kind: str, batch: Batch, look, chunk: _Chunk) -> None:
    columns = [*_file_fields(batch, _CUSTOMER_REFS), "rm_id", *(["source"] if kind == "new_cards" else [])]
    batch, keys = _skip_unchanged(Customer, batch, columns, _customer_unchanged(kind, look), chunk)
    stored = {c.external_id: c for c in _with_keys(Customer.objects.all(), keys)} if keys else {}
    for record, values in batch:
        try:
            ext = values.pop("external_id")
            rm_name, branch_code = values.pop("rm", ""), values.pop("branch", "")
            rm = look.staff(rm_name) if rm_name else None
            branch = look.branch(branch_code) if branch_code else None
            fields = rows._convert({k: v for k, v in values.items() if v != ""})  # empty cells leave values
            if kind == "new_cards":
                fields["source"] = Source.NEW_CARD
            base = chunk.base(ext, stored)
            if base is None:
                customer = customer_build_unsaved(external_id=ext, name=fields.pop("name", ""), rm=rm,
                                                  branch=None if rm else branch, **fields)
                chunk.events.append((ext, "customer.created", None, _Created(customer), "", None))
                chunk.keep(ext, customer, is_new=True)
                chunk.count("added")
                continue
            customer = copied(base)  # a rejected row leaves the earlier state as it was
            customer_change_unsaved(customer, **fields)
            moved = rm is not None and rm.pk != customer.rm_id
            if moved:
                customer_check_manager(rm)
            if not moved and _state(customer) == _state(base):
                chunk.count("unchanged")
                continue
            old, new = diff(customer_audit_snapshot(base), customer_audit_snapshot(customer))
            if new:
                chunk.events.append((ext, "customer.updated", old, new, ", ".join(new), None))
            if moved:
                chunk.events.append((ext, "customer.assigned",
                                     {"rm": customer.rm_id, "assistant": customer.assistant_id,
                                      "branch": customer.branch_id},
                                     {"rm": rm.pk, "assistant": None, "branch": rm.branch_id}, "", None))
                chunk.moves.append((ext, customer.rm_id, rm))
                customer.rm, customer.assistant, customer.branch = rm, None, rm.branch
            chunk.keep(ext, customer, is_new=False)
            chunk.count("updated")
        except ValidationError as e:
            rows._reject(chunk.out, record, rows._reason(kind, e))


def _customers_by_number(batch: Batch) -> dict[str, Customer]:
    """The customers a chunk names, with only what a holding needs (pk, risk level)."""
    numbers = {values.get("customer", "") for _r, values in batch}
    found = _with_keys(Customer.objects.all(), numbers).values_list("external_id", "pk", "risk_level")
    return {ext: unsaved(Customer, pk=pk, external_id=ext, risk_level=risk) for ext, pk, risk in found}


def _customer_of(customers: dict[str, Customer], number: str) -> Customer:
    found = customers.get(number)
    if found is None:
        raise rows.no_such_customer(number)
    return found


def _judge_holdings(kind: str, batch: Batch, look, chunk: _Chunk) -> None:
    customers = _customers_by_number(batch)
    columns = [*_file_fields(batch, _HOLDING_REFS), "customer_id", "product_id", "amount", "units", "current_value"]
    batch, keys = _skip_unchanged(Holding, batch, columns, _holding_unchanged(look, customers), chunk)
    stored = ({h.external_id: h for h in _with_keys(Holding.objects.select_related("product"), keys)}
              if keys else {})
    for record, values in batch:
        try:
            ext = values.pop("external_id")
            customer = _customer_of(customers, values.pop("customer", ""))
            product = look.product(values.pop("product", ""))
            cells = {k: v for k, v in values.items() if v != ""}
            base = chunk.base(ext, stored)
            if base is None:
                holding = _new_holding(ext, customer, product, cells)
                chunk.events.append((ext, "holding.created", None, {"product": product.code, "amount": holding.amount},
                                     "", customer.pk))
                chunk.keep(ext, holding, is_new=True)
                chunk.touched.add(customer.pk)
                chunk.count("added")
                continue
            holding = copied(base)
            before_state, old_customer = _state(base), base.customer_id
            before, after = holding_change_unsaved(holding=holding, customer=customer, product=product,
                                                   **rows._convert(cells))
            if _state(holding) == before_state:
                chunk.count("unchanged")
                continue
            chunk.keep(ext, holding, is_new=False)
            chunk.events.append((ext, "holding.updated", before, after, ", ".join(after), holding.customer_id))
            chunk.touched.update({old_customer, holding.customer_id})
            chunk.count("updated")
        except ValidationError as e:
            rows._reject(chunk.out, record, rows._reason(kind, e))


#: (field, cell) → what a new holding keeps of it (holdings.services.holding_field_value), or _REFUSED:
#: a feed repeats the same products' dates, rates, flags and statuses a million times.
_HOLDING_CELLS: dict[tuple[str, str], Any] = {}
_HOLDING_CELLS_MAX = 200_000
_REFUSED = object()


@contextlib.contextmanager
def _cells_forgotten() -> Iterator[None]:
    """The remembered cells forgotten when a feed ends (a worker's memory is not the last feed's)."""
    try:
        yield
    finally:
        _HOLDING_CELLS.clear()


def _holding_cell(name: str, cell: str) -> Any:
    """A cell of a new holding as the value holding_build_unsaved keeps (the feed's reading of the
    cell, the services' parsing, the field's check), or _REFUSED."""
    try:
        ok, value = holding_field_value(name, rows._converter(name)(name, cell))
    except ValidationError:  # a Y/N cell that is neither
        return _REFUSED
    return value if ok else _REFUSED


@functools.cache
def _plain_holding_texts() -> dict[str, int]:
    """The holding's fields whose cell is kept as it is when it fits (an account number): field → its
    length limit. Their cells are mostly seen once each: not worth remembering."""
    return {f.name: f.max_length for f in Holding._meta.fields
            if rows._converter(f.name) is rows._as_is and validation._quick(f) is validation._text_fits
            and f.name in holding_field_names()}


def _holding_values(cells: dict[str, str]) -> dict[str, Any] | None:
    """Each cell's value (_holding_cell, remembered), or None when one is refused."""
    values = {}
    plain = _plain_holding_texts()
    for name, cell in cells.items():
        limit = plain.get(name)
        if limit is not None:
            if len(cell) > limit:
                return None
            values[name] = cell
            continue
        key = (name, cell)
        value = _HOLDING_CELLS.get(key, _HOLDING_CELLS)  # the dict itself: not seen yet
        if value is _HOLDING_CELLS:
            if len(_HOLDING_CELLS) >= _HOLDING_CELLS_MAX:
                _HOLDING_CELLS.clear()
            value = _HOLDING_CELLS[key] = _holding_cell(name, cell)
        if value is _REFUSED:
            return None
        values[name] = value
    return values


def _new_holding(ext: str, customer: Customer, product, cells: dict[str, str]) -> Holding:
    """holding_build_unsaved of a new row's non-empty cells: the same holding, or the same refusal.
    Each field's value depends on its cell alone, so each distinct cell is judged once per feed and
    the row goes to holding_build_parsed (the rules between fields, what is derived); a row with a
    refused cell or a broken rule goes to holding_build_unsaved, which words the reason."""
    values = _holding_values(cells)
    if values is not None:
        try:
            return holding_build_parsed(customer=customer, product=product, external_id=ext, values=values)
        except ValidationError:
            pass
    fields = rows._convert(cells)
    return holding_build_unsaved(customer=customer, product=product, amount=fields.pop("amount", None),
                                 purchase_date=fields.pop("purchase_date", None), external_id=ext, **fields)


def _judge_transactions(kind: str, batch: Batch, look, chunk: _Chunk) -> None:
    keys = {values["external_id"] for _r, values in batch}
    stored = {t.external_id: t for t in _with_keys(Transaction.objects.all(), keys)}
    customers = _customers_by_number(batch)
    for record, values in batch:
        try:
            ext = values.pop("external_id")
            customer = _customer_of(customers, values.pop("customer", ""))
            fields = rows._convert(values)
            base = chunk.base(ext, stored)
            row = transaction_judge_unsaved(customer=customer, external_id=ext, occurred_on=fields.pop("date", ""),
                                            amount=fields.pop("amount", ""), row=copied(base) if base else None,
                                            **fields)
            if base is None:
                chunk.keep(ext, row, is_new=True)
                chunk.count("added")
            elif _state(row) == _state(base):
                chunk.count("unchanged")
                continue
            else:
                chunk.keep(ext, row, is_new=False)
                chunk.count("updated")
            chunk.touched.add(customer.pk)
        except ValidationError as e:
            rows._reject(chunk.out, record, rows._reason(kind, e))


_JUDGES: dict[str, Callable[..., None]] = {"customers": _judge_customers, "new_cards": _judge_customers,
                                           "holdings": _judge_holdings, "transactions": _judge_transactions}
_MODELS = {"customers": Customer, "new_cards": Customer, "holdings": Holding, "transactions": Transaction}


# --- writing a chunk ---------------------------------------------------------------------------

def _postgres() -> bool:
    return connection.vendor == "postgresql"


#: One write of a chunk, made ready: run in the chunk's transaction.
Step = Callable[[], None]


def _copy_data(values: Iterable[Sequence[Any]]) -> bytes:
    """Rows in COPY's text format, by psycopg's own formatter with the connection's adapters: the
    feed's thread formats them, so that the writing thread only sends them (bulk._WriteBehind)."""
    connection.ensure_connection()
    formatter = TextFormatter(Transformer(context=connection.connection))
    data = bytearray()
    for row in values:
        data += formatter.write_row(row)
    data += formatter.end()
    return bytes(data)


def _copy(table: str, columns: list[str], values: Iterable[Sequence[Any]]) -> Step:
    """COPY rows into `table` through Django's connection (inside its transaction), formatted now."""
    data = _copy_data(values)
    cols = ", ".join(f'"{c}"' for c in columns)

    def send() -> None:
        connection.ensure_connection()
        with connection.wrap_database_errors, connection.connection.cursor() as cur, \
                cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy_:
            copy_.write(data)
    return send


def _drawn_ids(model, n: int) -> list[int]:
    """`n` ids drawn from the table's sequence, in order (PostgreSQL)."""
    return drawn_ids(model._meta.db_table, n)


def _insert(model, objs: list) -> list[Step]:
    """Insert new rows; their pks are set on the objects (on PostgreSQL now, drawn from the table's
    sequence; on SQLite by the step)."""
    if not objs:
        return []
    if hasattr(objs[0], "created_at"):
        now = timezone.now()
        for obj in objs:
            obj.created_at = obj.updated_at = now
    if not _postgres():
        return [lambda: model.objects.bulk_create(objs, batch_size=500)]
    table = model._meta.db_table
    for obj, pk in zip(objs, _drawn_ids(model, len(objs)), strict=True):
        obj.pk = pk
    fields = model._meta.concrete_fields
    row_of = operator.attrgetter(*(f.attname for f in fields))  # a row's values in one call
    return [_copy(table, [f.column for f in fields], map(row_of, objs))]


def _update(model, objs: list, columns: set[str]) -> list[Step]:
    """Write the attributes `columns` (and updated_at) of changed rows."""
    if not objs:
        return []
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields
              if not f.primary_key and (f.attname in columns or f.attname == "updated_at")]
    if not fields:  # changed and changed back by later rows of the chunk (a movement has no updated_at)
        return []
    if hasattr(objs[0], "updated_at"):
        for obj in objs:
            obj.updated_at = now
    if not _postgres():
        return [lambda: model.objects.bulk_update(objs, [f.name for f in fields], batch_size=100)]
    table = model._meta.db_table
    temp = f"_feed_{table}"
    cols = ['"id"', *(f'"{f.column}"' for f in fields)]
    copy_rows = _copy(temp, ["id", *(f.column for f in fields)],
                      ([o.pk, *(getattr(o, f.attname) for f in fields)] for o in objs))

    def update() -> None:
        with connection.cursor() as cur:
            cur.execute(f'CREATE TEMP TABLE "{temp}" ON COMMIT DROP AS '
                        f'SELECT {", ".join(cols)} FROM "{table}" WITH NO DATA')
            copy_rows()
            sets = ", ".join(f'"{f.column}" = s."{f.column}"' for f in fields)
            cur.execute(f'UPDATE "{table}" AS t SET {sets} FROM "{temp}" AS s WHERE t.id = s.id')
            cur.execute(f'DROP TABLE "{temp}"')
    return [update]


#: Values JSON takes as they are (a str subclass, a choice's enum member, goes to _jsonable, which
#: keeps it as it is: the same text in the event).
_PLAIN_JSON = frozenset({type(None), str, bool, int})


def _flat_json(values: dict[str, Any]) -> dict[str, Any]:
    """audit.services._jsonable for the flat snapshots the feeds write (dates, Decimals, ids)."""
    return {k: v if type(v) in _PLAIN_JSON else _jsonable(v) for k, v in values.items()}


def _json_text(values: dict[str, Any]) -> str:
    """json.dumps(_flat_json(values)): the same JSON value (a jsonb column keeps values, not text), by
    orjson, 10× faster than json.dumps on a customer's snapshot — a feed writes a million of them.
    A date, a date-time (orjson would round an offset of seconds), a Decimal or an object goes
    through _jsonable. What orjson refuses (a lone surrogate, an int beyond 64 bits) goes to json.dumps."""
    try:
        return orjson.dumps(values, default=_jsonable, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()
    except orjson.JSONEncodeError:
        return json.dumps(_flat_json(values))


def _audit(kind: str, chunk: _Chunk, actor) -> list[Step]:
    """One event per row, as the services write them (on SQLite made by the step, once the new rows
    have their pks). On PostgreSQL the events whose snapshot the server builds (_Created) are
    written by one INSERT … SELECT from the customers, the others by COPY, each with an id drawn
    here in the chunk's order, so that the trail reads in the file's order as row by row."""
    if not chunk.events:
        return []
    at = clock.now()  # one instant for the chunk's events
    if not _postgres():
        return [lambda: AuditEvent.objects.bulk_create(
            [AuditEvent(at=at, actor_id=actor_id, action=action, customer_id=cid, object_type=object_type,
                        object_id=oid, detail=detail, before=before and _flat_json(before),
                        after=after and _flat_json(after), ip=ip)
             for actor_id, action, cid, object_type, oid, detail, before, after, ip in _events(kind, chunk, actor)],
            batch_size=500)]
    # Every event's id drawn here, in the chunk's order, which the two statements below keep. Here,
    # not by the write: the write-behind writes a chunk after the next one has drawn its ids.
    given, given_ids, built, built_ids = [], [], [], []
    for pk, event in zip(_drawn_ids(AuditEvent, len(chunk.events)), _events(kind, chunk, actor, on_server=True),
                         strict=True):
        if isinstance(event[7], _Created):
            built.append(event)
            built_ids.append(pk)
        else:
            given.append(event)
            given_ids.append(pk)
    columns = ["id", "at", "actor_id", "action", "customer_id", "object_type", "object_id", "detail", "before",
               "after", "ip"]
    steps = [_copy(AuditEvent._meta.db_table, columns,
                   ((pk, *row) for pk, row in zip(given_ids, _event_rows(at, given), strict=True)))] if given else []
    return [*steps, _created_on_server(at, built, built_ids)] if built else steps


def _event_rows(at, events: list[tuple]) -> Iterator[tuple]:
    """The events' rows for COPY (their snapshots as JSON text)."""
    for actor_id, action, cid, object_type, oid, detail, before, after, ip in events:
        yield (at, actor_id, action, cid, object_type, oid, detail,
               before and _json_text(before), after and _json_text(after), ip)


def _created_on_server(at, events: list[tuple], ids: list[int]) -> Step:
    """customer.created events built by the server from the customers the chunk has just stored
    (customer_audit_snapshot_sql), each with its id and its Decimals' text as the row gave them."""
    decimals = {name: f"e.d{i}" for i, name in enumerate(_SNAPSHOT_DECIMALS)}
    arrays = [[str(e[7].decimals[name]) if e[7].decimals[name] is not None else None for e in events]
              for name in _SNAPSHOT_DECIMALS]
    actor_id, ip = events[0][0], events[0][8]
    sql = (f'INSERT INTO "{AuditEvent._meta.db_table}" '
           '(id, at, actor_id, action, customer_id, object_type, object_id, detail, before, after, ip) '
           f"SELECT e.id, %s, %s, 'customer.created', c.id, 'customer', c.id::text, '', NULL, "
           f"{customer_audit_snapshot_sql('c', decimals)}, %s::inet "
           f"FROM unnest(%s::bigint[], %s::bigint[]{', %s::text[]' * len(arrays)}) "
           f"AS e(id, customer{''.join(f', d{i}' for i in range(len(arrays)))}) "
           f'JOIN "{Customer._meta.db_table}" AS c ON c.id = e.customer')
    params = [at, actor_id, ip, ids, [e[2] for e in events], *arrays]

    def insert() -> None:
        with connection.cursor() as cur:
            cur.execute(sql, params)
            if cur.rowcount != len(ids):  # a customer not stored: the chunk is replayed row by row
                raise DatabaseError(f"{cur.rowcount} of {len(ids)} customer.created events built")
    return insert


def _events(kind: str, chunk: _Chunk, actor, *, on_server: bool = False) -> Iterator[tuple]:
    """The chunk's audit events as rows: (actor id, action, customer id, object type, object id,
    detail, before, after, ip); before and after as the rows' judgement left them (None: none). A
    customer.created snapshot stays a _Created, for the server to build (`on_server`), when the
    customer is stored as it was created; else it is taken here."""
    objs = {**chunk.changed, **chunk.new}
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    ip = current_ip()
    object_type = "customer" if kind in ("customers", "new_cards") else "holding"
    for key, action, before, after, detail, customer_id in chunk.events:
        obj = objs[key]
        if isinstance(after, _Created) and not (on_server and after.customer is obj):
            after = after.taken()
        yield (actor_id, action, obj.pk if customer_id is None else customer_id, object_type, str(obj.pk),
               detail[:300], before or None, after or None, ip)


def _refresh_aum(customer_ids: list[int], *, shared: bool) -> None:
    """The chunk's customers' AUM from their holdings. `shared`: other processes import other parts
    of the file and may hold these customers' other accounts. Each then locks the customers first,
    in id order (no deadlock), and sums in a statement of its own: its snapshot is taken once the
    locks are held, so it sees every holding committed by a part that refreshed before it, and a
    part that commits holdings later refreshes later. The lock is FOR NO KEY UPDATE, which the
    holdings' foreign-key checks (FOR KEY SHARE) do not wait for."""
    if shared and _postgres():
        with connection.cursor() as cur:
            cur.execute(f'SELECT 1 FROM "{Customer._meta.db_table}" WHERE id = ANY(%s) ORDER BY id '
                        "FOR NO KEY UPDATE", [customer_ids])
    customers_refresh_aum(customer_ids=customer_ids)


def _prepare(kind: str, chunk: _Chunk, actor) -> list[Step]:
    """The chunk's rows and audit events made ready to write (on PostgreSQL the new rows' ids drawn
    and every COPY's data formatted): what is left is sending them, in the chunk's transaction."""
    model = _MODELS[kind]
    steps = [*_insert(model, list(chunk.new.values())),
             *_update(model, list(chunk.changed.values()), chunk.changed_columns())]
    if kind != "transactions":
        steps += _audit(kind, chunk, actor)
    return steps


def _write(kind: str, chunk: _Chunk, actor, *, shared: bool = False, steps: list[Step] | None = None) -> None:
    """Write a chunk (in the caller's transaction): its prepared `steps` (else prepared here), the
    customers' AUM of a holdings chunk, the open work of the customers it moves."""
    for step in _prepare(kind, chunk, actor) if steps is None else steps:
        step()
    if kind == "holdings" and chunk.touched:  # last: the customers stay locked only until the commit
        _refresh_aum(sorted(chunk.touched), shared=shared)
    if kind in ("customers", "new_cards"):
        chunk.touched.update(o.pk for o in (*chunk.new.values(), *chunk.changed.values()))
        if chunk.moves:  # their open work follows them, as customer_assign moves it
            objs = {**chunk.changed, **chunk.new}
            customers_moved_work_follows([(objs[key].pk, from_rm_id, rm) for key, from_rm_id, rm in chunk.moves])


# --- the feed ----------------------------------------------------------------------------------

def _merge(result: rows.FeedResult, part: rows.FeedResult) -> None:
    result.added += part.added
    result.updated += part.updated
    result.unchanged += part.unchanged
    result.rejected += part.rejected
    result.rejects.extend(sorted(part.rejects, key=lambda r: r[0]))
    result.customer_ids.update(part.customer_ids)


class _Judged:
    """One chunk on its way: its records, their counts and rejects so far (`part`), what to write
    (`chunk`; None: replay it row by row) and the keys of its rows."""

    def __init__(self, kind: str, records: list[Record], headers, fields, result: rows.FeedResult) -> None:
        self.kind, self.records, self.headers, self.fields = kind, records, headers, fields
        self.part = rows.FeedResult(kind=kind, path=result.path, encoding=result.encoding)
        self.batch: Batch = []
        for record in records:
            values = rows._precheck(kind, record, headers, fields, self.part)
            if values is not None:
                self.batch.append((record, values))
        self.keys = {values["external_id"] for _r, values in self.batch}
        self.chunk: _Chunk | None = _Chunk(self.part)
        self.steps: list[Step] | None = None  # its writes made ready ahead (bulk._WriteBehind)

    def judge(self, look) -> None:
        _JUDGES[self.kind](self.kind, self.batch, look, self.chunk)

    def replay(self, look, actor) -> rows.FeedResult:
        """The chunk row by row, each row in its own transaction, when a constraint no check foresaw
        broke its write: the culprit gets its line and reason and the good rows are kept."""
        part = rows.FeedResult(kind=self.kind, path=self.part.path, encoding=self.part.encoding)
        handler = rows._HANDLERS[self.kind]
        for record in self.records:
            rows._import_record(self.kind, record, self.headers, self.fields, handler, look, actor, part)
        return part


def _store(judged: _Judged, look, actor, result: rows.FeedResult, *, shared: bool, judge: bool = False) -> None:
    """Write a chunk in one transaction (judged in it first if `judge`) and add what it found to
    `result`; on a database error, replay it row by row instead."""
    if judged.chunk is not None:
        try:
            with transaction.atomic():
                if judge:
                    judged.judge(look)
                _write(judged.kind, judged.chunk, actor, shared=shared, steps=judged.steps)
        except DatabaseError:
            pass
        else:
            judged.part.customer_ids.update(judged.chunk.touched)
            _merge(result, judged.part)
            return
    _merge(result, judged.replay(look, actor))


class _WriteBehind:
    """Writes the judged chunks one after the other on a thread of its own, with its own database
    connection, while the feed's thread judges the next chunk: a chunk's write is mostly the
    server's work (COPY, indexes, the AUM refresh, the commit), which the feed used to wait for.

    A chunk is judged against what is stored, so one that has a key of the chunk being written
    waits for that chunk's commit first, as one after the other. Nothing else a judgement reads is
    written by a chunk: staff, branches and products come from the feed's cache, and a holding or
    a movement reads only its customer's id and risk level, which no chunk of its feed writes."""

    def __init__(self, look, actor, result: rows.FeedResult, *, shared: bool) -> None:
        self.look, self.actor, self.result, self.shared = look, actor, result, shared
        self.language = translation.get_language()  # the rejects' reasons, in the feed's language
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feed-write")
        self.pending: tuple[Future, _Judged] | None = None

    def _store_in_language(self, judged: _Judged) -> None:
        """_store on the writing thread, its rejects' reasons worded in the feed's language."""
        with translation.override(self.language):
            _store(judged, self.look, self.actor, self.result, shared=self.shared)

    def wait(self) -> int:
        """Wait for the chunk being written (its error is raised here); returns its records' count."""
        if self.pending is None:
            return 0
        future, judged = self.pending
        self.pending = None
        future.result()
        return len(judged.records)

    def judge(self, judged: _Judged) -> int:
        """Judge a chunk here, and make its writes ready, while the one before is written; returns
        the records written meanwhile. The writing thread is left only the sending (the server's
        work): Python's work there would wait for this thread's turn, and the write with it."""
        written = self.wait() if self.pending and judged.keys & self.pending[1].keys else 0
        try:
            judged.judge(self.look)
            judged.steps = _prepare(judged.kind, judged.chunk, self.actor)
        except DatabaseError:  # a read failed: row by row, as when judged in the write's transaction
            judged.chunk = None
        return written

    def write(self, judged: _Judged) -> int:
        """Hand a judged chunk to the writing thread once the one before is written; returns that
        one's records' count."""
        written = self.wait()
        context = contextvars.copy_context()  # the feed's frozen "today", the request's address
        self.pending = (self.pool.submit(context.run, self._store_in_language, judged), judged)
        return written

    def close(self) -> None:
        """After the last write (or an error): close the thread's connection, then the thread."""
        try:
            if self.pending:
                self.pending[0].exception()  # waits; an error is the caller's, raised by wait()
        finally:
            self.pool.submit(lambda: connection.close()).result()  # the thread's own connection
            self.pool.shutdown()


def write_behind() -> bool:
    """Whether a feed judges a chunk while the one before is written (BANYAN_FEED_WRITE_BEHIND): on
    PostgreSQL, and never inside a caller's transaction, which a second connection would not see."""
    return settings.BANYAN_FEED_WRITE_BEHIND and _postgres() and not connection.in_atomic_block


def import_chunks(kind: str, records: Iterable[Record], total: int, headers, fields, look, actor,
                  result: rows.FeedResult, progress: Callable[[int, int], None] | None, *,
                  shared: bool = False) -> None:
    """Import `records` (`total` of them) a chunk at a time into `result` (see the module's docstring).
    `shared`: the records are one part of a file other processes import beside this one."""
    done = 0

    def written(count: int) -> None:
        nonlocal done
        done += count
        if progress and count:
            progress(done, total)

    # one "today" for the whole feed (and no settings look-up per row)
    with clock.frozen(clock.today()), _cells_forgotten():
        if not write_behind():
            for records_chunk in _chunks(records):
                _store(_Judged(kind, records_chunk, headers, fields, result), look, actor, result, shared=shared,
                       judge=True)
                written(len(records_chunk))
            return
        writer = _WriteBehind(look, actor, result, shared=shared)
        try:
            for records_chunk in _chunks(records):
                judged = _Judged(kind, records_chunk, headers, fields, result)
                written(writer.judge(judged))
                written(writer.write(judged))
            written(writer.wait())
        finally:
            writer.close()
