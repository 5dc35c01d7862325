"""API v1: the product catalogue, NAVs and holdings; AUM follows (API.md)."""

from __future__ import annotations

import pytest

from banyan.holdings.models import Product
from banyan.org.tests.test_api_auth import ApiCaller, assert_error


@pytest.fixture
def as_admin(bank, client):
    return ApiCaller(client, bank.admin)


@pytest.fixture
def as_rm_a(bank, client):
    return ApiCaller(client, bank.rm_a)


def test_an_admin_adds_a_product_and_everyone_reads_it(bank, as_admin, as_rm_a):
    response = as_admin.post("/products", {"code": "W365", "name": "稳享理财365天", "type": "wealth",
                                           "risk_level": "R2", "term_days": 365, "expected_yield": "3.2"})
    assert response.status_code == 201, response.content
    assert response.json()["expected_yield"] == "3.2000"
    listed = as_rm_a.get("/products").json()
    assert "W365" in [p["code"] for p in listed["items"]] and listed["count"] == 5
    assert as_rm_a.get("/products", type="wealth").json()["count"] == 2
    assert as_rm_a.get("/products/W365").json()["name"] == "稳享理财365天"
    assert_error(as_rm_a.get("/products/NOPE"), 404, "not_found")


def test_only_an_admin_writes_the_catalogue(bank, as_rm_a, client):
    body = {"code": "X1", "name": "x", "type": "fund", "risk_level": "R3"}
    assert_error(as_rm_a.post("/products", body), 403, "forbidden")
    assert_error(ApiCaller(client, bank.head).post("/products", body), 403, "forbidden")
    assert_error(as_rm_a.post("/products/F001/navs", {"date": "2026-11-20", "nav": "1.2"}), 403, "forbidden")
    assert not Product.objects.filter(code="X1").exists()


def test_a_duplicate_product_code_is_409_and_a_bad_risk_level_is_named(bank, as_admin):
    assert_error(as_admin.post("/products", {"code": "F001", "name": "x", "type": "fund", "risk_level": "R3"}), 409,
                 "conflict")
    error = assert_error(as_admin.post("/products", {"code": "F9", "name": "x", "type": "fund", "risk_level": "R9"}),
                         422, "invalid")
    assert list(error["fields"]) == ["risk_level"]


def test_a_holding_raises_the_customers_aum(bank, make_customer, as_rm_a):
    customer = make_customer(bank.rm_a)
    response = as_rm_a.post(f"/customers/{customer.pk}/holdings", {
        "product_code": "TD3Y", "amount": "500000", "purchase_date": "2026-06-01", "maturity_date": "2029-06-01"})
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == "500000.00" and response.json()["current_value"] == "500000.00"
    # a loan is kept but is not an asset
    as_rm_a.post(f"/customers/{customer.pk}/holdings",
                 {"product_code": "L-HOUSE", "amount": 800000, "purchase_date": "2025-01-01"})
    assert as_rm_a.get(f"/customers/{customer.pk}").json()["aum"] == "500000.00"
    listed = as_rm_a.get(f"/customers/{customer.pk}/holdings").json()
    assert listed["count"] == 2 and {h["product_code"] for h in listed["items"]} == {"TD3Y", "L-HOUSE"}


def test_a_nav_posted_by_the_admin_revalues_fund_holdings_and_aum(bank, make_customer, as_rm_a, as_admin):
    # given a fund bought at 1.0000 for 100,000 (100,000 units)
    customer = make_customer(bank.rm_a)
    as_rm_a.post(f"/customers/{customer.pk}/holdings", {
        "product_code": "F001", "amount": "100000", "purchase_date": "2026-10-08", "cost_price": "1.0000",
        "stop_loss_pct": "10"})
    # when the admin posts a NAV of 1.1500
    response = as_admin.post("/products/F001/navs", {"date": "2026-11-20", "nav": "1.15", "dividend": 0.01})
    assert response.status_code == 201, response.content
    assert response.json() == {"product_code": "F001", "date": "2026-11-20", "nav": "1.1500", "dividend": "0.0100"}
    # then the holding and the customer's AUM follow
    holding = as_rm_a.get(f"/customers/{customer.pk}/holdings").json()["items"][0]
    assert holding["current_value"] == "115000.00" and holding["units"] == "100000.0000"
    assert as_rm_a.get(f"/customers/{customer.pk}").json()["aum"] == "115000.00"
    product = as_rm_a.get("/products/F001").json()
    assert product["latest_nav"] == "1.1500" and product["latest_nav_date"] == "2026-11-20"


def test_a_nav_must_be_positive_and_for_a_known_product(bank, as_admin):
    error = assert_error(as_admin.post("/products/F001/navs", {"date": "2026-11-20", "nav": "-1"}), 422, "invalid")
    assert list(error["fields"]) == ["nav"]
    assert_error(as_admin.post("/products/NOPE/navs", {"date": "2026-11-20", "nav": "1"}), 404, "not_found")


def test_an_unknown_product_is_422_on_product_code(bank, make_customer, as_rm_a):
    customer = make_customer(bank.rm_a)
    error = assert_error(as_rm_a.post(f"/customers/{customer.pk}/holdings", {
        "product_code": "NOPE", "amount": "1000", "purchase_date": "2026-06-01"}), 422, "invalid")
    assert list(error["fields"]) == ["product_code"]


def test_the_services_checks_come_back_by_field(bank, make_customer, as_rm_a):
    customer = make_customer(bank.rm_a)
    error = assert_error(as_rm_a.post(f"/customers/{customer.pk}/holdings", {
        "product_code": "TD3Y", "amount": "1000", "purchase_date": "2026-06-01", "maturity_date": "2026-01-01"}),
        422, "invalid")
    assert list(error["fields"]) == ["maturity_date"]
    error = assert_error(as_rm_a.post(f"/customers/{customer.pk}/holdings", {
        "product_code": "TD3Y", "amount": "1000.001", "purchase_date": "2026-06-01"}), 422, "invalid")
    assert list(error["fields"]) == ["amount"]


def test_another_manager_cannot_see_or_add_holdings(bank, make_customer, client):
    customer = make_customer(bank.rm_a)
    other = ApiCaller(client, bank.rm_c)
    assert_error(other.get(f"/customers/{customer.pk}/holdings"), 404, "not_found")
    assert_error(other.post(f"/customers/{customer.pk}/holdings", {
        "product_code": "TD3Y", "amount": "1000", "purchase_date": "2026-06-01"}), 404, "not_found")
    assert not customer.holdings.exists()
