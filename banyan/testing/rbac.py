"""The RBAC matrix's machinery (issue 10 §8): discover every route that takes an object id, know
who may legitimately reach which object, build the objects, and judge each answer.

`banyan/ops/tests/test_rbac_matrix.py` runs it. The routes are discovered, never listed:

- every operation of the OpenAPI document generated from `banyan.api.api` (path parameters, and
  query parameters named `*_id`);
- every Django URL pattern (walking `get_resolver()` recursively, the API's own patterns left to
  the OpenAPI document) with a path parameter;
- plus the few pages that take an object id in the query string or the form (`EXTRA_PAGE_IDS`),
  which no URL pattern can show.

Each parameter is read as an object kind (`customer_id` → customer; a bare `id`, `pk` or `code`
takes its noun from the path segment before it: `campaigns/{id}` → campaign, `feeds/runs/<pk>` →
run) or as a plain value (`VALUE_PARAMS`: a date, a field name, a feed token). A parameter the
matrix cannot fill is a discovery error: the test fails and says which line to add to `OBJECTS`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from banyan import clock
from banyan.org.models import Role

#: An id no table holds (and every database can: below 2**31).
MISSING_ID = 2_000_000_000


# ------------------------------------------------------------------ who may reach what

#: The visibility rules of DESIGN.md / API.md, as `visible_customers()` (customers/selectors.py),
#: `worklist_owner()`, `visible_campaigns()`, `visible_scripts()` and the branch pages apply them.
#: What each role reaches of a *book* object (a customer and all that hangs on the customer: tasks,
#: memos, contacts, meetings, messages, campaigns of the book; and the manager himself as the
#: object of the branch pages):
#:   own        — the caller's own book only (rm, planner, lobby)
#:   manager's  — the book of the manager the assistant works for
#:   branch     — every book of the caller's branch (branch head)
#:   all        — the whole bank (admin)
#:   none       — no customer data at all (the auditor reads the audit log, which takes no ids)
#: A *branch* object (a branch's own call scripts, the branch itself) is reached from anywhere in
#: its branch; a *bank* object (a product, a reason rule, a holiday override, a feed run) belongs
#: to nobody in particular and is left to the role checks of its own tests.
REACH: dict[str, str] = {
    Role.RM: "own",
    Role.PLANNER: "own",
    Role.LOBBY: "own",
    Role.ASSISTANT: "manager's",
    Role.BRANCH_HEAD: "branch",
    Role.AUDITOR: "none",
    Role.ADMIN: "all",
}


def reachable(user, world, scope: str) -> bool:
    """May `user` legitimately reach the objects of `world` (one manager's book in one branch)?"""
    rule = REACH[user.role]
    if scope == "bank" or rule == "all":
        return True
    if scope == "audited":  # a book's object the auditor reads too (a customer group's consents)
        if rule == "none":
            return True
        scope = "book"
    same_branch = world.branch.pk == user.branch_id
    if scope == "branch" or rule == "branch":  # a branch's own objects are read across the branch
        return same_branch
    if rule == "own":
        return world.owner.pk == user.pk
    if rule == "manager's":
        return world.owner.pk == user.manager_id
    return False


# ------------------------------------------------------------------ the objects

@dataclass(frozen=True)
class ObjectKind:
    """How to fill a parameter naming an object: `scope` (book / branch / bank, see REACH), the
    value for a world's object (`of(world)`), and a value that names nothing."""

    scope: str
    of: Callable[[Any], Any] | None = None
    missing: Any = MISSING_ID


#: parameter noun → how to make "an object of another manager" and "of another branch": `of`
#: reads the object out of a world (one manager's book, built by `build_world`). A new kind of
#: object gets a line here, and its object in `build_world`.
OBJECTS: dict[str, ObjectKind] = {
    "customer": ObjectKind("book", lambda w: w.customer.pk),
    "task": ObjectKind("book", lambda w: w.task.pk),
    "memo": ObjectKind("book", lambda w: w.memo.pk),
    "interaction": ObjectKind("book", lambda w: w.interaction.pk),
    "holding": ObjectKind("book", lambda w: w.holding.pk),
    "appointment": ObjectKind("book", lambda w: w.appointment.pk),
    "message": ObjectKind("book", lambda w: w.message.pk),
    "campaign": ObjectKind("book", lambda w: w.campaign.pk),
    "opportunity": ObjectKind("book", lambda w: w.opportunity.pk),
    "referral": ObjectKind("book", lambda w: w.referral.pk),  # sent and received by the manager (SVC-2)
    "staff": ObjectKind("book", lambda w: w.owner.pk),  # the manager, as the branch pages' object
    # a manager's value-uplift plan (KPI-3): its manager, the branch head and the admin; `plan` is a content plan
    "uplift": ObjectKind("book", lambda w: w.uplift.pk),
    "manager": ObjectKind("book", lambda w: w.owner.pk),
    "script": ObjectKind("branch", lambda w: w.script.pk),
    "branch": ObjectKind("branch", lambda w: w.branch.code, missing="NO-SUCH-BRANCH"),
    "product": ObjectKind("bank", missing="NO-SUCH-PRODUCT"),
    "rule": ObjectKind("bank", missing="no_such_reason"),  # work/settings/rules/<code>/
    "override": ObjectKind("bank"),  # a holiday-table row
    "run": ObjectKind("bank"),  # a feed run (admins only, feeds/tests)
    "batch": ObjectKind("book", lambda w: w.batch.pk),  # a manager's batch of diagnosis PDFs (wealth)
    "portfolio": ObjectKind("bank"),  # a model portfolio (wealth settings, administrators)
    "category": ObjectKind("bank"),  # a complaint category (service settings, administrators)
    "route": ObjectKind("bank"),  # a complaint routing rule (service settings, administrators)
    "group": ObjectKind("audited", lambda w: w.group.pk),  # a customer group the manager runs (SVC-3)
    "event": ObjectKind("audited", lambda w: w.event.pk),  # a client event the manager organises (EVT)
    # a complaint about the manager's customer (SVC-1): the manager, the branch head (its owner) and
    # the auditor see it
    "complaint": ObjectKind("audited", lambda w: w.complaint.pk),
    # the content library (OUT-7): a piece is the branch's; a periodic plan its maker's
    "content": ObjectKind("branch", lambda w: w.piece.pk),  # /api/v1/content/{id}/…
    "piece": ObjectKind("branch", lambda w: w.piece.pk),
    "plan": ObjectKind("book", lambda w: w.plan.pk),
    # the review's monthly report of a branch (KPI, issue 14 §5): its branch head and the admin
    # download it; within the branch no one else (banyan/kpis/tests/test_report.py proves the 404s)
    "report": ObjectKind("branch", lambda w: w.report.pk),
    # the lobby's walk-in desk (issue 16 §1): a customer read as a branch's object — anyone with the
    # desk in the customer's branch may log a walk-in need and see the limited card (never the
    # file); another branch's customer answers 404 like none (banyan/service/tests/test_lobby.py)
    "lobby_customer": ObjectKind("branch", lambda w: w.customer.pk),
    # a gift given to the manager's customer (issue 16 §6), waiting above the limit: its manager sees
    # it, the branch head decides on it (banyan/gifts/tests)
    "gift": ObjectKind("book", lambda w: w.gift.pk),
}

#: Parameters that name no object: the value they get.
VALUE_PARAMS: dict[str, Callable[[], Any]] = {
    "day": lambda: clock.today().isoformat(),  # work/<day>/: the caller's own list of that day
    "field": lambda: "mobile",  # customers/<id>/reveal/<field>/
    "token": lambda: "no-such-calendar-token",  # the calendar feed: the token *is* the credential
}

#: Pages that take an object id outside the path: url name → {query/form field: noun}. The
#: value goes both into the query string and into the form body.
EXTRA_PAGE_IDS: dict[str, dict[str, str]] = {
    "message_outbox": {"customer": "customer"},
    "message_compose": {"customer": "customer"},
    "outreach_call": {"customer": "customer"},
    "segment_matrix": {"rm": "manager"},
    "plan_new": {"manager": "manager"},  # the branch head's plan for a manager of the branch
    "plan_list": {"branch": "branch"},  # the admin's filter of the value-uplift plans; ignored for others
    "book_hand_over": {"from": "manager", "from_rm": "manager", "to_rm": "manager"},
    "branch_overview": {"branch": "branch"},
    "worklist_branch": {"branch": "branch"},
    "customer_assign": {"rm": "manager"},  # a customer of one's own, into another branch's book
    "customer_relation_add": {"other": "customer"},  # another book's customer as a relative
    "opportunity_pipeline": {"manager": "manager"},  # a branch head's filter: a manager of the branch
    "opportunity_stage": {"holding": "holding"},  # won: another book's sale named as the one that closed it
    "customer_opportunities": {"interaction": "interaction"},  # the offer after another book's contact
    "review_reports": {"branch": "branch"},  # the admin's filter of the monthly reports; ignored for others
    "lobby_need": {"customer": "lobby_customer"},  # the walk-in desk: any customer of the caller's branch
    # staffing by tier (issue 16 §7): the branch head's fix moves chosen customers to a manager of the
    # branch or gives them to an assistant; another branch's customer or staff is refused as none
    "staffing_tiers": {"branch": "branch"},  # the admin's choice of branch; another's for a branch head: 404
    "staffing_tier_fix": {"branch": "branch", "customers": "customer", "to_rm": "manager", "assistant": "manager"},
    # the capacity plan (issue 16 §8): the admin's choice of branch; the accept's giver and taker
    "capacity": {"branch": "branch"},
    "capacity_accept": {"branch": "branch", "from_rm": "manager", "to_rm": "manager"},
    "gift_spend": {"branch": "branch"},  # the admin's choice of branch; ignored for others
}

_GENERIC = {"id", "pk", "code", "slug", "uuid"}


def _singular(word: str) -> str:
    word = word.replace("-", "_")
    if word.endswith("ies"):  # opportunities → opportunity
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes")):  # branches → branch
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def noun_of(name: str, segment_before: str) -> str:
    """The object a parameter names: `task_id` → task; `id` after `campaigns/` → campaign."""
    if name.endswith("_id"):
        return name[:-3]
    if name in _GENERIC:
        return _singular(segment_before)
    return name


def _registration_hint(route: str, name: str, noun: str) -> str:
    return (f"{route}: the RBAC matrix cannot fill the parameter {name!r} (object {noun!r}). Register it in "
            f"banyan/testing/rbac.py: OBJECTS[{noun!r}] = ObjectKind('book' | 'branch' | 'bank', "
            f"lambda w: w.<{noun}>.pk) with the object made for each world in build_world() (one owned "
            f"by another manager of the same branch, one by a manager of another branch), or "
            f"VALUE_PARAMS[{name!r}] if it names no object.")


# ------------------------------------------------------------------ the routes

@dataclass(frozen=True)
class Slot:
    """One parameter of a route: where it goes, and the object kind or the fixed value."""

    name: str
    where: str  # path | query | form
    noun: str | None = None  # an object; None for a value parameter

    @property
    def kind(self) -> ObjectKind | None:
        return OBJECTS.get(self.noun) if self.noun else None


@dataclass
class Route:
    kind: str  # api | page
    name: str  # the url name or the operation id
    template: str  # /api/v1/customers/{id} or customers/<int:customer_id>/
    methods: tuple[str, ...]
    slots: list[Slot]
    body_schemas: dict[str, dict | None] = field(default_factory=dict)  # method → request body schema
    components: dict = field(default_factory=dict)  # the OpenAPI document's schemas ($ref targets)

    @property
    def label(self) -> str:
        return f"{self.name} {self.template}" if self.kind == "page" else self.template

    @property
    def object_slots(self) -> list[Slot]:
        return [s for s in self.slots if s.noun and s.kind.scope != "bank"]

    def url(self, values: dict[str, Any]) -> str:
        path_values = {s.name: values[s.name] for s in self.slots if s.where == "path"}
        query = {s.name: values[s.name] for s in self.slots if s.where == "query"}
        if self.kind == "api":
            path = re.sub(r"\{(\w+)\}", lambda m: str(path_values[m.group(1)]), self.template)
        else:
            path = reverse(self.name, kwargs=path_values or None)
        return path + ("?" + urlencode(query) if query else "")

    def form_values(self, values: dict[str, Any]) -> dict[str, str]:
        return {s.name: str(values[s.name]) for s in self.slots if s.where == "query" and self.kind == "page"}


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "", params: tuple = ()):
    from banyan.api import api

    for p in resolver.url_patterns:
        pattern_params = tuple(_pattern_params(p.pattern))
        if isinstance(p, URLResolver):
            if p.namespace == api.urls_namespace:
                continue  # the API: from its OpenAPI document
            ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
            yield from _walk(p, prefix + str(p.pattern), ns, params + pattern_params)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield name, prefix + str(p.pattern), params + pattern_params


