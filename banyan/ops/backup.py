"""Backups and restores of the whole database (`banyan backup`, `banyan restore`).

SQLite (the embedded default): the online backup API copies the live database page by page under
one read transaction, so the copy is consistent while the server keeps writing (WAL). The copy is
switched out of WAL mode (one self-contained file) and checked with `PRAGMA integrity_check`.

PostgreSQL: `pg_dump -Fc` (one snapshot, consistent while the server writes), then `pg_restore -l`
proves the archive reads back. Connection details go to the tools through the PG* environment
variables, the password through PGPASSWORD, never on a command line (`ps` would show it).

Every backup is written under a temporary name and renamed when complete, so a failed or killed
backup never leaves a file that looks like a backup. Beside it a `<file>.sha256` in `sha256sum`
format (`sha256sum -c` checks it by hand); a restore refuses a file whose checksum does not match.

Environment: BANYAN_BACKUP_DIR (default <BANYAN_VAR_DIR>/backups), BANYAN_PG_BINDIR (the directory
holding pg_dump/pg_restore, when the newest /usr/lib/postgresql/*/bin is not the right one).
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone

from banyan.audit.services import audit_log

#: The tables an operator looks at to see a backup is not empty, as (label, app label, model).
MAIN_TABLES = (
    ("customers", "customers", "Customer"),
    ("holdings", "holdings", "Holding"),
    ("interactions", "contacts", "Interaction"),
    ("tasks", "worklists", "Task"),
)

SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".dump"}
_NAME = re.compile(r"^banyan-(\d{8}-\d{6})(?:-(\d+))?\.(sqlite3|dump)$")


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    size: int
    sha256: str
    counts: dict[str, int]
    pruned: list[Path] = field(default_factory=list)


def default_dir() -> Path:
    return Path(os.environ.get("BANYAN_BACKUP_DIR") or Path(settings.VAR_DIR) / "backups")


def vendor() -> str:
    if connection.vendor not in SUFFIXES:
        raise BackupError(f"Backups of a {connection.vendor} database are not supported (SQLite or PostgreSQL).")
    return connection.vendor


def describe_target() -> str:
    """The live database in words, for the operator (no password)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite database {s['NAME']}"
    return f"PostgreSQL database {s['NAME']} on {s.get('HOST') or 'localhost'}:{s.get('PORT') or 5432}"


def row_counts() -> dict[str, int | None]:
    """Rows of the main tables in the live database (None: the table does not exist — an empty
    database, e.g. just re-created to restore into)."""
    existing = set(connection.introspection.table_names())
    return {label: (m.objects.count() if (m := apps.get_model(app, model))._meta.db_table in existing else None)
            for label, app, model in MAIN_TABLES}


