import datetime as dt
import io

from django.core.management import call_command

from banyan.contacts.models import Interaction
from banyan.customers.identity import make_resident_id
from banyan.org.tests.test_api_auth import ApiCaller, assert_error
from banyan.worklists.models import Task


def test_the_worklist_api_answers_as_api_md_writes(bank, make_customer, client):
    customer = make_customer(bank.rm_a, name="王建国", id_number=make_resident_id("330106", dt.date(1966, 11, 23), 5))
    body = ApiCaller(client, bank.rm_a).get("/worklist", date="2026-11-23").json()
    assert body["date"] == "2026-11-23" and body["preview"] is False
    item = next(i for i in body["items"] if i["customer_id"] == customer.pk)
    assert item["suggested_channel"] == "phone" and item["priority"] > 0
    assert item["reasons"][0]["code"] == "birthday" and "60 岁" in item["reasons"][0]["detail"]


def test_a_customer_a_contact_rule_leaves_out_is_not_among_the_items_but_excluded_with_the_rule(
        bank, make_customer, client):
    # two do-not-disturb customers: a birthday today (the stored list) and on Thursday (a preview)
    today = make_customer(bank.rm_a, name="马晨阳", do_not_disturb=True,
                          id_number=make_resident_id("330106", dt.date(1970, 11, 23), 7))
    thursday = make_customer(bank.rm_a, name="马晨光", do_not_disturb=True,
                             id_number=make_resident_id("330106", dt.date(1971, 11, 26), 7))
    caller = ApiCaller(client, bank.rm_a)
    for day, quiet in (("2026-11-23", today), ("2026-11-26", thursday)):
        body = caller.get("/worklist", date=day).json()
        assert all(i["customer_id"] != quiet.pk for i in body["items"]), day
        left_out = next(i for i in body["excluded"] if i["customer_id"] == quiet.pk)
        assert left_out["status"] == "suppressed" and left_out["rule"], day
        assert left_out["reasons"][0]["code"] == "birthday"


def test_another_manager_sees_neither_the_task_nor_the_customer(bank, make_customer, client):
    customer = make_customer(bank.rm_a, id_number=make_resident_id("330106", dt.date(1966, 11, 23), 5))
    ApiCaller(client, bank.rm_a).get("/worklist")
    task = Task.objects.get(customer=customer)
    other = ApiCaller(client, bank.rm_b)
    assert all(i["customer_id"] != customer.pk for i in other.get("/worklist").json()["items"])
    assert_error(other.post(f"/worklist/tasks/{task.pk}/complete", {"outcome": "reached"}), 404, "not_found")


def test_completing_through_the_api_records_the_contact(bank, make_customer, client):
    customer = make_customer(bank.rm_a, id_number=make_resident_id("330106", dt.date(1966, 11, 23), 5))
    caller = ApiCaller(client, bank.rm_a)
    task_id = caller.get("/worklist").json()["items"][0]["task_id"]
    response = caller.post(f"/worklist/tasks/{task_id}/complete", {
        "outcome": "reached", "summary": "生日祝福", "new_info": "女儿九月上大学", "next_contact_on": "2026-12-20"})
    assert response.status_code == 200 and response.json()["status"] == "done"
    contact = Interaction.objects.get(customer=customer)
    assert (contact.summary, contact.new_info, contact.next_contact_on) == ("生日祝福", "女儿九月上大学",
                                                                         dt.date(2026, 12, 20))
    moved = caller.post(f"/worklist/tasks/{task_id}/move", {"to": "2026-12-20"})
    assert_error(moved, 409, "conflict")  # closed already: the same answer as losing a race


def test_a_future_date_is_a_preview_and_a_bad_date_is_422(bank, make_customer, client):
    customer = make_customer(bank.rm_a, id_number=make_resident_id("330106", dt.date(1966, 11, 26), 5))
    caller = ApiCaller(client, bank.rm_a)
    body = caller.get("/worklist", date="2026-11-26").json()
    assert body["preview"] is True and [i["customer_id"] for i in body["items"]] == [customer.pk]
    assert not Task.objects.exists()
    assert_error(caller.get("/worklist", date="26/11/2026"), 422, "invalid")


def test_a_past_date_no_list_was_built_for_is_planned_as_of_that_day(bank, make_customer, client):
    customer = make_customer(bank.rm_a, id_number=make_resident_id("330106", dt.date(1966, 11, 20), 5))
    caller = ApiCaller(client, bank.rm_a)
    body = caller.get("/worklist", date="2026-11-20").json()
    assert body["preview"] is True and [i["customer_id"] for i in body["items"]] == [customer.pk]
    assert body["items"][0]["reasons"][0]["code"] == "birthday" and not Task.objects.exists()
    # a day that was built answers what was planned then, not a new plan
    caller.get("/worklist", date="2026-11-23")
    assert caller.get("/worklist", date="2026-11-23").json()["preview"] is False


def test_the_nightly_command_builds_every_list_once(bank, make_customer):
    make_customer(bank.rm_a, id_number=make_resident_id("330106", dt.date(1966, 11, 23), 5))
    out = io.StringIO()
    call_command("worklists", "build", "--date", "2026-11-23", stdout=out)
    assert "built 3 lists" in out.getvalue()  # zhangmin, lihua, wangfang: the managers who keep a book
    call_command("worklists", "build", "--date", "2026-11-23", stdout=out)
    assert "built 0 lists" in out.getvalue()
    assert Task.objects.count() == 1