def _pattern_params(pattern) -> list[tuple[str, str]]:
    """(parameter, the literal path segment before it) of one pattern."""
    text = str(pattern)
    converters = getattr(pattern, "converters", None)
    if converters:  # path("…/<int:customer_id>/…")
        found = re.finditer(r"<(?:\w+:)?(\w+)>", text)
    else:  # re_path: named groups
        found = re.finditer(r"\(\?P<(\w+)>", text)
    out = []
    for m in found:
        before = [seg for seg in re.split(r"[/^$]", text[:m.start()]) if seg and "<" not in seg and "(" not in seg]
        out.append((m.group(1), before[-1] if before else ""))
    return out


def _slot(route_label: str, name: str, segment: str, where: str, errors: list[str]) -> Slot | None:
    if name in VALUE_PARAMS:
        return Slot(name, where)
    noun = noun_of(name, segment)
    if noun not in OBJECTS:
        errors.append(_registration_hint(route_label, name, noun))
        return None
    return Slot(name, where, noun)


def page_routes(errors: list[str]) -> list[Route]:
    """Every named page whose URL takes a parameter (or that EXTRA_PAGE_IDS lists)."""
    routes, seen = [], set()
    for name, template, params in _walk(get_resolver()):
        extra = EXTRA_PAGE_IDS.get(name or "", {})
        if not params and not extra:
            continue
        label = f"{name} {template}"
        if not name:
            errors.append(f"{template}: a URL pattern with a parameter needs a name (the RBAC matrix reverses it).")
            continue
        seen.add(name)
        slots = [_slot(label, p, seg, "path", errors) for p, seg in params]
        for f, noun in extra.items():
            if noun not in OBJECTS:
                errors.append(_registration_hint(label, f, noun))
            slots.append(Slot(f, "query", noun) if noun in OBJECTS else None)
        if None in slots:
            continue
        routes.append(Route("page", name, template, ("GET", "POST", "DELETE"), slots))
    for name in set(EXTRA_PAGE_IDS) - seen:
        errors.append(f"EXTRA_PAGE_IDS names {name!r}, which is no longer a URL name: update banyan/testing/rbac.py.")
    return routes


