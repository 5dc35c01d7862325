"""`banyan backup` and `banyan restore` on the live test database (SQLite, and PostgreSQL under
`python -m banyan.testing.pgserver -- pytest …`). Restores replace committed data, hence
transaction=True; every restore puts back a backup of the same test's state, and the test database
is flushed after each of these tests as usual."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from banyan.audit.models import AuditEvent
from banyan.contacts.models import Interaction
from banyan.contacts.services import interaction_log
from banyan.customers.models import Customer
from banyan.customers.services import customer_update
from banyan.holdings.models import Holding
from banyan.holdings.services import holding_create
from banyan.ops import backup as ops_backup

pytestmark = pytest.mark.django_db(transaction=True)
sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the SQLite backup API path")
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the pg_dump path")


def _book(bank, make_customer):
    """Two customers of zhangmin with a holding and a contact each."""
    people = [make_customer(bank.rm_a, name="王建国"), make_customer(bank.rm_a, name="李秀英", male=False)]
    for person in people:
        holding_create(actor=bank.rm_a, customer=person, product=bank.products.deposit, amount="300000.00",
                       purchase_date="2025-03-01")
        interaction_log(actor=bank.rm_a, customer=person, channel="phone", outcome="reached", summary="到期提醒")
    return people


def _state():
    return (list(Customer.objects.order_by("pk").values()), list(Holding.objects.order_by("pk").values()),
            list(Interaction.objects.order_by("pk").values()))


def _backup(capsys, to: Path, *args) -> tuple[Path, str]:
    call_command("backup", "--to", str(to), *args)
    out = capsys.readouterr().out
    made = ops_backup.backups_in(to)[-1]
    return made, out


def test_restore_brings_back_exactly_the_rows_of_the_backup(bank, make_customer, tmp_path, capsys):
    # given a book with holdings and contacts, backed up
    wang, _li = _book(bank, make_customer)
    before = _state()
    made, out = _backup(capsys, tmp_path)
    assert "customers 2, holdings 2, interactions 2" in out
    # when the day goes wrong: holdings and contacts deleted, a name changed, a stray customer added
    Holding.objects.all().delete()
    Interaction.objects.all().delete()
    customer_update(actor=bank.rm_a, customer=wang, name="错误姓名")
    make_customer(bank.rm_b, name="多余客户")
    assert _state() != before
    # and the backup is restored
    call_command("restore", str(made), "--yes", "--no-safety-backup")
    out = capsys.readouterr().out
    # then every row is back exactly as it was, and the operator is told the counts
    assert _state() == before
    assert "Restored" in out and "customers 2, holdings 2, interactions 2" in out
    assert AuditEvent.objects.filter(action="backup.restored", detail=made.name).exists()


def test_backup_prints_the_file_its_checksum_and_counts_and_keeps_the_newest(bank, make_customer, tmp_path, capsys):
    # given a small book
    _book(bank, make_customer)
    # when three backups are made with --keep 2
    made = [_backup(capsys, tmp_path, "--keep", "2") for _ in range(3)]
    path, out = made[-1]
    # then the newest two remain, each with a sha256sum-style checksum that matches
    remaining = ops_backup.backups_in(tmp_path)
    assert remaining == [made[1][0], made[2][0]]
    assert not made[0][0].exists() and not Path(f"{made[0][0]}.sha256").exists()
    assert f"pruned {made[0][0].name}" in out
    digest, name = Path(f"{path}.sha256").read_text().split()
    assert name == path.name and digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert str(path) in out and "customers 2, holdings 2, interactions 2, tasks 0" in out
    assert path.suffix == (".sqlite3" if connection.vendor == "sqlite" else ".dump")
    # and no temporary file is left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        n for p in remaining for n in (p.name, f"{p.name}.sha256"))
    assert AuditEvent.objects.filter(action="backup.made", actor=None).count() == 3


def test_a_truncated_backup_is_refused_and_nothing_changes(bank, make_customer, tmp_path, capsys):
    # given a backup, then a new customer
    _book(bank, make_customer)
    made, _ = _backup(capsys, tmp_path)
    make_customer(bank.rm_a, name="新客户")
    # when the backup file was cut short in transit
    data = made.read_bytes()
    made.write_bytes(data[: len(data) // 2])
    # then the restore refuses it by its checksum, and the live data stay as they were
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(made), "--yes", "--no-safety-backup")
    assert Customer.objects.filter(name="新客户").exists() and Customer.objects.count() == 3


def test_a_backup_without_its_checksum_is_refused(bank, tmp_path, capsys):
    made, _ = _backup(capsys, tmp_path)
    Path(f"{made}.sha256").unlink()
    with pytest.raises(CommandError, match="checksum is not trusted"):
        call_command("restore", str(made), "--yes")


def test_restore_without_yes_only_says_what_would_be_replaced(bank, make_customer, tmp_path, capsys):
    # given a backup of two customers, then a third
    _book(bank, make_customer)
    made, _ = _backup(capsys, tmp_path)
    make_customer(bank.rm_a, name="新客户")
    # when restore runs without --yes
    with pytest.raises(CommandError, match="Nothing was changed.*--yes"):
        call_command("restore", str(made))
    out = capsys.readouterr().out
    # then it names the database it would replace and its rows, and changes nothing
    assert "It would replace the" in out and "now holding: customers 3" in out
    assert Customer.objects.count() == 3
    assert not AuditEvent.objects.filter(action="backup.restored").exists()


def test_restore_makes_a_safety_backup_of_what_it_replaces(bank, make_customer, tmp_path, capsys, monkeypatch):
    # given a backup of two customers, then a third
    _book(bank, make_customer)
    made, _ = _backup(capsys, tmp_path / "nightly")
    make_customer(bank.rm_a, name="新客户")
    monkeypatch.setenv("BANYAN_BACKUP_DIR", str(tmp_path / "safety"))
    # when the backup is restored
    call_command("restore", str(made), "--yes")
    assert Customer.objects.count() == 2
    # then the state just replaced was saved first, and can itself be restored
    [safety] = ops_backup.backups_in(tmp_path / "safety")
    call_command("restore", str(safety), "--yes", "--no-safety-backup")
    assert Customer.objects.filter(name="新客户").exists() and Customer.objects.count() == 3


def test_a_failed_backup_leaves_no_file_that_looks_like_a_backup(bank, tmp_path, capsys, monkeypatch):
    # given the disk fills up while the checksum is computed
    def disk_full(path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ops_backup, "sha256_of", disk_full)
    # when a backup is made, then it fails with the reason, and the directory stays empty
    with pytest.raises(OSError, match="No space left"):
        call_command("backup", "--to", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_a_backup_of_the_other_database_kind_is_refused(bank, tmp_path, capsys):
    made, _ = _backup(capsys, tmp_path)
    other = tmp_path / ("banyan-20260101-000000" + (".dump" if made.suffix == ".sqlite3" else ".sqlite3"))
    other.write_bytes(made.read_bytes())
    Path(f"{other}.sha256").write_text(Path(f"{made}.sha256").read_text().split()[0] + f"  {other.name}\n")
    with pytest.raises(CommandError, match="backup, but the live database is"):
        call_command("restore", str(other), "--yes")


@sqlite_only
def test_sqlite_backup_while_a_writer_is_mid_transaction_holds_only_committed_rows(bank, make_customer, tmp_path,
                                                                                    capsys, monkeypatch):
    # given a feed writing in another connection, its transaction not yet committed while the copy
    # is taken (it gives up once the copy is complete, before the backup records its audit event)
    make_customer(bank.rm_a, name="已提交")
    writer = sqlite3.connect(connection.settings_dict["NAME"], timeout=10)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(f'UPDATE "{Customer._meta.db_table}" SET name = ?', ("写了一半",))
    real_sha256_of = ops_backup.sha256_of

    def copy_done_then_writer_ends(path):
        writer.rollback()
        return real_sha256_of(path)

    monkeypatch.setattr(ops_backup, "sha256_of", copy_done_then_writer_ends)
    # when a backup is made meanwhile
    try:
        made, out = _backup(capsys, tmp_path)
    finally:
        writer.rollback()
        writer.close()
    # then it is one consistent, self-contained file with the committed row only
    copy = sqlite3.connect(made)
    assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert copy.execute(f'SELECT name FROM "{Customer._meta.db_table}"').fetchall() == [("已提交",)]
    copy.close()


@postgres_only
def test_pg_backup_fails_clearly_when_pg_dump_is_missing(bank, tmp_path, monkeypatch):
    monkeypatch.setenv("BANYAN_PG_BINDIR", str(tmp_path / "nowhere"))
    with pytest.raises(CommandError, match="Backup failed: .*has no pg_dump"):
        call_command("backup", "--to", str(tmp_path / "out"))
    assert list((tmp_path / "out").iterdir()) == []


@postgres_only
def test_pg_backup_is_a_custom_format_dump_with_no_password_on_the_command_line(bank, tmp_path, capsys, monkeypatch):
    # given the pg tools are watched as they are started
    seen = []
    real_run = ops_backup.subprocess.run

    def watching(argv, **kwargs):
        seen.append((argv, kwargs.get("env", {})))
        return real_run(argv, **kwargs)

    monkeypatch.setattr(ops_backup.subprocess, "run", watching)
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "s3cret-pw")
    # when a backup is made (the test server trusts every login, so any password works)
    made, _ = _backup(capsys, tmp_path)
    # then pg_dump wrote the custom format, and the password travelled only in PGPASSWORD
    assert made.read_bytes()[:5] == b"PGDMP"
    assert any(Path(argv[0]).name == "pg_dump" and "--format=custom" in argv for argv, _ in seen)
    assert all("s3cret-pw" not in " ".join(argv) and env["PGPASSWORD"] == "s3cret-pw" for argv, env in seen)


def _lose_every_table() -> None:
    """The database as after a disaster and `createdb`: no tables at all."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        connection.close()
        return
    connection.close()
    raw = sqlite3.connect(connection.settings_dict["NAME"])
    raw.execute("PRAGMA foreign_keys = OFF")
    for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")\
            .fetchall():
        raw.execute(f'DROP TABLE "{name}"')
    raw.commit()
    raw.close()


def test_restore_into_an_empty_recreated_database(bank, make_customer, tmp_path, capsys, monkeypatch):
    # given a backup, then the database lost and re-created empty
    _book(bank, make_customer)
    before = _state()
    made, _ = _backup(capsys, tmp_path / "nightly")
    _lose_every_table()
    monkeypatch.setenv("BANYAN_BACKUP_DIR", str(tmp_path / "safety"))
    # when the operator looks first, then restores
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("restore", str(made))
    assert "now holding: no Banyan tables (an empty database)" in capsys.readouterr().out
    call_command("restore", str(made), "--yes")
    # then everything is back, and no pointless safety backup of nothing was made
    assert "customers 2, holdings 2, interactions 2" in capsys.readouterr().out
    assert _state() == before
    assert not (tmp_path / "safety").exists()
