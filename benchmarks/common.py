"""Shared set-up for the benchmarks: one synthetic bank per size, built once with `banyan demo`
under benchmarks/out/ (git-ignored) and reused, and small timing helpers."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"


def use_bank(customers: int, db: str | None = None) -> Path:
    """Point Django at the benchmark bank's SQLite file (before django.setup())."""
    sys.path.insert(0, str(ROOT))
    path = Path(db) if db else OUT / f"bank-{customers}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    return path


def ensure_bank(customers: int, seed: int = 7) -> None:
    """Build the demo bank of `customers` once (minutes for 200,000)."""
    from django.core.management import call_command

    from banyan.customers.models import Customer

    call_command("migrate", verbosity=0)
    if not Customer.objects.exists():
        start = time.perf_counter()
        call_command("demo", customers=customers, seed=seed)
        print(f"built the bank of {customers:,} customers in {time.perf_counter() - start:.0f} s", flush=True)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))]


def machine() -> str:
    import platform

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
