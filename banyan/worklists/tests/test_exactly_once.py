"""Exactly once under concurrency (DESIGN.md house style 6; issue 10 §2).

Requests fired at the same moment from many threads at a live server (Django's threaded test
server: one thread and one database connection per request), on SQLite and on PostgreSQL. What
the bank saw before: twenty parallel "done" for one task recorded 7 contacts and 7 completions; a
"done" and a "skip" racing ended done *with* a skip reason. Now the first request changes the
state and every other one is refused (409 on the API, "already handled" on a page) and writes
nothing: no contact, no audit event, no outbox line.
"""

from __future__ import annotations

import copy
import datetime as dt
import http.cookiejar
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from banyan.audit.models import AuditEvent
from banyan.conftest import PASSWORD, TODAY
from banyan.contacts.models import Appointment, Interaction, Memo, MemoStatus
from banyan.contacts.services import appointment_create, memo_create
from banyan.customers.identity import make_resident_id
from banyan.messaging.models import Message, MessageStatus
from banyan.messaging.services import message_compose, message_send, outbox_send_queued
from banyan.org.services import api_token_issue
from banyan.outreach.models import CallEntry, CallLog
from banyan.outreach.services import campaign_create, funnel
from banyan.worklists.models import Task, TaskStatus
from banyan.worklists.services import worklists_build

N = 20  # requests in each race

# No proxy for the loopback server, whatever the environment says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def server(live_server, monkeypatch):
    """The live server's URL; its threads read "today" from the environment, not the frozen clock."""
    monkeypatch.setenv("BANYAN_TODAY", TODAY.isoformat())
    return live_server.url


