"""今日工作's coming-week preview kept in the shared cache (worklists/preview.py): planned once,
planned again as soon as a save changes what it shows — and only for the manager concerned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from banyan.customers.identity import make_resident_id
from banyan.customers.services import customer_assign
from banyan.holdings.services import nav_record
from banyan.segments.models import SegmentPolicy
from banyan.worklists import services


def born(day, seq=1, male=True):
    return make_resident_id("330106", day, seq * 2 + (1 if male else 0))


@pytest.fixture
def shared_cache(settings):
    """What a deployment with Redis has (BANYAN_CACHE_URL): the preview is cached."""
    settings.BANYAN_PREVIEW_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def plannings(monkeypatch):
    """The managers whose preview was planned (not read from the cache), one entry a planning."""
    calls: list[int] = []
    real = services.worklist_preview

    def counting(**kwargs):
        calls.append(kwargs["manager"].pk)
        return real(**kwargs)

    monkeypatch.setattr(services, "worklist_preview", counting)
    return calls



def _preview(client) -> str:
    """The coming week as 今日工作 loads it when the manager opens it."""
    return client.get("/work/week/", HTTP_HX_REQUEST="true").content.decode()


def test_the_preview_is_planned_once_and_again_when_a_new_customer_changes_it(
        bank, login, make_customer, shared_cache, plannings, django_capture_on_commit_callbacks):
    make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 26), seq=3))
    client = login(bank.rm_a)
    assert "冯雪" in _preview(client) and "陈晨" not in _preview(client)
    assert plannings == [bank.rm_a.pk]  # two views, one planning
    with django_capture_on_commit_callbacks(execute=True):
        make_customer(bank.rm_a, name="陈晨", id_number=born(dt.date(1990, 11, 27), seq=4))
    assert "陈晨" in _preview(client)  # not the cached week without her
    assert plannings == [bank.rm_a.pk, bank.rm_a.pk]


def test_a_contact_logged_from_the_file_renews_only_its_managers_preview(
        bank, login, make_customer, shared_cache, plannings, django_capture_on_commit_callbacks):
    mine = make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 26), seq=3))
    theirs = make_customer(bank.rm_b, name="孙立", id_number=born(dt.date(1979, 11, 27), seq=5))
    zhang, li = login(bank.rm_a), login(bank.rm_b)
    _preview(zhang), _preview(li)
    assert sorted(plannings) == sorted([bank.rm_a.pk, bank.rm_b.pk])
    with django_capture_on_commit_callbacks(execute=True):
        answer = li.post(f"/customers/{theirs.pk}/contacts/", {"channel": "phone", "outcome": "reached",
                                                              "purpose": "care", "summary": "生日前问候"})
    assert answer.status_code in (200, 302)
    assert "冯雪" in _preview(zhang) and "孙立" in _preview(li)
    assert sorted(plannings) == sorted([bank.rm_a.pk, bank.rm_b.pk, bank.rm_b.pk])  # 李华's only
    with django_capture_on_commit_callbacks(execute=True):
        zhang.post(f"/customers/{mine.pk}/contacts/", {"channel": "phone", "outcome": "reached", "purpose": "care",
                                                       "summary": "问候"})
    _preview(zhang)
    assert plannings.count(bank.rm_a.pk) == 2


def test_a_reassigned_customer_leaves_the_old_managers_week_and_joins_the_new_one(
        bank, login, make_customer, shared_cache, plannings, django_capture_on_commit_callbacks):
    customer = make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 26), seq=3))
    zhang, wang = login(bank.rm_a), login(bank.rm_c)
    assert "冯雪" in _preview(zhang) and "冯雪" not in _preview(wang)
    with django_capture_on_commit_callbacks(execute=True):
        customer_assign(actor=bank.admin, customer=customer, rm=bank.rm_c)
    assert "冯雪" not in _preview(zhang) and "冯雪" in _preview(wang)


def test_a_new_nav_renews_every_managers_preview(bank, login, make_customer, shared_cache, plannings,
                                                 django_capture_on_commit_callbacks):
    make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 26), seq=3))
    client = login(bank.rm_a)
    _preview(client), _preview(client)
    assert len(plannings) == 1
    with django_capture_on_commit_callbacks(execute=True):
        nav_record(actor=bank.admin, product=bank.products.fund, date="2026-11-23", nav="1.2345")
    _preview(client)
    assert len(plannings) == 2


def test_a_save_rolled_back_renews_nothing(bank, login, make_customer, shared_cache, plannings,
                                            django_capture_on_commit_callbacks):
    make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 26), seq=3))
    client = login(bank.rm_a)
    _preview(client)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            from django.db import transaction

            with transaction.atomic():
                make_customer(bank.rm_a, name="陈晨", id_number=born(dt.date(1990, 11, 27), seq=4))
                raise RuntimeError("the feed's row failed after the save")
        except RuntimeError:
            pass
    assert callbacks == []
    assert "陈晨" not in _preview(client) and len(plannings) == 1


def test_without_a_shared_cache_the_preview_is_planned_on_every_view(bank, login, make_customer, plannings):
    make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 26), seq=3))
    client = login(bank.rm_a)
    _preview(client), _preview(client)
    assert plannings == [bank.rm_a.pk, bank.rm_a.pk]


def test_the_nightly_plans_every_managers_week_in_one_pass_the_same_as_one_by_one(
        bank, login, make_customer, shared_cache, plannings, django_capture_on_commit_callbacks):
    from banyan.worklists.preview import _keys, previews_warm
    from banyan.worklists.services import worklist_preview

    make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 26), seq=3))
    make_customer(bank.rm_b, name="孙立", id_number=born(dt.date(1979, 11, 27), seq=5))
    make_customer(bank.rm_c, name="周敏", id_number=born(dt.date(1988, 11, 30), seq=6))
    SegmentPolicy.current()  # made on first use; the nightly job finds it made
    first = dt.date(2026, 11, 24)
    with django_capture_on_commit_callbacks(execute=True):
        assert previews_warm(first=first) >= 3
    # the managers' first look at the week is read from the cache, planned by nobody
    zhang, li = login(bank.rm_a), login(bank.rm_b)
    assert "冯雪" in _preview(zhang) and "孙立" in _preview(li) and plannings == []
    # and what the bank-wide pass planned is what each manager's own planning gives
    for manager in (bank.rm_a, bank.rm_b, bank.rm_c):
        stored = cache.get(_keys([manager.pk], first, 7)[manager.pk])
        alone = worklist_preview(manager=manager, first=first, days=7)
        assert stored == alone and any(stored.values())


def test_the_nightly_job_plans_the_week_after_the_days_lists(bank, make_customer, shared_cache, plannings):
    from banyan.worklists.tasks import nightly

    make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 26), seq=3))
    result = nightly()
    assert result["day"] == "2026-11-23" and result["weeks_planned"] >= 3
