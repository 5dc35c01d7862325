"""Contact frequency agreed with the customer (issue 16 §5, seed 003: 维护频率取得客户认可): every N
days instead of the segment's cadence, or only before maturities (no cadence contact at all); set on
the file and through PATCH /customers/{id}; the segment endpoint reports it."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan import clock
from banyan.customers.models import Customer
from banyan.holdings.services import holding_create
from banyan.org.tests.test_api_auth import ApiCaller, assert_error
from banyan.segments.models import CustomerSegment, SegmentPolicy
from banyan.segments.services import segments_recompute
from banyan.worklists.models import Task
from banyan.worklists.selectors import overdue_cadence_counts
from banyan.worklists.services import worklists_build

MON = dt.date(2026, 11, 23)


def ago(days):
    return dt.datetime.combine(MON - dt.timedelta(days=days), dt.time(10), tzinfo=dt.UTC)


def build(day, manager):
    with clock.frozen(day):
        worklists_build(day=day, manager_ids=[manager.pk])
    return {t.customer_id: sorted(r.code for r in t.reasons.all())
            for t in Task.objects.filter(manager=manager, date=day).prefetch_related("reasons")}


@pytest.fixture
def book(bank, make_customer):
    """Four low/low customers of zhangmin's (the segment: every 90 days)."""
    monthly = make_customer(bank.rm_a, name="王月", agreed_contact_days=30)  # spoke 40 days ago: due by agreement
    yearly = make_customer(bank.rm_a, name="李年", agreed_contact_days=180)  # 100 days ago: due by segment only
    plain = make_customer(bank.rm_a, name="赵常")  # 100 days ago, nothing agreed: due by the segment
    maturities = make_customer(bank.rm_a, name="钱到", contact_maturities_only=True)  # never contacted
    holding_create(actor=bank.rm_a, customer=maturities, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-11-23", maturity_date="2026-11-25")
    for customer, days in ((monthly, 40), (yearly, 100), (plain, 100)):
        Customer.objects.filter(pk=customer.pk).update(last_contact_at=ago(days))
    segments_recompute()
    assert set(CustomerSegment.objects.filter(customer__rm=bank.rm_a).values_list("quadrant", flat=True)) \
        == {"low_low"}
    return monthly, yearly, plain, maturities


def test_an_agreed_frequency_overrides_the_segments_cadence_both_ways(bank, book):
    monthly, yearly, plain, maturities = book
    tasks = build(MON, bank.rm_a)
    assert tasks[monthly.pk] == ["cadence_due"]  # the segment's 90 days would wait; 30 agreed do not
    assert yearly.pk not in tasks  # the segment's 90 days are up; the 180 agreed are not
    assert tasks[plain.pk] == ["cadence_due"]
    reason = Task.objects.get(customer=monthly, date=MON).reasons.get()
    assert "与客户约定每 30 天联系一次" in reason.detail


def test_only_before_maturities_gets_no_cadence_task_but_the_maturity_comes(bank, book):
    *_, maturities = book
    tasks = build(MON, bank.rm_a)
    assert tasks.get(maturities.pk, []) == ["deposit_maturity"]  # a week ahead; never a cadence contact
    Customer.objects.filter(pk=maturities.pk).update(last_contact_at=ago(400))
    later = MON + dt.timedelta(days=1)
    assert "cadence_due" not in build(later, bank.rm_a).get(maturities.pk, [])


def test_the_overdue_counts_follow_the_agreement(bank, book):
    monthly, yearly, plain, maturities = book
    counts = overdue_cadence_counts([bank.rm_a.pk], ago(0), SegmentPolicy.current())
    assert counts == {bank.rm_a.pk: 2}  # monthly and plain; not yearly, not maturities-only
    Customer.objects.filter(pk=yearly.pk).update(agreed_contact_days=None)
    assert overdue_cadence_counts([bank.rm_a.pk], ago(0), SegmentPolicy.current()) == {bank.rm_a.pk: 3}


def test_patch_sets_validates_and_clears_the_agreed_frequency_and_the_segment_reports_it(bank, book, client):
    monthly, yearly, plain, maturities = book
    api = ApiCaller(client, bank.rm_a)
    segment = api.get(f"/customers/{plain.pk}/segment").json()
    assert (segment["frequency_days"], segment["frequency_agreed"], segment["contact_maturities_only"]) \
        == (90, False, False)
    for bad in (0, 366, -5, "monthly"):
        error = assert_error(api.patch(f"/customers/{plain.pk}", {"agreed_contact_days": bad,
                                                                   "occupation": "教师"}), 422, "invalid")
        assert "agreed_contact_days" in error["fields"], bad
    plain.refresh_from_db()
    assert plain.agreed_contact_days is None and plain.occupation != "教师"  # nothing half-written
    body = api.patch(f"/customers/{plain.pk}", {"agreed_contact_days": 30}).json()
    assert body["agreed_contact_days"] == 30 and body["contact_maturities_only"] is False
    assert body["segment"]["frequency_days"] == 30 and body["segment"]["frequency_agreed"] is True
    assert api.get(f"/customers/{plain.pk}/segment").json()["frequency_days"] == 30
    body = api.patch(f"/customers/{plain.pk}", {"contact_maturities_only": True}).json()
    assert body["segment"]["frequency_days"] is None and body["segment"]["contact_maturities_only"] is True
    body = api.patch(f"/customers/{plain.pk}", {"agreed_contact_days": None, "contact_maturities_only": False}).json()
    assert body["agreed_contact_days"] is None
    assert (body["segment"]["frequency_days"], body["segment"]["frequency_agreed"]) == (90, False)
    # another branch's manager: 404, nothing written
    assert_error(ApiCaller(client, bank.rm_c).patch(f"/customers/{plain.pk}", {"agreed_contact_days": 7}), 404,
                 "not_found")
    plain.refresh_from_db()
    assert plain.agreed_contact_days is None


def test_the_file_sets_and_shows_the_agreed_frequency(bank, book, login):
    *_, plain, _maturities = book
    client = login(bank.rm_a)
    form = client.get(f"/customers/{plain.pk}/edit/").content.decode()
    assert 'name="agreed_contact_days"' in form and 'name="contact_maturities_only"' in form
    data = {"name": plain.name, "gender": plain.gender, "id_type": plain.id_type, "consent_phone": "on"}
    bad = client.post(f"/customers/{plain.pk}/edit/", {**data, "agreed_contact_days": "400"})
    assert bad.status_code == 400
    assert "1 到 365 天" in bad.content.decode().split('name="agreed_contact_days"', 1)[1][:1500]
    response = client.post(f"/customers/{plain.pk}/edit/", {**data, "agreed_contact_days": "30"})
    assert response.status_code == 302, response.content[:2000]
    plain.refresh_from_db()
    assert plain.agreed_contact_days == 30
    page = client.get(f"/customers/{plain.pk}/").content.decode()
    card = page.split('id="contact-frequency"', 1)[1][:600]
    assert "与客户约定" in card and "30" in card and "90" in card  # the agreed one, the segment's beside it
