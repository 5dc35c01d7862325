"""A manager's coming week (今日工作 → 查看未来安排), kept in the shared cache.

The week is planned in memory from today's data (15 triggers over the manager's book for seven
days: ~100–300 ms at a bank of a million customers). It changes only when the data under it
does, so it is kept in the cache (at most BANYAN_PREVIEW_CACHE_SECONDS) under a key that holds
two generations: the manager's (renewed when one of the manager's customers, contacts,
appointments, memos, holdings, transactions or tasks is saved) and the bank's (renewed by what
changes everybody's plans: feeds, NAVs, segments, the worklist rules, holidays, book hand-overs,
a build). A renewed generation makes a new key, so the next look plans afresh; the old entry
simply expires. The nightly job fills the cache for every manager in one bank-wide pass
(`previews_warm`).

Only with a cache that every server process shares (Redis: BANYAN_CACHE_URL or REDIS_URL). A
per-process cache would let one process show a week another process's save has made stale, so
without one the week is planned each time (BANYAN_PREVIEW_CACHE_SECONDS=0). Generations are
renewed after the transaction commits: renewed before, a look in between could store the old
data under the new key.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache

from banyan.worklists import services
from banyan.worklists.generations import BANK_GENERATION, enabled, manager_generation
from banyan.worklists.planner import Planned


def _keys(manager_ids, first: dt.date, days: int) -> dict[int, str]:
    """Each manager's key under the generations now in force. Read BEFORE planning: a save made
    while the plans are computed then renews a generation the stored entry no longer matches."""
    mine = {m: manager_generation(m) for m in manager_ids}
    generations = cache.get_many([BANK_GENERATION, *mine.values()])
    bank = generations.get(BANK_GENERATION, 0)
    return {m: f"wl-preview:m{m}:{first:%Y%m%d}:{days}:{bank}:{generations.get(g, 0)}" for m, g in mine.items()}


def cached_preview(*, manager, first: dt.date, days: int) -> dict[dt.date, list[Planned]]:
    """`worklist_preview` through the cache."""
    if not enabled():
        return services.worklist_preview(manager=manager, first=first, days=days)
    key = _keys([manager.pk], first, days)[manager.pk]
    plans = cache.get(key)
    if plans is None:
        plans = services.worklist_preview(manager=manager, first=first, days=days)
        cache.set(key, plans, settings.BANYAN_PREVIEW_CACHE_SECONDS)
    return plans


def previews_warm(*, first: dt.date, days: int = 7) -> int:
    """Plan every manager's coming days in one bank-wide pass and keep them in the cache (the
    nightly job, after the day's lists): the morning's 查看未来安排 then reads them until the
    manager's first contact changes them. Returns the number of managers planned."""
    if not enabled():
        return 0
    keys = _keys(list(services.managers_with_books().values_list("pk", flat=True)), first, days)
    plans = services.worklists_preview_all(first=first, days=days)
    empty = {first + dt.timedelta(days=i): [] for i in range(days)}
    cache.set_many({key: plans.get(m, empty) for m, key in keys.items()}, settings.BANYAN_PREVIEW_CACHE_SECONDS)
    return len(keys)
