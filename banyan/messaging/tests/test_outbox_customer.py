"""The outbox for one customer: a customer out of reach, or an id no customer can have, is not
found (issue 10, §4)."""

from __future__ import annotations


def test_an_outbox_for_a_customer_id_no_table_can_hold_is_404(bank, login):
    """Before: /messages/?customer=99999999999999999999 answered 500 (the database overflowed)."""
    assert login(bank.rm_a).get("/messages/", {"customer": "99999999999999999999"}).status_code == 404


def test_an_outbox_for_another_manager_s_customer_is_404_as_for_no_customer(bank, login, make_customer):
    theirs = make_customer(bank.rm_c)
    mine = make_customer(bank.rm_a, name="曾晓明")
    me = login(bank.rm_a)
    assert me.get("/messages/", {"customer": theirs.pk}).status_code == 404
    assert me.get("/messages/", {"customer": 999999}).status_code == 404
    page = me.get("/messages/", {"customer": mine.pk})
    assert page.status_code == 200 and "曾晓明" in page.content.decode()
