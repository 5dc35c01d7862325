"""Shared fixtures: a small bank of two branches and three managers (DESIGN.md, house style 9)."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from django.test import Client

from banyan import clock
from banyan.customers.identity import make_resident_id
from banyan.customers.services import customer_create
from banyan.holdings.services import holding_create, product_create
from banyan.org.models import Role
from banyan.org.services import branch_ensure, staff_create

PASSWORD = "Banyan-test-2026"
TODAY = dt.date(2026, 11, 23)
_seq = itertools.count(1)


@pytest.fixture
def login():
    """login(staff) → a test client logged in through the real login page."""

    def _login(staff) -> Client:
        client = Client()
        response = client.post("/login/", {"username": staff.username, "password": PASSWORD})
        assert response.status_code == 302, "login failed"
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashes cost by design; tests need the check, not the cost. The real hashers follow, to
    # verify hashes made outside this fixture (a module-scoped demo bank).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "banyan.org.hashers.Argon2idHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_quiet_hours(settings):
    # Tests run at any hour of the wall clock; the quiet-hours tests set them and the time themselves.
    settings.BANYAN_QUIET_HOURS = None


@pytest.fixture(autouse=True)
def _frozen_today():
    with clock.frozen(TODAY):
        yield TODAY


def _staff(username, role, branch, full_name, manager=None):
    return staff_create(actor=None, username=username, password=PASSWORD, role=role, branch=branch,
                        full_name=full_name, manager=manager, check_password=False)


@pytest.fixture
def bank(db):
    """Branches b1 (两家经理 + 助理 + 行长) and b2 (one manager), an auditor, an admin, and products."""
    b1 = branch_ensure(code="B01", name="城东支行")
    b2 = branch_ensure(code="B02", name="城西支行")
    rm_a = _staff("zhangmin", Role.RM, b1, "张敏")
    rm_b = _staff("lihua", Role.RM, b1, "李华")
    rm_c = _staff("wangfang", Role.RM, b2, "王芳")
    assistant = _staff("chenjing", Role.ASSISTANT, b1, "陈静", manager=rm_a)
    head = _staff("zhaolei", Role.BRANCH_HEAD, b1, "赵磊")
    auditor = _staff("sunli", Role.AUDITOR, b1, "孙丽")
    admin = _staff("admin", Role.ADMIN, b1, "管理员")
    products = SimpleNamespace(
        deposit=product_create(actor=None, code="TD3Y", name="三年期整存整取", type="time_deposit", risk_level="R1",
                               term_days=1095, expected_yield="2.35"),
        fund=product_create(actor=None, code="F001", name="稳健成长混合基金", type="fund", risk_level="R3"),
        wealth=product_create(actor=None, code="W180", name="安心理财180天", type="wealth", risk_level="R2",
                              term_days=180, expected_yield="3.10"),
        loan=product_create(actor=None, code="L-HOUSE", name="个人住房贷款", type="loan", risk_level="R1"),
    )
    return SimpleNamespace(b1=b1, b2=b2, rm_a=rm_a, rm_b=rm_b, rm_c=rm_c, assistant=assistant, head=head,
                           auditor=auditor, admin=admin, products=products)


@pytest.fixture
def make_customer(bank):
    """make_customer(rm, name=..., birth=date(...), male=True, **profile) → a valid customer."""

    def _make(rm=None, *, name="王小明", birth=dt.date(1980, 5, 17), male=True, **fields):
        n = next(_seq)
        fields.setdefault("id_number", make_resident_id("110101", birth, (2 * n + (1 if male else 0)) % 1000))
        fields.setdefault("mobile", f"138{n:08d}")
        return customer_create(actor=None, external_id=f"C{n:08d}", name=name, rm=rm or bank.rm_a, **fields)

    return _make


@pytest.fixture
def zeng(bank, make_customer):
    """曾晓明, zhangmin's customer, with a deposit, a fund and a loan (the page tests' customer)."""
    customer = make_customer(bank.rm_a, name="曾晓明", birth=dt.date(1980, 5, 17), lunar_birthday=True,
                             risk_level="C3", risk_assessed_on=dt.date(2025, 3, 1), occupation="工程师")
    holding_create(actor=None, customer=customer, product=bank.products.deposit, amount="500000.00",
                   purchase_date="2024-01-10", maturity_date="2026-12-20")
    holding_create(actor=None, customer=customer, product=bank.products.fund, amount="100000.00",
                   purchase_date="2025-06-01", cost_price="1.2500", take_profit_pct="15", stop_loss_pct="10")
    holding_create(actor=None, customer=customer, product=bank.products.loan, amount="800000.00",
                   purchase_date="2020-01-01", maturity_date="2040-01-01", overdue_days=12)
    customer.refresh_from_db()
    return customer


def _uses_real_transactions(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool({"live_server", "transactional_db"} & set(getattr(item, "fixturenames", ()))
                or (marker is not None and marker.kwargs.get("transaction")))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a live-server test the database is flushed (in the fixtures' teardown); then put back
    what migrations seeded (scripts, message templates), so that the next test on this worker
    finds them whatever order the workers run the files in. (Serialized rollback alone restores
    them only at the start of the next live-server test.)"""
    yield
    if nextitem is None or not _uses_real_transactions(item):
        return  # after the last test the test database is gone already
    from pytest_django.plugin import blocking_manager_key

    from banyan.seeding import reseed  # the data migrations' rows (a flush removes them)

    with item.config.stash[blocking_manager_key].unblock():
        reseed()  # each seed is idempotent