def api_routes(errors: list[str], schema: dict | None = None) -> list[Route]:
    """Every operation of the OpenAPI document with a path parameter or an `*_id` query parameter,
    grouped per path (one Route per path, with each method it declares)."""
    if schema is None:
        from banyan.api import api

        schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    routes = []
    for path, operations in schema["paths"].items():
        slots: dict[str, Slot] = {}
        bodies: dict[str, dict | None] = {}
        broken = False
        for method, op in operations.items():
            for param in op.get("parameters", []):
                name, where = param["name"], param["in"]
                if where not in ("path", "query") or (where == "query" and not name.endswith("_id")):
                    continue
                segments = [s for s in path[:path.find("{" + name + "}")].split("/") if s and "{" not in s]
                slot = _slot(f"{method.upper()} {path}", name, segments[-1] if segments else "", where, errors)
                broken |= slot is None
                if slot:
                    slots[name] = slot
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            bodies[method.upper()] = _resolve(body, components) if body else None
        if broken or not slots:
            continue
        routes.append(Route("api", path, path, tuple(bodies), list(slots.values()), body_schemas=bodies,
                            components=components))
    return routes


def discover(schema: dict | None = None) -> tuple[list[Route], list[str]]:
    """(routes, discovery errors)."""
    errors: list[str] = []
    routes = api_routes(errors, schema) + page_routes(errors)
    return routes, errors


