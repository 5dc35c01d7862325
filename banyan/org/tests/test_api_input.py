"""API v1: no input gets a 500, and the OpenAPI document says what the server does (issue 10, §4).

The rules live once, in banyan/org/api.py (IsoDate, IsoDateTime, Int, Bool, Id, PathId, DecimalIn)
and banyan/api.py (the 413 answer, the error words); these tests hold them, for every operation of
the document where they can, so that an endpoint added later is held too."""

from __future__ import annotations

import json
import re
import typing

import pytest
from pydantic import BaseModel

from banyan.org.api import In
from banyan.org.tests.test_api_auth import ApiCaller, assert_error

#: Just above what the server reads (DATA_UPLOAD_MAX_MEMORY_SIZE is 2.5 MB): the issue sent 5 MB.
BIG = 5 * 1024 * 1024


@pytest.fixture
def openapi(db, client):
    return client.get("/api/v1/openapi.json").json()


@pytest.fixture
def zeng(bank, make_customer):
    return make_customer(bank.rm_a, name="曾晓明")


def _big_json(field: str, extra: dict | None = None) -> str:
    return json.dumps({**(extra or {}), field: "x" * BIG})


def test_a_5_mb_body_is_413_in_the_error_shape_on_every_path_that_takes_a_body(bank, client, zeng):
    """Before: a 5 MB token request, contact or profile change answered 500 ("系统出错")."""
    me = ApiCaller(client, bank.rm_a)
    answers = [
        client.post("/api/v1/auth/token", _big_json("password", {"username": "zhangmin"}),
                    content_type="application/json"),
        me.post(f"/customers/{zeng.pk}/interactions", _big_json("summary", {"channel": "phone"})),
        client.patch(f"/api/v1/customers/{zeng.pk}", _big_json("notes"), content_type="application/json",
                     headers=me.headers),
    ]
    for response in answers:
        error = assert_error(response, 413, "too_large")
        assert "2.5 MB" in error["message"]
    zeng.refresh_from_db()
    assert zeng.notes == "" and not zeng.interactions.exists()


def test_a_5_mb_form_posted_to_a_page_is_a_413_page_not_a_bare_400(bank, login, zeng):
    """Before: Django's bare "Bad Request (400)" in English, without the app around it."""
    response = login(bank.rm_a).post(f"/customers/{zeng.pk}/edit/", {"notes": "x" * BIG})
    assert response.status_code == 413
    page = response.content.decode()
    assert "榕树" in page or "Banyan" in page  # the app's own page
    assert "2.5 MB" in page and "未保存" in page


def test_the_document_declares_413_on_every_operation_with_a_body(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)


def test_a_date_is_yyyy_mm_dd_not_a_unix_timestamp(bank, client):
    """Before: ?date=0 answered the list of 1970-01-01 (pydantic read 0 as seconds since 1970)."""
    me = ApiCaller(client, bank.rm_a)
    for value in ("0", "1700000000", "2026-11-23T00:00"):
        error = assert_error(me.get("/worklist", date=value), 422, "invalid")
        assert error["fields"]["date"] == ["请按 YYYY-MM-DD 格式输入日期。"]
    assert me.get("/worklist", date="2026-11-23").status_code == 200


def test_a_moment_with_any_iso_offset_is_kept_in_the_bank_s_time(bank, client, zeng):
    """Before: an appointment at 10:00-17:47 (ISO 8601, as schemathesis sent it) answered 500 on
    PostgreSQL, which takes offsets up to ±15:59 only."""
    response = ApiCaller(client, bank.rm_a).post(f"/customers/{zeng.pk}/appointments",
                                                  {"at": "2026-11-30T10:00:00-17:47", "place": "城东支行"})
    assert response.status_code == 201, response.content
    assert response.json()["at"] == "2026-12-01T11:47:00+08:00"


def test_true_is_not_a_number_and_1_is_not_true(bank, client, zeng):
    """Before: {"minutes": false} was recorded as 0 minutes on the phone."""
    me = ApiCaller(client, bank.rm_a)
    for minutes in (False, True, "5"):
        error = assert_error(me.post(f"/customers/{zeng.pk}/interactions", {"channel": "phone", "minutes": minutes}),
                             422, "invalid")
        assert error["fields"]["minutes"] == ["请输入整数。"]
    error = assert_error(me.patch(f"/customers/{zeng.pk}", {"do_not_disturb": 1}), 422, "invalid")
    assert list(error["fields"]) == ["do_not_disturb"]
    assert not zeng.interactions.exists()
    created = me.post(f"/customers/{zeng.pk}/interactions", {"channel": "phone", "minutes": 12})
    assert created.status_code == 201 and created.json()["minutes"] == 12


