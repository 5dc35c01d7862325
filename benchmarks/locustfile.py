"""200 managers at their desks (issue 5): run by benchmarks/bench_load.py, which starts gunicorn,
writes the managers' plan (BANYAN_LOAD_PLAN, JSON) and reads locust's CSV statistics.

Each simulated user is one manager of the generated bank with its own login (rm0001 …, password
banyan2026). It logs in through the login form (GET for the CSRF cookie, then POST), then loops
over a manager's working cycle, with think time between actions:

  1. 今日工作: GET /work/ (today's worklist, built by the nightly job — bench_load builds it first);
     the first time, also the coming days as the page's 查看未来安排 loads them (GET /work/week/,
     htmx) — a manager looks at the week ahead once in the morning, not at every return to the list;
  2. search its book from the header's box: GET /customers/search/suggest/?q= a name prefix or a
     mobile tail of one of its own customers;
  3. open that customer's file: GET /customers/<id>/;
  4. log a contact from the file's quick form: POST /customers/<id>/contacts/ as htmx does
     (HX-Request, CSRF token), channel phone, result reached, one line said.

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
    PLAN: list[dict] = json.load(f)
_NEXT = itertools.count()
PASSWORD = os.environ.get("BANYAN_LOAD_PASSWORD", "banyan2026")
LOGIN_SPREAD = float(os.environ.get("BANYAN_LOAD_LOGIN_SPREAD", "0"))
THINK = tuple(float(x) for x in os.environ.get("BANYAN_LOAD_THINK", "3,10").split(","))


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


class Day(SequentialTaskSet):
    """One cycle of a manager's day; the user's wait_time runs between the steps."""

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


class Manager(HttpUser):
    wait_time = between(*THINK)
    tasks = [Day]

    def on_start(self) -> None:
        self.saw_week = False
        me = PLAN[next(_NEXT) % len(PLAN)]
        self.username, self.book = me["username"], me["book"]
        if LOGIN_SPREAD:
            time.sleep(random.uniform(0, LOGIN_SPREAD))
        self.client.get("/login/", name="0 login GET /login/")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post("/login/", data={"username": self.username, "password": PASSWORD,
                                               "csrfmiddlewaretoken": token, "next": "/work/"},
                              name="0 login POST /login/", catch_response=True, allow_redirects=False) as r:
            if r.status_code != 302:
                r.failure(f"login {self.username}: {r.status_code}")
