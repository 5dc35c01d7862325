"""What every task card of a page writes alike, written once per page (issue 15 §5).

A manager's first day can carry forty cards, and the day's page cost about 6 ms of the server's time
per card, most of it in the template engine walking the same loops and lookups on every card: the
channel choices, the outcome buttons, the suggested channel's words and seven reversed addresses.
Those depend on the page (its language) and on one value of the task at most, so `CardKit` writes
them once per page and variant and hands each card its pieces; the card's template writes them as
they are (`{{ t.kit.outcome_buttons }}` …). What differs from card to card stays in the template."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from banyan.contacts.models import Outcome
from banyan.customers.models import Channel

#: The outcomes offered on a task card, in the order a manager meets them (the first is the main button).
OUTCOMES = [Outcome.REACHED, Outcome.NOT_REACHED, Outcome.REFUSED, Outcome.INTERESTED, Outcome.APPOINTMENT,
            Outcome.SOLD]

#: A task id no bank reaches, reversed once and replaced by each card's own (see CardKit.urls).
_SLOT = 987654321987


@dataclass(frozen=True)
class CardUrls:
    customer: str  # the customer's file
    complete: str  # the "done" form
    part: str  # a folded part of the card (?part=more|meeting|skip|move)


@dataclass(frozen=True)
class CardPieces:
    urls: CardUrls
    channel_options: SafeString  # the <option>s of the channel choice, the suggested one selected
    suggested: SafeString  # "建议：<strong>电话</strong>"
    outcome_buttons: SafeString


class CardKit:
    """One per page (or per card answered alone), built in the request's language."""

    def __init__(self) -> None:
        self._options: dict[str, SafeString] = {}
        self._suggested: dict[str, SafeString] = {}
        # Django's reverse() walks the URL resolver each time (a seventh of a card's cost): each
        # address is reversed once with a placeholder id and filled in per card.
        self._patterns = {name: reverse(name, args=[_SLOT]) for name in ("customer_detail", "task_complete",
                                                                            "task_part")}
        self._buttons = format_html_join(
            "", '<button type="submit" name="outcome" value="{}" class="btn btn-sm {}"{}>{}</button>',
            ((o.value, "btn-banyan" if i == 0 else "btn-outline-secondary",
              mark_safe(' data-opens="task-\x00-meeting"') if o == Outcome.APPOINTMENT else "", o.label)
             for i, o in enumerate(OUTCOMES)))

    def _url(self, name: str, pk: int) -> str:
        return self._patterns[name].replace(str(_SLOT), str(pk))

    def pieces(self, task) -> CardPieces:
        channel = task.suggested_channel
        if channel not in self._options:
            self._options[channel] = format_html_join(
                "", '<option value="{}"{}>{}</option>',
                ((value, mark_safe(" selected") if value == channel else "", label)
                 for value, label in Channel.choices))
            label = dict(Channel.choices).get(channel, channel)
            self._suggested[channel] = mark_safe(  # the words are the catalog's, the channel escaped
                _("Suggested: <strong>%(channel)s</strong>") % {"channel": conditional_escape(label)})
        urls = CardUrls(self._url("customer_detail", task.customer_id), self._url("task_complete", task.pk),
                        self._url("task_part", task.pk))
        # the placeholder is a NUL, which no escaped text carries: only the meeting button's target is filled
        buttons = mark_safe(self._buttons.replace("\x00", str(task.pk)))
        return CardPieces(urls, self._options[channel], self._suggested[channel], buttons)
