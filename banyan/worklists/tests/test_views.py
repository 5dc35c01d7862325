"""The "今日工作" page and the branch head's view, through the test client (today is 2026-11-23)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from banyan import clock
from banyan.conftest import TODAY
from banyan.contacts.models import Interaction
from banyan.customers.identity import make_resident_id
from banyan.segments.services import segments_recompute
from banyan.worklists.models import Task, TaskStatus, WorklistDay
from banyan.worklists.services import worklists_build

HTMX = {"HTTP_HX_REQUEST": "true"}



def born(day, seq=1, male=True):
    return make_resident_id("330106", day, seq * 2 + (1 if male else 0))


@pytest.fixture
def birthday(bank, make_customer):
    """王建国, zhangmin's customer, turns 60 today."""
    return make_customer(bank.rm_a, name="王建国", id_number=born(dt.date(1966, 11, 23)), preferred_channel="phone",
                         preferred_time="上午")


@pytest.fixture
def cadence(bank, make_customer):
    """何平, zhangmin's customer never contacted: a regular contact, no dated reason."""
    customer = make_customer(bank.rm_a, name="何平")
    segments_recompute()
    return customer


def _section(html: str, element_id: str) -> str:
    """The inner HTML of the element with this id, up to the next top-level section."""
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</section>", start)]


def _task(customer) -> Task:
    return Task.objects.get(customer=customer, date=TODAY)


# ------------------------------------------------------------------ the manager's page

def test_the_page_builds_todays_list_and_shows_the_birthday_with_its_reason_and_talking_point(bank, login, birthday):
    assert not WorklistDay.objects.exists()
    response = login(bank.rm_a).get("/work/")
    assert response.status_code == 200
    assert WorklistDay.objects.filter(manager=bank.rm_a, date=TODAY).exists()
    text = response.content.decode()
    card = _section(text, "open-title")
    assert "王建国" in card
    assert '<span class="reason-badge reason-care">生日</span>' in card
    assert "11月23日生日，60 岁（整寿）" in card
    assert "王先生您好，我是榕树银行的客户经理张敏" in card and "今天是您的60岁生日" in card  # what to say
    assert "提示（仅供客户经理，不要念给客户）" in card and "以祝福为主，不谈产品。" in card  # apart: the notes
    assert "2026-11-23 星期一" in text and "工作日" in text
    assert "偏好 电话, 上午" in card


def test_the_page_is_built_once_and_another_manager_does_not_see_the_task(bank, login, birthday):
    client = login(bank.rm_a)
    client.get("/work/")
    client.get("/work/")
    assert Task.objects.filter(customer=birthday).count() == 1
    other = login(bank.rm_b).get("/work/")
    assert other.status_code == 200 and "王建国" not in other.content.decode()


def test_completing_a_task_records_the_contact_and_takes_it_off_the_open_list(bank, login, birthday):
    client = login(bank.rm_a)
    client.get("/work/")
    task = _task(birthday)
    response = client.post(f"/work/tasks/{task.pk}/complete/",
                           {"outcome": "reached", "summary": "祝寿，客户很高兴", "channel": "phone",
                            "page": TODAY.isoformat()})
    assert response.status_code == 302 and response["Location"] == "/work/"
    interaction = Interaction.objects.get(customer=birthday)
    assert (interaction.summary, interaction.outcome, interaction.channel) == ("祝寿，客户很高兴", "reached", "phone")
    assert interaction.staff == bank.rm_a
    page = client.get("/work/").content.decode()
    assert "王建国" not in _section(page, "open-title")
    assert "王建国" in _section(page, "closed-title") and "祝寿，客户很高兴" in page
    timeline = client.get(f"/customers/{birthday.pk}/").content.decode()
    assert "祝寿，客户很高兴" in timeline


