"""API v1: tokens, the 401 answers, throttling, and the OpenAPI document (API.md)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from banyan.audit.models import AuditEvent
from banyan.conftest import PASSWORD
from banyan.org.services import api_token_issue


class ApiCaller:
    """The Django test client speaking JSON to /api/v1 with one staff member's bearer token."""

    def __init__(self, client: Client, staff=None, token: str | None = None):
        self.client = client
        token = token or (api_token_issue(staff=staff) if staff is not None else None)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body=None, **extra):
        return self.client.post(f"/api/v1{path}", body if body is not None else {}, content_type="application/json",
                                headers=self.headers, **extra)

    def patch(self, path: str, body):
        return self.client.patch(f"/api/v1{path}", body, content_type="application/json", headers=self.headers)


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


def test_a_token_from_username_and_password_opens_the_api(bank, client):
    # given a manager's login
    anonymous = ApiCaller(client)
    # when the manager exchanges it for a token
    response = anonymous.post("/auth/token", {"username": "zhangmin", "password": PASSWORD})
    # then the token opens the API as that manager
    assert response.status_code == 200
    token = response.json()["token"]
    me = ApiCaller(client, token=token)
    assert me.get("/products").status_code == 200
    assert AuditEvent.objects.filter(action="auth.token_issued", actor=bank.rm_a).exists()


def test_without_a_token_or_with_a_bad_one_the_answer_is_401(bank, client):
    assert_error(ApiCaller(client).get("/customers"), 401, "unauthorized")
    assert_error(ApiCaller(client, token="not-a-token").get("/customers"), 401, "unauthorized")
    response = client.get("/api/v1/customers", headers={"Authorization": "Basic emhhbmdtaW46eA=="})
    assert_error(response, 401, "unauthorized")


def test_a_wrong_password_is_401_and_repeated_failures_lock_the_login(bank, client):
    anonymous = ApiCaller(client)
    for _ in range(settings.BANYAN_LOGIN_MAX_FAILURES):
        assert_error(anonymous.post("/auth/token", {"username": "zhangmin", "password": "wrong"}), 401,
                     "unauthorized")
    # even the right password is refused while the login is locked, as on the login page
    error = assert_error(anonymous.post("/auth/token", {"username": "zhangmin", "password": PASSWORD}), 429,
                         "too_many_attempts")
    assert "15" in error["message"]


def test_a_token_request_without_a_password_names_the_field(bank, client):
    error = assert_error(ApiCaller(client).post("/auth/token", {"username": "zhangmin"}), 422, "invalid")
    assert list(error["fields"]) == ["password"]


def test_a_body_that_is_not_json_is_400_in_the_error_shape(bank, client):
    response = client.post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert_error(response, 400, "bad_request")


# --- the OpenAPI document ------------------------------------------------------------------------

#: The paths of API.md built so far (issue 2).
API_MD_PATHS = {
    ("post", "/api/v1/auth/token"),
    ("post", "/api/v1/products"),
    ("post", "/api/v1/products/{code}/navs"),
    ("post", "/api/v1/customers"),
    ("get", "/api/v1/customers"),
    ("get", "/api/v1/customers/{id}"),
    ("post", "/api/v1/customers/{id}/holdings"),
    ("post", "/api/v1/customers/{id}/interactions"),
    ("post", "/api/v1/customers/{id}/memos"),
    ("get", "/api/v1/customers/{id}/segment"),
}


@pytest.fixture
def openapi(db, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_openapi_document_lists_every_path_of_api_md_built_so_far(openapi):
    operations = {(method, path) for path, item in openapi["paths"].items() for method in item}
    assert API_MD_PATHS <= operations


def test_every_operation_declares_its_error_answers_in_the_error_shape(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            declared = set(operation["responses"])
            expected = {"422"} if path.endswith("/auth/token") else {"401", "403", "404", "422"}
            assert expected <= declared, (method, path, declared)
            for status in expected:
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert _is_the_error_shape(openapi, schema["$ref"]), (method, path, status, schema)


def _is_the_error_shape(openapi, ref: str) -> bool:
    """ErrorOut, or a shape that only adds to its detail (the sale's 422 adds the blocking rules):
    every field a client reads from an error is there, with the same definition."""
    schemas = openapi["components"]["schemas"]
    shape = schemas[ref.rsplit("/", 1)[-1]]
    if ref == "#/components/schemas/ErrorOut":
        return True
    base, detail = schemas["ErrorDetail"], schemas[shape["properties"]["error"]["$ref"].rsplit("/", 1)[-1]]
    return (set(shape.get("required", [])) == {"error"}
            and set(base.get("required", [])) <= set(detail.get("required", []))
            and all(detail["properties"].get(name) == prop for name, prop in base["properties"].items()))


def test_money_is_a_decimal_string_and_dates_are_iso_in_the_document(openapi):
    schemas = openapi["components"]["schemas"]
    aum = schemas["CustomerOut"]["properties"]["aum"]
    assert aum["type"] == "string" and re.fullmatch(aum["pattern"], "1250000.00")
    assert not re.fullmatch(aum["pattern"], "1,250,000")
    amount = schemas["HoldingIn"]["properties"]["amount"]
    assert "number" in [s["type"] for s in amount["anyOf"]]  # requests may send a number or a string
    assert schemas["HoldingIn"]["properties"]["purchase_date"]["format"] == "date"
    assert openapi["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"


def test_a_wrong_method_and_an_unknown_path_answer_in_the_error_shape(bank, client):
    caller = ApiCaller(client, bank.rm_a)
    response = client.put("/api/v1/customers", {}, content_type="application/json", headers=caller.headers)
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]
    assert_error(caller.get("/no/such/path"), 404, "not_found")
    assert_error(ApiCaller(client).post("/no/such/path", {}), 404, "not_found")


def test_every_field_and_parameter_of_the_document_is_typed(openapi):
    def typed(schema):
        return any(k in schema for k in ("type", "$ref", "anyOf", "allOf", "enum", "const"))

    for name, schema in openapi["components"]["schemas"].items():
        for field, spec in schema.get("properties", {}).items():
            assert typed(spec), (name, field, spec)
    for path, item in openapi["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                assert typed(parameter["schema"]), (path, parameter)