# ------------------------------------------------------------------ bodies

def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


#: Body fields whose plausible value the schema cannot tell (a product the fixtures' bank sells).
BODY_HINTS: dict[str, Any] = {"product_code": "TD3Y", "product": "TD3Y"}


def example_of(schema: dict, components: dict, name: str = "") -> Any:
    """A plausible value for a JSON schema: the required fields of an object, the schema's own
    example, an enum's first value, a date a week ahead, a short Chinese text. Plausible enough
    that the server gets past the body to the object's lookup."""
    schema = _resolve(schema, components)
    if name in BODY_HINTS:
        return BODY_HINTS[name]
    if schema.get("examples"):
        return schema["examples"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(o, components).get("type") != "null"]
            return example_of(options[0], components, name) if options else None
    if "allOf" in schema:
        return example_of(schema["allOf"][0], components, name)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if "default" in schema and schema["default"] not in (None, ""):
        return schema["default"]
    today = clock.today()
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        wanted = schema.get("required") or list(props)[:1]  # a PATCH: change one field
        return {k: example_of(props[k], components, k) for k in wanted if k in props}
    if kind == "array":
        return [example_of(schema.get("items", {}), components, name)] if schema.get("minItems") else []
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return (today + dt.timedelta(days=7)).isoformat()
        if fmt == "date-time":
            return f"{today + dt.timedelta(days=7)}T10:00:00+08:00"
        text = "矩阵核对"[: schema.get("maxLength", 100)]
        if "pattern" in schema:
            return next((c for c in ("100", "1", "TD3Y", text) if re.search(schema["pattern"], c)), text)
        return text
    return None


