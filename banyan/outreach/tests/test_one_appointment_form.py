"""One appointment form (issue 10 §1): the customer file's 约见 card, the calling screen and the
worklist's "已约见" ask for a meeting's time, place and purpose with the same form and partial, and
say what is wrong at the field."""

from __future__ import annotations

from banyan.contacts.models import Appointment, Interaction
from banyan.outreach.models import CallEntry, CallStatus
from banyan.outreach.tests.test_views import _text, book, campaign, client_for  # noqa: F401 (fixtures)

FIELDS = ('class="appointment-fields"', 'name="at"', 'name="place"', 'name="purpose"')


def test_the_file_card_and_the_calling_screen_render_the_one_form(bank, campaign, book):  # noqa: F811
    client = client_for(bank.rm_a)
    card = _text(client.get(f"/outreach/customers/{book['li'].pk}/appointments/", HTTP_HX_REQUEST="true"))
    screen = _text(client.get(f"/outreach/{campaign.pk}/call/?customer={book['li'].pk}"))
    for page in (card, screen):
        assert all(f in page for f in FIELDS)
    assert 'value="邀请到期客户来网点做资产检视"' in screen  # the campaign's purpose, to change if need be


def test_a_past_time_on_the_file_card_comes_back_on_the_card_with_the_error_at_the_field(bank, book):  # noqa: F811
    """Before: the card answered 400 and the page showed only a red "操作未成功（400）" banner."""
    response = client_for(bank.rm_a).post(f"/outreach/customers/{book['li'].pk}/appointments/", {
        "at": "2026-11-20T10:00", "place": "城东支行", "purpose": "产品讲解"}, HTTP_HX_REQUEST="true")
    text = _text(response)
    assert response.status_code == 400  # swapped in place by banyan.js (see the browser test)
    assert text.startswith('<section class="card mb-3" id="appointments-card"')
    at_field = text[text.index('name="at"'):]
    assert "约见时间已过" in at_field[:600] and 'value="产品讲解"' in text
    assert not Appointment.objects.exists()


def test_a_meeting_on_the_calling_screen_needs_its_fields_and_keeps_what_was_typed(bank, campaign, book):  # noqa: F811
    client = client_for(bank.rm_a)
    refused = client.post(f"/outreach/{campaign.pk}/call/", {
        "customer": book["li"].pk, "outcome": "appointment", "place": "", "purpose": "资产检视", "note": "她想先看看"})
    text = _text(refused)
    assert refused.status_code == 400
    assert "约见需要填写时间" in text and "请填写约见地点" in text and 'value="资产检视"' in text
    assert "她想先看看" in text
    assert not Interaction.objects.filter(customer=book["li"]).exists() and not Appointment.objects.exists()

    booked = client.post(f"/outreach/{campaign.pk}/call/", {
        "customer": book["li"].pk, "outcome": "appointment", "at": "2026-11-26T10:00", "place": "城东支行",
        "purpose": "资产检视"})
    assert booked.status_code == 302
    assert Appointment.objects.get().purpose == "资产检视"
    assert CallEntry.objects.get(customer=book["li"]).status == CallStatus.APPOINTMENT


def test_another_outcome_on_the_calling_screen_does_not_ask_for_a_meeting(bank, campaign, book):  # noqa: F811
    response = client_for(bank.rm_a).post(f"/outreach/{campaign.pk}/call/", {
        "customer": book["li"].pk, "outcome": "interested", "at": "", "place": "", "purpose": ""})
    assert response.status_code == 302
    assert not Appointment.objects.exists()
