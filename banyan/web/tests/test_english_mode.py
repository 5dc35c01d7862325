"""English mode (the language switch; Chinese stays the default): amounts, days, the first-contact
bands, the potential score's reasons, the pre-call checklist and the progress page read as English,
and the same pages still read as Chinese. Before, each of these showed Chinese (or named the
source material, "Seed 004") to a manager who had switched to English."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings

from banyan.conftest import TODAY
from banyan.holdings.services import holding_create
from banyan.outreach.services import campaign_create
from banyan.segments.services import segments_recompute

HAN = re.compile(r"[\u3400-\u9fff]")


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _part(html: str, marker: str, end: str) -> str:
    start = html.index(marker)
    return html[start:html.index(end, start)]


@pytest.fixture
def owner(bank, make_customer):
    """曾晓明, zhangmin's: 1.25M at the bank, a business owner with about 2M at other banks."""
    customer = make_customer(bank.rm_a, name="曾晓明", birth=dt.date(1980, 5, 17), occupation="私营企业主",
                             other_bank_assets="2000000")
    holding_create(actor=None, customer=customer, product=bank.products.deposit, amount="1250000.00",
                   purchase_date="2025-01-10", maturity_date="2027-01-10")
    make_customer(bank.rm_a, name="钱伯", birth=dt.date(1950, 3, 1))  # never contacted, little with us
    segments_recompute()
    return customer


def test_amounts_read_in_millions_and_thousands_in_english_and_in_wan_in_chinese(bank, login, owner):
    chinese = login(bank.rm_a).get("/segments/").content.decode()
    assert "125.00万" in chinese and "50.00万" in chinese

    english = _english(login(bank.rm_a)).get("/segments/").content.decode()
    assert "万" not in english
    assert "1.25M" in english  # the quadrant's AUM
    assert "AUM from 500k" in english  # the threshold


def test_the_first_contact_bands_read_in_the_readers_language(bank, login, owner):
    english = _english(login(bank.rm_a)).get("/segments/first-contact/").content.decode()
    table = _part(english, 'id="first-contact-groups"', "</table>")
    assert "under 50k" in table and "60 and over" in table
    assert not HAN.search(table), table

    chinese = login(bank.rm_a).get("/segments/first-contact/").content.decode()
    assert "5 万以下" in chinese and "60 岁及以上" in chinese


def test_the_potential_scores_reasons_read_in_the_readers_language(bank, login, owner):
    english = _english(login(bank.rm_a)).get(f"/customers/{owner.pk}/").content.decode()
    reasons = _part(english, 'class="small mb-0 ps-3 segment-reasons"', "</ul>")
    assert "Assets at other banks about 2M" in reasons and "Business owner" in reasons
    assert "Building wealth (aged 46)" in reasons
    assert not HAN.search(reasons), reasons

    chinese = login(bank.rm_a).get(f"/customers/{owner.pk}/").content.decode()
    assert "他行资产约 200 万" in chinese and "企业主" in chinese and "处于财富积累期（46 岁）" in chinese


def test_the_pre_call_checklist_reads_in_the_readers_language(bank, login, owner):
    campaign = campaign_create(actor=bank.rm_a, name="到期客户邀约", purpose="到期资金配置", start_date=TODAY,
                               end_date=TODAY + dt.timedelta(days=7), customer_ids=[owner.pk])
    english = _english(login(bank.rm_a)).get(f"/outreach/{campaign.pk}/").content.decode()
    checklist = _part(english, 'id="checklist"', "</form>")
    assert "Be clear about this call&#x27;s purpose and goal" in checklist
    assert not HAN.search(checklist), checklist

    chinese = login(bank.rm_a).get(f"/outreach/{campaign.pk}/").content.decode()
    assert "明确本次电话的目的和目标" in chinese


def test_the_progress_page_speaks_as_the_bank_and_never_names_the_source_material(bank, login):
    for client in (login(bank.rm_a), _english(login(bank.rm_a))):
        page = client.get("/outreach/progress/").content.decode()
        assert "Seed" not in page and "seed" not in page and "种子" not in page
    english = _english(login(bank.rm_a)).get("/outreach/progress/").content.decode()
    assert "the bank's guidance for a day of calling" in english


def test_the_coming_days_read_as_a_day_and_its_weekday_in_the_readers_language(bank, login, owner):
    english = _english(login(bank.rm_a)).get("/work/week/").content.decode()
    assert "Nov 24, Tuesday" in english and "11月24日" not in english

    chinese = login(bank.rm_a).get("/work/week/").content.decode()
    assert "11月24日 星期二" in chinese


def test_the_header_box_says_it_finds_customer_numbers_and_card_tails(bank, login):
    assert "客户号、手机/证件/卡号后4位" in login(bank.rm_a).get("/customers/").content.decode()
    english = _english(login(bank.rm_a)).get("/customers/").content.decode()
    assert "customer no., last 4 of mobile, ID or card" in english