def sqlite_file_counts(path: Path) -> dict[str, int | None]:
    """Rows of the main tables in a SQLite backup file, read without changing it."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        existing = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = {}
        for label, app, model in MAIN_TABLES:
            table = apps.get_model(app, model)._meta.db_table
            counts[label] = con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] if table in existing else None
        return counts
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path.name} is not a readable SQLite database: {exc}") from exc
    finally:
        con.close()


def is_empty(counts: dict[str, int | None]) -> bool:
    """No Banyan tables at all (not: tables without rows)."""
    return all(n is None for n in counts.values())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


# ---------------------------------------------------------------- backup


def backup_make(*, to_dir: Path | None = None, keep: int | None = None) -> BackupResult:
    """Back the live database up into `to_dir`; with `keep`, then delete all but the `keep` newest
    backups there. Raises BackupError (and leaves no partial file) when anything fails."""
    kind = vendor()
    if keep is not None and keep < 1:
        raise BackupError("--keep must be at least 1 (the backup just made).")
    to_dir = Path(to_dir or default_dir())
    try:
        to_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Cannot create the backup directory {to_dir}: {exc}") from exc
    final = _new_name(to_dir, SUFFIXES[kind])
    tmp = final.with_name(f".{final.name}.partial")
    tmp_sum = final.with_name(f".{final.name}.sha256.partial")
    try:
        if kind == "sqlite":
            _sqlite_backup(Path(connection.settings_dict["NAME"]), tmp)
        else:
            _pg_dump(tmp)
        digest = sha256_of(tmp)
        tmp_sum.write_text(f"{digest}  {final.name}\n", encoding="ascii")
        tmp.replace(final)
        tmp_sum.replace(checksum_path(final))
    except BaseException:  # a failure or Ctrl-C: nothing that looks like a backup stays behind
        for p in (tmp, tmp_sum, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            p.unlink(missing_ok=True)
        raise
    counts = sqlite_file_counts(final) if kind == "sqlite" else row_counts()
    size = final.stat().st_size
    pruned = backups_prune(to_dir, keep) if keep else []
    audit_log(actor=None, action="backup.made", data={"file": final.name, "bytes": size},
              after={"file": str(final), "size": size, "sha256": digest, **counts})
    return BackupResult(path=final, size=size, sha256=digest, counts=counts, pruned=pruned)


def _new_name(to_dir: Path, suffix: str) -> Path:
    # Wall-clock time, not clock.now(): BANYAN_TODAY pins the business date for training and demos,
    # but backups must sort by when they were really taken.
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    path, n = to_dir / f"banyan-{stamp}{suffix}", 1
    while path.exists():  # two backups in one second
        path, n = to_dir / f"banyan-{stamp}-{n}{suffix}", n + 1
    return path


def _sqlite_backup(live: Path, dest: Path) -> None:
    if not live.exists():
        raise BackupError(f"The SQLite database {live} does not exist.")
    src = sqlite3.connect(live, timeout=30)  # read-write open: a read-only one cannot join a WAL database
    dst = sqlite3.connect(dest)
    try:
        # pages=-1 (the default): the whole database in one step, under one read transaction, so
        # the copy is one consistent moment even while the server writes.
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        result = dst.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.Error as exc:
        raise BackupError(f"The SQLite backup failed: {exc}") from exc
    finally:
        dst.close()
        src.close()
    if result != [("ok",)]:
        raise BackupError(f"The copy failed PRAGMA integrity_check: {result[:5]}")


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: BANYAN_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin, else PATH.
    (pg_dump refuses a server newer than itself, so the newest installed is the safest choice.)"""
    bindir = os.environ.get("BANYAN_PG_BINDIR")
    if bindir:
        candidate = Path(bindir) / name
        if not candidate.exists():
            raise BackupError(f"BANYAN_PG_BINDIR={bindir} has no {name}.")
        return str(candidate)
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise BackupError(f"{name} is not installed (apt-get install postgresql-client), or set BANYAN_PG_BINDIR.")


def _version_key(path: str) -> tuple:
    m = re.search(r"/postgresql/(\d+)(?:\.(\d+))?/", path)
    return (int(m.group(1)), int(m.group(2) or 0)) if m else (0, 0)


def pg_env() -> dict[str, str]:
    """The PG* environment for pg_dump/pg_restore, from Django's connection settings."""
    s = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    pairs = {"PGHOST": s.get("HOST"), "PGPORT": s.get("PORT"), "PGUSER": s.get("USER"),
             "PGPASSWORD": s.get("PASSWORD"), "PGDATABASE": s.get("NAME")}
    options = s.get("OPTIONS") or {}
    for opt, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"),
                     ("sslkey", "PGSSLKEY"), ("passfile", "PGPASSFILE")):
        pairs[var] = options.get(opt)
    env.update({k: str(v) for k, v in pairs.items() if v})
    return env


def _run(argv: list[str], what: str) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(argv, env=pg_env(), capture_output=True, text=True)
    except OSError as exc:
        raise BackupError(f"{what} could not start: {exc}") from exc
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return done


def _pg_dump(dest: Path) -> None:
    _run([pg_tool("pg_dump"), "--format=custom", f"--file={dest}"], "pg_dump")
    _pg_list(dest)  # the archive reads back: the PostgreSQL counterpart of integrity_check


def _pg_list(path: Path) -> str:
    return _run([pg_tool("pg_restore"), "--list", str(path)], "pg_restore --list").stdout


def backups_in(directory: Path) -> list[Path]:
    """Banyan backups in a directory, oldest first."""
    found = [(m.group(1), int(m.group(2) or 0), p) for p in Path(directory).iterdir()
             if (m := _NAME.match(p.name)) and p.is_file()]
    return [p for *_, p in sorted(found)]