def _race(n: int, request) -> list:
    """request(i) from n threads released together; answers in thread order."""
    gate = threading.Barrier(n)

    def run(i):
        gate.wait()
        try:
            return request(i)
        finally:
            connections.close_all()  # a thread that used the ORM (a worker) leaves no connection open

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def _api(base: str, token: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(f"{base}/api/v1{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with _OPENER.open(request, timeout=120) as answer:
            status, text = answer.status, answer.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, {"raw": text.decode(errors="replace")[:3000]}


class Browser:
    """A logged-in browser session over plain HTTP (cookies, CSRF header, redirects followed)."""

    def __init__(self, base: str, jar: http.cookiejar.CookieJar):
        self.base, self.jar = base, jar
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPCookieProcessor(jar))

    @classmethod
    def login(cls, base: str, username: str) -> Browser:
        browser = cls(base, http.cookiejar.CookieJar())
        page = browser.opener.open(f"{base}/login/", timeout=60).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        browser.opener.open(f"{base}/login/", urllib.parse.urlencode(form).encode(), timeout=60).read()
        assert any(c.name == "sessionid" for c in browser.jar), "login failed"
        return browser

    def tab(self) -> Browser:
        """Another tab of the same session (its own cookie jar, so each sees its own messages)."""
        jar = http.cookiejar.CookieJar()
        for cookie in self.jar:
            jar.set_cookie(copy.copy(cookie))
        return Browser(self.base, jar)

    def post(self, path: str, data: dict) -> tuple[int, str]:
        csrf = next(c.value for c in self.jar if c.name == "csrftoken")
        request = urllib.request.Request(f"{self.base}{path}", urllib.parse.urlencode(data).encode(),
                                         headers={"X-CSRFToken": csrf})
        try:
            with self.opener.open(request, timeout=120) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()


def _alerts(page: str) -> list[str]:
    """The page's flash messages, as the manager reads them."""
    found = re.findall(r'<div class="alert alert-\w+[^"]*" role="alert">(.*?)<button', page, re.S)
    return [re.sub(r"<[^>]+>", "", text).strip() for text in found]


def _birthday_task(make_customer, rm, n: int) -> Task:
    """A customer of `rm` whose birthday is today, and today's list built: their task."""
    customer = make_customer(rm, name=f"周{'一二三四五六七八'[n]}",
                             id_number=make_resident_id("330106", dt.date(1966, 11, 23), 10 + n))
    worklists_build(day=TODAY, manager_ids=[rm.pk])
    return Task.objects.get(customer=customer, date=TODAY)


def _events(action: str, obj) -> int:
    return AuditEvent.objects.filter(action=action, object_id=str(obj.pk)).count()


def _refused(answers: list[tuple[int, dict]]) -> bool:
    return all(status == 409 and body["error"]["code"] == "conflict" and body["error"]["message"]
               for status, body in answers)


def test_twenty_parallel_completions_of_one_task_record_one_contact(server, bank, make_customer):
    """Twenty "done" for one task at once (a flaky network retrying, a double tap, two devices):
    the customer's history got 7 contacts and the audit log 7 completions. Now one of each."""
    task = _birthday_task(make_customer, bank.rm_a, 0)
    token = api_token_issue(staff=bank.rm_a)

    answers = _race(N, lambda i: _api(server, token, f"/worklist/tasks/{task.pk}/complete",
                                      {"outcome": "reached", "summary": f"生日祝福（第 {i + 1} 次提交）"}))

    contacts = Interaction.objects.filter(customer_id=task.customer_id).count()
    completed = _events("task.completed", task)
    print(f"\n{connections['default'].vendor}: {N} parallel completions -> {contacts} contact(s), "
          f"{completed} task.completed event(s)")
    assert (contacts, completed) == (1, 1), f"{contacts} contacts and {completed} completions for one task"
    won = [body for status, body in answers if status == 200]
    assert len(won) == 1 and won[0]["status"] == "done"
    assert _refused([a for a in answers if a[0] != 200])
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert Interaction.objects.get(customer_id=task.customer_id).pk == task.interaction_id


def test_a_complete_a_skip_and_a_move_racing_for_one_task_do_exactly_one_of_them(server, bank, make_customer):
    """A "done", a "skip" and a "move" for one task at once ended "done" with a skip reason and 5
    contacts. Now the first one wins whole, and the others change nothing."""
    task = _birthday_task(make_customer, bank.rm_a, 1)
    token = api_token_issue(staff=bank.rm_a)
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    actions = [("complete", {"outcome": "reached"}), ("skip", {"reason": "客户出差"}), ("move", {"to": tomorrow})]

    answers = _race(N, lambda i: _api(server, token, f"/worklist/tasks/{task.pk}/{actions[i % 3][0]}",
                                      actions[i % 3][1]))

    assert [status for status, _body in answers].count(200) == 1
    assert _refused([a for a in answers if a[0] != 200])
    task.refresh_from_db()
    contacts = Interaction.objects.filter(customer_id=task.customer_id).count()
    closings = sum(_events(f"task.{verb}", task) for verb in ("completed", "skipped", "moved"))
    assert closings == 1
    assert (task.status, contacts) in {(TaskStatus.DONE, 1), (TaskStatus.SKIPPED, 0), (TaskStatus.MOVED, 0)}
    assert task.skip_reason == ("客户出差" if task.status == TaskStatus.SKIPPED else "")
    assert task.moved_to == (TODAY + dt.timedelta(days=1) if task.status == TaskStatus.MOVED else None)
    assert Task.objects.filter(customer_id=task.customer_id, date__gt=TODAY).exists() == (
        task.status == TaskStatus.MOVED)


def test_parallel_outcomes_of_one_campaign_call_record_one_call(server, bank, make_customer):
    """Twenty outcomes posted at once for one customer of a campaign, each saying it follows the
    calls seen so far (none): one call, one contact, one attempt in the funnel; the rest are told
    the call was recorded meanwhile (409)."""
    customer = make_customer(bank.rm_a, name="吴晓燕")
    campaign = campaign_create(actor=bank.rm_a, name="年末理财到期邀约", purpose="到期资金续作", start_date=TODAY,
                               end_date=TODAY + dt.timedelta(days=14), customer_ids=[customer.pk])
    token = api_token_issue(staff=bank.rm_a)
    outcomes = ["interested", "refused", "not_reached", "call_back"]

    answers = _race(N, lambda i: _api(server, token, f"/campaigns/{campaign.pk}/calls/{customer.pk}/outcome",
                                      {"outcome": outcomes[i % 4], "reason": "暂无闲钱", "minutes": 3,
                                       "attempts": 0}))

    assert [status for status, _body in answers].count(201) == 1
    assert _refused([a for a in answers if a[0] != 201])
    entry = CallEntry.objects.get(campaign=campaign, customer=customer)
    assert entry.attempts == 1 and CallLog.objects.filter(entry=entry).count() == 1
    assert Interaction.objects.filter(customer=customer).count() == 1
    assert AuditEvent.objects.filter(action="campaign.call_recorded", customer_id=customer.pk).count() == 1
    assert funnel(campaign)["called"] == 1
    # the next call, made knowing the first, is recorded as usual (`attempts` left out: as of now)
    status, body = _api(server, token, f"/campaigns/{campaign.pk}/calls/{customer.pk}/outcome",
                        {"outcome": "interested"})
    assert status == 201 and body["status"] == "interested"
    assert CallEntry.objects.get(pk=entry.pk).attempts == 2


def test_parallel_clicks_on_memo_done_complete_it_once(server, bank, make_customer):
    """The memo's "done" clicked in several tabs at once wrote a completion per tab; now one, and
    the other tabs say it was already done (no error page)."""
    customer = make_customer(bank.rm_a, name="郑海波")
    memo = memo_create(actor=bank.rm_a, customer=customer, text="想了解子女教育金", due_date=TODAY + dt.timedelta(7))
    manager = Browser.login(server, bank.rm_a.username)
    tabs = [manager.tab() for _ in range(12)]

    answers = _race(len(tabs), lambda i: tabs[i].post(f"/customers/{customer.pk}/memos/{memo.pk}/done/", {}))

    assert [status for status, _page in answers] == [200] * len(tabs)
    assert _events("memo.completed", memo) == 1
    assert Memo.objects.get(pk=memo.pk).status == MemoStatus.DONE
    said = sorted(_alerts(page)[0] for _s, page in answers)
    assert said == ["备忘已完成。"] + ["该备忘已处理。"] * (len(tabs) - 1)


def test_parallel_status_clicks_on_one_meeting_settle_it_once(server, bank, make_customer):
    """"Took place" in one tab and "cancelled" in another at once: the meeting got both, one after
    the other, each in the audit log. Now the first click settles it; the others are told so."""
    customer = make_customer(bank.rm_a, name="冯丽娟")
    at = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(10, 0))
    appointment, _guidance = appointment_create(actor=bank.rm_a, customer=customer, at=at, place="城东支行贵宾室",
                                                purpose="理财规划")
    manager = Browser.login(server, bank.rm_a.username)
    tabs = [manager.tab() for _ in range(12)]
    choices = ["done", "no_show", "cancelled"]

    answers = _race(len(tabs), lambda i: tabs[i].post(f"/outreach/appointments/{appointment.pk}/status/",
                                                      {"status": choices[i % 3]}))

    assert [status for status, _page in answers] == [200] * len(tabs)
    events = AuditEvent.objects.filter(action="appointment.status_set", object_id=str(appointment.pk))
    assert events.count() == 1
    assert Appointment.objects.get(pk=appointment.pk).status == events.get().after["status"]
    refused = [page for _s, page in answers if "该约见已处理。" in _alerts(page)]
    assert len(refused) == len(tabs) - 1


