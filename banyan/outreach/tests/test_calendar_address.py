"""Issue 10 §5: a manager's calendar-feed address can be renewed by its owner (重新生成订阅链接), and
is renewed when the login is deactivated; an old address answers 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from banyan.audit.models import AuditEvent
from banyan.contacts.services import appointment_create
from banyan.org.services import staff_deactivate, staff_reactivate
from banyan.outreach import ical


@pytest.fixture
def meeting(bank, make_customer):
    customer = make_customer(bank.rm_a, name="王建国")
    appointment, _guidance = appointment_create(actor=bank.rm_a, customer=customer, at="2026-11-26T10:00",
                                                place="城东支行", purpose="资产检视")
    return appointment


def _feed_path(page: str) -> str:
    url = re.search(r'id="feed-url"[^>]*value="([^"]+)"', page).group(1)
    return re.sub(r"^https?://[^/]+", "", url)


def test_the_owner_renews_the_address_and_the_old_one_answers_404(bank, login, meeting):
    """Before: the address was the signed user id, the same for ever: shared once, readable for ever."""
    browser = login(bank.rm_a)
    page = browser.get("/outreach/appointments/").content.decode()
    assert "重新生成订阅链接" in page
    old = _feed_path(page)
    assert Client().get(old).status_code == 200
    response = browser.post("/outreach/appointments/feed/renew/", follow=True)
    new = _feed_path(response.content.decode())
    assert "旧链接已失效" in response.content.decode()
    assert new != old
    assert Client().get(old).status_code == 404
    feed = Client().get(new)
    assert feed.status_code == 200 and "SUMMARY:约见 王先生" in feed.content.decode()
    assert AuditEvent.objects.filter(action="calendar.address_renewed", actor=bank.rm_a).count() == 1


def test_renewing_takes_a_post_from_someone_with_appointments(bank, login):
    assert login(bank.rm_a).get("/outreach/appointments/feed/renew/").status_code == 405
    assert Client().post("/outreach/appointments/feed/renew/").status_code == 302  # to the login page
    assert login(bank.auditor).post("/outreach/appointments/feed/renew/").status_code == 404


def test_deactivating_the_login_ends_the_address_for_good(bank, meeting):
    old = f"/outreach/appointments/{ical.feed_token(bank.rm_a)}.ics"
    assert Client().get(old).status_code == 200
    staff_deactivate(actor=bank.admin, staff=bank.rm_a)
    assert Client().get(old).status_code == 404
    staff_reactivate(actor=bank.admin, staff=bank.rm_a)
    assert Client().get(old).status_code == 404
    bank.rm_a.refresh_from_db()
    assert Client().get(f"/outreach/appointments/{ical.feed_token(bank.rm_a)}.ics").status_code == 200


def test_an_address_renewed_by_one_manager_leaves_anothers_working(bank, login):
    theirs = f"/outreach/appointments/{ical.feed_token(bank.rm_c)}.ics"
    login(bank.rm_a).post("/outreach/appointments/feed/renew/")
    assert Client().get(theirs).status_code == 200


def test_an_address_signed_with_another_key_or_for_another_key_value_answers_404(bank):
    from django.core import signing

    forged = signing.Signer(key="banyan-dev-only-key-change-me-in-production-0123456789",
                            salt=ical.SALT).sign(str(bank.rm_a.pk))
    assert Client().get(f"/outreach/appointments/{forged}.ics").status_code == 404
    stale = signing.Signer(salt=ical.SALT).sign(f"{bank.rm_a.pk}.not-the-key")
    assert Client().get(f"/outreach/appointments/{stale}.ics").status_code == 404
