"""The RBAC matrix (issue 10 §8): every role, against every route that takes an object id, with the
ids of objects of another manager and of another branch — a guard that grows with the product.

**What is requested.** The routes are discovered (banyan/testing/rbac.py): every operation of the
OpenAPI document and every URL pattern with a parameter, plus the pages that take an id in the
query string. A route added later is in the matrix without an edit here; one whose parameter the
matrix cannot fill fails `test_every_id_taking_route_can_be_filled` with the line to add.

Three books are built: 甲 (zhangmin's, branch B01 — the callers' own side), 乙 (lihua's, another
manager of B01) and 丙 (wangfang's, branch B02). Each holds one of every object the routes name (a
customer, a task, a memo, a contact, a holding, a meeting, a message, a campaign, the branch's
script), each with a text found nowhere else (its *markers*). Every role — rm, assistant (of
zhangmin), lobby, planner, branch_head (of B01), auditor, admin — logs in for real (the login page
for the pages, `POST /api/v1/auth/token` for the API) and sends each route, with each method it
takes (API: each declared method, with an empty body and a plausible one built from the schema;
pages: GET, GET as htmx, POST empty, POST with a plausible form, the same as htmx, DELETE), the ids
of every combination of its object parameters drawn from 甲 and from a foreign book (乙 or 丙) —
so a memo of 乙 under a customer of 甲 is tried too — *unless the role may reach them all*:

| role | another manager's objects (乙) | another branch's objects (丙) |
| --- | --- | --- |
| rm, planner, lobby | refused | refused |
| assistant | refused (only the book of the manager they work for) | refused |
| branch_head | reachable (same branch: not tested) | refused |
| auditor | refused (no customer data; the audit log takes no ids) | refused |
| admin | reachable (not tested) | reachable (not tested) |

A branch's own objects (its call scripts) are read across the branch: only 丙's are refused to
B01. A bank's objects (products, reason rules, holiday rows, feed runs) belong to no book: their
routes are requested with an id that does not exist, for the no-5xx rule only. (`REACH` in the
helper is this table; it follows `visible_customers()`, `worklist_owner()`, `visible_campaigns()`,
`visible_scripts()` and the branch pages.)

**What counts as a leak.** Each request R with an out-of-reach id has a twin R0, the same request
with that id replaced by one that never existed. An object out of reach must be indistinguishable
from one that does not exist, and untouched. R leaks when:

1. it answers 2xx — when the out-of-reach id is in the path, always; when it is only a filter in
   the query string (the outbox's `?customer=`), unless R0 answers the same (a list filtered to
   nothing tells nothing) and (2) holds;
2. its body or its Location shows a marker of a book or branch the caller may not reach (on any
   answer, R0's included: a 404 page that names the customer leaks as much as a 200);
3. it answers 3xx other than R0's very answer (same status, same Location): a redirect to the
   object's page (the action was taken), or anywhere a missing id is not sent;
4. it answers 4xx with another status than R0 (403, 409 or 422 where a missing id gets 404 tells
   that the object exists: a 422 is fine only when R0 gets it too, i.e. the body was refused
   before any lookup);
5. it writes an audit event about a customer the caller may not reach (the request read or
   changed it);
and, after the whole matrix, nothing of 乙's and 丙's objects (nor 甲's) has changed (rows,
statuses, contact/memo/meeting/message/holding counts). Expected answers are thus 404, 403 (the
role may not, for any id), 405 and 422 (a body refused before the lookup), the same as R0's.

**And no 5xx anywhere** (R and R0 alike). The figures (requests, roles, routes) are printed with `-s`.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from django.test import Client

from banyan.audit.models import AuditEvent
from banyan.conftest import PASSWORD
from banyan.org.models import Role
from banyan.org.services import staff_create
from banyan.testing import rbac

pytestmark = pytest.mark.django_db

#: The roles of banyan/org/models.py Role, each a caller of the matrix.
ROLES = tuple(Role.values)

PAGE_VARIANTS = (  # (method, body kind, htmx)
    ("GET", "", False), ("GET", "", True), ("POST", "empty", False), ("POST", "plausible", False),
    ("POST", "plausible", True), ("DELETE", "", False),
)


@dataclass
class Caller:
    user: object
    session: Client  # logged in through the login page
    api: Client  # no session: the bearer token only
    token: str


def _caller(user) -> Caller:
    session = Client()
    assert session.post("/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    api = Client()
    answer = api.post("/api/v1/auth/token", {"username": user.username, "password": PASSWORD},
                      content_type="application/json")
    assert answer.status_code == 200, answer.content
    return Caller(user, session, api, answer.json()["token"])


def _variants(route, home):
    if route.kind == "api":
        for method in route.methods:
            schema = route.body_schemas.get(method)
            if schema is None:
                yield method, "", None, False
            else:
                yield method, "empty", {}, False
                plausible = rbac.example_of(schema, route.components)
                if plausible != {}:
                    yield method, "plausible", plausible, False
        return
    form = rbac.plausible_form(home)
    for method, kind, htmx in PAGE_VARIANTS:
        yield method, kind, (form if kind == "plausible" else {} if kind == "empty" else None), htmx


def _send(caller: Caller, route, values, method, body, htmx) -> rbac.Answer:
    url = route.url(values)
    if route.kind == "api":
        auth = {"HTTP_AUTHORIZATION": f"Bearer {caller.token}"}
        if body is None:
            response = caller.api.generic(method, url, **auth)
        else:
            response = caller.api.generic(method, url, rbac.json_body(body), content_type="application/json", **auth)
        return rbac.answer_of(response)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    if method == "POST":
        response = caller.session.post(url, {**(body or {}), **route.form_values(values)}, **headers)
    else:
        response = caller.session.generic(method, url, **headers)
    return rbac.answer_of(response)


@pytest.fixture
def worlds(bank, make_customer):
    """甲 (the callers' side), 乙 (another manager, same branch), 丙 (another branch)."""
    return {"甲": rbac.build_world("甲", bank.rm_a, bank=bank, make_customer=make_customer),
            "乙": rbac.build_world("乙", bank.rm_b, bank=bank, make_customer=make_customer),
            "丙": rbac.build_world("丙", bank.rm_c, bank=bank, make_customer=make_customer)}


def _users(bank) -> dict[str, object]:
    extra = {role: staff_create(actor=None, username=f"matrix_{role}", password=PASSWORD, role=role, branch=bank.b1,
                                full_name=f"矩阵{role}", check_password=False)
             for role in (Role.LOBBY, Role.PLANNER)}
    return {Role.RM: bank.rm_a, Role.ASSISTANT: bank.assistant, Role.LOBBY: extra[Role.LOBBY],
            Role.PLANNER: extra[Role.PLANNER], Role.BRANCH_HEAD: bank.head, Role.AUDITOR: bank.auditor,
            Role.ADMIN: bank.admin}


def test_every_id_taking_route_can_be_filled():
    """A route added with a parameter the matrix does not know fails here, with the line to add
    (rather than being skipped: an untested route is how a leak comes back)."""
    _routes, errors = rbac.discover()
    assert not errors, "\n".join(errors)


def test_discovery_finds_the_known_routes_and_reads_their_ids():
    """The matrix cannot silently test nothing: it finds the customer file, the task's API, the
    campaign's call outcome (two ids) and the memo under its customer."""
    routes, _errors = rbac.discover()
    by_name = {r.name: r for r in routes}
    assert [(s.name, s.noun) for s in by_name["customer_detail"].object_slots] == [("customer_id", "customer")]
    assert [(s.name, s.noun) for s in by_name["/api/v1/worklist/tasks/{task_id}/complete"].object_slots] \
        == [("task_id", "task")]
    assert by_name["/api/v1/worklist/tasks/{task_id}/complete"].methods == ("POST",)
    assert [s.noun for s in by_name["/api/v1/campaigns/{id}/calls/{customer_id}/outcome"].object_slots] \
        == ["campaign", "customer"]
    assert [s.noun for s in by_name["customer_memo_complete"].object_slots] == ["customer", "memo"]
    assert set(by_name["/api/v1/customers/{id}"].methods) == {"GET", "PATCH"}
    assert [(s.name, s.where) for s in by_name["message_compose"].object_slots] == [("customer", "query")]
    api = [r for r in routes if r.kind == "api" and r.object_slots]
    pages = [r for r in routes if r.kind == "page" and r.object_slots]
    assert len(api) >= 10 and len(pages) >= 20


def test_discovery_fails_on_a_parameter_it_cannot_fill():
    """An operation with an unknown object id is reported, naming the registry to extend."""
    schema = {"paths": {"/api/v1/widgets/{widget_id}": {"get": {"parameters": [{"name": "widget_id", "in": "path"}]}},
                        "/api/v1/gadgets/{id}": {"post": {"parameters": [{"name": "id", "in": "path"}]}}}}
    errors: list[str] = []
    assert rbac.api_routes(errors, schema) == []
    assert len(errors) == 2
    assert "'widget'" in errors[0] and "OBJECTS['widget']" in errors[0] and "build_world" in errors[0]
    assert "'gadget'" in errors[1]


@dataclass
class MatrixResult:
    sent: Counter  # requests per role
    statuses: Counter  # answers to the out-of-reach requests (R, not R0), by status
    leaks: list[str]
    errors_5xx: list[str]


@dataclass
class _Seat:
    """One caller's side of the matrix: what it may not see, and the R0 answers already had."""

    role: str
    caller: Caller
    hidden_customers: set
    markers: list[str]
    twins: dict


def _fixed_value(slot):
    if slot.noun is None:
        return rbac.VALUE_PARAMS[slot.name]()
    return slot.kind.missing  # a bank's object: an id that does not exist


class _Matrix:
    def __init__(self, worlds: dict):
        self.worlds = worlds
        self.home, self.foreign = worlds["甲"], [worlds["乙"], worlds["丙"]]
        self.result = MatrixResult(Counter(), Counter(), [], [])
        self.last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def seat(self, role: str, caller: Caller) -> _Seat:
        user, worlds = caller.user, self.worlds.values()
        markers = [m for w in worlds if not rbac.reachable(user, w, "book") for m in w.book_markers]
        markers += [m for w in worlds if not rbac.reachable(user, w, "branch") for m in w.branch_markers]
        return _Seat(role, caller, {w.customer.pk for w in worlds if not rbac.reachable(user, w, "book")},
                     markers, {})

    def request(self, seat: _Seat, route, values, variant, what: str) -> rbac.Answer:
        """Send one request; note a 5xx, a marker shown, an audit event about a hidden customer."""
        method, kind, body, htmx = variant
        answer = _send(seat.caller, route, values, method, body, htmx)
        self.result.sent[seat.role] += 1
        label = f"{seat.role}: {method}{' (htmx)' if htmx else ''} {route.url(values)} [{kind or 'no body'}] {what}"
        if answer.status >= 500:
            self.result.errors_5xx.append(f"{label} → {answer.status}")
        shown = [m for m in seat.markers if m in answer.text or m in answer.location]
        if shown:
            self.result.leaks.append(f"{label} → {answer.status} shows {shown}")
        events = list(AuditEvent.objects.filter(pk__gt=self.last_event).values_list("pk", "action", "customer_id"))
        if events:
            self.last_event = max(pk for pk, _a, _c in events)
            touched = [(a, c) for _pk, a, c in events if c in seat.hidden_customers]
            if touched:
                self.result.leaks.append(f"{label} → {answer.status} wrote audit events {touched}")
        return answer

    def twin(self, seat: _Seat, route, values, variant) -> rbac.Answer:
        """R0: sent once per distinct request."""
        key = (route.name, variant[:2], variant[3], tuple(sorted(values.items())))
        if key not in seat.twins:
            seat.twins[key] = self.request(seat, route, values, variant, "(ids that do not exist)")
        return seat.twins[key]

    def route(self, seat: _Seat, route) -> None:
        user, slots = seat.caller.user, route.object_slots
        base = {s.name: _fixed_value(s) for s in route.slots if s not in slots}
        for variant in _variants(route, self.home):
            # R0 with every object out of reach; the only request of a route that takes no book's
            # object (a bank's object, a value), for the no-5xx rule
            self.twin(seat, route, {**base, **{s.name: s.kind.missing for s in slots}}, variant)
        for world in self.foreign:
            for drawn in itertools.product((self.home, world), repeat=len(slots)):
                pairs = list(zip(slots, drawn, strict=True))
                hidden = [s for s, w in pairs if not rbac.reachable(user, w, s.kind.scope)]
                if all(w is not world for w in drawn) or not hidden:
                    continue  # no foreign object, or the role may reach them all: nothing to refuse
                values = {**base, **{s.name: s.kind.of(w) for s, w in pairs}}
                what = "with " + ", ".join(f"{s.noun} of {w.label}" for s, w in pairs)
                for variant in _variants(route, self.home):
                    twin = self.twin(seat, route, {**values, **{s.name: s.kind.missing for s in hidden}}, variant)
                    answer = self.request(seat, route, values, variant, what)
                    self.result.statuses[answer.status] += 1
                    reason = _leak(answer, twin, hidden)
                    if reason:
                        method, kind, _body, htmx = variant
                        self.result.leaks.append(f"{seat.role}: {method}{' (htmx)' if htmx else ''} "
                                                 f"{route.url(values)} [{kind or 'no body'}] {what} → {reason}")


def run_matrix(routes, callers: dict[str, Caller], worlds: dict) -> MatrixResult:
    """Send the matrix (module docstring) and judge every answer."""
    before = {label: rbac.fingerprint(w) for label, w in worlds.items()}
    matrix = _Matrix(worlds)
    for role, caller in callers.items():
        seat = matrix.seat(role, caller)
        for route in routes:
            matrix.route(seat, route)
    after = {label: rbac.fingerprint(w) for label, w in worlds.items()}
    for label in worlds:
        changed = {k: (before[label][k], after[label][k]) for k in before[label] if before[label][k] != after[label][k]}
        if changed:
            matrix.result.leaks.append(f"book {label} changed during the matrix: {changed}")
    return matrix.result


def test_no_role_reaches_another_managers_or_another_branchs_objects(bank, worlds, capsys):
    """The matrix itself: 0 leaks and no 5xx, for every role against every discovered route."""
    routes, errors = rbac.discover()
    assert not errors, "\n".join(errors)
    users = _users(bank)
    started = time.monotonic()
    result = run_matrix(routes, {role: _caller(users[role]) for role in ROLES}, worlds)

    with capsys.disabled():
        print(f"\nRBAC matrix: {sum(result.sent.values())} requests, {len(ROLES)} roles, {len(routes)} routes "
              f"({sum(1 for r in routes if r.kind == 'api')} API paths with "
              f"{sum(len(r.methods) for r in routes if r.kind == 'api')} operations, "
              f"{sum(1 for r in routes if r.kind == 'page')} pages; "
              f"{sum(1 for r in routes if r.object_slots)} take a book's object); per role {dict(result.sent)}; "
              f"out-of-reach requests answered {dict(sorted(result.statuses.items()))}; "
              f"{len(result.leaks)} leaks, {len(result.errors_5xx)} 5xx; {time.monotonic() - started:.0f} s")
    assert not result.errors_5xx, "5xx in the matrix:\n" + "\n".join(result.errors_5xx[:50])
    assert not result.leaks, f"{len(result.leaks)} leaks:\n" + "\n".join(result.leaks[:80])


def test_the_matrix_catches_a_leak(bank, worlds, monkeypatch):
    """The judge is not blind: with the visibility gate opened (every customer visible to everyone),
    a manager's request for another manager's customer file is caught — the 200, the name on the
    page, the audit event of a view — while another branch's is caught just the same."""
    from banyan.customers import selectors
    from banyan.customers.models import Customer

    monkeypatch.setattr(selectors, "visible_customers", lambda user: Customer.objects.all())
    routes = [r for r in rbac.discover()[0] if r.name in ("customer_detail", "/api/v1/customers/{id}")]
    result = run_matrix(routes, {Role.RM: _caller(bank.rm_a)}, worlds)

    customer_b, customer_c = worlds["乙"].customer, worlds["丙"].customer
    for customer in (customer_b, customer_c):
        page = f"GET /customers/{customer.pk}/ [no body] with customer of"
        assert any(page in leak and "→ 200: the object is out of reach" in leak for leak in result.leaks)
        assert any(page in leak and customer.name in leak for leak in result.leaks)  # shown on the page
        api = f"GET /api/v1/customers/{customer.pk} [no body]"
        assert any(api in leak and "→ 200" in leak for leak in result.leaks)


def _leak(answer: rbac.Answer, twin: rbac.Answer, hidden) -> str:
    """Why this answer leaks an out-of-reach object (the rules of the module docstring), or ''."""
    status, twin_status = answer.status, twin.status
    if 200 <= status < 300:
        if any(s.where == "path" for s in hidden):
            return f"{status}: the object is out of reach, the route answered"
        if twin_status != status:
            return f"{status} where an id that does not exist gets {twin_status}"
        return ""
    if 300 <= status < 400:
        if (status, answer.location) != (twin_status, twin.location):
            return (f"{status} to {answer.location} where an id that does not exist gets {twin_status} "
                    f"{twin.location}".rstrip())
        return ""
    if status >= 400 and status != twin_status:
        return f"{status} where an id that does not exist gets {twin_status}: tells that the object exists"
    return ""
