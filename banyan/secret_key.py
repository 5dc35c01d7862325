"""The installation's SECRET_KEY when the environment sets none.

Django signs sessions, CSRF tokens and the managers' calendar-feed URLs with SECRET_KEY; a key
known to the world (the development key in old READMEs, the example file's placeholder) lets
anyone forge them. So a machine without SECRET_KEY in its environment gets its own random key
on first start, kept in `var/secret_key` (mode 0600, never committed: var/ is ignored) and read
back by every later start and by every worker sharing BANYAN_VAR_DIR.

Imported by settings.py: no Django imports here.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: The key Banyan's settings fell back to before installations had their own: published, so
#: nothing signed with it can be trusted. `banyan serve` refuses it for a real bank's database.
DEV_SECRET_KEY = "banyan-dev-only-key-change-me-in-production-0123456789"

KEY_FILE = "secret_key"


def is_development_key(key: str) -> bool:
    """A key anyone can know: the old development key, the example file's CHANGE-ME
    placeholder, Django's startproject keys, or an empty one."""
    return (not key.strip() or key == DEV_SECRET_KEY or "CHANGE-ME" in key
            or key.startswith("django-insecure-"))


def installation_key(var_dir: Path) -> str:
    """This installation's key, made on first call. Concurrent first starts (gunicorn workers,
    a Celery worker) agree on one key: the file appears complete or not at all (written aside,
    then hard-linked into place, which fails if another process got there first)."""
    path = Path(var_dir) / KEY_FILE
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another process made it first: theirs is the key
    finally:
        aside.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it to have a new key made, or set SECRET_KEY.")
    return key