def plausible_form(home) -> dict[str, str]:
    """A form body that most of the pages' forms accept (unknown fields are ignored): the matrix
    wants the view to reach its lookup, not stop at a missing field."""
    today = clock.today()
    return {
        "outcome": "reached", "channel": "phone", "purpose": "care", "summary": "矩阵核对", "text": "矩阵核对",
        "note": "矩阵核对", "reason": "customer_busy", "to": (today + dt.timedelta(days=1)).isoformat(),
        "date": (today + dt.timedelta(days=7)).isoformat(), "due_date": (today + dt.timedelta(days=7)).isoformat(),
        "at": f"{today + dt.timedelta(days=7)} 10:00", "place": "城东支行", "status": "done", "mark": "visited",
        "done": "script", "minutes": "5", "daily_capacity": "10", "is_senior": "on", "rm": str(home.owner.pk),
        "to_rm": str(home.owner.pk), "confirm": "1", "body": "您好", "subject": "问候", "name": "矩阵核对",
        "title": "矩阵核对", "kind": "opening", "mobile": "13900139000", "relation": "spouse", "amount": "100000",
        "product": "TD3Y", "product_code": "TD3Y", "purchase_date": today.isoformat(), "goal": "矩阵核对",
        "reached": "1", "enabled": "on", "lead_days": "3", "weight": "50", "code": "birthday",
    }


# ------------------------------------------------------------------ answers

