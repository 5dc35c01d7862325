"""`banyan backup [--to DIR] [--keep N]`: a consistent copy of the whole database.

SQLite: the online backup API into DIR/banyan-YYYYmmdd-HHMMSS.sqlite3 (checked with PRAGMA
integrity_check); PostgreSQL: `pg_dump -Fc` into DIR/banyan-YYYYmmdd-HHMMSS.dump. A `.sha256`
beside each. Prints the file, its size and the rows of the main tables; exit code 1 with the
reason when the backup failed (and then no partial file is left).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from banyan.ops.backup import BackupError, backup_make, default_dir, describe_target


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def format_counts(counts: dict[str, int | None]) -> str:
    if all(n is None for n in counts.values()):
        return "no Banyan tables (an empty database)"
    return ", ".join(f"{label} {'—' if n is None else f'{n:,}'}" for label, n in counts.items())


class Command(BaseCommand):
    help = "Back the database up (SQLite backup API or pg_dump) into a directory, with a sha256 checksum."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--to", dest="to_dir", type=Path,
                            help="directory for the backup (default: $BANYAN_BACKUP_DIR or var/backups)")
        parser.add_argument("--keep", type=int, help="then delete all but the N newest backups in that directory")

    def handle(self, *args, to_dir: Path | None, keep: int | None, **options) -> None:
        to_dir = to_dir or default_dir()
        self.stdout.write(f"Backing up the {describe_target()} into {to_dir} …")
        try:
            result = backup_make(to_dir=to_dir, keep=keep)
        except BackupError as exc:
            raise CommandError(f"Backup failed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{result.path}  {human_size(result.size)}"))
        self.stdout.write(f"sha256 {result.sha256}  ({result.path.name}.sha256)")
        self.stdout.write(f"rows: {format_counts(result.counts)}")
        for old in result.pruned:
            self.stdout.write(f"pruned {old.name}")
