"""The OpenAPI document tells the truth (issue 10, §4 and §8): schemathesis reads
`/api/v1/openapi.json` from the app and sends every operation generated requests — valid ones,
ones at and past each documented limit (the coverage phase: lengths, ranges, patterns, required
fields, unknown fields, wrong types) and random ones (fuzzing, valid and not) — as a manager with a
token, over a small bank whose ids the paths use. It fails on

- any 5xx (`not_a_server_error`);
- a status the operation does not declare (`status_code_conformance`);
- a body or content type other than the documented one (`response_schema_conformance`,
  `content_type_conformance`);
- a request outside the schema that the server takes (`negative_data_rejection`): a limit the
  document states and the server does not keep.

(`positive_data_acceptance` is left out: the services refuse what no schema can say — a memo due
in the past, a username that does not exist — with a documented 422.)

Bounded and deterministic: a fixed seed, derandomized generation, `MAX_EXAMPLES` per operation for
fuzzing, no shrinking, no example database; the coverage phase is deterministic by design. About
3,000 requests, 1–2 minutes; `-s` prints the figures (operations, requests, statuses).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from banyan.conftest import TODAY
from banyan.contacts.opportunities import opportunity_create
from banyan.holdings.services import holding_create
from banyan.org.services import api_token_issue
from banyan.outreach.services import campaign_create
from banyan.worklists.models import Task
from banyan.worklists.services import worklists_build
from banyan.wsgi import application

#: Generated requests per operation in the fuzzing phase (valid and invalid ones).
MAX_EXAMPLES = 20
SEED = 20261123

CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "negative_data_rejection"]

#: What the run sent and what it was answered (the figures of the issue's closing note).
STATUSES: Counter[int] = Counter()
PER_OPERATION: Counter[str] = Counter()


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict({
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "no-shrink": True, "database": "none",
                       # the manager's token is sent by the test; a made-up one would only meet a 401
                       "with-security-parameters": False},
        "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
                   "stateful": {"enabled": False}},
    })


@pytest.fixture
def _connection_kept():
    """The app is called through WSGI in this process: the end of a request must not close the
    test's database connection (Django's own test client unhooks the same handler)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(bank, make_customer, _connection_kept):
    """A manager's book of three customers, one with a deposit maturing in five days (hence a task
    on today's list), and a campaign calling all three: a path's ids reach these real objects (a
    made-up id only ever meets a 404)."""
    customers = [make_customer(bank.rm_a, name=n) for n in ("王小明", "李娜", "张伟")]
    holding_create(actor=None, customer=customers[0], product=bank.products.deposit, amount="300000.00",
                   purchase_date=TODAY - dt.timedelta(days=1060), maturity_date=TODAY + dt.timedelta(days=5))
    worklists_build(day=TODAY, manager_ids=[bank.rm_a.pk])
    campaign = campaign_create(actor=bank.rm_a, name="存款到期回访", purpose="到期续存", start_date=TODAY,
                               end_date=TODAY + dt.timedelta(days=14), customer_ids=[c.pk for c in customers])
    task = Task.objects.filter(manager=bank.rm_a, date=TODAY, customer=customers[0]).get()  # the maturity
    opportunity = opportunity_create(actor=bank.rm_a, customer=customers[0], need="到期续存", source="call")
    from banyan.kpis.plans import plan_create

    uplift = plan_create(actor=bank.rm_a, start=TODAY.replace(day=1), end=TODAY, target_sales_count=3,
                         customer_ids=[customers[0].pk])
    return {"customer": customers[0].pk, "campaign": campaign.pk, "code": bank.products.fund.code,
            "task": task.pk, "called": customers[1].pk, "opportunity": opportunity.pk, "uplift": uplift.pk,
            "headers": {"Authorization": f"Bearer {api_token_issue(staff=bank.rm_a)}"}}


#: The document as a client reads it (no database needed to serve it).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=_config())


def _real_ids(case, world) -> None:
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
        return  # a path made invalid on purpose stays so
    params = case.path_parameters or {}
    path = case.operation.path
    for name in list(params):
        if name == "code":
            params[name] = world["code"]
        elif name == "task_id":
            params[name] = world["task"]
        elif name == "customer_id":
            params[name] = world["called"]
        elif name == "uplift_id":
            params[name] = world["uplift"]
        elif name == "id":
            params[name] = world["campaign"] if path.startswith("/api/v1/campaigns") else (
                world["opportunity"] if path.startswith("/api/v1/opportunities") else world["customer"])


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck))  # the bank is made once per operation, on purpose
def test_every_operation_answers_as_documented(case, world):
    _real_ids(case, world)
    response = case.call(headers=world["headers"])
    STATUSES[response.status_code] += 1
    PER_OPERATION[case.operation.label] += 1
    case.validate_response(response, checks=[getattr(schemathesis.checks, name) for name in CHECKS])


def test_the_run_reached_every_operation_and_no_answer_was_a_5xx():
    """The figures (run after the operations, in the same module): every operation of the document
    was sent requests, and none was answered 5xx."""
    if not PER_OPERATION:
        pytest.skip("the operations did not run in this session")
    operations = [f"{m.upper()} {p}" for p, item in schema.raw_schema["paths"].items() for m in item]
    print(f"\nschemathesis: {len(operations)} operations, {sum(STATUSES.values())} requests "
          f"({min(PER_OPERATION.values())}–{max(PER_OPERATION.values())} per operation), "
          f"by status {dict(sorted(STATUSES.items()))}")
    assert sorted(PER_OPERATION) == sorted(operations)
    assert sum(n for status, n in STATUSES.items() if status >= 500) == 0