def test_completing_with_htmx_answers_the_done_line_and_the_new_counts(bank, login, birthday, cadence):
    client = login(bank.rm_a)
    client.get("/work/")
    task = _task(birthday)
    response = client.post(f"/work/tasks/{task.pk}/complete/",
                           {"outcome": "not_reached", "summary": "", "page": TODAY.isoformat()}, **HTMX)
    text = response.content.decode()
    assert response.status_code == 200
    assert f'id="task-{task.pk}"' in text and "task-closed" in text and "未接通" in text
    counts = text[text.index('id="wl-counts"'):]
    assert 'hx-swap-oob="true"' in counts
    assert re.search(r'<span class="n">1</span><span class="l">待办', counts)  # 何平 is left
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE


def test_the_cards_more_records_a_refusal_what_was_learned_and_when_to_call_again(bank, login, birthday):
    client = login(bank.rm_a)
    client.get("/work/")
    task = _task(birthday)
    more = client.get(f"/work/tasks/{task.pk}/part/", {"part": "more"}, **HTMX).content.decode()  # as "more" opens
    assert 'name="next_contact_on"' in more
    response = client.post(f"/work/tasks/{task.pk}/complete/", {
        "outcome": "refused", "summary": "祝寿；推荐理财被婉拒", "rejection_reason": "资金要留给孙子上学",
        "new_info": "孙子明年上小学", "next_step": "年后再约", "next_contact_on": "2027-02-20",
        "page": TODAY.isoformat()}, **HTMX)
    assert response.status_code == 200
    contact = Interaction.objects.get(customer=birthday)
    assert (contact.rejection_reason, contact.new_info, contact.next_step, contact.next_contact_on) == (
        "资金要留给孙子上学", "孙子明年上小学", "年后再约", dt.date(2027, 2, 20))


def test_a_next_contact_date_in_the_wrong_format_is_refused_and_nothing_is_recorded(bank, login, birthday):
    client = login(bank.rm_a)
    client.get("/work/")
    task = _task(birthday)
    response = client.post(f"/work/tasks/{task.pk}/complete/", {
        "outcome": "reached", "next_contact_on": "20/02/2027", "page": TODAY.isoformat()}, **HTMX)
    text = response.content.decode()
    # the refusal sits under the date field, and the date typed is still there to correct
    assert response.status_code == 200 and "有效的日期" in text and 'value="20/02/2027"' in text
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    assert not Interaction.objects.filter(customer=birthday).exists()


def test_skipping_a_task_keeps_the_reason(bank, login, birthday):
    client = login(bank.rm_a)
    client.get("/work/")
    task = _task(birthday)
    response = client.post(f"/work/tasks/{task.pk}/skip/",
                           {"reason": "客户出差/出国", "note": "下周回国", "page": TODAY.isoformat()}, **HTMX)
    assert response.status_code == 200 and "客户出差/出国：下周回国" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.SKIPPED and task.skip_reason == "客户出差/出国：下周回国"
    assert not Interaction.objects.filter(customer=birthday).exists()


def test_a_cards_further_forms_load_when_opened_and_only_from_its_own_list(bank, login, birthday):
    """The parts behind a card's "more", "meeting", "skip" and "move" are not written with the page
    (most cards are finished with one click); each loads when its <details> is opened."""
    client = login(bank.rm_a)
    page = client.get("/work/").content.decode()
    task = _task(birthday)
    card = page[page.index(f'id="task-{task.pk}"'):]
    card = card[:card.index("</article>")]
    assert 'name="rejection_reason"' not in card and 'name="reason"' not in card and 'name="to"' not in card
    for part, marker in [("more", 'name="rejection_reason"'), ("meeting", 'value="城东支行"'),
                         ("skip", "客户出差/出国"), ("move", 'name="to"')]:
        assert f"/work/tasks/{task.pk}/part/?part={part}&amp;page={TODAY.isoformat()}" in card
        answer = client.get(f"/work/tasks/{task.pk}/part/", {"part": part, "page": TODAY.isoformat()}, **HTMX)
        assert answer.status_code == 200 and marker in answer.content.decode(), part
    assert client.get(f"/work/tasks/{task.pk}/part/", {"part": "delete"}).status_code == 404
    for other in (bank.rm_b, bank.rm_c):  # another manager of the branch, of another branch
        assert login(other).get(f"/work/tasks/{task.pk}/part/", {"part": "skip"}).status_code == 404
    client.post(f"/work/tasks/{task.pk}/skip/", {"reason": "客户出差/出国", "page": TODAY.isoformat()}, **HTMX)
    late = client.get(f"/work/tasks/{task.pk}/part/", {"part": "move"}, **HTMX).content.decode()
    assert "该任务已在别处处理" in late and 'name="to"' not in late


