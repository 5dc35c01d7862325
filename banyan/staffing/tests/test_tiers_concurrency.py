"""A double (tenfold) submit of the branch head's fix moves the customers once (issue 16 §7):
requests fired at the same moment from many threads at a live server (one thread and one database
connection per request); the rows are locked, the customers already moved are skipped."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connections

from banyan.audit.models import AuditEvent, AuditEventCustomer
from banyan.conftest import TODAY
from banyan.customers.models import Customer
from banyan.org.models import Role
from banyan.org.services import api_token_issue, staff_create
from banyan.staffing.models import Tier

N = 10
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post(base: str, token: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"{base}/api/v1{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with _OPENER.open(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def _race(n: int, request) -> list:
    gate = threading.Barrier(n)

    def run(i):
        gate.wait()
        try:
            return request(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


@pytest.mark.django_db(transaction=True)
def test_ten_identical_reassignments_at_once_move_the_customers_once(live_server, monkeypatch, bank, make_customer):
    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    if not Tier.objects.exists():  # (a flush before this test: the seed puts the tiers back)
        from banyan.seeding import reseed

        reseed()
    pb = staff_create(actor=None, username="qianpb", password="x", role=Role.RM, branch=bank.b1, full_name="钱私行",
                      is_private_banker=True, check_password=False)
    ids = []
    for i in range(3):
        c = make_customer(bank.rm_a, name=f"大客户{i}")
        Customer.objects.filter(pk=c.pk).update(aum=Decimal("8000000"))
        ids.append(c.pk)
    token = api_token_issue(staff=bank.head)
    answers = _race(N, lambda i: _post(live_server.url, token, "/branches/B01/reassign",
                                       {"customer_ids": ids, "to_rm": "qianpb"}))
    assert all(status == 200 for status, _body in answers), answers
    assert sum(body["moved"] for _s, body in answers) == 3  # each customer moved by exactly one request
    assert set(Customer.objects.filter(pk__in=ids).values_list("rm_id", flat=True)) == {pb.pk}
    events = AuditEvent.objects.filter(action="customers.reassigned")
    assert events.count() == 1  # the requests that found them moved wrote nothing
    assert sorted(AuditEventCustomer.objects.filter(event=events.get()).values_list("customer_id", flat=True)) == ids
