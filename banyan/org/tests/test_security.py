"""ARC-8 plumbing: secure headers, short sessions, CSRF, throttling, tokens, the staff command."""

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from banyan.audit.models import AuditEvent
from banyan.org.models import Staff
from banyan.org.services import api_token_issue, api_token_user, login_failed, login_is_locked


def test_pages_carry_secure_headers(bank, client):
    client.force_login(bank.rm_a)
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_sessions_are_short_and_end_with_the_browser():
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY


def test_a_post_without_csrf_token_is_refused(bank):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "zhangmin", "password": "x"})
    assert response.status_code == 403


def test_five_failures_lock_the_username(bank):
    for _ in range(settings.BANYAN_LOGIN_MAX_FAILURES):
        assert not login_is_locked(username="zhangmin", ip="127.0.0.9")
        login_failed(username="zhangmin", ip="127.0.0.9")
    assert login_is_locked(username="ZhangMin", ip="127.0.0.10")
    assert not login_is_locked(username="lihua", ip="127.0.0.10")
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == settings.BANYAN_LOGIN_MAX_FAILURES


def test_tokens_are_stored_as_digests_and_stop_with_the_login(bank):
    token = api_token_issue(staff=bank.rm_a)
    assert api_token_user(token) == bank.rm_a
    assert not bank.rm_a.api_tokens.filter(digest=token).exists()
    assert api_token_user(token + "x") is None
    Staff.objects.filter(pk=bank.rm_a.pk).update(is_active=False)
    assert api_token_user(token) is None


@pytest.mark.django_db
def test_staff_add_reads_the_password_from_stdin_and_creates_the_branch(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Str0ng-passw0rd\n"))
    out = io.StringIO()
    call_command("staff", "add", "liuyang", "--role", "rm", "--branch", "B09", stdout=out)
    staff = Staff.objects.get(username="liuyang")
    assert staff.role == "rm" and staff.branch.code == "B09" and staff.check_password("Str0ng-passw0rd")
    assert (staff.daily_capacity, staff.is_senior) == (20, False)


@pytest.mark.django_db
def test_staff_add_takes_the_daily_capacity_and_seniority_and_refuses_a_capacity_out_of_range(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Str0ng-passw0rd\n"))
    call_command("staff", "add", "wangfang", "--role", "rm", "--branch", "B09", "--capacity", "30", "--senior",
                 stdout=io.StringIO())
    staff = Staff.objects.get(username="wangfang")
    assert (staff.daily_capacity, staff.is_senior) == (30, True)
    monkeypatch.setattr("sys.stdin", io.StringIO("Str0ng-passw0rd\n"))
    with pytest.raises(CommandError, match="daily_capacity"):
        call_command("staff", "add", "zhaoqiang", "--role", "rm", "--branch", "B09", "--capacity", "0",
                     stdout=io.StringIO())
    assert not Staff.objects.filter(username="zhaoqiang").exists()


def test_chinese_first_whatever_the_browser_says_until_the_user_switches(bank, client):
    client.force_login(bank.rm_a)
    page = client.get("/customers/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "我的客户" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "My customers" in client.get("/customers/").content.decode()


def test_another_managers_customer_is_a_plain_404_page_that_tells_nothing(bank, make_customer, client):
    customer = make_customer(bank.rm_a, name="曾晓明")
    client.force_login(bank.rm_b)
    response = client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "不在您的管户范围内" in html and "曾晓明" not in html
    missing = client.get("/customers/999999/")
    # A customer who exists elsewhere and one who does not exist answer alike (only tokens and the
    # language switch's return path differ).
    def same(page: str) -> str:
        return re.sub(r"[A-Za-z0-9]{64}|/customers/\d+/", "", page)

    assert missing.status_code == 404 and same(missing.content.decode()) == same(html)



def test_passwords_are_argon2id_at_owasps_parameters_and_old_pbkdf2_hashes_are_upgraded(bank, settings):
    from django.contrib.auth.hashers import check_password, make_password

    from banyan import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # the tests' fast MD5 is only for them
    made = make_password("Banyan-2026!")
    assert made.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$") and check_password("Banyan-2026!", made)
    assert not check_password("banyan-2026!", made)
    # a manager whose password was stored by PBKDF2 logs in as before, and leaves with Argon2id
    Staff.objects.filter(pk=bank.rm_a.pk).update(password=make_password("Banyan-2026!", hasher="pbkdf2_sha256"))
    assert Client().post("/login/", {"username": "zhangmin", "password": "Banyan-2026!"}).status_code == 302
    assert Staff.objects.get(pk=bank.rm_a.pk).password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
