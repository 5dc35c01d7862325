"""200 managers at their desks (issue 5), with the pages added since (issue 15 §5): run by
benchmarks/bench_load.py, which starts gunicorn, writes the plan (BANYAN_LOAD_PLAN, JSON) and reads
locust's CSV statistics.

Each simulated user is one manager of the generated bank with its own login (rm0001 …, password
banyan2026), or one branch head (bh001 …) when the plan names some (bench_load --heads). It logs
in through the login form (GET for the CSRF cookie, then POST), then picks its next action by
weight, with think time between actions. Every request checks its answer (status 200 and a piece
of the page that only a real answer has), so that a wrong page counts as an error; every id comes
from the plan, which bench_load reads through the app's own visibility gates (a manager's own
customers, events and complaints; a branch head's own branch and its managers): a 404 is an error.

A manager's day (weights per action picked; the call cycle is four requests, so the worklist and
the customer file stay by far the most frequent pages):

  20  the call cycle, one step after the other:
      1. 今日工作: GET /work/ (today's worklist, built by the nightly job — bench_load builds it
         first); the first time, also the coming days as the page's 查看未来安排 loads them
         (GET /work/week/, htmx) — a manager looks at the week ahead once in the morning;
      2. search its book from the header's box: GET /customers/search/suggest/?q= a name prefix or
         a mobile tail of one of its own customers;
      3. open that customer's file: GET /customers/<id>/;
      4. log a contact from the file's quick form: POST /customers/<id>/contacts/ as htmx does
         (HX-Request, CSRF token), channel phone, result reached, one line said;
   4  财富诊断 of one of its customers before a talk: GET /wealth/customers/<id>/diagnosis/;
   2  its own review (总结与检视): GET /review/ — this month, one time in four this quarter;
   1  the rows behind one of its figures: GET /review/drill/?figure=…;
   2  客户活动: GET /events/, then one of the events its customers are invited to
      (GET /events/<id>/: its own guests, their answers);
   1  投诉: GET /service/complaints/, then one on its customers (GET /service/complaints/<id>/);
   1  转介 received: GET /service/referrals/;
   1  礼品 given to its customers this month: GET /gifts/.

A branch head's day (weights):

   4  the branch's review, its managers compared: GET /review/ (this month; one time in four this
      quarter);
   2  one manager's review: GET /review/?manager=<username>;
   1  the rows behind a figure of the branch: GET /review/drill/?figure=…;
   1  the review through the API, as a report or a spreadsheet pulls it: GET /api/v1/kpis
      (a bearer token taken once at the start, POST /api/v1/auth/token);
   2  capacity planning: GET /staffing/capacity/;
   1  the customers per tier and manager: GET /staffing/tiers/;
   1  the branch's complaints: GET /service/complaints/;
   1  the branch's events: GET /events/;
   1  the branch's gift spend against its budgets: GET /gifts/.

Think time: 3–10 s between actions, uniform (a manager at a desk reads the page, dials, talks;
a real cycle is slower — twenty contacts a day — so this is a stress test); BANYAN_LOAD_THINK=
"10,30" sets another range. BANYAN_LOAD_LOGIN_SPREAD=N (seconds) staggers the logins over the
first N seconds (default 0: each user logs in as it is spawned).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time

from locust import HttpUser, SequentialTaskSet, between, events, task

with open(os.environ.get("BANYAN_LOAD_PLAN", "benchmarks/out/load-plan.json"), encoding="utf-8") as f:
    _plan = json.load(f)
# a plan of managers only (a list) is an older bench_load's
PLAN: list[dict] = _plan["managers"] if isinstance(_plan, dict) else _plan
HEADS: list[dict] = _plan.get("heads", []) if isinstance(_plan, dict) else []
_NEXT = itertools.count()
_NEXT_HEAD = itertools.count()
PASSWORD = os.environ.get("BANYAN_LOAD_PASSWORD", "banyan2026")
LOGIN_SPREAD = float(os.environ.get("BANYAN_LOAD_LOGIN_SPREAD", "0"))
THINK = tuple(float(x) for x in os.environ.get("BANYAN_LOAD_THINK", "3,10").split(","))
#: Figures a manager or a branch head opens the rows of (each drills to tasks, contacts,
#: opportunities, sales or the book: banyan.kpis.figures.drill).
DRILL = ("reached", "contacts", "book_end", "opportunities_opened", "sales_amount")


TIMES_FILE = os.environ.get("BANYAN_LOAD_TIMES")
_TIMES: list[tuple[str, float, bool, float]] = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **_kw) -> None:
    """Every request's time, so that bench_load can compute exact percentiles across actions."""
    _TIMES.append((name, response_time, exception is None, time.time()))  # time.time(): when it ended


@events.quitting.add_listener
def _dump(environment, **_kw) -> None:
    if TIMES_FILE:
        with open(TIMES_FILE, "w", encoding="utf-8") as out:
            json.dump(_TIMES, out)


