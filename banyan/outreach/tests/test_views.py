"""The phone-invitation pages through the test client (today is 2026-11-23): campaigns made from a
saved filter, the calling screen recording each outcome, appointments and their calendar feed,
daily targets — and another manager's 404 on all of them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from banyan.contacts.models import Appointment, AppointmentStatus, Interaction
from banyan.contacts.services import appointment_create, interaction_log
from banyan.holdings.services import holding_create
from banyan.outreach import ical
from banyan.outreach.models import CallEntry, CallLog, CallStatus, Campaign, Script
from banyan.outreach.services import campaign_create

START, END = "2026-11-23", "2026-12-20"


def client_for(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def book(bank, make_customer):
    rich = make_customer(bank.rm_a, name="赵强")
    holding_create(actor=bank.rm_a, customer=rich, product=bank.products.deposit, amount="600000",
                   purchase_date="2024-01-01", maturity_date="2026-12-05")
    for day in (3, 10, 17):
        interaction_log(actor=bank.rm_a, customer=rich, channel="phone", occurred_at=f"2026-11-{day:02d}T10:00")
    wang = make_customer(bank.rm_a, name="王建国", preferred_time="上午")
    holding_create(actor=bank.rm_a, customer=wang, product=bank.products.deposit, amount="300000",
                   purchase_date="2023-12-01", maturity_date="2026-12-01")
    interaction_log(actor=bank.rm_a, customer=wang, channel="phone", summary="客户说到期后再联系",
                    occurred_at="2026-11-02T10:00")
    li = make_customer(bank.rm_a, name="李秀英", male=False)
    holding_create(actor=bank.rm_a, customer=li, product=bank.products.deposit, amount="200000",
                   purchase_date="2023-12-01", maturity_date="2026-12-10")
    zhou = make_customer(bank.rm_a, name="周敏", do_not_disturb=True)
    holding_create(actor=bank.rm_a, customer=zhou, product=bank.products.deposit, amount="100000",
                   purchase_date="2023-12-01", maturity_date="2026-12-12")
    other = make_customer(bank.rm_c, name="李娜")
    holding_create(actor=bank.rm_c, customer=other, product=bank.products.deposit, amount="100000",
                   purchase_date="2023-12-01", maturity_date="2026-12-12")
    return {"rich": rich, "wang": wang, "li": li, "zhou": zhou, "other": other}


@pytest.fixture
def campaign(bank, book):
    opening = Script.objects.filter(kind="opening").order_by("pk").last()
    return campaign_create(actor=bank.rm_a, name="年末到期邀约", purpose="邀请到期客户来网点做资产检视",
                           start_date=START, end_date=END, filter={"holds": "time_deposit",
                                                                   "maturity_within_days": 30}, opening=opening)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# ------------------------------------------------------------------ campaigns

def test_a_campaign_made_from_the_form_lists_its_customers_and_names_who_was_left_out_and_why(bank, book):
    client = client_for(bank.rm_a)
    form = {"name": "年末到期邀约", "purpose": "邀请到期客户来网点", "start_date": START, "end_date": END,
            "holds": "time_deposit", "maturity_within_days": "30"}
    preview = client.post("/outreach/", {**form, "action": "preview"})
    assert preview.status_code == 200
    assert "4 位客户符合条件" in _text(preview)

    response = client.post("/outreach/", {**form, "action": "create"})
    campaign = Campaign.objects.get(name="年末到期邀约")
    assert response.status_code == 302 and response["Location"] == f"/outreach/{campaign.pk}/"
    page = _text(client.get(response["Location"]))
    call_list = page[page.index('id="call-list"'):page.index('id="left-out"')]
    left_out = page[page.index('id="left-out"'):]
    assert "王建国" in call_list and "李秀英" in call_list and "李娜" not in page
    assert "周敏" in left_out and "客户设置了免打扰" in left_out
    assert "赵强" in left_out and "本月已致电 3 次" in left_out
    assert "邀请到期客户来网点" in page
    assert set(campaign.filter) == {"holds", "maturity_within_days"}


def test_the_campaign_list_shows_the_figures_and_an_incomplete_form_is_refused(bank, campaign):
    client = client_for(bank.rm_a)
    page = _text(client.get("/outreach/"))
    assert "年末到期邀约" in page and "2026-11-23 ~ 2026-12-20" in page
    bad = client.post("/outreach/", {"name": "", "purpose": "", "start_date": START, "end_date": "2026-11-01",
                                     "action": "create"})
    assert bad.status_code == 400
    assert Campaign.objects.count() == 1


def test_a_campaign_for_nobody_in_particular_or_for_nobody_at_all_is_refused_on_the_page(bank, book):
    """Before, the form with no condition made a campaign of the whole book, and one matching nobody
    an empty campaign; both are refused with the reason, and nothing is created."""
    client = client_for(bank.rm_a)
    form = {"name": "全部客户", "purpose": "问候", "start_date": START, "end_date": END, "action": "create"}
    whole_book = client.post("/outreach/", form)
    assert whole_book.status_code == 400 and "请至少选择一个条件" in _text(whole_book)
    nobody = client.post("/outreach/", {**form, "risk_level": "C5"})
    assert nobody.status_code == 400 and "没有客户符合这些条件" in _text(nobody)
    assert not Campaign.objects.exists()


def test_the_preparation_checklist_is_ticked_and_kept(bank, campaign):
    client = client_for(bank.rm_a)
    client.post(f"/outreach/{campaign.pk}/checklist/", {"done": ["purpose", "opening"]})
    campaign.refresh_from_db()
    assert campaign.checklist == {"purpose": True, "opening": True}
    page = _text(client.get(f"/outreach/{campaign.pk}/"))
    assert "2 / 7" in page
    client.post(f"/outreach/{campaign.pk}/checklist/", {"done": ["opening"]})
    campaign.refresh_from_db()
    assert campaign.checklist == {"purpose": False, "opening": True}


def test_a_branch_head_sees_every_entry_of_the_branch_and_a_manager_only_their_own(bank, book, make_customer):
    mine = campaign_create(actor=bank.head, name="支行活动", purpose="到期邀约", start_date=START, end_date=END,
                           filter={"holds": "time_deposit"})
    lihua_customer = make_customer(bank.rm_b, name="孙立")
    CallEntry.objects.create(campaign=mine, customer=lihua_customer, manager=bank.rm_b)
    head_page = _text(client_for(bank.head).get(f"/outreach/{mine.pk}/"))
    assert "王建国" in head_page and "孙立" in head_page and "李娜" not in head_page
    lihua_page = _text(client_for(bank.rm_b).get(f"/outreach/{mine.pk}/"))
    assert "孙立" in lihua_page and "王建国" not in lihua_page


# ------------------------------------------------------------------ the calling screen

def test_the_calling_screen_shows_the_customer_the_opening_line_and_the_objection_scripts(bank, campaign, book):
    page = _text(client_for(bank.rm_a).get(f"/outreach/{campaign.pk}/call/?customer={book['wang'].pk}"))
    assert "王先生" in page and "30.00万" in page and "上午" in page
    assert "客户说到期后再联系" in page
    assert "请问是王先生吗" in page  # the campaign's opening line, with the customer's title
    # No "XX" placeholder left in the visible text (the CSRF tokens are random and may hold "XX").
    visible = re.sub(r'value="[^"]*"|"X-CSRFToken": "[^"]*"', "", page.split("客户说")[0])
    assert "我是您在城东支行的专属理财经理张敏" in page and "XX" not in visible
    for words in ("我考虑考虑", "我不需要", "不信任", "误解", "无法满足"):
        assert words in page
    assert "表达同理心" in page and "购买信号" in page


def test_without_a_customer_the_screen_opens_on_the_largest_pending_customer(bank, campaign):
    page = _text(client_for(bank.rm_a).get(f"/outreach/{campaign.pk}/call/"))
    assert 'class="ot-name">王先生<' in page


def test_each_outcome_recorded_on_the_calling_screen_is_a_contact(bank, campaign, book):
    client = client_for(bank.rm_a)
    url = f"/outreach/{campaign.pk}/call/"
    response = client.post(url, {"customer": book["wang"].pk, "outcome": "refused", "reason": "资金另有安排",
                                 "reason_text": "要给孩子买房", "objection": "delay", "note": "明年再说",
                                 "minutes": "4"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?customer={book['li'].pk}"  # the next customer
    contact = Interaction.objects.filter(customer=book["wang"]).first()
    assert (contact.channel, contact.outcome, contact.summary) == ("phone", "refused", "明年再说")
    assert contact.rejection_reason == "资金另有安排：要给孩子买房"
    log = CallLog.objects.get(entry__customer=book["wang"])
    assert (log.objection, log.minutes) == ("delay", 4)

    client.post(url, {"customer": book["li"].pk, "outcome": "not_reached", "minutes": "1"})
    assert Interaction.objects.filter(customer=book["li"]).first().outcome == "not_reached"
    client.post(url, {"customer": book["li"].pk, "outcome": "call_back", "call_back_at": "2026-11-25T15:00"})
    entry = CallEntry.objects.get(campaign=campaign, customer=book["li"])
    assert entry.status == CallStatus.CALL_BACK and entry.attempts == 2
    client.post(url, {"customer": book["li"].pk, "outcome": "interested", "objection": "distrust"})
    assert Interaction.objects.filter(customer=book["li"]).first().outcome == "interested"

    done = _text(client.get(url))
    assert "名单上的客户都已拨打" in done
    funnel = _text(client.get(f"/outreach/{campaign.pk}/"))
    assert 'data-step="called"><span class="fw-semibold fs-5">2<' in funnel


def test_an_appointment_shows_the_guidance_when_the_customer_was_barely_contacted(bank, campaign, book):
    client = client_for(bank.rm_a)
    response = client.post(f"/outreach/{campaign.pk}/call/", {
        "customer": book["li"].pk, "outcome": "appointment", "at": "2026-11-26T10:00",
        "place": "城东支行二楼理财室", "purpose": "资产检视"}, follow=True)
    page = _text(response)
    assert "约见成功起码要有 2 次以上的联系" in page
    meeting = Appointment.objects.get(customer=book["li"])
    assert (meeting.place, meeting.campaign_id) == ("城东支行二楼理财室", campaign.pk)
    assert Interaction.objects.filter(customer=book["li"]).first().outcome == "appointment"


def test_an_appointment_without_a_time_is_refused_on_the_screen(bank, campaign, book):
    response = client_for(bank.rm_a).post(f"/outreach/{campaign.pk}/call/", {
        "customer": book["li"].pk, "outcome": "appointment", "place": "城东支行"})
    assert response.status_code == 400
    assert "约见需要填写时间" in _text(response)
    assert not Appointment.objects.exists()


def test_another_manager_gets_404_on_the_campaign_the_screen_and_an_entry(bank, campaign, book):
    other = client_for(bank.rm_c)
    assert other.get(f"/outreach/{campaign.pk}/").status_code == 404
    assert other.get(f"/outreach/{campaign.pk}/call/").status_code == 404
    assert other.post(f"/outreach/{campaign.pk}/call/", {"customer": book["wang"].pk,
                                                         "outcome": "not_reached"}).status_code == 404
    assert other.post(f"/outreach/{campaign.pk}/checklist/", {"done": ["purpose"]}).status_code == 404
    # zhangmin's own campaign, but a customer not on it (another manager's) is out of reach
    mine = client_for(bank.rm_a)
    assert mine.get(f"/outreach/{campaign.pk}/call/?customer={book['other'].pk}").status_code == 404
    assert mine.post(f"/outreach/{campaign.pk}/entries/{book['other'].pk}/mark/",
                     {"mark": "visited"}).status_code == 404
    assert not Interaction.objects.filter(customer=book["wang"], outcome="not_reached").exists()


def test_visited_and_sold_complete_the_funnel(bank, campaign, book):
    client = client_for(bank.rm_a)
    client.post(f"/outreach/{campaign.pk}/call/", {"customer": book["wang"].pk, "outcome": "interested"})
    client.post(f"/outreach/{campaign.pk}/entries/{book['wang'].pk}/mark/", {"mark": "sold"})
    entry = CallEntry.objects.get(campaign=campaign, customer=book["wang"])
    assert entry.visited and entry.sold
    page = _text(client.get(f"/outreach/{campaign.pk}/"))
    assert 'data-step="sold"><span class="fw-semibold fs-5">1<' in page


# ------------------------------------------------------------------ appointments and the feed

@pytest.fixture
def meetings(bank, book):
    upcoming, _ = appointment_create(actor=bank.rm_a, customer=book["wang"], at="2026-11-26T10:00",
                                     place="城东支行, 二楼; 理财室", purpose="资产检视\n带身份证")
    later, _ = appointment_create(actor=bank.rm_a, customer=book["li"], at="2026-12-02T15:30", place="城东支行",
                                  purpose="到期续存")
    theirs, _ = appointment_create(actor=bank.rm_c, customer=book["other"], at="2026-11-27T09:00", place="城西支行",
                                   purpose="保险讲解")
    return upcoming, later, theirs


def test_the_appointments_page_lists_the_upcoming_meetings_and_settles_them(bank, meetings):
    upcoming, later, theirs = meetings
    client = client_for(bank.rm_a)
    page = _text(client.get("/outreach/appointments/"))
    assert "2026-11-26 10:00" in page and "王先生" in page and "李女士" in page and "李娜" not in page
    assert ".ics" in page and "复制" in page
    client.post(f"/outreach/appointments/{upcoming.pk}/status/", {"status": "done"})
    upcoming.refresh_from_db()
    assert upcoming.status == AppointmentStatus.DONE
    assert client.post(f"/outreach/appointments/{theirs.pk}/status/", {"status": "cancelled"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AppointmentStatus.SCHEDULED


def test_the_calendar_feed_is_rfc_5545_and_tells_no_identifiers(bank, book, meetings):
    response = Client().get(f"/outreach/appointments/{ical.feed_token(bank.rm_a)}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    lines = body.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "\n" not in body.replace("\r\n", "")  # CRLF only
    assert body.count("BEGIN:VEVENT") == body.count("END:VEVENT") == 2
    assert "DTSTART:20261126T020000Z" in lines  # 10:00 in Shanghai
    assert "SUMMARY:约见 王先生" in lines
    unfolded = body.replace("\r\n ", "")
    assert "LOCATION:城东支行\\, 二楼\\; 理财室" in unfolded
    assert "DESCRIPTION:资产检视\\n带身份证" in unfolded
    # each meeting reminds the phone the day before and an hour before
    assert body.count("BEGIN:VALARM") == body.count("END:VALARM") == 4
    assert lines.count("TRIGGER:-P1D") == lines.count("TRIGGER:-PT1H") == 2
    assert "DESCRIPTION:明天：约见 王先生" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    for c in (book["wang"], book["li"]):
        assert c.mobile not in body and c.id_number not in body and c.external_id not in body
        assert c.name not in body
    assert "李娜" not in body and "城西支行" not in body


def test_a_bad_token_answers_404_and_a_token_opens_its_owners_feed_only(bank, meetings):
    token = ical.feed_token(bank.rm_a)
    assert Client().get(f"/outreach/appointments/{token}x.ics").status_code == 404
    assert Client().get("/outreach/appointments/1:forged.ics").status_code == 404
    theirs = Client().get(f"/outreach/appointments/{ical.feed_token(bank.rm_c)}.ics").content.decode()
    assert "城西支行" in theirs and "王先生" not in theirs


def test_a_long_line_is_folded_at_75_octets_without_splitting_a_character():
    folded = ical.fold("DESCRIPTION:" + "资产检视" * 20)
    pieces = folded.split("\r\n")
    assert len(pieces) > 1 and all(len(p.encode()) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == "DESCRIPTION:" + "资产检视" * 20


def test_a_meeting_is_booked_from_the_customer_file_card(bank, book):
    client = client_for(bank.rm_a)
    card = client.post(f"/outreach/customers/{book['li'].pk}/appointments/",
                       {"at": "2026-11-27T14:00", "place": "城东支行", "purpose": "产品讲解"}, HTTP_HX_REQUEST="true")
    text = _text(card)
    assert "2026-11-27 14:00" in text and "约见成功起码要有 2 次以上的联系" in text
    assert client_for(bank.rm_c).get(f"/outreach/customers/{book['li'].pk}/appointments/").status_code == 404


# ------------------------------------------------------------------ daily targets

def test_the_progress_page_counts_todays_calls_and_minutes_against_the_target(bank, campaign, book):
    client = client_for(bank.rm_a)
    for customer, minutes in ((book["wang"], "6"), (book["li"], "3")):
        client.post(f"/outreach/{campaign.pk}/call/", {"customer": customer.pk, "outcome": "interested",
                                                       "minutes": minutes})
    interaction_log(actor=bank.rm_a, customer=book["wang"], channel="phone", occurred_at="2026-11-20T10:00")
    page = _text(client.get("/outreach/progress/"))
    assert '<span class="calls-figure fw-semibold text-nowrap">2 / 20</span>' in page
    assert '<span class="minutes-figure fw-semibold text-nowrap">9 / 120 分钟</span>' in page
    assert "11-20" in page and "1 · 0" in page  # last Friday's call in the 7 days
    assert "王先生" in page and "李女士" in page  # today's campaign calls


def test_a_branch_head_sees_each_manager_of_the_branch_by_day_and_by_week(bank, campaign, book):
    client_for(bank.rm_a).post(f"/outreach/{campaign.pk}/call/", {"customer": book["wang"].pk,
                                                                  "outcome": "not_reached", "minutes": "1"})
    head = client_for(bank.head)
    page = _text(head.get("/outreach/progress/"))
    zhang = page[page.index('data-manager="zhangmin"'):page.index('data-manager="zhangmin"') + 1500]
    assert "1 / 20" in zhang
    assert 'data-manager="lihua"' in page and 'data-manager="wangfang"' not in page
    weeks = _text(head.get("/outreach/progress/?by=week"))
    assert "11-23~11-23" in weeks


def test_an_auditor_has_no_calling_pages(bank, campaign):
    assert client_for(bank.auditor).get("/outreach/").status_code == 404
    assert client_for(bank.auditor).get(f"/outreach/{campaign.pk}/call/").status_code == 404



def test_the_customer_file_loads_the_meetings_card_and_works_without_javascript(bank, book):
    client = client_for(bank.rm_a)
    file_page = _text(client.get(f"/customers/{book['wang'].pk}/"))
    assert f'hx-get="/outreach/customers/{book["wang"].pk}/appointments/"' in file_page
    response = client.post(f"/outreach/customers/{book['wang'].pk}/appointments/",
                           {"at": "2026-11-28T09:30", "place": "城东支行", "purpose": "续存"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/customers/{book['wang'].pk}/"
    assert Appointment.objects.filter(customer=book["wang"], place="城东支行").exists()


def test_the_opening_line_names_the_bank_and_the_manager(bank, book, settings):
    settings.BANYAN_BANK_NAME = "杭州榕树银行"
    opening = Script.objects.get(title="开场白：账户到期提醒", branch=None)
    campaign = campaign_create(actor=bank.rm_a, name="到期提醒", purpose="到期邀约", start_date=START, end_date=END,
                               customer_ids=[book["wang"].pk], opening=opening)
    page = _text(client_for(bank.rm_a).get(f"/outreach/{campaign.pk}/call/?customer={book['wang'].pk}"))
    assert "您好，我是杭州榕树银行的理财经理张敏" in page
