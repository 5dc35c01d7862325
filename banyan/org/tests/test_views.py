"""The branch head's pages: overview, reassignment of one customer, hand-over of a whole book."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.contacts.services import interaction_log
from banyan.customers.models import Customer
from banyan.customers.services import customer_create
from banyan.holdings.services import holding_create
from banyan.org.forms import assign_form_for
from banyan.org.models import Role
from banyan.org.services import staff_create
from banyan.org.views import branch_rows

pytestmark = pytest.mark.django_db


def _deposit(bank, customer, amount):
    holding_create(actor=None, customer=customer, product=bank.products.deposit, amount=amount,
                   purchase_date="2026-01-10", maturity_date="2029-01-10")


def _row_for(response, username):
    return next(r for r in response.context["rows"] if r.manager and r.manager.username == username)


@pytest.fixture
def books(bank, make_customer):
    """zhangmin: 2 customers (¥150,000); lihua: 1 (¥300,000); wangfang in B02: 1 (¥1,000,000)."""
    a1 = make_customer(bank.rm_a, name="王小明")
    a2 = make_customer(bank.rm_a, name="曾晓明")
    b1 = make_customer(bank.rm_b, name="刘洋")
    c1 = make_customer(bank.rm_c, name="周杰")
    _deposit(bank, a1, "100000")
    _deposit(bank, a2, "50000")
    _deposit(bank, b1, "300000")
    _deposit(bank, c1, "1000000")
    return {"a1": a1, "a2": a2, "b1": b1, "c1": c1}


@pytest.fixture
def other_head(bank):
    return staff_create(actor=None, username="qianhao", password="x", role=Role.BRANCH_HEAD, branch=bank.b2,
                        full_name="钱浩", check_password=False)


# --- branch overview ---------------------------------------------------------------------------

def test_branch_head_sees_the_branch_managers_with_book_sizes_and_aum(client, bank, books):
    # given a branch head of B01
    client.force_login(bank.head)
    # when they open the branch page
    response = client.get(reverse("branch_overview"))
    # then both B01 managers are listed with their books, largest book first, and B02's is not
    assert response.status_code == 200
    html = response.content.decode()
    assert "城东支行" in html and "张敏" in html and "李华" in html
    assert "王芳" not in html
    rows = [r for r in response.context["rows"] if r.manager]
    assert [r.manager.username for r in rows] == ["lihua", "zhangmin"]
    zhang, li = _row_for(response, "zhangmin"), _row_for(response, "lihua")
    assert (zhang.book_size, zhang.book_aum) == (2, Decimal("150000.00"))
    assert (li.book_size, li.book_aum) == (1, Decimal("300000.00"))
    assert round(li.share, 1) == 66.7
    total = response.context["total"]
    assert (total.book_size, total.book_aum) == (3, Decimal("450000.00"))
    # each manager links to the book page filtered to them
    assert f'{reverse("customer_list")}?rm={bank.rm_a.pk}' in html


def test_overview_counts_recent_contacts_stale_customers_and_completeness(client, bank, books):
    # given one customer contacted last week and one only 90 days ago; the third never contacted
    interaction_log(actor=bank.rm_a, customer=books["a1"], channel="phone", outcome="reached",
                    occurred_at=clock.now() - dt.timedelta(days=7))
    interaction_log(actor=bank.rm_a, customer=books["a2"], channel="visit",
                    occurred_at=clock.now() - dt.timedelta(days=90))
    client.force_login(bank.head)
    # when the branch head opens the page
    response = client.get(reverse("branch_overview"))
    # then zhangmin has one contact in 30 days and one customer not contacted for 60+ days,
    # lihua's never-contacted customer counts as not contacted too
    zhang, li = _row_for(response, "zhangmin"), _row_for(response, "lihua")
    assert (zhang.contacts_30d, zhang.stale) == (1, 1)
    assert (li.contacts_30d, li.stale) == (0, 1)
    assert response.context["total"].stale == 2
    expected = (books["a1"].completeness + books["a2"].completeness) / 2
    assert zhang.avg_completeness == pytest.approx(expected)


def test_unassigned_customers_of_the_branch_are_listed_and_counted(client, bank, books):
    # given a customer of B01 with no manager, and one of B02
    lone = customer_create(actor=None, external_id="U0001", name="孤雁", rm=None, branch=bank.b1)
    customer_create(actor=None, external_id="U0002", name="西客", rm=None, branch=bank.b2)
    client.force_login(bank.head)
    # when the branch head opens the page
    response = client.get(reverse("branch_overview"))
    # then the B01 one is listed with a link to the file (where it can be assigned); B02's is not
    html = response.content.decode()
    assert response.context["unassigned_count"] == 1
    assert reverse("customer_detail", args=[lone.pk]) in html
    assert "西客" not in html
    assert response.context["total"].book_size == 4  # the totals row includes the unassigned


def test_overview_queries_do_not_grow_with_the_branch(client, bank, make_customer, django_assert_num_queries):
    # given the page's query count for a small branch (with one unassigned customer: the list of
    # them is an audited read, one event however long)
    make_customer(bank.rm_a, name="一号")
    customer_create(actor=None, external_id="UX-first", name="待分", rm=None, branch=bank.b1)
    client.force_login(bank.head)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("branch_overview"))
    # when the branch has many more customers, contacts and unassigned customers
    for i in range(12):
        c = make_customer(bank.rm_b if i % 2 else bank.rm_a, name=f"客户{i}")
        interaction_log(actor=bank.rm_a, customer=c, channel="phone")
        customer_create(actor=None, external_id=f"UX{i}", name=f"待分{i}", rm=None, branch=bank.b1)
    # then the page still takes the same number of queries (set-based, no per-manager loops)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("branch_overview"))


@pytest.mark.parametrize("who", ["rm_a", "assistant", "auditor"])
def test_staff_who_are_not_branch_heads_get_404_on_the_branch_page(client, bank, books, who):
    client.force_login(getattr(bank, who))
    assert client.get(reverse("branch_overview")).status_code == 404


def test_another_branchs_head_sees_only_their_own_branch(client, bank, books, other_head):
    # given the head of B02
    client.force_login(other_head)
    # when they ask for B01, they get 404; their own page shows B02's manager only
    assert client.get(reverse("branch_overview") + "?branch=B01").status_code == 404
    response = client.get(reverse("branch_overview"))
    assert [r.manager.username for r in response.context["rows"] if r.manager] == ["wangfang"]
    assert "张敏" not in response.content.decode()


def test_admin_picks_any_branch(client, bank, books):
    client.force_login(bank.admin)
    response = client.get(reverse("branch_overview") + "?branch=B02")
    assert response.status_code == 200
    assert _row_for(response, "wangfang").book_aum == Decimal("1000000.00")
    assert client.get(reverse("branch_overview") + "?branch=NOPE").status_code == 404


def test_branch_rows_for_a_branch_without_customers(bank):
    rows, total = branch_rows(bank.head, bank.b1)
    assert all(r.book_size == 0 for r in rows) and total.book_aum == 0 and total.avg_completeness is None


# --- a manager's daily capacity and seniority ---------------------------------------------------

def test_the_branch_head_sets_a_managers_daily_capacity_and_seniority_and_the_list_follows(client, bank, books):
    from banyan.audit.models import AuditEvent
    from banyan.worklists.models import WorklistDay
    from banyan.worklists.services import worklists_build

    client.force_login(bank.head)
    assert 'name="daily_capacity"' in client.get(reverse("branch_overview")).content.decode()
    response = client.post(reverse("staff_workload", args=[bank.rm_a.pk]), {"daily_capacity": "1", "is_senior": "on"})
    assert response.status_code == 302
    bank.rm_a.refresh_from_db()
    assert (bank.rm_a.daily_capacity, bank.rm_a.is_senior) == (1, True)
    event = AuditEvent.objects.get(action="staff.workload_changed")
    assert event.before == {"daily_capacity": 20, "is_senior": False} and event.after["daily_capacity"] == 1
    worklists_build(manager_ids=[bank.rm_a.pk])
    assert WorklistDay.objects.get(manager=bank.rm_a).capacity == 1  # the day's list is planned for one


def test_a_capacity_out_of_range_is_refused_with_the_reason_and_nothing_changes(client, bank, books):
    client.force_login(bank.head)
    page = client.post(reverse("staff_workload", args=[bank.rm_a.pk]), {"daily_capacity": "500"}, follow=True)
    assert "200" in str(list(page.context["messages"])[0])
    bank.rm_a.refresh_from_db()
    assert bank.rm_a.daily_capacity == 20


def test_another_branchs_head_and_a_manager_get_404(client, bank, books, other_head):
    for who in (other_head, bank.rm_b):
        client.force_login(who)
        response = client.post(reverse("staff_workload", args=[bank.rm_a.pk]), {"daily_capacity": "5"})
        assert response.status_code == 404
    bank.rm_a.refresh_from_db()
    assert bank.rm_a.daily_capacity == 20


# --- reassignment of one customer --------------------------------------------------------------

def test_branch_head_reassigns_a_customer_to_another_manager(client, bank, books):
    customer = books["a1"]
    client.force_login(bank.head)
    # when the branch head moves zhangmin's customer to lihua
    response = client.post(reverse("customer_assign", args=[customer.pk]), {"rm": bank.rm_b.pk})
    # then they are sent back to the file with a success message
    assert response.status_code == 302
    assert response.url == reverse("customer_detail", args=[customer.pk])
    page = client.get(response.url)
    assert "李华" in str(list(page.context["messages"])[0])
    # and the customer is in lihua's book: the file opens for lihua and is 404 for zhangmin
    customer.refresh_from_db()
    assert customer.rm == bank.rm_b and customer.assistant is None
    client.force_login(bank.rm_b)
    assert client.get(reverse("customer_detail", args=[customer.pk])).status_code == 200
    client.force_login(bank.rm_a)
    assert client.get(reverse("customer_detail", args=[customer.pk])).status_code == 404
    # and the reassignment is in the audit trail, before and after
    event = AuditEvent.objects.get(action="customer.assigned", customer_id=customer.pk)
    assert event.actor == bank.head
    assert event.before["rm"] == bank.rm_a.pk and event.after["rm"] == bank.rm_b.pk


def test_reassignment_can_name_an_assistant(client, bank, books):
    customer = books["b1"]
    client.force_login(bank.head)
    client.post(reverse("customer_assign", args=[customer.pk]), {"rm": bank.rm_a.pk,
                                                                 "assistant": bank.assistant.pk})
    customer.refresh_from_db()
    assert (customer.rm, customer.assistant) == (bank.rm_a, bank.assistant)


def test_branch_head_cannot_reassign_a_customer_of_another_branch(client, bank, books):
    client.force_login(bank.head)
    response = client.post(reverse("customer_assign", args=[books["c1"].pk]), {"rm": bank.rm_a.pk})
    assert response.status_code == 404
    books["c1"].refresh_from_db()
    assert books["c1"].rm == bank.rm_c
    assert not AuditEvent.objects.filter(action="customer.assigned").exists()


def test_branch_head_cannot_reassign_to_a_manager_of_another_branch(client, bank, books):
    customer = books["a1"]
    client.force_login(bank.head)
    # when the branch head tries to move a B01 customer to wangfang (B02)
    response = client.post(reverse("customer_assign", args=[customer.pk]), {"rm": bank.rm_c.pk}, follow=True)
    # then nothing moves and the file shows why
    customer.refresh_from_db()
    assert customer.rm == bank.rm_a
    assert not AuditEvent.objects.filter(action="customer.assigned").exists()
    shown = [str(m) for m in response.context["messages"]]
    assert shown and all(m.level_tag == "error" for m in response.context["messages"])
    assert "其他网点" in shown[0]


def test_a_manager_cannot_reassign_even_their_own_customer(client, bank, books):
    client.force_login(bank.rm_a)
    response = client.post(reverse("customer_assign", args=[books["a1"].pk]), {"rm": bank.rm_b.pk})
    assert response.status_code == 404
    books["a1"].refresh_from_db()
    assert books["a1"].rm == bank.rm_a


def test_assign_form_lists_only_the_branchs_managers_and_only_for_those_who_may_assign(bank, books):
    from django.template.loader import render_to_string

    assert assign_form_for(bank.rm_a, books["a1"]) is None
    form = assign_form_for(bank.head, books["a1"])
    html = render_to_string("org/partials/_assign_form.html", {"customer": books["a1"], "assign_form": form})
    assert "张敏" in html and "李华" in html and "陈静" in html
    assert "王芳" not in html
    assert reverse("customer_assign", args=[books["a1"].pk]) in html


# --- hand-over of a whole book -----------------------------------------------------------------

def test_hand_over_shows_what_moves_then_moves_the_whole_book(client, bank, books):
    client.force_login(bank.head)
    url = reverse("book_hand_over")
    form_page = client.get(url)
    # the form names each book's size, and offers only B01's managers
    assert "张敏（2 位客户）" in form_page.content.decode()
    assert "王芳" not in form_page.content.decode()
    data = {"from_rm": bank.rm_a.pk, "to_rm": bank.rm_b.pk}
    # when the branch head asks to hand zhangmin's book to lihua
    preview = client.post(url, data)
    # then a confirmation shows 2 customers and ¥150,000, and nothing has moved yet
    assert preview.status_code == 200
    assert preview.context["book_size"] == 2
    assert preview.context["book_aum"] == Decimal("150000.00")
    assert "150,000.00" in preview.content.decode()
    assert Customer.objects.filter(rm=bank.rm_a).count() == 2
    # when they confirm
    done = client.post(url, {**data, "confirm": "1"}, follow=True)
    # then the whole book is lihua's, with a message saying so
    assert Customer.objects.filter(rm=bank.rm_a).count() == 0
    assert Customer.objects.filter(rm=bank.rm_b).count() == 3
    assert "已将 2 位客户移交给 李华" in done.content.decode()
    # and the hand-over is one event, found under each customer it moved
    from banyan.audit.selectors import events_about_customer

    event = AuditEvent.objects.get(action="book.handed_over", actor=bank.head)
    assert not AuditEvent.objects.filter(action="customer.assigned").exists()
    for key in ("a1", "a2"):
        assert list(events_about_customer(books[key].pk).filter(action="book.handed_over")) == [event]
    assert not events_about_customer(books["b1"].pk).filter(action="book.handed_over").exists()
    # and zhangmin no longer reaches them
    client.force_login(bank.rm_a)
    assert client.get(reverse("customer_detail", args=[books["a1"].pk])).status_code == 404


def test_hand_over_from_another_branch_is_refused(client, bank, books):
    client.force_login(bank.head)
    response = client.post(reverse("book_hand_over"), {"from_rm": bank.rm_c.pk, "to_rm": bank.rm_b.pk,
                                                       "confirm": "1"})
    assert response.status_code == 400
    assert "from_rm" in response.context["form"].errors
    assert Customer.objects.filter(rm=bank.rm_c).count() == 1


def test_hand_over_to_the_same_manager_is_refused(client, bank, books):
    client.force_login(bank.head)
    response = client.post(reverse("book_hand_over"), {"from_rm": bank.rm_a.pk, "to_rm": bank.rm_a.pk})
    assert response.status_code == 400
    assert "to_rm" in response.context["form"].errors


def test_hand_over_page_is_404_for_managers(client, bank, books):
    client.force_login(bank.rm_a)
    assert client.get(reverse("book_hand_over")).status_code == 404
    response = client.post(reverse("book_hand_over"), {"from_rm": bank.rm_b.pk, "to_rm": bank.rm_a.pk,
                                                       "confirm": "1"})
    assert response.status_code == 404
    assert Customer.objects.filter(rm=bank.rm_b).count() == 1


def test_a_manager_who_left_is_flagged_and_their_book_can_be_handed_over(client, bank, books):
    # given zhangmin has left but still keeps customers
    bank.rm_a.is_active = False
    bank.rm_a.save()
    client.force_login(bank.head)
    # then the overview warns, linking to the hand-over prefilled with zhangmin
    response = client.get(reverse("branch_overview"))
    assert [m.username for m in response.context["orphaned"]] == ["zhangmin"]
    assert f'{reverse("book_hand_over")}?from={bank.rm_a.pk}' in response.content.decode()
    # and the hand-over moves the book
    client.post(reverse("book_hand_over"), {"from_rm": bank.rm_a.pk, "to_rm": bank.rm_b.pk, "confirm": "1"})
    assert Customer.objects.filter(rm=bank.rm_b).count() == 3


def test_the_overview_speaks_english_when_asked(client, bank, books):
    client.force_login(bank.head)
    client.cookies["django_language"] = "en"  # what the language switch sets
    response = client.get(reverse("branch_overview"))
    html = response.content.decode()
    assert "Branch overview" in html and "Share of branch AUM" in html
    assert "网点概览" not in html


def test_an_admins_reassign_box_offers_the_customers_branch_not_every_manager_of_the_bank(bank, books):
    """Given a bank with managers in two branches, when the admin opens a B01 customer's reassign
    box, then it lists B01's managers only (a bank has thousands), and a B02 manager is not offered."""
    from django.template.loader import render_to_string

    form = assign_form_for(bank.admin, books["a1"])
    html = render_to_string("org/partials/_assign_form.html", {"customer": books["a1"], "assign_form": form})
    assert "张敏" in html and "李华" in html
    assert "王芳" not in html