def test_each_card_writes_its_own_addresses_channel_and_meeting_button_though_the_page_writes_them_once(
        bank, login, birthday, make_customer):
    """The parts every card writes alike (worklists.cards.CardKit) are written once per page and
    variant: each card must still carry its own task's addresses, its own suggested channel
    selected, and an "已约见" button that opens its own meeting fields — in the reader's language."""
    other = make_customer(bank.rm_a, name="钱芳", id_number=born(dt.date(1975, 11, 23), seq=3, male=False))
    client = login(bank.rm_a)
    client.get("/work/")  # builds the day
    Task.objects.filter(customer=other, date=TODAY).update(suggested_channel="wechat")  # as a planner may
    page = client.get("/work/").content.decode()
    for customer, channel, words in ((birthday, "phone", "电话"), (other, "wechat", "微信")):
        task = _task(customer)
        assert task.suggested_channel == channel
        card = page[page.index(f'id="task-{task.pk}"'):]
        card = card[:card.index("</article>")]
        assert f'href="/customers/{customer.pk}/"' in card
        assert card.count(f'action="/work/tasks/{task.pk}/complete/"') == 1
        assert card.count(f'hx-post="/work/tasks/{task.pk}/complete/"') == 1
        assert card.count(f"/work/tasks/{task.pk}/part/?part=") == 4
        assert re.findall(r'<option value="(\w+)" selected>', card) == [channel]
        assert f"建议：<strong>{words}</strong>" in card
        buttons = re.findall(r'<button type="submit" name="outcome" value="(\w+)"[^>]*>([^<]+)</button>', card)
        assert [v for v, _label in buttons] == ["reached", "not_reached", "refused", "interested", "appointment",
                                               "sold"]
        assert buttons[0][1] == "接通" and 'class="btn btn-sm btn-banyan"' in card
        assert f'value="appointment" class="btn btn-sm btn-outline-secondary" data-opens="task-{task.pk}-meeting"' \
            in card and f'id="task-{task.pk}-meeting"' in card
    client.cookies["django_language"] = "en"
    english = client.get("/work/").content.decode()
    assert "Suggested: <strong>WeChat</strong>" in english and ">Reached</button>" in english
    assert '<option value="wechat" selected>WeChat</option>' in english


def test_moving_a_birthday_past_its_date_shows_the_error_and_changes_nothing(bank, login, birthday):
    client = login(bank.rm_a)
    client.get("/work/")
    task = _task(birthday)
    response = client.post(f"/work/tasks/{task.pk}/move/", {"to": "2026-12-01", "page": TODAY.isoformat()}, **HTMX)
    text = response.content.decode()
    assert "task-error" in text and "最晚只能改到" in text
    assert f'id="task-{task.pk}"' in text and "确认改期" in text  # the card, still actionable
    # Without JavaScript: the page again, with the error on the card.
    plain = client.post(f"/work/tasks/{task.pk}/move/", {"to": "2026-12-01", "page": TODAY.isoformat()})
    assert plain.status_code == 400 and "最晚只能改到" in plain.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.moved_to is None
    assert Task.objects.filter(customer=birthday).count() == 1


def test_moving_a_regular_contact_puts_it_on_the_later_day(bank, login, cadence):
    client = login(bank.rm_a)
    client.get("/work/")
    task = _task(cadence)
    response = client.post(f"/work/tasks/{task.pk}/move/", {"to": "2026-11-26", "page": TODAY.isoformat()})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.MOVED and task.moved_to == dt.date(2026, 11, 26)
    later = client.get("/work/2026-11-26/").content.decode()
    assert "已改期到这一天" in later and "何平" in later


