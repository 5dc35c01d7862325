"""Two real Celery worker processes on a real redis-server on loopback (issue 15 §2), against the
test database: the nightly job sent through Redis builds the next working day of the demo bank
(three branches and the head office) in groups of branches that both workers take — the segments,
then the lists — and the segments and the lists are, row for row, those of the one bank-wide
recompute and build in this process. Run again it builds nothing
twice; every group sent twice at once — two workers racing for the same lists — neither. Today
is 2026-11-23 in the workers too (BANYAN_TODAY)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil

import pytest
from django.core.management import call_command

from banyan import clock
from banyan.customers.models import Customer
from banyan.holdings.services import aum_month_end_snapshot
from banyan.segments.models import CustomerSegment
from banyan.segments.services import nightly_refresh
from banyan.service.referral_services import referrals_refresh
from banyan.testing.workers import celery_workers, redis_server, sending_through, wait_for, worker_database_url
from banyan.worklists.models import Task, WorklistDay
from banyan.worklists.services import DayScope, worklist_build_groups
from banyan.worklists.tasks import _key, build_group, nightly
from banyan.worklists.tests.test_split_build import lists_of, segments_now, single_build

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed (apt-get install redis-server; CI has it)")

TODAY = dt.date(2026, 11, 23)
DAY, NEXT = dt.date(2026, 11, 24), dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def workers(django_db_setup, tmp_path_factory):
    """Two `celery -A banyan worker` processes (one child each) on both queues, on one Redis."""
    folder = tmp_path_factory.mktemp("workers")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "banyan.settings", "DATABASE_URL": worker_database_url(),
           "BANYAN_TODAY": TODAY.isoformat(), "BANYAN_VAR_DIR": str(folder), "BANYAN_LOG_LEVEL": "INFO",
           "BANYAN_QUIET_HOURS": "", "BANYAN_BUILD_GROUP_CUSTOMERS": "1"}  # a group per branch
    env.pop("REDIS_URL", None)
    with redis_server(folder) as url, celery_workers(url, count=2, env=env, folder=folder) as started:
        yield started


def _redis(workers):
    import redis

    return redis.Redis.from_url(workers[0].url)


def _groups_done(w, task: str = "build_group") -> int:
    return len(re.findall(rf"Task banyan\.worklists\.{task}\[[^\]]+\] succeeded",
                          w.log.read_text("utf-8", errors="replace")))


def _built(workers, day: dt.date):
    client = _redis(workers)
    try:
        found = client.get(_key(day, "built"))
        return json.loads(found) if found else None
    finally:
        client.close()


@pytest.mark.django_db(transaction=True)
def test_two_workers_build_the_lists_of_the_one_build_and_nothing_twice(workers):
    # given the demo bank, and what the nightly job does before the lists already done for the day
    with clock.frozen(TODAY):
        call_command("demo", customers=200, seed=7, stdout=io.StringIO())
        aum_month_end_snapshot(today=TODAY)
        nightly_refresh(actor=None)
        referrals_refresh()
        # and the lists the one bank-wide build makes of the next working day (rolled back)
        expected = single_build(DAY)
    counts = expected.pop("counts")
    assert len(expected["tasks"]) > 10 and not WorklistDay.objects.filter(date=DAY).exists()
    groups = len(worklist_build_groups(DAY, group_customers=1))
    assert groups >= 3
    segments, segment_groups = segments_now(), len(set(Customer.objects.values_list("branch_id", flat=True)))

    with sending_through(workers[0].url):
        # when beat's nightly job for that day reaches the workers
        nightly.delay(day=DAY.isoformat())
        totals = wait_for(workers, "the day marked built", lambda: _built(workers, DAY))

        # then the groups were built on both workers, and the day's lists are the one build's
        assert totals["groups"] == groups
        assert (totals["lists"], totals["tasks"], totals["suppressed"]) == counts
        # (the last group marks the day built a moment before its worker logs the task's success)
        wait_for(workers, "every group's success logged", lambda: sum(_groups_done(w) for w in workers) >= groups)
        assert all(_groups_done(w) >= 1 for w in workers), "one worker took every group"
        assert sum(_groups_done(w) for w in workers) == groups
        assert lists_of(DAY) == expected
        # and the segments before them, in groups of branches on both workers, the very same
        assert segments_now() == segments and CustomerSegment.objects.values("computed_at").distinct().count() == 1
        assert sum(_groups_done(w, "segment_group") for w in workers) == segment_groups >= 3

        # when it runs again: nothing is built twice
        _redis(workers).delete(_key(DAY, "built"))
        nightly.delay(day=DAY.isoformat())
        again = wait_for(workers, "the rerun marked built", lambda: _built(workers, DAY))
        assert again["groups"] == 0 and again["lists"] == 0
        assert lists_of(DAY) == expected

        # and every group of the day after sent twice at once: both workers race for the same lists
        with clock.frozen(TODAY):
            expected_next = single_build(NEXT)
        del expected_next["counts"]
        scope, before = DayScope.now(), sum(_groups_done(w) for w in workers)
        sent = worklist_build_groups(NEXT, group_customers=1)
        for branches in sent:
            for _twice in range(2):
                build_group.delay(NEXT.isoformat(), branches, scope.tasks_upto, scope.lists_upto)
        wait_for(workers, "every group built twice",
                 lambda: sum(_groups_done(w) for w in workers) - before == 2 * len(sent))
    assert lists_of(NEXT) == expected_next
    assert Task.objects.filter(date=NEXT).count() == len(expected_next["tasks"])
