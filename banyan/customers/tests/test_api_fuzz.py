"""API v1: whatever a client sends to create a customer, the answer is never a 500 (API.md:
"never a 500 for bad input") — a 201 with masked numbers, or a 4xx in the error shape."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banyan.customers.identity import make_resident_id
from banyan.org.tests.test_api_auth import ApiCaller

_junk = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=60),
    st.sampled_from(["", " ", "\x00", "NaN", "Infinity", "1e999", "-0", "0001-01-01", "9999-12-31", "2026-02-29",
                     "1985-03-12T00:00:00", "１３８１２３４５６７８", "13812345678", "+8613812345678", "x" * 300]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
def _mostly(valid, junk_one_in: int = 6):
    """Usually a plausible value, now and then junk: bodies must reach the services, not only
    the schema."""
    return st.integers(1, junk_one_in).flatmap(lambda i: _junk if i == 1 else valid)


_dates = _mostly(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(2100, 1, 1)).map(dt.date.isoformat))
_ids = _mostly(st.one_of(
    st.builds(lambda d, n: make_resident_id("110101", d, n), st.dates(dt.date(1900, 1, 1), dt.date(2026, 11, 23)),
              st.integers(0, 999)),
    st.from_regex(r"\A\d{17}[\dXx]\Z"), st.from_regex(r"\A[A-Z]?\d{8,20}\Z"),
))
_mobiles = _mostly(st.one_of(st.from_regex(r"\A1[3-9]\d{9}\Z"), st.from_regex(r"\A[+\d -]{5,16}\Z")))
_money = _mostly(st.one_of(st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
                           st.integers(-(10**20), 10**20), st.floats(allow_nan=False, allow_infinity=False)))
_text = _mostly(st.text(max_size=120))
_flag = _mostly(st.booleans())


def _choices(*values):
    return _mostly(st.sampled_from(values))


_body = st.fixed_dictionaries(
    {"external_id": _mostly(st.from_regex(r"\AC\d{1,8}\Z"), junk_one_in=12),
     "name": _mostly(st.sampled_from(["王小明", "曾晓明", "欧阳娜娜", " 单田芳 "]), junk_one_in=12),
     "rm": _mostly(st.sampled_from(["zhangmin", "zhangmin", "zhangmin", "lihua", "sunli", "nobody"]), junk_one_in=12)},
    optional={
        "id_number": _ids, "birth_date": _dates, "lunar_birthday": _flag, "gender": _choices("M", "F"),
        "mobile": _mobiles, "mobile2": _mobiles, "occupation": _text, "employer": _text,
        "risk_level": _choices("C1", "C3", "C5", "R3"), "other_bank_assets": _money,
        "orientation": _choices("relationship", "value", "service"), "do_not_disturb": _flag,
        "wedding_anniversary": _dates, "id_type": _choices("resident", "passport", "other"), "email": _text,
        "consent": _mostly(st.fixed_dictionaries({}, optional={k: _flag for k in ("sms", "phone", "email", "wechat")})),
    },
)
_bodies = _mostly(_body, junk_one_in=10)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(body=_bodies)
def test_creating_a_customer_never_answers_500(bank, client, body):
    caller = ApiCaller(client, bank.rm_a)
    response = client.post("/api/v1/customers", json.dumps(body, allow_nan=True), content_type="application/json",
                           headers=caller.headers)
    assert response.status_code in (201, 400, 403, 409, 422), (response.status_code, response.content[:500])
    answer = response.json()
    if response.status_code == 201:
        full_id = answer["id_number"]
        assert full_id == "" or "*" in full_id
        assert answer["mobile"] == "" or "****" in answer["mobile"]
    else:
        assert set(answer) == {"error"} and set(answer["error"]) == {"code", "message", "fields"}
        if response.status_code == 422:
            assert answer["error"]["fields"], answer