@dataclass
class Answer:
    status: int
    location: str
    text: str


def answer_of(response) -> Answer:
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    return Answer(response.status_code, response.get("Location", "") or "", raw.decode("utf-8", "replace"))


def json_body(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)


# ------------------------------------------------------------------ the worlds

def build_world(label: str, owner, *, bank, make_customer) -> SimpleNamespace:
    """One manager's book with one of each object the routes name, each carrying a text found
    nowhere else (its markers: an answer that shows one has shown the object).

    `label` is one Chinese character (甲, 乙, 丙) that makes the markers unique."""
    from banyan.contacts.opportunities import opportunity_create
    from banyan.contacts.services import appointment_create, interaction_log, memo_create
    from banyan.holdings.services import holding_create
    from banyan.messaging.services import message_compose, message_send
    from banyan.outreach.services import campaign_create, script_create
    from banyan.wealth.models import DiagnosisBatch
    from banyan.worklists.models import Task
    from banyan.worklists.services import worklists_build

    today = clock.today()
    customer = make_customer(owner, name=f"欧阳{label}矩")
    from banyan.events.services import event_approve, event_create, invitations_send

    # the event's invitation before the campaign: a customer on an active call list is left out of it
    event = event_create(actor=owner, name=f"活动会{label}矩阵", type="salon", place="城东支行", capacity=20,
                         starts_at=f"{today + dt.timedelta(days=10)}T14:30")
    event = event_approve(actor=bank.admin, event=event)
    invitations_send(actor=owner, event=event, channel="hand", customer_ids=[customer.pk])
    # the campaign first: a contact logged today would leave the customer out of its call list
    campaign = campaign_create(actor=owner, name=f"活动{label}矩阵", purpose="矩阵核对", start_date=today,
                               end_date=today + dt.timedelta(days=14), customer_ids=[customer.pk])
    holding = holding_create(actor=owner, customer=customer, product=bank.products.deposit, amount="100000",
                             purchase_date=today - dt.timedelta(days=30))
    memo = memo_create(actor=owner, customer=customer, text=f"备忘{label}矩阵", due_date=today)
    worklists_build(day=today, manager_ids=[owner.pk])  # the memo due today puts the customer on the list
    task = Task.objects.get(manager=owner, date=today, customer=customer)
    appointment, _guidance = appointment_create(actor=owner, customer=customer,
                                                at=f"{today + dt.timedelta(days=5)}T10:00",
                                                place=f"约见{label}矩阵地点", purpose="矩阵核对")
    interaction = interaction_log(actor=owner, customer=customer, channel="phone", outcome="reached",
                                  summary=f"通话{label}矩阵摘要")
    message = message_compose(actor=owner, customer=customer, channel="sms", body=f"短信{label}矩阵正文")
    message = message_send(message=message, actor=owner)  # not left queued: opening an outbox sends the queue
    opportunity = opportunity_create(actor=owner, customer=customer, need=f"机会{label}矩阵需求", source="call",
                                     expected_amount="100000", due_date=today + dt.timedelta(days=7))
    from banyan.service.referral_services import referral_create

    # the customer refers a friend to the manager (accepted at once: to oneself); the friend's name
    # and the need carry the customer's and the opportunity's markers, so that a page showing them leaks
    referral = referral_create(actor=owner, to=owner, need=f"{opportunity.need}·转介", referrer_customer=customer,
                               prospect={"name": f"{customer.name}友", "mobile": f"137{ord(label) % 10**8:08d}",
                                         "consent_phone": True})
    script = script_create(actor=bank.admin, title=f"话术{label}矩阵", kind="opening",
                           steps=[{"step": "1", "text": "您好"}], branch=owner.branch)
    batch = DiagnosisBatch.objects.create(owner=owner, as_of=today, customer_ids=[customer.pk], total=1,
                                          created_at=clock.now())  # queued, never run: its page only
    from banyan.service.group_services import group_create, group_member_add, group_share_record

    group = group_create(actor=owner, name=f"群{label}矩阵", kind="salon", purpose="矩阵核对")
    group_member_add(actor=owner, group=group, customer=customer, consent_channel="in_person")
    group_share_record(actor=owner, group=group, text=f"分享{label}矩阵内容")
    from banyan.kpis.plans import plan_comment, plan_create

    # the manager's value-uplift plan of the month, proposed, naming the customer, with a comment
    month = today.replace(day=1)
    uplift = plan_create(actor=owner, start=month, end=(month + dt.timedelta(days=32)).replace(day=1)
                         - dt.timedelta(days=1), target_sales_count=3, note=f"提升{label}矩阵计划",
                         customer_ids=[customer.pk])
    plan_comment(actor=owner, plan=uplift, text=f"提升{label}矩阵评语")
    from banyan.service.complaints import complaint_receive
    from banyan.service.models import ComplaintCategory

    complaint, _merged = complaint_receive(actor=owner, customer=customer, channel="branch",
                                           category=ComplaintCategory.objects.get(code="fees"),
                                           description=f"投诉{label}矩阵内容", received_at=clock.now())
    from banyan.outreach.content import content_piece_approve, content_piece_create, content_plan_create

    piece = content_piece_create(actor=owner, kind="knowledge", title=f"内容{label}矩阵", body="理财知识，矩阵核对。",
                                 valid_until=today + dt.timedelta(days=30))
    piece = content_piece_approve(actor=bank.admin, piece=piece)
    plan = content_plan_create(actor=owner, name=f"计划{label}矩阵", filter={"interest": "矩阵"}, every_days=14,
                               channels=["sms"], pieces=[piece], first_run_on=today + dt.timedelta(days=7))
    from banyan.kpis.models import MonthlyReport

    # the branch's report of last month (one per branch: 甲 and 乙 share B01's); a stand-in file
    report, _made = MonthlyReport.objects.get_or_create(
        branch=owner.branch, month=(today.replace(day=1) - dt.timedelta(days=1)).replace(day=1),
        defaults={"workbook": b"PK matrix", "summary_pdf": b"%PDF matrix", "sent_at": clock.now()})
    from banyan.gifts.models import GiftItem
    from banyan.gifts.services import gift_give

    # a gift above the per-customer limit, waiting for the branch head (an approval is a change)
    item, _made = GiftItem.objects.get_or_create(name="矩阵礼盒", defaults={"unit_cost": "900.00"})
    gift = gift_give(actor=owner, customer=customer, item=item, quantity=1, interaction=interaction)
    return SimpleNamespace(
        gift=gift,
        report=report,
        label=label, owner=owner, branch=owner.branch, customer=customer, campaign=campaign, holding=holding,
        memo=memo, task=task, appointment=appointment, interaction=interaction, message=message, script=script,
        batch=batch,
        opportunity=opportunity,
        referral=referral,
        group=group,
        event=event,
        complaint=complaint,
        piece=piece, plan=plan, uplift=uplift,
        book_markers=[customer.name, customer.external_id, memo.text, interaction.summary, appointment.place,
                      message.body, campaign.name, opportunity.need, group.name, f"分享{label}矩阵内容", plan.name,
                      complaint.description, event.name, uplift.note, f"提升{label}矩阵评语"],
        branch_markers=[script.title, piece.title],
    )


