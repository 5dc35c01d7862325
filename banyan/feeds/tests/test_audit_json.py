"""A bulk feed writes its audit events' snapshots with orjson (bulk._json_text): the JSON value must
be the one json.dumps writes for what the services store (_flat_json), for every kind of value a
snapshot holds — and where orjson refuses a value, json.dumps still writes it."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

from hypothesis import given, settings
from hypothesis import strategies as st

from banyan.customers.models import RiskLevel, Source
from banyan.feeds.bulk import _flat_json, _json_text

_zones = st.sampled_from([None, dt.UTC, zoneinfo.ZoneInfo("Asia/Shanghai")])
_values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**64, max_value=2**70),
    st.text(), st.text(alphabet=st.characters(blacklist_categories=())),  # lone surrogates too
    st.decimals(allow_nan=True, allow_infinity=True), st.dates(), st.datetimes(timezones=_zones),
    st.sampled_from([RiskLevel.C3, Source.NEW_CARD, "王建华", "330102********0497"]),
)
_snapshots = st.dictionaries(st.text(min_size=1, max_size=12), st.one_of(_values, st.lists(_values, max_size=3)),
                             min_size=1, max_size=12)


def _as_services_write_it(values):
    try:
        return json.loads(json.dumps(_flat_json(values)))
    except (TypeError, ValueError) as e:
        return type(e)


@settings(max_examples=400, deadline=None)
@given(_snapshots)
def test_an_events_json_is_the_value_json_dumps_writes(values):
    expected = _as_services_write_it(values)
    try:
        ours = json.loads(_json_text(values))
    except (TypeError, ValueError) as e:
        ours = type(e)
    assert ours == expected


def test_a_customers_snapshot_is_written_by_orjson_in_utf8():
    text = _json_text({"name": "王建华", "birth_date": dt.date(1980, 5, 17), "risk_level": RiskLevel.C3})
    assert text == '{"name":"王建华","birth_date":"1980-05-17","risk_level":"C3"}'
