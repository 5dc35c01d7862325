"""What each reason means to the planner: how many days ahead it surfaces, how much it weighs,
whether it is pinned to its date, whether it is a service message (allowed without marketing
consent); and what a manager says about it to the customer (editable as TalkingPoint rows), kept
apart from what only the manager should know (the hints), and which reasons keep marketing out of
the call (`SENSITIVE`, `MARKETING`; editable as the bank's MixRule).

The words are English msgids with their Chinese in the app's catalogue, so that a manager in
English mode reads English and everyone else the bank's Chinese. `banyan.worklists.talking` puts
them together for a task."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from banyan.customers.models import Orientation
from banyan.worklists.models import ReasonCode as C


@dataclass(frozen=True)
class ReasonDefaults:
    lead_days: int  # surfaces this many days before its date
    weight: int  # 0-100: how urgent / valuable
    grace_days: int = 3  # still comes up this many days after its date when it was missed
    service: bool = False  # a service notice, not marketing: allowed without marketing consent


DEFAULTS: dict[str, ReasonDefaults] = {
    C.APPOINTMENT: ReasonDefaults(1, 95, grace_days=0, service=True),  # a confirmation call the day before
    C.STOP_LOSS: ReasonDefaults(0, 90, service=True),
    C.LOAN_OVERDUE: ReasonDefaults(0, 85, service=True),
    C.DEPOSIT_MATURITY: ReasonDefaults(7, 80, grace_days=5, service=True),
    C.PRODUCT_MATURITY: ReasonDefaults(7, 75, grace_days=5, service=True),
    C.LARGE_OUTFLOW: ReasonDefaults(0, 75, service=True),
    C.TAKE_PROFIT: ReasonDefaults(0, 70, service=True),
    C.MEMO_DUE: ReasonDefaults(0, 65, grace_days=14, service=True),
    C.BIRTHDAY: ReasonDefaults(0, 60, grace_days=2),
    C.CARD_REPAYMENT: ReasonDefaults(3, 60, grace_days=0, service=True),
    C.FOLLOW_UP: ReasonDefaults(0, 60, grace_days=7, service=True),
    C.OPPORTUNITY_DUE: ReasonDefaults(2, 58, grace_days=3),  # marketing: the customer's consent applies
    # a new assessment put the level below what the customer holds (适当性): a service call
    C.SUITABILITY_DRIFT: ReasonDefaults(0, 70, grace_days=14, service=True),
    C.LOAN_MATURITY: ReasonDefaults(30, 55, service=True),
    C.NAV_MOVE: ReasonDefaults(0, 50, grace_days=2, service=True),
    C.LARGE_INFLOW: ReasonDefaults(0, 50),
    C.NEW_CUSTOMER: ReasonDefaults(7, 45, grace_days=7),
    C.ANNIVERSARY: ReasonDefaults(2, 40, grace_days=0),
    C.RISK_ASSESSMENT_EXPIRY: ReasonDefaults(30, 40, grace_days=30, service=True),
    C.DIVIDEND: ReasonDefaults(0, 35, grace_days=3, service=True),
    C.FESTIVAL: ReasonDefaults(3, 30, grace_days=0),
    C.CADENCE_DUE: ReasonDefaults(0, 20, grace_days=0),
    # SVC-1: the decision a complaint owner owes the customer (the regulator's clock), a few days
    # ahead and every day once overdue until decided; the care call after it is resolved (seed 002)
    C.COMPLAINT_DUE: ReasonDefaults(5, 92, grace_days=60, service=True),
    C.COMPLAINT_CARE: ReasonDefaults(0, 80, grace_days=7, service=True),
    # SVC-2: a referred person asked to be contacted (consent recorded with the referral); the
    # thank-you to the customer who referred
    C.REFERRAL: ReasonDefaults(0, 68, grace_days=7, service=True),
    C.REFERRAL_THANKS: ReasonDefaults(0, 52, grace_days=7, service=True),
    # EVT-3: a guest invited and not yet answered — on the inviting manager's list a few days
    # ahead of the reminder day (the day before the event), never after the event
    C.EVENT_INVITATION: ReasonDefaults(2, 62, grace_days=0),
    # EVT-4: every attendee and no-show, by the event's follow-up day (banyan.events: the event's
    # follow_up_days, the bank's default BANYAN_EVENT_FOLLOW_UP_DAYS), a care call about the theme
    C.EVENT_FOLLOW_UP: ReasonDefaults(3, 66, grace_days=7, service=True),
    # A product of a type the customer asked for and the bank could not offer went on sale (seed
    # 002: "we don't have it" is not "the customer doesn't need it"): on its first day on sale, and
    # for two weeks after if missed. Marketing: the customer's consent applies.
    C.WANTED_PRODUCT: ReasonDefaults(0, 63, grace_days=14),
}

#: Reasons that are not about one date: they come back after a cool-off unless the state ends.
#: A cadence contact planned but not done stays on the overdue list for this long instead of
#: coming back every day and crowding out the rest of the book.
COOL_OFF_DAYS: dict[str, int] = {C.STOP_LOSS: 30, C.TAKE_PROFIT: 30, C.LOAN_OVERDUE: 7, C.NAV_MOVE: 7,
                                 C.RISK_ASSESSMENT_EXPIRY: 30, C.CADENCE_DUE: 7, C.OPPORTUNITY_DUE: 7}

#: The purpose a completed task records in the contact history (ARC-4).
PURPOSE: dict[str, str] = {
    C.BIRTHDAY: "care", C.FESTIVAL: "care", C.ANNIVERSARY: "care", C.DEPOSIT_MATURITY: "maturity",
    C.PRODUCT_MATURITY: "maturity", C.LOAN_MATURITY: "maturity", C.CARD_REPAYMENT: "service",
    C.LOAN_OVERDUE: "service", C.NAV_MOVE: "after_sales", C.DIVIDEND: "after_sales", C.TAKE_PROFIT: "after_sales",
    C.STOP_LOSS: "after_sales", C.LARGE_OUTFLOW: "after_sales", C.LARGE_INFLOW: "product",
    C.CADENCE_DUE: "care", C.MEMO_DUE: "service", C.FOLLOW_UP: "service", C.APPOINTMENT: "invitation",
    C.NEW_CUSTOMER: "invitation", C.RISK_ASSESSMENT_EXPIRY: "service", C.OPPORTUNITY_DUE: "product",
    C.SUITABILITY_DRIFT: "after_sales", C.COMPLAINT_DUE: "complaint", C.COMPLAINT_CARE: "care",
    C.REFERRAL: "service", C.REFERRAL_THANKS: "care", C.EVENT_INVITATION: "invitation", C.EVENT_FOLLOW_UP: "care",
    C.WANTED_PRODUCT: "product",
}

#: The cadence line of a customer never contacted: a slot of its own (talking points per
#: orientation, SEG-2; a first contact is neither).
FIRST_CONTACT = "first"

# What is said, per (reason, orientation) ("" = any): the notice — the care or the service — and the
# offer — what the bank would like to sell or invite to. A call about a sensitive matter (an overdue
# loan, a complaint) says the notice and leaves the offer out (MixRule). `{detail}` is what the
# call is about in words for the customer (banyan.worklists.talking writes it: the product and its
# date, the festival — never costs, NAVs, thresholds or how long since the last contact).
# The seeds' way: greet, say why you call, what it means for the customer, ask — and with someone
# you do not know yet, only care, no product (seed 004).
SAY: dict[tuple[str, str], str] = {
    (C.BIRTHDAY, ""): _("{detail} — on behalf of the bank, I wish you a very happy birthday and good health!"),
    (C.FESTIVAL, ""): _("{detail} — best wishes to you and your family! The branch keeps holiday hours over the festival; if you need anything done, I can arrange it beforehand."),
    (C.ANNIVERSARY, ""): _("{detail} — congratulations, and thank you for your trust all these years."),
    (C.DEPOSIT_MATURITY, ""): _("A quick reminder: {detail}."),
    (C.PRODUCT_MATURITY, ""): _("A quick reminder: {detail}."),
    (C.LOAN_MATURITY, ""): _("{detail}. I am calling ahead to go over how you would like to repay or renew it, so that your credit record is not affected."),
    (C.LOAN_OVERDUE, ""): _("{detail}. Has money been a little tight lately? Let us look at it together, so that your credit record is affected as little as possible."),
    (C.CARD_REPAYMENT, ""): _("A friendly reminder: {detail}. If you like, I can set up automatic repayment so you need not think about it again."),
    (C.NAV_MOVE, ""): _("I wanted to let you know that {detail}. Markets are moving a lot; there is no need to decide anything in a hurry — let me tell you why it moved and how we see it."),
    (C.DIVIDEND, ""): _("Just to let you know: {detail}."),
    (C.TAKE_PROFIT, ""): _("{detail}. Would you like to take the profit as you planned? It is your decision; I will take care of the rest."),
    (C.STOP_LOSS, ""): _("{detail}. Let me first explain what happened; then we can decide together whether to sell or to hold. There is no rush."),
    (C.LARGE_OUTFLOW, ""): _("{detail} — is there a big expense coming up? If there is anything we can help with, just tell me."),
    (C.LARGE_INFLOW, ""): "",
    (C.CADENCE_DUE, ""): _("{detail} — how have you been?"),
    (C.CADENCE_DUE, Orientation.RELATIONSHIP): _("{detail} — how are you and the family keeping?"),
    (C.CADENCE_DUE, Orientation.VALUE): _("{detail} — how have you been?"),
    (C.CADENCE_DUE, Orientation.SERVICE): _("{detail} — has your banking been going smoothly?"),
    (C.CADENCE_DUE, FIRST_CONTACT): _("From now on I will be your personal relationship manager. I am calling to introduce myself: whenever you need anything to do with your money, just come to me."),
    (C.MEMO_DUE, ""): _("About {detail}: I kept it in mind, and I have news for you."),
    (C.FOLLOW_UP, ""): _("{detail}, so I am following up on what we talked about."),
    (C.APPOINTMENT, ""): _("{detail} — does the time still suit you?"),
    (C.NEW_CUSTOMER, ""): _("{detail}! From now on I will be your personal relationship manager: whenever you need anything, just come to me."),
    (C.RISK_ASSESSMENT_EXPIRY, ""): _("{detail}. The regulator asks for it to be renewed; it takes a few minutes on mobile banking or at the branch."),
    (C.OPPORTUNITY_DUE, ""): "",
    (C.SUITABILITY_DRIFT, ""): _("{detail}. Nothing needs to be decided in a hurry; I would like to explain what this means for you and go through your holdings together."),
    (C.COMPLAINT_DUE, ""): _("I am calling about {detail}: I would like to tell you where it stands and what we have decided, and hear anything you would like to add."),
    (C.COMPLAINT_CARE, ""): _("I am calling about {detail}: I wanted to make sure everything has been put right for you, and thank you for telling us — it helps us do better."),
    (C.REFERRAL, ""): _("{detail}. Whatever you need, I would be glad to help — when would suit you for a chat?"),
    (C.REFERRAL_THANKS, ""): _("Thank you for {detail} — your trust means a lot to us."),
    (C.EVENT_INVITATION, ""): _("We are holding {detail}, and I would very much like you to come — will it suit you?"),
    (C.EVENT_FOLLOW_UP, ""): _("About {detail}: I would like to hear what you thought of it, and whether anything there raised a question for you."),
    (C.WANTED_PRODUCT, ""): "",
}

#: The card repayment once its date has passed (no longer a reminder).
CARD_OVERDUE_SAY = _("{detail}. Please pay it as soon as you can, to avoid interest and a mark on your credit record; I can set up automatic repayment if you like.")

OFFER: dict[tuple[str, str], str] = {
    (C.DEPOSIT_MATURITY, ""): _("When it matures, would you like to roll it over, or look at other low-risk options? I can compare them for you first."),
    (C.PRODUCT_MATURITY, ""): _("I have prepared a few ideas for the money when it matures — when would suit you for a chat?"),
    (C.NAV_MOVE, ""): _("If you would like to adjust, I can look at suitable options with you."),
    (C.DIVIDEND, ""): _("Whether to reinvest it or keep it aside — I am happy to help you think it through."),
    (C.LARGE_INFLOW, ""): _("{detail} — do you have plans for it soon? If not, I can suggest a short-term, low-risk place for it."),
    (C.CADENCE_DUE, Orientation.VALUE): _("It has been a while since we looked at your portfolio; I could do a wealth check-up with you, to see whether the returns and the risk still suit you."),
    (C.CADENCE_DUE, Orientation.SERVICE): _("We have a client event coming up, and I would like to invite you."),
    (C.NEW_CUSTOMER, ""): _("When it suits you, do drop by the branch; I would be glad to show you around in person."),
    (C.OPPORTUNITY_DUE, ""): _("About {detail}: I have put the details together for you — when would suit you to go through them?"),
    (C.WANTED_PRODUCT, ""): _("{detail}. I remembered that you asked, so you are the first I am telling — when would suit you to hear more?"),
}

#: What each offer is, for the manager's note when a sensitive call leaves it out.
OFFER_NAMES: dict[tuple[str, str], str] = {
    (C.DEPOSIT_MATURITY, ""): _("the rollover suggestion"),
    (C.PRODUCT_MATURITY, ""): _("the reinvestment suggestion"),
    (C.NAV_MOVE, ""): _("the suggestion to adjust the fund"),
    (C.DIVIDEND, ""): _("the reinvestment of the dividend"),
    (C.LARGE_INFLOW, ""): _("the suggestion for the money received"),
    (C.CADENCE_DUE, Orientation.VALUE): _("the wealth check-up"),
    (C.CADENCE_DUE, Orientation.SERVICE): _("the client-event invitation"),
    (C.NEW_CUSTOMER, ""): _("the invitation to the branch"),
    (C.OPPORTUNITY_DUE, ""): _("the follow-up of the sales opportunity"),
    (C.WANTED_PRODUCT, ""): _("the news of the product the customer asked for"),
}

#: For the manager only: how to handle the topic (seed 004's 维护内容 per orientation).
HINTS: dict[tuple[str, str], str] = {
    (C.BIRTHDAY, ""): _("Greetings only; no products."),
    (C.LOAN_OVERDUE, ""): _("Ask why first; do not press, and promise no waiver."),
    (C.STOP_LOSS, ""): _("Explain and let the customer decide; do not rush them or promise a return."),
    (C.TAKE_PROFIT, ""): _("The customer's own target: remind, do not push."),
    (C.CADENCE_DUE, Orientation.RELATIONSHIP): _("Relationship-oriented: care first — family, interests; no hurry to talk products."),
    (C.CADENCE_DUE, Orientation.VALUE): _("Value-oriented: after-sales follow-up and a wealth check-up."),
    (C.CADENCE_DUE, Orientation.SERVICE): _("Service-oriented: after-sales follow-up and client events."),
    (C.CADENCE_DUE, FIRST_CONTACT): _("First contact: greet, introduce yourself and listen; recommend no product. Complete the customer's file on the way."),
    (C.NEW_CUSTOMER, ""): _("First contact: greet, introduce yourself and listen; recommend no product. Complete the customer's file on the way."),
    (C.MEMO_DUE, ""): _("Say it in your own words; do not read the memo out."),
    (C.FOLLOW_UP, ""): _("Say it in your own words; do not read the notes out."),
    (C.OPPORTUNITY_DUE, ""): _("Ask what has changed before proposing anything; afterwards move it on the pipeline: proposed, won with the sale, or lost with the reason."),
    (C.COMPLAINT_DUE, ""): _("A complaint: give the decision and its reasons plainly, note how the customer took it; no products in this call. Record the decision on the complaint."),
    (C.COMPLAINT_CARE, ""): _("After a complaint: care only — listen, thank, check the fix held; no products in this call."),
    (C.REFERRAL, ""): _("First contact by referral: say who introduced you, listen to the need; recommend nothing before you know it."),
    (C.REFERRAL_THANKS, ""): _("A thank-you only: say nothing of what the referred person bought or holds."),
    (C.EVENT_INVITATION, ""): _("An invitation: say what the event offers the customer, take the answer and the number of guests, and record it on the event's call list."),
    (C.EVENT_FOLLOW_UP, ""): _("After the event: ask what the customer took from the theme; a no-show gets the material and the next date. Record new information and any opportunity on the event's follow-up page."),
    (C.SUITABILITY_DRIFT, ""): _("Suitability: explain the risk of each holding above the new level, let the customer decide, and sell nothing above the level. Note what was said."),
    (C.WANTED_PRODUCT, ""): _("A need the bank could not meet before: remind the customer they asked, check the product suits their risk level, and close the memo or open an opportunity."),
}

#: The call's opening and closing, by the way it is made (spoken, or written: SMS, WeChat, e-mail).
OPENING_SPOKEN = _("Hello {title}, this is {manager}, your relationship manager at {bank}. Is now a good time for a few words?")
OPENING_WRITTEN = _("Dear {title}, this is {manager}, your relationship manager at {bank}.")
CLOSING_SPOKEN = _("Is there anything else I can do for you? Call me on this number any time.")
CLOSING_WRITTEN = _("Whenever you need anything, just contact me. All the best!")
#: Joins a further topic to the ones before it.
ALSO = pgettext_lazy("talking point", "Also, {text}")
AND = pgettext_lazy("talking point", "And {text}")

#: A call about one of these is about it only: its marketing stays out of the call (MixRule's
#: default). A card repayment counts once its date has passed (before, it is a reminder). A
#: complaint's reasons (SVC-1: the decision due, the care call after it) belong here.
SENSITIVE: frozenset[str] = frozenset({C.LOAN_OVERDUE, C.CARD_REPAYMENT, C.COMPLAINT_DUE, C.COMPLAINT_CARE})
#: Reasons whose offer is left out of such a call (the notice stays; without one, the topic goes).
MARKETING: frozenset[str] = frozenset({C.DEPOSIT_MATURITY, C.PRODUCT_MATURITY, C.NAV_MOVE, C.DIVIDEND,
                                       C.LARGE_INFLOW, C.CADENCE_DUE, C.NEW_CUSTOMER, C.OPPORTUNITY_DUE,
                                       C.WANTED_PRODUCT})


def _sentences(*parts) -> str:
    """Sentences one after another: no space after a Chinese full stop, a space after an English one."""
    text = ""
    for part in map(str, parts):
        if not part:
            continue
        text = f"{text}{'' if not text or not text[-1].isascii() else ' '}{part}"
    return text


def default_line(code: str, orientation: str = "") -> str:
    """The built-in line of a reason (notice and offer), in the active language."""
    key = (code, orientation) if (code, orientation) in SAY else (code, "")
    return _sentences(SAY.get(key, "{detail}"), OFFER.get(key, ""))


class _DefaultLines(Mapping):
    """(code, orientation) → the built-in line, written in the active language when read."""

    def __getitem__(self, key: tuple[str, str]) -> str:
        if key not in SAY:
            raise KeyError(key)
        return default_line(*key)

    def __iter__(self):
        return iter(SAY)

    def __len__(self) -> int:
        return len(SAY)


#: The built-in lines (the settings page's "default").
TALKING_POINTS: Mapping[tuple[str, str], str] = _DefaultLines()