def test_a_double_submit_of_the_calling_screen_records_one_call(server, bank, make_customer):
    """The calling screen's "save" sent twice (a double click, a second tab with the same screen):
    the second is refused on the screen, with the call recorded by the first shown."""
    customer = make_customer(bank.rm_a, name="许文博")
    campaign = campaign_create(actor=bank.rm_a, name="基金定投推荐", purpose="定投", start_date=TODAY,
                               end_date=TODAY + dt.timedelta(days=14), customer_ids=[customer.pk])
    manager = Browser.login(server, bank.rm_a.username)
    tabs = [manager.tab() for _ in range(8)]
    form = {"customer": customer.pk, "attempts": 0, "outcome": "interested", "note": "对定投感兴趣", "minutes": 2}

    answers = _race(len(tabs), lambda i: tabs[i].post(f"/outreach/{campaign.pk}/call/", form))

    assert sorted(status for status, _page in answers) == [200] + [400] * (len(tabs) - 1)
    assert CallLog.objects.filter(entry__campaign=campaign).count() == 1
    assert Interaction.objects.filter(customer=customer).count() == 1
    assert all("刚刚已有一次与该客户的通话被记录" in page for status, page in answers if status == 400)


@pytest.fixture
def sms_outbox(tmp_path, monkeypatch):
    """SMS goes to a file (one JSON line a message), as a bank's SMS platform picks it up."""
    path = tmp_path / "sms-outbox.jsonl"
    monkeypatch.setenv("BANYAN_SMS_OUTBOX", str(path))
    monkeypatch.delenv("BANYAN_SMS_GATEWAY", raising=False)
    return path