def test_another_manager_gets_404_on_every_task_action(bank, login, birthday):
    login(bank.rm_a).get("/work/")
    task = _task(birthday)
    for who in (bank.rm_b, bank.rm_c, bank.head):
        client = login(who)
        for action, data in (("complete", {"outcome": "reached"}), ("skip", {"reason": "x"}),
                             ("move", {"to": "2026-11-24"})):
            assert client.post(f"/work/tasks/{task.pk}/{action}/", data).status_code == 404, (who, action)
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and not Interaction.objects.exists()


def test_the_assistant_works_on_the_managers_list(bank, login, birthday):
    client = login(bank.assistant)
    page = client.get("/work/").content.decode()
    assert "王建国" in page and "正在处理 张敏 的工作清单" in page
    task = _task(birthday)
    assert client.post(f"/work/tasks/{task.pk}/complete/", {"outcome": "reached"}).status_code == 302
    assert Interaction.objects.get(customer=birthday).staff == bank.assistant


def test_yesterdays_open_task_is_overdue_today_and_can_be_completed(bank, login, make_customer):
    customer = make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 22), seq=3))
    yesterday = TODAY - dt.timedelta(days=1)
    with clock.frozen(yesterday):
        worklists_build(day=yesterday, manager_ids=[bank.rm_a.pk])
    old = Task.objects.get(customer=customer, date=yesterday)
    client = login(bank.rm_a)
    page = client.get("/work/").content.decode()
    assert "冯雪" in _section(page, "overdue-title")
    assert client.post(f"/work/tasks/{old.pk}/complete/", {"outcome": "reached", "page": TODAY.isoformat()},
                       **HTMX).status_code == 200
    assert "冯雪" not in _section(client.get("/work/").content.decode(), "overdue-title")


def test_a_long_overdue_list_shows_its_first_cards_and_the_rest_on_asking(bank, login, make_customer):
    """A manager back from a week away: the first OVERDUE_SHOWN overdue tasks (oldest first) as cards,
    a link to the rest; a refused action on a task beyond them shows that card with its refusal."""
    from banyan.worklists.selectors import OVERDUE_SHOWN

    n = OVERDUE_SHOWN + 3
    yesterday = TODAY - dt.timedelta(days=1)
    tasks = [Task.objects.create(manager=bank.rm_a, date=yesterday, rank=i + 1, priority=50, suggested_channel="phone",
                                 customer=make_customer(bank.rm_a, name=f"逾期{i:02d}")) for i in range(n)]
    client = login(bank.rm_a)
    page = client.get("/work/").content.decode()
    overdue = _section(page, "overdue-title")
    shown = [t for t in tasks if f'id="task-{t.pk}"' in overdue]
    assert shown == tasks[:OVERDUE_SHOWN]
    assert f"前几天还有 {n} 个逾期未完成的任务" in page  # the alert counts them all
    assert 'href="?overdue=all#overdue"' in overdue and "显示其余 3 个逾期任务" in overdue
    everything = _section(client.get("/work/?overdue=all").content.decode(), "overdue-title")
    assert all(f'id="task-{t.pk}"' in everything for t in tasks) and "overdue=all" not in everything
    last = tasks[-1]  # beyond the cards shown: refused without htmx, the page shows its card and why
    refused = client.post(f"/work/tasks/{last.pk}/complete/", {"outcome": "reached", "page": TODAY.isoformat(),
                                                                "next_contact_on": "2026-13-01"})
    assert refused.status_code == 400
    assert f'id="task-{last.pk}"' in _section(refused.content.decode(), "overdue-title")