def fingerprint(world) -> dict[str, Any]:
    """What another manager would notice had changed in the world: its objects' rows and how many
    contacts, memos, meetings, messages and holdings its customer has."""
    from banyan.contacts.models import Appointment, Interaction, Memo, Opportunity
    from banyan.customers.models import Customer
    from banyan.events.models import Event, Invitation
    from banyan.gifts.models import Gift
    from banyan.holdings.models import Holding
    from banyan.kpis.models import PlanComment, PlanCustomer, UpliftPlan
    from banyan.messaging.models import Message
    from banyan.org.models import Staff
    from banyan.outreach.models import CallEntry, Campaign, ContentDelivery, ContentPiece, ContentPlan, Script
    from banyan.service.models import Complaint, ComplaintAction
    from banyan.service.models.groups import CustomerGroup, GroupMembership, GroupShare
    from banyan.worklists.models import Task

    c = world.customer.pk
    rows = {
        "customer": Customer.objects.filter(pk=c).values("name", "rm_id", "assistant_id", "branch_id", "mobile",
                                                         "id_number", "do_not_disturb"),
        "task": Task.objects.filter(pk=world.task.pk).values("status", "date", "closed_by_id", "interaction_id"),
        "memo": Memo.objects.filter(pk=world.memo.pk).values("status", "text", "due_date"),
        "appointment": Appointment.objects.filter(pk=world.appointment.pk).values("status", "at", "place"),
        "message": Message.objects.filter(pk=world.message.pk).values("status", "body"),
        "campaign": Campaign.objects.filter(pk=world.campaign.pk).values("name", "checklist"),
        "entries": CallEntry.objects.filter(customer_id=c).values("campaign_id", "status", "attempts", "visited",
                                                                  "sold"),
        "script": Script.objects.filter(pk=world.script.pk).values("title", "is_active", "steps"),
        "staff": Staff.objects.filter(pk=world.owner.pk).values("daily_capacity", "is_senior", "is_active",
                                                                  "role", "branch_id"),
        "holding": Holding.objects.filter(pk=world.holding.pk).values("amount", "status"),
        "opportunity": Opportunity.objects.filter(pk=world.opportunity.pk).values("stage", "lost_reason", "holding_id",
                                                                                  "need", "due_date"),
        "group": CustomerGroup.objects.filter(pk=world.group.pk).values("name", "kind", "manager_id", "purpose"),
        "event": Event.objects.filter(pk=world.event.pk).values("status", "name", "capacity", "checklist",
                                                                "actual_cost"),
        "invitations": Invitation.objects.filter(event_id=world.event.pk).values(
            "customer_id", "answer", "guests", "checked_in_at", "called_at"),
        "group members": GroupMembership.objects.filter(group_id=world.group.pk).values(
            "customer_id", "withdrawn_at", "consent_on", "consent_channel"),
        "group shares": GroupShare.objects.filter(group_id=world.group.pk).values("text", "shared_at"),
        "piece": ContentPiece.objects.filter(pk=world.piece.pk).values("status", "title", "approved_by_id"),
        "plan": ContentPlan.objects.filter(pk=world.plan.pk).values("name", "next_run_on", "is_active"),
        "deliveries": ContentDelivery.objects.filter(customer_id=world.customer.pk).values("piece_id", "channel"),
        "complaint": Complaint.objects.filter(pk=world.complaint.pk).values(
            "status", "owner_id", "due_date", "limit_days", "paused_since", "resolution", "cause"),
        "complaint actions": ComplaintAction.objects.filter(complaint_id=world.complaint.pk).values("kind", "text"),
        "uplift": UpliftPlan.objects.filter(pk=world.uplift.pk).values(
            "status", "note", "target_contact_rate", "target_new_aum", "target_opportunities", "target_sales_count",
            "target_sales_amount", "approved_by_id"),
        "uplift customers": PlanCustomer.objects.filter(plan_id=world.uplift.pk).values("customer_id"),
        "uplift comments": PlanComment.objects.filter(plan_id=world.uplift.pk).values("text"),
        "gift": Gift.objects.filter(pk=world.gift.pk).values("status", "decided_by_id", "quantity", "total_cost"),
        "gifts": Gift.objects.filter(customer_id=world.customer.pk).values("pk", "status"),
    }
    out: dict[str, Any] = {k: [dict(r) for r in qs] for k, qs in rows.items()}
    for model in (Interaction, Memo, Appointment, Message, Holding, Opportunity):
        out[f"{model.__name__} count"] = model.objects.filter(customer_id=c).count()
    return out
