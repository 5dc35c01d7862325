"""`banyan import KIND FILE`: a batch feed from core banking (DATA-1, API.md).

The last line of the output is always `added N, updated N, unchanged N, rejected N`. The exit
code is 0 when the file was read, even with rejected rows (they are in `<file>.rejects.csv`);
non-zero for an unknown kind, a missing file or a file without the key column.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from banyan.feeds.columns import KINDS
from banyan.feeds.services import FeedFileError, feed_import
from banyan.org.models import Staff

SHOWN_REJECTS = 20


class ProgressBar:
    """A plain bar on stderr, redrawn with \\r every PROGRESS_EVERY rows (no dependency)."""

    def __init__(self, stream, width: int = 30) -> None:
        self.stream, self.width, self.drawn = stream, width, False

    def __call__(self, done: int, total: int) -> None:
        if total < 1000:  # short files finish before a bar would help
            return
        filled = self.width * done // total
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} 行")
        self.stream.flush()
        self.drawn = True
        if done == total:
            self.stream.write("\n")


class Command(BaseCommand):
    help = ("Import a batch feed from core banking: products, customers, holdings, transactions, navs, new_cards "
            "or risk_assessments.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=list(KINDS), help="what the file holds")
        parser.add_argument("file", help="CSV (UTF-8 or GBK/GB18030) or XLSX (first sheet, header row)")
        parser.add_argument("--encoding", help="the CSV's encoding, when detection is not wanted (e.g. gb18030)")
        parser.add_argument("--actor", help="username the changes are audited under (default: the system)")
        parser.add_argument("--no-followups", action="store_true",
                            help="skip the segment and worklist refresh after the feed")

    def handle(self, *args, kind: str, file: str, encoding: str | None, actor: str | None, no_followups: bool,
               **options) -> None:
        staff = None
        if actor:
            staff = Staff.objects.filter(username=actor).first()
            if staff is None:
                raise CommandError(f"没有用户名为 {actor} 的员工。")
        path = Path(file)
        try:
            result = feed_import(kind=kind, path=path, encoding=encoding, actor=staff,
                                 progress=ProgressBar(sys.stderr), followups=not no_followups)
        except FeedFileError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(f"{path.name}：{kind}，编码 {result.encoding}")
        if result.ignored_columns:
            self.stdout.write(f"未识别、已忽略的列：{'，'.join(result.ignored_columns)}")
        for _line, reason, _cells in result.rejects[:SHOWN_REJECTS]:
            self.stdout.write(reason)
        if result.rejected > SHOWN_REJECTS:
            self.stdout.write(f"……另有 {result.rejected - SHOWN_REJECTS} 行被拒绝")
        if result.rejects_path:
            self.stdout.write(f"被拒绝的行（行号、原因、原始内容）已写入：{result.rejects_path}")
        self.stdout.write(result.summary)