def test_a_long_day_shows_its_first_cards_by_rank_and_the_rest_on_asking(bank, login, make_customer):
    """A day of more open tasks than OPEN_SHOWN (a bank's first day, a fund at many customers' stop-loss):
    the first ones in rank order as cards, the figures counting them all, a link to the rest; a refused
    action on a task beyond them shows that card with its refusal."""
    from django.utils import timezone

    from banyan.worklists.selectors import OPEN_SHOWN

    n = OPEN_SHOWN + 3
    WorklistDay.objects.create(manager=bank.rm_a, date=TODAY, built_at=timezone.now(), capacity=20)
    tasks = [Task.objects.create(manager=bank.rm_a, date=TODAY, rank=n - i, priority=50, suggested_channel="phone",
                                 customer=make_customer(bank.rm_a, name=f"今日{i:02d}")) for i in range(n)]
    by_rank = sorted(tasks, key=lambda t: t.rank)
    client = login(bank.rm_a)
    page = client.get("/work/").content.decode()
    shown = [t for t in tasks if f'id="task-{t.pk}"' in _section(page, "open-title")]
    assert sorted(shown, key=lambda t: t.rank) == by_rank[:OPEN_SHOWN]
    assert f'<span class="n">{n}</span><span class="l">计划' in page  # the figures count every task
    assert f'<div class="wl-count wl-count-open"><span class="n">{n}</span>' in page
    assert 'href="?open=all#open-title"' in page and "显示今天其余 3 个任务" in page
    everything = client.get("/work/?open=all").content.decode()
    assert all(f'id="task-{t.pk}"' in _section(everything, "open-title") for t in tasks)
    assert 'id="open-all"' not in everything
    last = by_rank[-1]  # beyond the cards shown: refused without htmx, the page shows its card and why
    refused = client.post(f"/work/tasks/{last.pk}/complete/", {"outcome": "reached", "page": TODAY.isoformat(),
                                                                "next_contact_on": "2026-13-01"})
    assert refused.status_code == 400
    assert f'id="task-{last.pk}"' in _section(refused.content.decode(), "open-title")
    done = client.post(f"/work/tasks/{by_rank[0].pk}/complete/", {"outcome": "reached", "page": TODAY.isoformat()})
    assert done.status_code == 302  # one done: the next one in rank order comes onto the page
    page = client.get("/work/").content.decode()
    assert f'id="task-{by_rank[OPEN_SHOWN].pk}"' in _section(page, "open-title") and "显示今天其余 2 个任务" in page


def test_a_past_day_shows_what_was_planned_with_each_final_status(bank, login, make_customer):
    customer = make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 20), seq=3))
    day = dt.date(2026, 11, 20)
    with clock.frozen(day):
        worklists_build(day=day, manager_ids=[bank.rm_a.pk])
    Task.objects.filter(customer=customer).update(status=TaskStatus.SKIPPED, skip_reason="号码错误或停机")
    page = login(bank.rm_a).get("/work/2026-11-20/").content.decode()
    assert "历史：当日计划" in page and "冯雪" in page and "已跳过" in page and "号码错误或停机" in page


def test_a_future_day_is_a_preview_and_stores_nothing(bank, login, make_customer):
    make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 26), seq=3))
    client = login(bank.rm_a)
    page = client.get("/work/2026-11-26/").content.decode()
    assert "未来：预览" in page and "冯雪" in page and "预览，每天早上生成正式清单" in page
    assert not Task.objects.filter(date=dt.date(2026, 11, 26)).exists()
    # Today's page offers the coming week, planned when asked for (in place, or as a page).
    today = client.get("/work/").content.decode()
    assert "未来 7 天" in today and "查看未来安排" in today and 'hx-get="/work/week/"' in today
    start = today.index('id="wl-preview"')
    assert "冯雪" not in today[start:today.index('id="suppressed"', start)]  # not planned until asked
    week = client.get("/work/week/", **HTMX).content.decode()
    assert week.lstrip().startswith("<div") and 'id="wl-preview"' in week and "冯雪" in week and "11月26日" in week
    page = client.get("/work/week/").content.decode()
    assert "<html" in page and "冯雪" in page and "今日工作" in page


def test_the_coming_week_is_the_managers_own(bank, login, make_customer):
    make_customer(bank.rm_a, name="冯雪", id_number=born(dt.date(1985, 11, 26), seq=3))
    assert "冯雪" not in login(bank.rm_b).get("/work/week/", **HTMX).content.decode()
    assert login(bank.head).get("/work/week/").status_code == 302  # a branch head has no book: the branch view
    assert Client().get("/work/week/").status_code == 302  # to the login page