def login(user: HttpUser, username: str) -> None:
    if LOGIN_SPREAD:
        time.sleep(random.uniform(0, LOGIN_SPREAD))
    user.client.get("/login/", name="0 login GET /login/")
    token = user.client.cookies.get("csrftoken", "")
    with user.client.post("/login/", data={"username": username, "password": PASSWORD,
                                           "csrfmiddlewaretoken": token, "next": "/work/"},
                          name="0 login POST /login/", catch_response=True, allow_redirects=False) as r:
        if r.status_code != 302:
            r.failure(f"login {username}: {r.status_code}")


def get_page(user: HttpUser, path: str, name: str, *must: str, params: dict | None = None,
             headers: dict | None = None) -> str:
    """GET `path`; a failure unless 200 (not the login page) with every string of `must` in it."""
    with user.client.get(path, params=params, name=name, headers=headers, catch_response=True) as r:
        if r.status_code != 200 or "/login/" in r.url:
            r.failure(f"{path}: {r.status_code} {r.url}")
            return ""
        missing = [m for m in must if m not in r.text]
        if missing:
            r.failure(f"{path}: no {missing[0]!r} in the page")
            return ""
        return r.text


def _json(response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def review_params() -> dict:
    """This month (the default), or one time in four this quarter."""
    return {"period": "quarter"} if random.random() < 0.25 else {}


class CallCycle(SequentialTaskSet):
    """One call of a manager's day; the user's wait_time runs between the steps, and after the
    last the manager picks the next action."""

    def on_start(self) -> None:
        self.customer = None

    @task
    def worklist(self) -> None:
        with self.client.get("/work/", name="1 worklist GET /work/", catch_response=True) as r:
            if r.status_code != 200 or "/login/" in r.url:
                r.failure(f"worklist: {r.status_code} {r.url}")
        if not self.user.saw_week:  # the morning's look at the coming days (查看未来安排), as htmx loads it
            self.user.saw_week = True
            with self.client.get("/work/week/", name="1b coming week GET /work/week/", catch_response=True,
                                 headers={"HX-Request": "true"}) as r:
                if r.status_code != 200 or 'id="wl-preview"' not in r.text:
                    r.failure(f"coming week: {r.status_code}")

    @task
    def search(self) -> None:
        c = random.choice(self.user.book)
        self.customer = c
        by_mobile = random.random() < 0.3
        q = c["tail"] if by_mobile else c["name"][:2]
        label = "2 search (mobile tail)" if by_mobile else "2 search (name prefix)"
        with self.client.get("/customers/search/suggest/", params={"q": q}, name=label, catch_response=True,
                             headers={"HX-Request": "true"}) as r:
            # A mobile tail finds the customer among the ten hits; a two-character name prefix of a
            # common surname may list ten others first, which is not an error.
            if r.status_code != 200 or by_mobile and f"/customers/{c['id']}/" not in r.text:
                r.failure(f"search {q}: {r.status_code}")

    @task
    def open_file(self) -> None:
        c = self.customer
        with self.client.get(f"/customers/{c['id']}/", name="3 customer file GET /customers/<id>/",
                             catch_response=True) as r:
            if r.status_code != 200 or c["name"] not in r.text:
                r.failure(f"file: {r.status_code}")

    @task
    def log_contact(self) -> None:
        c = self.customer
        token = self.client.cookies.get("csrftoken", "")
        data = {"csrfmiddlewaretoken": token, "channel": "phone", "outcome": "reached", "purpose": "care",
                "summary": "电话问候，客户近况良好（压测）"}
        with self.client.post(f"/customers/{c['id']}/contacts/", data=data, catch_response=True,
                              name="4 log contact POST /customers/<id>/contacts/",
                              headers={"HX-Request": "true", "X-CSRFToken": token}) as r:
            if r.status_code != 200:
                r.failure(f"contact: {r.status_code}")
        self.interrupt(reschedule=False)  # the call is done: think, then the manager's next action


class EventsVisit(SequentialTaskSet):
    """客户活动: the list, then (after reading it) one of the events the manager's customers are
    invited to — the manager's own guests and their answers."""

    @task
    def event_list(self) -> None:
        mine = self.user.my_events
        get_page(self.user, "/events/", "7 events GET /events/", 'id="upcoming"',
                 *([f'/events/{mine[0]["id"]}/'] if mine else []))

    @task
    def event(self) -> None:
        if not self.user.my_events:
            self.interrupt()  # nothing to open: the next action (the think time after the list is past)
        e = random.choice(self.user.my_events)
        get_page(self.user, f"/events/{e['id']}/", "7b event GET /events/<id>/", e["name"], 'id="counts"')
        self.interrupt(reschedule=False)


class ComplaintsVisit(SequentialTaskSet):
    """投诉: the list (the complaints on the manager's customers and those it owns), then one."""

    @task
    def complaint_list(self) -> None:
        mine = self.user.my_complaints
        get_page(self.user, "/service/complaints/", "8 complaints GET /service/complaints/", 'id="complaints"',
                 *([f'/service/complaints/{mine[0]}/'] if mine else []))

    @task
    def complaint(self) -> None:
        if not self.user.my_complaints:
            self.interrupt()
        pk = random.choice(self.user.my_complaints)
        get_page(self.user, f"/service/complaints/{pk}/", "8b complaint GET /service/complaints/<id>/",
                 'id="complaint-status"', 'id="complaint-actions"')
        self.interrupt(reschedule=False)


class Manager(HttpUser):
    wait_time = between(*THINK)
    tasks = {CallCycle: 20, EventsVisit: 2, ComplaintsVisit: 1}

    def on_start(self) -> None:
        self.saw_week = False
        me = PLAN[next(_NEXT) % len(PLAN)]
        self.username, self.book = me["username"], me["book"]
        self.my_events, self.my_complaints = me.get("events", []), me.get("complaints", [])
        login(self, self.username)

    @task(4)
    def diagnosis(self) -> None:
        c = random.choice(self.book)
        get_page(self, f"/wealth/customers/{c['id']}/diagnosis/",
                 "6 diagnosis GET /wealth/customers/<id>/diagnosis/", c["name"], 'id="diagnosis-kpis"')

    @task(2)
    def own_review(self) -> None:
        get_page(self, "/review/", "5 own review GET /review/", 'id="review-cards"', 'id="review-table"',
                 params=review_params())

    @task(1)
    def review_drill(self) -> None:
        get_page(self, "/review/drill/", "5b review drill-down GET /review/drill/", 'id="drill-table"',
                 params={"figure": random.choice(DRILL)})

    @task(1)
    def referrals(self) -> None:
        get_page(self, "/service/referrals/", "9 referrals GET /service/referrals/", 'id="referral-list"')

    @task(1)
    def gifts(self) -> None:
        get_page(self, "/gifts/", "9b gifts GET /gifts/", 'id="gift-by-tier"')


class BranchHead(HttpUser):
    """A branch head (bench_load --heads N: N of them, each its own branch, beside the managers)."""

    wait_time = between(*THINK)
    fixed_count = len(HEADS)
    abstract = not HEADS  # no branch head in the plan: locust spawns managers only

    def on_start(self) -> None:
        me = HEADS[next(_NEXT_HEAD) % len(HEADS)]
        self.username, self.branch, self.managers = me["username"], me["branch"], me["managers"]
        login(self, self.username)
        with self.client.post("/api/v1/auth/token", json={"username": self.username, "password": PASSWORD},
                              name="0 login API token POST /api/v1/auth/token", catch_response=True) as r:
            self.token = _json(r).get("token", "") if r.status_code == 200 else ""
            if not self.token:
                r.failure(f"token {self.username}: {r.status_code}")

    @task(4)
    def branch_review(self) -> None:
        m = random.choice(self.managers)
        get_page(self, "/review/", "H1 branch review GET /review/", 'id="review-table"',
                 f"manager={m['username']}", params=review_params())

    @task(2)
    def manager_review(self) -> None:
        m = random.choice(self.managers)
        get_page(self, "/review/", "H2 a manager's review GET /review/?manager=", 'id="review-table"', m["name"],
                 params={"manager": m["username"], **review_params()})

    @task(1)
    def review_drill(self) -> None:
        get_page(self, "/review/drill/", "H3 review drill-down GET /review/drill/", 'id="drill-table"',
                 params={"figure": random.choice(DRILL)})

    @task(1)
    def review_api(self) -> None:
        with self.client.get("/api/v1/kpis", params={"period": "month"}, name="H4 review API GET /api/v1/kpis",
                             headers={"Authorization": f"Bearer {self.token}"}, catch_response=True) as r:
            rows = _json(r).get("rows") if r.status_code == 200 else None
            if not rows or not all(row.get("branch") in (self.branch, None) for row in rows):
                r.failure(f"kpis API: {r.status_code}")

    @task(2)
    def capacity(self) -> None:
        get_page(self, "/staffing/capacity/", "H5 capacity GET /staffing/capacity/", 'id="capacity-table"',
                 self.managers[0]["name"])

    @task(1)
    def tiers(self) -> None:
        get_page(self, "/staffing/tiers/", "H6 tiers GET /staffing/tiers/", 'id="tier-counts"')

    @task(1)
    def branch_complaints(self) -> None:
        get_page(self, "/service/complaints/", "H7 branch complaints GET /service/complaints/", 'id="complaints"')

    @task(1)
    def branch_events(self) -> None:
        get_page(self, "/events/", "H8 branch events GET /events/", 'id="upcoming"', 'id="compare-events"')

    @task(1)
    def gift_spend(self) -> None:
        get_page(self, "/gifts/", "H9 gift spend GET /gifts/", 'id="gift-by-tier"', 'id="gift-by-manager"')