def _lines(path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def test_a_queued_message_goes_out_once_when_several_outbox_workers_run(server, bank, make_customer, sms_outbox):
    """Several outbox workers (or a worker and the cron command) on the same queue: each queued
    SMS reaches the gateway once, and becomes one contact."""
    customer = make_customer(bank.rm_a, name="何思远", consent_sms=True)
    message = message_compose(actor=bank.rm_a, customer=customer, channel="sms",
                              body="何先生您好，您的理财产品将于下周到期。")

    _race(8, lambda i: outbox_send_queued() if i % 2 else message_send(message=Message(pk=message.pk)))

    assert _lines(sms_outbox) == 1
    assert Message.objects.get(pk=message.pk).status == MessageStatus.SENT
    assert _events("message.sent", message) == 1
    assert Interaction.objects.filter(customer=customer).count() == 1


def test_parallel_resend_clicks_send_a_failed_message_once(server, bank, make_customer, sms_outbox, tmp_path,
                                                           monkeypatch):
    """"Resend" on a failed SMS clicked in several tabs at once: one goes to the gateway, and the
    other tabs are told it was resent already (not "sent", which they did not do)."""
    customer = make_customer(bank.rm_a, name="罗志强", consent_sms=True)
    message = message_compose(actor=bank.rm_a, customer=customer, channel="sms", body="罗先生您好，请回电。")
    monkeypatch.setenv("BANYAN_SMS_OUTBOX", str(tmp_path))  # a directory: the gateway fails
    assert message_send(message=message).status == MessageStatus.FAILED
    monkeypatch.setenv("BANYAN_SMS_OUTBOX", str(sms_outbox))
    manager = Browser.login(server, bank.rm_a.username)
    tabs = [manager.tab() for _ in range(10)]

    answers = _race(len(tabs), lambda i: tabs[i].post(f"/messages/{message.pk}/resend/", {}))

    assert [status for status, _page in answers] == [200] * len(tabs)
    assert _lines(sms_outbox) == 1
    sent = Message.objects.get(pk=message.pk)
    assert (sent.status, sent.attempts) == (MessageStatus.SENT, 2)
    assert _events("message.sent", message) == 1
    # the others are told so: resent meanwhile, or (the page read after it went out) no longer failed
    refusals = {"这条消息已重新发送过了。", "只有发送失败的消息可以重新发送。"}
    assert sum(bool(refusals & set(_alerts(page))) for _s, page in answers) == len(tabs) - 1
