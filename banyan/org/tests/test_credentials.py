"""Issue 10 §5: secrets and credentials — the installation's own SECRET_KEY, `banyan serve` refusing a
published key, the password policy, `banyan staff add` with a refused password, and a deactivated
login whose tokens and sessions stay dead when it is reactivated."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from banyan.audit.models import AuditEvent
from banyan.audit.services import audit_log
from banyan.conftest import PASSWORD
from banyan.demo.staff import DEMO_PASSWORD
from banyan.org.management.commands import serve
from banyan.org.models import Branch, Staff
from banyan.org.services import (
    api_token_issue,
    branch_ensure,
    staff_create,
    staff_deactivate,
    staff_reactivate,
)
from banyan.secret_key import DEV_SECRET_KEY, installation_key, is_development_key

ROOT = Path(__file__).resolve().parents[3]


def _banyan(tmp_path, *args, env_extra=None, stdin=None, timeout=300) -> subprocess.CompletedProcess:
    """`banyan ARGS` in a fresh installation: its own var/ directory and SQLite database."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env.update({"BANYAN_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path / 'bank.sqlite3'}",
                "DJANGO_SETTINGS_MODULE": "banyan.settings", **(env_extra or {})})
    return subprocess.run([sys.executable, "-m", "banyan.cli", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


# ------------------------------------------------------------------ SECRET_KEY

def test_an_installation_makes_its_own_secret_key_once_and_keeps_it_private(tmp_path):
    """Before: with no SECRET_KEY set, `make run` signed everything with the published development key,
    so anyone could forge a manager's calendar-feed address."""
    key = installation_key(tmp_path / "var")
    path = tmp_path / "var" / "secret_key"
    assert len(key) >= 50 and not is_development_key(key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert installation_key(tmp_path / "var") == key  # read back, not made anew
    assert installation_key(tmp_path / "other") != key  # another installation, another key
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # nothing left aside


def test_settings_use_the_installation_key_when_the_environment_sets_none(tmp_path):
    show = ["shell", "-c", "from django.conf import settings; print('KEY=' + settings.SECRET_KEY)"]
    first, second = _banyan(tmp_path, *show), _banyan(tmp_path, *show)
    keys = [next(line[4:] for line in run.stdout.splitlines() if line.startswith("KEY=")) for run in (first, second)]
    assert keys[0] == keys[1] == (tmp_path / "var" / "secret_key").read_text().strip()
    assert keys[0] != DEV_SECRET_KEY
    given = _banyan(tmp_path, *show, env_extra={"SECRET_KEY": "x7Gq" * 15})
    assert "KEY=" + "x7Gq" * 15 in given.stdout


def test_serve_refuses_the_development_key_on_a_real_database(tmp_path):
    """Before: `banyan serve` ran with the development key on any database."""
    # (the old code started gunicorn here and never returned: the timeout ends the test)
    run = _banyan(tmp_path, "serve", "--port", "8123", env_extra={"SECRET_KEY": DEV_SECRET_KEY}, timeout=120)
    assert run.returncode != 0
    assert "Refusing to serve" in run.stderr and "SECRET_KEY" in run.stderr
    assert "serving on" not in run.stdout  # gunicorn never started


@pytest.fixture
def no_server(monkeypatch):
    """`banyan serve` up to the moment it would start gunicorn: what it would run, nothing else."""
    started: list[list[str]] = []
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: None)  # migrate, collectstatic
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: started.append(argv))
    return started


@pytest.mark.django_db
def test_serve_refuses_a_published_key_unless_the_database_is_the_demo_bank(settings, no_server):
    settings.SECRET_KEY = DEV_SECRET_KEY
    with pytest.raises(CommandError, match="Refusing to serve"):
        call_command("serve", stdout=io.StringIO())
    assert no_server == []
    audit_log(actor=None, action="demo.built", detail="seed 2026")  # the demo builder's mark
    call_command("serve", stdout=io.StringIO())
    assert len(no_server) == 1


@pytest.mark.django_db
def test_the_banner_names_the_port_really_served(no_server):
    """Before: `PORT=8123 make run` said "Open http://127.0.0.1:8000/" (the demo command's line)."""
    out = io.StringIO()
    call_command("serve", "--port", "8123", stdout=out)
    assert "http://127.0.0.1:8123/" in out.getvalue() and "8000" not in out.getvalue()
    assert "127.0.0.1:8123" in no_server[0]


@pytest.mark.django_db
def test_the_demo_command_claims_no_address_of_its_own():
    # a database holding a demo login: `banyan demo --if-empty` (make run's second step) prints the logins only
    staff_create(actor=None, username="zhangmin", password=DEMO_PASSWORD, role="rm",
                 branch=branch_ensure(code="001", name="城东支行"), full_name="张敏")
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert DEMO_PASSWORD in out.getvalue() and "http://" not in out.getvalue()


# ------------------------------------------------------------------ the password policy

def test_the_policy_accepts_the_published_passwords_and_a_strong_one():
    # the README's demo password and the test fixtures' stay valid under the policy
    for password in (DEMO_PASSWORD, PASSWORD, "Str0ng-passw0rd", "a-strong-password"):
        validate_password(password, Staff(username="zhangmin", full_name="张敏"))


@pytest.mark.parametrize("password, reason", [
    ("Ab3-xyz", "密码至少 10 位。"),
    ("abcdefghijkl", "密码须混用至少两类字符：小写字母、大写字母、数字、符号。"),
    ("20261123202611", "密码须混用至少两类字符：小写字母、大写字母、数字、符号。"),
    ("zhangmin2026", "密码与用户名过于相近。"),
    ("password123", "密码过于常见，容易被猜中。"),
])
def test_the_policy_refuses_short_one_kind_name_like_and_common_passwords_in_chinese(password, reason):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, Staff(username="zhangmin", full_name="张敏"))
    assert reason in refused.value.messages