def test_a_customer_left_out_by_a_rule_is_listed_with_the_rule(bank, login, make_customer):
    make_customer(bank.rm_a, name="周敏", do_not_disturb=True, id_number=born(dt.date(1980, 11, 23), seq=4))
    page = login(bank.rm_a).get("/work/").content.decode()
    left_out = page[page.index('id="suppressed"'):]
    assert "周敏" in left_out and "客户设置了免打扰" in left_out
    assert "周敏" not in _section(page, "open-title")


def test_the_date_picker_and_a_bad_date(bank, login):
    client = login(bank.rm_a)
    assert client.get("/work/?date=2026-11-20")["Location"] == "/work/2026-11-20/"
    assert client.get("/work/?date=2026-11-23")["Location"] == "/work/"
    assert client.get("/work/2026-02-30/").status_code == 404


def test_home_sends_a_manager_to_todays_work(bank, login):
    assert login(bank.rm_a).get("/")["Location"] == "/work/"
    assert login(bank.head).get("/work/")["Location"] == "/work/branch/"
    assert login(bank.auditor).get("/work/").status_code == 404


# ------------------------------------------------------------------ the branch head's view

def _row(html: str, name: str) -> list[str]:
    """The cells of the manager's row in the branch table, as text."""
    table = html[html.index('id="branch-worklists"'):]
    row = table[table.index(name):]
    row = row[:row.index("</tr>")]
    return [re.sub(r"<[^>]+>", "", c).split("/")[0].strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_the_branch_head_sees_each_managers_counts_and_completion_rate(bank, login, birthday, cadence,
                                                                       make_customer):
    manager = login(bank.rm_a)
    manager.get("/work/")
    manager.post(f"/work/tasks/{_task(birthday).pk}/complete/", {"outcome": "reached"})
    page = login(bank.head).get("/work/branch/")
    assert page.status_code == 200
    text = page.content.decode()
    planned, done, skipped, moved, not_done, left_out, rate, late = _row(text, "张敏")
    assert (planned, done, not_done, rate) == ("2", "1", "1", "50%")
    assert late == "1"  # 何平, never contacted
    assert "李华" in text and "王芳" not in text  # the branch's managers only
    assert WorklistDay.objects.filter(manager=bank.rm_b, date=TODAY).exists()  # built for everyone
    assert "branch-worklist-data" in text and 'id="branch-trend"' in text


def test_the_branch_head_drills_down_into_a_managers_day_read_only(bank, login, birthday):
    head = login(bank.head)
    page = head.get(f"/work/branch/{bank.rm_a.pk}/").content.decode()
    assert "张敏 的工作清单" in page and "王建国" in page and "11月23日生日" in page
    assert "task-complete" not in page  # no actions
    assert head.get(f"/work/branch/{bank.rm_c.pk}/").status_code == 404  # another branch's manager


def test_a_manager_gets_404_on_the_branch_view(bank, login):
    client = login(bank.rm_a)
    assert client.get("/work/branch/").status_code == 404
    assert client.get(f"/work/branch/{bank.rm_a.pk}/").status_code == 404
    assert login(bank.head).get("/work/branch/?branch=B02").status_code == 404


def test_an_admin_picks_the_branch(bank, login, make_customer):
    make_customer(bank.rm_c, name="钱多")
    text = login(bank.admin).get("/work/branch/?branch=B02").content.decode()
    assert "王芳" in text and "张敏" not in text


def test_a_task_moved_to_a_later_day_stays_on_that_days_page_even_with_a_new_reason(bank, login, cadence):
    from banyan.contacts.services import memo_create

    client = login(bank.rm_a)
    client.get("/work/")
    thursday = dt.date(2026, 11, 26)
    client.post(f"/work/tasks/{_task(cadence).pk}/move/", {"to": thursday.isoformat()})
    memo_create(actor=bank.rm_a, customer=cadence, text="送积存金资料", due_date=thursday)
    with clock.frozen(thursday):
        response = client.get("/work/")
    assert response.status_code == 200
    assert "何平" in _section(response.content.decode(), "open-title")
