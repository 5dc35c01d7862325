import pytest
from django.http import Http404

from banyan.customers.selectors import get_customer_for_user, visible_customers


@pytest.fixture
def books(bank, make_customer):
    return {
        "a": make_customer(bank.rm_a, name="曾晓明"),
        "b": make_customer(bank.rm_b, name="李娜"),
        "c": make_customer(bank.rm_c, name="王强"),
    }


def test_a_manager_sees_only_their_own_book(bank, books):
    assert list(visible_customers(bank.rm_a)) == [books["a"]]
    with pytest.raises(Http404):
        get_customer_for_user(bank.rm_b, books["a"].pk)


def test_the_assistant_sees_the_book_of_the_manager_they_work_for(bank, books):
    assert list(visible_customers(bank.assistant)) == [books["a"]]


def test_the_branch_head_sees_the_branch_and_not_the_other_branch(bank, books):
    assert set(visible_customers(bank.head)) == {books["a"], books["b"]}
    with pytest.raises(Http404):
        get_customer_for_user(bank.head, books["c"].pk)


def test_the_auditor_sees_no_customer_file_and_the_admin_sees_all(bank, books):
    assert not visible_customers(bank.auditor).exists()
    assert visible_customers(bank.admin).count() == 3


def test_an_inactive_login_sees_nothing(bank, books):
    bank.rm_a.is_active = False
    assert not visible_customers(bank.rm_a).exists()


def test_a_missing_and_a_forbidden_customer_look_the_same(bank, books):
    for cid in (books["c"].pk, 999999, "abc"):
        with pytest.raises(Http404):
            get_customer_for_user(bank.rm_a, cid)