@pytest.mark.django_db
def test_staff_add_with_a_refused_password_says_why_and_creates_nothing(monkeypatch):
    """Before: AttributeError: 'ValidationError' object has no attribute 'error_dict' (a traceback)."""
    monkeypatch.setattr("sys.stdin", io.StringIO("zhaoqiang\n"))
    with pytest.raises(CommandError) as refused:
        call_command("staff", "add", "zhaoqiang", "--role", "rm", "--branch", "B77", stdout=io.StringIO())
    message = str(refused.value)
    assert refused.value.returncode == 1
    assert "zhaoqiang was not created" in message
    assert "password: 密码至少 10 位。" in message and "password: 密码与用户名过于相近。" in message
    assert not Staff.objects.filter(username="zhaoqiang").exists()
    assert not Branch.objects.filter(code="B77").exists()


def test_staff_add_from_the_shell_exits_non_zero_with_the_reasons(tmp_path):
    assert _banyan(tmp_path, "migrate", "-v0").returncode == 0
    run = _banyan(tmp_path, "staff", "add", "liuyang", "--role", "rm", "--branch", "B01", stdin="1234567890\n")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and "liuyang was not created" in run.stderr
    assert "密码过于常见" in run.stderr


# ------------------------------------------------------------------ deactivation

def test_a_reactivated_login_has_to_sign_in_again_for_a_token(bank):
    """Before: tokens were only ignored while the login was inactive; reactivating it revived them."""
    token = api_token_issue(staff=bank.rm_a)
    api = Client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/customers", headers=headers).status_code == 200
    staff_deactivate(actor=bank.admin, staff=bank.rm_a)
    assert api.get("/api/v1/customers", headers=headers).status_code == 401
    staff_reactivate(actor=bank.admin, staff=bank.rm_a)
    assert api.get("/api/v1/customers", headers=headers).status_code == 401
    fresh = api.post("/api/v1/auth/token", {"username": "zhangmin", "password": PASSWORD},
                     content_type="application/json").json()["token"]
    assert api.get("/api/v1/customers", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    trail = AuditEvent.objects.filter(object_id=str(bank.rm_a.pk), action__in=("staff.deactivated",
                                                                                "staff.reactivated"))
    assert list(trail.order_by("pk").values_list("action", flat=True)) == ["staff.deactivated", "staff.reactivated"]


def test_a_reactivated_login_finds_its_old_browser_session_ended(bank, login):
    browser = login(bank.rm_a)
    page = "/outreach/appointments/"
    assert browser.get(page).status_code == 200
    staff_deactivate(actor=bank.admin, staff=bank.rm_a)
    staff_reactivate(actor=bank.admin, staff=bank.rm_a)
    response = browser.get(page)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert login(bank.rm_a).get(page).status_code == 200  # the password still works


def test_the_staff_command_deactivates_and_reactivates(bank):
    token = api_token_issue(staff=bank.rm_b)
    call_command("staff", "deactivate", "lihua", stdout=io.StringIO())
    bank.rm_b.refresh_from_db()
    assert not bank.rm_b.is_active and not bank.rm_b.api_tokens.exists()
    with pytest.raises(CommandError, match="lihua was not deactivated"):
        call_command("staff", "deactivate", "lihua", stdout=io.StringIO())
    call_command("staff", "reactivate", "lihua", stdout=io.StringIO())
    bank.rm_b.refresh_from_db()
    assert bank.rm_b.is_active
    assert Client().get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with pytest.raises(CommandError, match="No staff member called nobody"):
        call_command("staff", "reactivate", "nobody", stdout=io.StringIO())
