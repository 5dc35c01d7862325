"""A worklist date no calendar can handle is a 422 (API) or a 404 (pages), not a 500 (issue 10, §4).

The API's dates are YYYY-MM-DD of the years 1900–2999 (org.api.IsoDate); the pages take the same
years (clock.parse_day)."""

from __future__ import annotations

import pytest

from banyan.org.tests.test_api_auth import ApiCaller, assert_error

FAR = ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"]


@pytest.mark.parametrize("day", FAR)
def test_the_api_answers_422_for_a_day_outside_the_years_it_takes(bank, client, day):
    """Before: 9999-12-31 and 0001-01-01 answered 500 (the day after 9999-12-31 does not exist)."""
    error = assert_error(ApiCaller(client, bank.rm_a).get("/worklist", date=day), 422, "invalid")
    assert error["fields"]["date"] == ["年份须在1900至2999之间。"]


@pytest.mark.parametrize("day", FAR)
def test_the_pages_answer_404_for_a_day_outside_the_years_they_show(bank, login, day):
    """Before: /work/9999-12-31/ and /work/branch/?date=9999-12-31 answered 500."""
    assert login(bank.rm_a).get(f"/work/{day}/").status_code == 404
    head = login(bank.head)
    assert head.get("/work/branch/", {"date": day}).status_code == 404
    assert head.get(f"/work/branch/{bank.rm_a.pk}/", {"date": day}).status_code == 404


def test_the_edges_of_the_years_are_shown(bank, client, login):
    for day in ("1900-01-01", "2999-12-31"):
        assert ApiCaller(client, bank.rm_a).get("/worklist", date=day).json()["date"] == day
        assert login(bank.rm_a).get(f"/work/{day}/").status_code == 200
        assert login(bank.head).get("/work/branch/", {"date": day}).status_code == 200


def test_a_branch_page_without_a_date_is_today_and_one_with_a_wrong_date_is_not_found(bank, login):
    head = login(bank.head)
    assert head.get("/work/branch/").status_code == 200
    assert head.get("/work/branch/", {"date": ""}).status_code == 200
    assert head.get("/work/branch/", {"date": "2026-02-30"}).status_code == 404