def test_an_auditor_creates_and_changes_nothing_through_the_api(bank, client, openapi, zeng):
    """Before: an auditor's campaign with a filter was created (201). Every write of the document,
    present and future, answers 403 to the role auditor."""
    from banyan.outreach.models import Campaign

    auditor = ApiCaller(client, bank.auditor)
    writes = [(method, path) for path, item in openapi["paths"].items() for method in item
              if method in ("post", "put", "patch", "delete") and not path.endswith("/auth/token")]
    assert len(writes) >= 15
    for method, path in writes:
        url = re.sub(r"\{[a-z_]+\}", lambda m: "F001" if m.group(0) == "{code}" else str(zeng.pk), path)
        response = getattr(client, method)(url, json.dumps({"filter": {"priority": True}}),
                                           content_type="application/json", headers=auditor.headers)
        assert_error(response, 403, "forbidden")
    assert not Campaign.objects.exists()
    assert auditor.get("/products").status_code == 200  # reading is the auditor's work


def test_the_document_states_the_limits_the_server_keeps(openapi):
    """Before: dates of any year, decimals of any size and a NAV of 0 were "valid" by the document
    and refused by the server; fields it refused as null were nullable."""
    schemas = openapi["components"]["schemas"]
    date = schemas["MemoIn"]["properties"]["due_date"]
    assert date["format"] == "date"
    for day, fits in (("1900-01-01", True), ("2999-12-31", True), ("1899-12-31", False), ("3000-01-01", False)):
        assert bool(re.search(date["pattern"], day)) is fits, day
    nav = {s["type"]: s for s in schemas["NavIn"]["properties"]["nav"]["anyOf"]}
    assert nav["number"]["exclusiveMinimum"] == 0 and nav["number"]["maximum"] == 9999999999.9999
    assert not re.search(nav["string"]["pattern"], "0.0000") and re.search(nav["string"]["pattern"], "1.0350")
    assert not re.search(nav["string"]["pattern"], "1.03501")  # four places
    yield_ = schemas["ProductIn"]["properties"]["expected_yield"]["anyOf"][0]["anyOf"]
    assert not re.search(yield_[0]["pattern"], "800000.00")  # DecimalIn(7, 4): three digits before the point
    patch = schemas["CustomerPatch"]["properties"]
    for refused_as_null in ("name", "id_type", "lunar_birthday", "do_not_disturb"):
        assert "anyOf" not in patch[refused_as_null] and "default" not in patch[refused_as_null], refused_as_null
    assert patch["address"]["anyOf"][0]["maxLength"] == 200
    assert "409" in openapi["paths"]["/api/v1/customers/{id}/appointments"]["post"]["responses"]
    assert "409" in openapi["paths"]["/api/v1/customers/{id}"]["patch"]["responses"]
    campaign = schemas["CampaignIn"]
    assert campaign["oneOf"] == [{"required": ["customer_ids"]}, {"required": ["filter"]}]
    assert campaign["properties"]["customer_ids"]["minItems"] == 1
    assert schemas["CampaignFilter"]["minProperties"] == 1


def test_a_null_the_server_refuses_is_not_sent_as_nullable_and_leaving_it_out_keeps_the_value(bank, client, zeng):
    me = ApiCaller(client, bank.rm_a)
    error = assert_error(me.patch(f"/customers/{zeng.pk}", {"name": None, "lunar_birthday": None}), 422, "invalid")
    assert set(error["fields"]) == {"name", "lunar_birthday"}
    changed = me.patch(f"/customers/{zeng.pk}", {"occupation": "教师"})
    assert changed.status_code == 200 and changed.json()["name"] == "曾晓明"


def _request_bodies() -> list[type[BaseModel]]:
    found, todo = [], list(In.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_request_body_is_held_by_the_rules_of_in(openapi):
    """Every body of the document is an In (no unknown field, JSON's types, storable text), so the
    rules above hold for an endpoint added later too."""
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                body = openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]]
                assert body.get("additionalProperties") is False, (method, path)


def test_every_date_of_a_request_body_is_an_iso_date_of_the_api():
    """A body's dates are IsoDate / IsoDateTime: YYYY-MM-DD (not a Unix timestamp), 1900–2999."""
    import datetime as dt

    def plain_dates(annotation) -> bool:
        if typing.get_origin(annotation) is typing.Annotated:
            return False
        if annotation in (dt.date, dt.datetime):
            return True
        return any(plain_dates(a) for a in typing.get_args(annotation))

    loose = [f"{model.__name__}.{name}" for model in _request_bodies() for name, field in model.model_fields.items()
             if plain_dates(field.annotation) and not field.metadata]
    assert loose == [], loose
