"""`banyan restore FILE [--yes]`: replace the live database with a backup made by `banyan backup`.

The checksum is verified first; without --yes nothing is changed and the command says what would
be replaced (exit code 1). Before replacing, a safety backup of the live database is made (skip
with --no-safety-backup). Stop the web server and the workers first (docs/deployment.md).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from banyan.ops.backup import (
    BackupError,
    backup_kind,
    backup_make,
    backup_restore,
    describe_target,
    is_empty,
    restore_check,
    row_counts,
    sqlite_file_counts,
)
from banyan.ops.management.commands.backup import format_counts, human_size


class Command(BaseCommand):
    help = "Restore the database from a backup file (checksum verified; needs --yes)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="a banyan-….sqlite3 or banyan-….dump with its .sha256 beside it")
        parser.add_argument("--yes", action="store_true", help="really replace the live database")
        parser.add_argument("--no-safety-backup", action="store_true",
                            help="do not back the live database up before replacing it")

    def handle(self, *args, file: Path, yes: bool, no_safety_backup: bool, **options) -> None:
        try:
            digest = restore_check(file)
            self.stdout.write(f"{file}  {human_size(file.stat().st_size)}  sha256 {digest[:16]}… matches its checksum")
            if backup_kind(file) == "sqlite":
                self.stdout.write(f"backup rows: {format_counts(sqlite_file_counts(file))}")
            live = row_counts()
            self.stdout.write(f"It would replace the {describe_target()}, now holding: {format_counts(live)}")
            if not yes:
                raise CommandError("Nothing was changed. Run again with --yes to restore "
                                   "(stop banyan-web, banyan-worker and banyan-beat first).")
            if not no_safety_backup and not is_empty(live):  # an empty database has nothing to save
                safety = backup_make()
                self.stdout.write(f"safety backup of the live database: {safety.path}")
            counts = backup_restore(file)
        except BackupError as exc:
            raise CommandError(f"Restore failed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {file.name}."))
        self.stdout.write(f"rows: {format_counts(counts)}")
        self.stdout.write("Next: `banyan migrate` (a backup from an older version), then start the services.")
