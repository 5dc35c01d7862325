"""The review's reads on a streaming replica (docs/scale.md, section 5, step 4).

At a big bank the branch heads' review — the page, its Excel, the API, the plans' progress and
the monthly reports — reads the whole period's rows; on a replica those reads take none of the
primary's cores, which the nightly feeds and the managers' own pages need. A deployment names the
replica in BANYAN_REVIEW_DATABASE_URL (the `review` database, banyan/settings.py); without one,
everything here is a no-op and the review reads the primary as before.

`reading()` sends the block's reads there, in one read-only REPEATABLE READ transaction, so that
a review never mixes two moments of the replica's replay; every write — the audit event of the
look, a report row — still goes to the primary (the Router below). A replica refuses writes, so
the review's kept figures (banyan.kpis.kept) are only *read* there: when what a review needs is
kept and no stale mark touches it, it is read as on the primary; otherwise that review is counted
from the rows (`kept.or_live`), and the primary's morning run (`review_warm`) keeps it for the
next day. The replica's lag — seconds — is the review's: what was written in the last seconds
may not be in it yet."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Iterator

from django.db import OperationalError, connections, transaction

logger = logging.getLogger(__name__)

#: The replica's alias in DATABASES.
ALIAS = "review"

_READING = contextvars.ContextVar("banyan_replica_reading", default=False)
_PRIMARY = contextvars.ContextVar("banyan_replica_primary_only", default=False)

#: After a failed connection the replica is left alone this long (seconds): a page that reads
#: several reviews (the plans' list) would otherwise wait out the connection timeout for each.
RETRY_AFTER = 30.0
_down_until = 0.0  # time.monotonic() before which the replica is not tried again


def configured() -> bool:
    return ALIAS in connections.settings


def _reachable() -> bool:
    """Whether the replica answers, connecting if need be; a failure is logged and remembered for
    RETRY_AFTER seconds (the review reads the primary meanwhile)."""
    global _down_until
    if time.monotonic() < _down_until:
        return False
    try:
        connections[ALIAS].ensure_connection()
    except OperationalError as e:
        _down_until = time.monotonic() + RETRY_AFTER
        logger.warning("The review's replica cannot be reached, the review reads the primary for %d s: %s",
                       RETRY_AFTER, e)
        return False
    return True


def active() -> bool:
    """Whether the reads now go to the replica."""
    return _READING.get()


@contextlib.contextmanager
def reading() -> Iterator[bool]:
    """The block's reads on the replica, in one snapshot (yields whether they are). Nested blocks
    share the outer one's transaction; inside `on_primary()` this does nothing."""
    if _READING.get() or _PRIMARY.get() or not configured():
        yield _READING.get()
        return
    if not _reachable():  # a replica down (or being rebuilt) must not take the review with it
        yield False
        return
    with transaction.atomic(using=ALIAS):
        with connections[ALIAS].cursor() as cursor:
            # REPEATABLE READ: every query of the review sees the same replayed moment (SERIALIZABLE
            # is refused on a standby); READ ONLY says what a standby would refuse anyway
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        token = _READING.set(True)
        try:
            yield True
        finally:
            _READING.reset(token)


def replayed_at():
    """Inside `reading()` on the replica: the commit time of the last transaction it has replayed
    (what the review is as of; None before it has replayed any). None elsewhere."""
    if not _READING.get():
        return None
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_last_xact_replay_timestamp()")
        return cursor.fetchone()[0]


def replayed(timeout: float = 60.0) -> bool:
    """Wait until the replica has replayed everything the primary has written so far (True), or
    `timeout` seconds (False); True at once without a replica. The morning run waits so, after
    keeping the review's figures on the primary, before the reports read them on the replica."""
    if not configured():
        return True
    if not _reachable():
        return False
    with connections["default"].cursor() as cursor:
        # the insert position: a commit made with synchronous_commit off may still be in the WAL
        # buffers, past what pg_current_wal_lsn() says has been written
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        (lsn,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while True:
        try:
            with connections[ALIAS].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
                if cursor.fetchone()[0]:
                    return True
        except OperationalError as e:  # the replica down: the reviews read the primary (reading())
            logger.warning("The review's replica cannot be reached: %s", e)
            return False
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


@contextlib.contextmanager
def on_primary() -> Iterator[None]:
    """The block's reads on the primary even where the review would read the replica: for work
    that must write what it reads (the morning run that keeps the review's figures)."""
    token, reading_token = _PRIMARY.set(True), _READING.set(False)
    try:
        yield
    finally:
        _READING.reset(reading_token)
        _PRIMARY.reset(token)


class Router:
    """Reads inside `reading()` go to the replica; every write, and every other read, to the
    primary. Migrations run on the primary only (the replica replays them)."""

    def db_for_read(self, model, **hints):
        return ALIAS if _READING.get() else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # a row read on the replica is a row of the primary (an audit event's actor, a report's
        # branch); any other database is Django's rule's (the same database only)
        ours = {"default", ALIAS}
        return True if obj1._state.db in ours and obj2._state.db in ours else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == ALIAS else None