def backups_prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest backups (and their checksums); returns what went."""
    old = backups_in(directory)[:-keep]
    for p in old:
        p.unlink(missing_ok=True)
        checksum_path(p).unlink(missing_ok=True)
    return old


# ---------------------------------------------------------------- restore


def backup_verify(path: Path) -> str:
    """The file's sha256 when it matches its checksum file; BackupError otherwise."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No such backup: {path}")
    sums = checksum_path(path)
    if not sums.is_file():
        raise BackupError(f"{sums.name} is missing: a backup without its checksum is not trusted.")
    try:
        expected = sums.read_text(encoding="ascii").split()[0].lower()
    except (IndexError, UnicodeDecodeError) as exc:
        raise BackupError(f"{sums.name} is not a sha256 checksum file.") from exc
    actual = sha256_of(path)
    if actual != expected:
        raise BackupError(f"{path.name} does not match its checksum (truncated or damaged): "
                          f"expected {expected[:16]}…, found {actual[:16]}…. Nothing was restored.")
    return actual


def backup_kind(path: Path) -> str:
    for kind, suffix in SUFFIXES.items():
        if Path(path).name.endswith(suffix):
            return kind
    raise BackupError(f"{Path(path).name}: not a Banyan backup (.sqlite3 or .dump).")


def restore_check(path: Path) -> str:
    """Everything a restore checks before it touches the live database; returns the sha256."""
    digest = backup_verify(path)
    kind = backup_kind(path)
    if kind != vendor():
        raise BackupError(f"{Path(path).name} is a {kind} backup, but the live database is {connection.vendor}.")
    if kind == "sqlite":
        if is_empty(sqlite_file_counts(Path(path))):
            raise BackupError(f"{Path(path).name} holds no Banyan tables: not a Banyan backup.")
    else:
        _pg_list(Path(path))
    return digest


def backup_restore(path: Path) -> dict[str, int]:
    """Replace the live database with the backup at `path`; returns the main tables' row counts
    after. The web server and the workers should be stopped (docs/deployment.md)."""
    path = Path(path)
    digest = restore_check(path)
    connection.close()  # no open transaction or cached connection of ours in the way
    if vendor() == "sqlite":
        _sqlite_restore(path, Path(connection.settings_dict["NAME"]))
    else:
        _pg_restore(path)
    connection.close()
    counts = row_counts()
    audit_log(actor=None, action="backup.restored", detail=f"{path.name}",
              after={"file": str(path), "sha256": digest, **counts})
    return counts


def _sqlite_restore(backup: Path, live: Path) -> None:
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dst = sqlite3.connect(live, timeout=30)
    try:
        # The backup API writes into the live file under its own lock, so readers see either the
        # old database or the restored one; the live file keeps its WAL mode.
        src.backup(dst)
        result = dst.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.Error as exc:
        raise BackupError(f"The SQLite restore failed: {exc}. Stop the server and copy the backup file over "
                          f"{live} (deleting {live.name}-wal and -shm) instead.") from exc
    finally:
        dst.close()
        src.close()
    if result != [("ok",)]:
        raise BackupError(f"The restored database failed PRAGMA integrity_check: {result[:5]}")


def _pg_restore(path: Path) -> None:
    toc = _pg_list(path)
    # Extensions (pg_trgm) belong to whoever created them, often a superuser: dropping and
    # re-creating them is not the app's right and not needed. They are made sure of instead, and
    # left out of the restore list.
    extensions = re.findall(r"^\d+; \d+ \d+ EXTENSION - (\S+)", toc, flags=re.M)
    for name in extensions:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE EXTENSION IF NOT EXISTS "{name}"')
        except Exception as exc:  # noqa: BLE001 - any database error means the same to the operator
            raise BackupError(f"The backup needs the {name} extension; a superuser must run "
                              f"CREATE EXTENSION {name}; in this database first ({exc}).") from exc
    connection.close()
    keep = [line for line in toc.splitlines() if not re.search(r"\b(EXTENSION|COMMENT - EXTENSION)\b", line)]
    with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8", delete=False) as f:
        f.write("\n".join(keep) + "\n")
    listing = Path(f.name)
    try:
        # One transaction: a restore that fails half-way leaves the database as it was.
        _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", f"--use-list={listing}",
              f"--dbname={connection.settings_dict['NAME']}", str(path)], "pg_restore")
    finally:
        listing.unlink(missing_ok=True)
