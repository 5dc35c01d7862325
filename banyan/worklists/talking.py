"""What a manager says on a worklist call, and what only the manager should know (WL, issue 10).

A task's reasons become a script: an opening (greeting, who is calling, is now a good time), one
paragraph per topic — a topic is a reason code; the holdings of one product in it are named once —
in words for the customer, and a closing. Apart from it, the manager's notes: the facts behind
each topic (how long since the last contact and the segment's frequency, thresholds, NAV, cost,
amounts) and how to handle it. A call about a sensitive matter (an overdue loan, a card repayment
past its date; the bank's MixRule) carries no marketing: the offers of the marketing reasons are
left out, and the notes say so.

Everything is written when shown, in the reader's language, from the facts the triggers kept with
each reason (`Reason.args`, stored as `TaskReason.args`); a reason stored without them (before
they were kept) falls back to its Chinese detail. The bank's own lines (TalkingPoint) are in the
bank's language and used in it; another language gets the built-in lines."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import orjson
from django.conf import settings as django_settings
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from banyan import clock
from banyan.calendars.lunar import lunar_key_label
from banyan.contacts.models import is_stranger
from banyan.customers.pinyin import COMPOUND_SURNAMES, name_syllables
from banyan.worklists.models import REASON_LABELS, MixRule, TalkingPoint
from banyan.worklists.models import ReasonCode as C
from banyan.worklists.reasons import (
    ALSO,
    AND,
    CARD_OVERDUE_SAY,
    CLOSING_SPOKEN,
    CLOSING_WRITTEN,
    DEFAULTS,
    FIRST_CONTACT,
    HINTS,
    MARKETING,
    OFFER,
    OFFER_NAMES,
    OPENING_SPOKEN,
    OPENING_WRITTEN,
    SAY,
    SENSITIVE,
)
from banyan.worklists.triggers import _money

#: The facts each reason keeps, by name, in the order of `Reason.args`.
_HELD = ("product", "amount", "rollover")
_LIMIT = ("product", "cost", "nav", "change", "pct")
_FLOW = ("amount", "counterparty", "date")
ARGS: dict[str, tuple[str, ...]] = {
    C.BIRTHDAY: ("age", "lunar"),  # lunar: month × 100 + day, 0 for a solar birthday
    C.FESTIVAL: ("festival",),
    C.ANNIVERSARY: ("field", "years"),
    C.DEPOSIT_MATURITY: _HELD, C.PRODUCT_MATURITY: _HELD, C.LOAN_MATURITY: _HELD,
    C.CARD_REPAYMENT: ("minimum",),
    C.LOAN_OVERDUE: ("product", "days", "amount"),
    C.NAV_MOVE: ("product", "change", "nav_date"),
    C.DIVIDEND: ("product", "per_unit", "amount"),
    C.TAKE_PROFIT: _LIMIT, C.STOP_LOSS: _LIMIT,
    C.LARGE_OUTFLOW: _FLOW, C.LARGE_INFLOW: _FLOW,
    C.CADENCE_DUE: ("days", "every", "orientation"),  # days: since the last contact, None when never
    C.MEMO_DUE: (), C.FOLLOW_UP: (),  # the manager's own words are the detail
    C.APPOINTMENT: ("time", "place", "purpose"),
    C.NEW_CUSTOMER: ("source", "opened"),
    C.RISK_ASSESSMENT_EXPIRY: ("level",),
    C.OPPORTUNITY_DUE: ("need", "product", "amount", "stage", "follow_up"),  # need: the manager's words
    C.SUITABILITY_DRIFT: ("level", "products"),  # products: the names of the holdings above the level
    # SVC-1: category: the bank's category name; received: ISO date; owner: the owner's name, given
    # only on the escalation to the branch head ("" on the owner's own list)
    C.COMPLAINT_DUE: ("category", "received", "owner"),
    C.COMPLAINT_CARE: ("category", "resolved"),  # resolved: ISO date of the decision
    # SVC-2: referrer: the referring customer's or colleague's name; need: the note passed on
    C.REFERRAL: ("referrer", "need"),
    C.REFERRAL_THANKS: ("referred", "outcome"),  # referred: the referred person's name
    # EVT-3/4: event: the event's name; type: its code (salon, lecture, banquet, trip, survey,
    # other); date: ISO date of the event; time: HH:MM; place; theme; attended: true for an
    # attendee, false for a no-show
    C.EVENT_INVITATION: ("event", "type", "date", "time", "place"),
    C.EVENT_FOLLOW_UP: ("event", "type", "theme", "attended"),
    # issue 16 §4: product: the name of the product now on sale; type: its product type code;
    # asked: ISO date the customer asked (the memo written, the opportunity lost)
    C.WANTED_PRODUCT: ("product", "type", "asked"),
}

#: Topics that greet come first, in this order; the rest by weight.
_GREETING_ORDER = (C.NEW_CUSTOMER, C.BIRTHDAY, C.FESTIVAL, C.ANNIVERSARY, C.CADENCE_DUE)
_WRITTEN = {"sms", "wechat", "email"}


#: json.dumps(…, ensure_ascii=False, separators=(",", ":")) made once: dumps with options makes a
#: new encoder per call, and a bank-wide build writes the facts of hundreds of thousands of reasons.
COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def args_json(args: Iterable) -> str:
    """A reason's facts as stored (TaskReason.args): compact UTF-8 JSON, by orjson (7× json's
    encoder: a bank-wide build writes the facts of over a hundred thousand reasons); what orjson
    refuses (an int beyond 64 bits, a value of another type) by json, which writes the same text but
    for a float's exponent (1e-05 / 0.00001: the same number read back)."""
    args = tuple(args)
    if not args:
        return ""
    try:
        return orjson.dumps(args).decode()
    except TypeError:  # (orjson.JSONEncodeError is one)
        return COMPACT_JSON(list(args))


def args_of(text: str) -> tuple:
    if not text:
        return ()
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    return tuple(value) if isinstance(value, list) else ()


@dataclass(frozen=True)
class Item:
    """One reason as the texts need it: a planned Reason or a stored TaskReason."""

    code: str
    detail: str  # Chinese, as stored
    due: dt.date
    facts: dict = field(default_factory=dict)  # ARGS' names → values; empty when not kept

    @classmethod
    def of(cls, reason) -> Item:
        args = reason.args
        if isinstance(args, str):
            args = args_of(args)
        due = reason.due if hasattr(reason, "due") else reason.due_date
        names = ARGS.get(reason.code, ())
        facts = dict(zip(names, args, strict=True)) if names and len(args) == len(names) else {}
        return cls(reason.code, reason.detail, due, facts)


# ------------------------------------------------------------------ words

def _zh() -> bool:
    return (translation.get_language() or django_settings.LANGUAGE_CODE).lower().startswith("zh")


def _date(day: dt.date) -> str:
    """A date in a detail: 11月05日 (as the triggers write it) / 5 Nov."""
    return f"{day.month:02d}月{day.day:02d}日" if _zh() else dateformat.format(day, "j M")


def _spoken_date(day: dt.date) -> str:
    return f"{day.month}月{day.day}日" if _zh() else dateformat.format(day, "j M")


def _when(due: dt.date, day: dt.date) -> str:
    """A date as said on the phone, from `day`: 今天, 明天, 前天, 11月30日 / today, on 30 Nov."""
    offset = (due - day).days
    if offset in _RELATIVE:
        return str(_RELATIVE[offset])
    return pgettext("relative day", "on {date}").format(date=_spoken_date(due))


_RELATIVE = {0: pgettext_lazy("relative day", "today"), 1: pgettext_lazy("relative day", "tomorrow"),
             2: pgettext_lazy("relative day", "the day after tomorrow"),
             -1: pgettext_lazy("relative day", "yesterday"),
             -2: pgettext_lazy("relative day", "the day before yesterday")}


def _decimal(text) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


def _money_words(text) -> str:
    """An amount in a note: 30 万 / 1,280.00 元 (as the triggers write it); CNY 300,000 in English."""
    amount = _decimal(text)
    if amount is None:
        return str(text)
    if _zh():
        return _money(amount)
    return f"CNY {amount:,.0f}" if abs(amount) >= 10000 else f"CNY {amount:,.2f}"


def _yuan(text) -> str:
    amount = _decimal(text)
    if amount is None:
        return str(text)
    return f"{amount:,.2f} 元" if _zh() else f"CNY {amount:,.2f}"


def _join(words: Iterable[str]) -> str:
    words = [w for w in dict.fromkeys(words) if w]
    return pgettext("list separator", ", ").join(words)


def _count(n: int) -> str:
    """两笔 / 2 holdings of — how many of one product, said."""
    if _zh():
        return {2: "两", 3: "三", 4: "四", 5: "五"}.get(n, str(n)) + "笔"
    return f"{n} holdings of"


def _title(name: str, gender: str) -> str:
    """王先生 / 李女士 — Mr Wang / Ms Li (in pinyin); the full name when the gender is not known."""
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    if not _zh():
        syllables = name_syllables(name)
        if len(syllables) > len(surname):
            head, rest = "".join(syllables[:len(surname)]), "".join(syllables[len(surname):])
            name, surname = f"{head.capitalize()} {rest.capitalize()}", head.capitalize()
    if gender == "M":
        return pgettext("title", "Mr {surname}").format(surname=surname)
    if gender == "F":
        return pgettext("title", "Ms {surname}").format(surname=surname)
    return name


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].isascii() else text


def _sentences(*parts: str) -> str:
    text = ""
    for part in parts:
        if part:
            text = f"{text}{'' if not text or not text[-1].isascii() else ' '}{part}"
    return text


def _fill(template, **values) -> str | None:
    """A line filled in; None when a (bank's) line cannot be (checked when saved, but old rows)."""
    try:
        return str(template).format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return None


# ------------------------------------------------------------------ the facts, for the manager

_FESTIVALS = {
    "spring_festival": pgettext_lazy("festival", "Spring Festival"),
    "lantern": pgettext_lazy("festival", "Lantern Festival"),
    "dragon_boat": pgettext_lazy("festival", "Dragon Boat Festival"),
    "qixi": pgettext_lazy("festival", "Qixi Festival"),
    "mid_autumn": pgettext_lazy("festival", "Mid-Autumn Festival"),
    "double_ninth": pgettext_lazy("festival", "Double Ninth Festival"),
    "new_year": pgettext_lazy("festival", "New Year's Day"),
    "womens_day": pgettext_lazy("festival", "Women's Day"),
    "labour_day": pgettext_lazy("festival", "Labour Day"),
    "teachers_day": pgettext_lazy("festival", "Teachers' Day"),
    "national_day": pgettext_lazy("festival", "National Day"),
    "new_years_eve": pgettext_lazy("festival", "New Year's Eve"),
    "mothers_day": pgettext_lazy("festival", "Mother's Day"),
    "fathers_day": pgettext_lazy("festival", "Father's Day"),
}


def _festival(code: str, fallback: str) -> str:
    name = _FESTIVALS.get(code)
    return str(name) if name is not None else fallback


def _lunar(key: int) -> str:
    month, day = divmod(int(key), 100)
    if _zh():
        return lunar_key_label(month, day)
    return _("month {month}, day {day}").format(month=month, day=day)


def detail_text(reason) -> str:
    """The reason's detail in the reader's language, written from its facts (in Chinese the very
    text the trigger stored); the stored detail when the facts were not kept."""
    item = reason if isinstance(reason, Item) else Item.of(reason)
    if not item.facts or item.code not in _DETAILS:
        return item.detail
    try:
        return _DETAILS[item.code](item, item.facts)
    except (KeyError, TypeError, ValueError, InvalidOperation):
        return item.detail


def _birthday_detail(item: Item, f: dict) -> str:
    if f["lunar"]:
        text = _("Lunar birthday ({lunar}) on {date}, turns {age}").format(
            lunar=_lunar(f["lunar"]), date=_date(item.due), age=f["age"])
    else:
        text = _("Birthday on {date}, turns {age}").format(date=_date(item.due), age=f["age"])
    return pgettext("birthday", "{text} (a round birthday)").format(text=text) if int(f["age"]) % 10 == 0 else text


_ANNIVERSARY_WORDS = {
    "wedding_anniversary": lambda: _("Wedding anniversary ({years} years)"),
    "business_opened_on": lambda: _("Business anniversary ({years} years)"),
    "account_opened_on": lambda: _("Account anniversary ({years} years)"),
}


def _maturity_detail(item: Item, f: dict) -> str:
    if item.code == C.LOAN_MATURITY:
        text = _("{product} {amount} falls due on {date}, to be repaid")
    else:
        text = _("{product} {amount} matures on {date}")
    text = text.format(product=f["product"], amount=_money_words(f["amount"]), date=_date(item.due))
    return pgettext("maturity", "{text} (automatic rollover set)").format(text=text) if f["rollover"] else text


def _limit_detail(item: Item, f: dict) -> str:
    if item.code == C.STOP_LOSS:
        text = _("{product} cost {cost}, latest NAV {nav} ({change}%), stop-loss at {pct}%")
    else:
        text = _("{product} cost {cost}, latest NAV {nav} ({change}%), take-profit target {pct}%")
    return text.format(**f)


def _nav_detail(item: Item, f: dict) -> str:
    change = Decimal(f["change"])
    text = _("{product} NAV rose {pct}% on {date}") if change > 0 else _("{product} NAV fell {pct}% on {date}")
    return text.format(product=f["product"], pct=f"{abs(change):.1f}", date=_date(dt.date.fromisoformat(f["nav_date"])))


def _dividend_detail(item: Item, f: dict) -> str:
    text = _("{product} dividend of {per_unit} yuan per unit").format(product=f["product"], per_unit=f["per_unit"])
    if f["amount"]:
        amount = _yuan(f["amount"].replace(",", ""))
        text = pgettext("dividend", "{text}, about {amount}").format(text=text, amount=amount)
    return text


def _flow_detail(item: Item, f: dict) -> str:
    day = dt.date.fromisoformat(f["date"])
    text = _("{date}: {amount} in") if item.code == C.LARGE_INFLOW else _("{date}: {amount} out")
    text = text.format(date=_date(day), amount=_money_words(f["amount"]))
    if f["counterparty"]:
        text = pgettext("transfer", "{text} ({counterparty})").format(text=text, counterparty=f["counterparty"])
    return text


def _cadence_detail(item: Item, f: dict) -> str:
    if f["days"] is None:
        return _("No contact yet: invite for a first meeting and learn the customer's needs")
    return _("Not contacted for {days} days (due every {every} days)").format(days=f["days"], every=f["every"])


_SOURCES = {"new_card": lambda: _("New card customer"), "payroll": lambda: _("New payroll customer"),
            "referral": lambda: _("New customer by referral")}


_OPPORTUNITY_STAGES = {"open": pgettext_lazy("opportunity", "open"),
                       "contacted": pgettext_lazy("opportunity", "contacted"),
                       "proposed": pgettext_lazy("opportunity", "proposed")}


def _complaint_due_detail(item: Item, f: dict) -> str:
    text = _("Complaint ({category}) received {received}: decision due {date}").format(
        category=f["category"], received=_date(dt.date.fromisoformat(f["received"])), date=_date(item.due))
    if f["owner"]:
        text = _("{text}; handled by {owner} — escalated to you").format(text=text, owner=f["owner"])
    return text


_REFERRAL_OUTCOMES = {"customer": pgettext_lazy("referral", "became a customer"),
                      "sale": pgettext_lazy("referral", "bought a product"),
                      "won": pgettext_lazy("referral", "converted")}


def _referral_thanks_detail(item: Item, f: dict) -> str:
    outcome = _REFERRAL_OUTCOMES.get(f["outcome"])
    return _("Referral of {referred}: {outcome}").format(
        referred=f["referred"], outcome=outcome if outcome is not None else f["outcome"])


_EVENT_TYPES = {"salon": pgettext_lazy("event type", "finance salon"),
                "lecture": pgettext_lazy("event type", "investment lecture"),
                "banquet": pgettext_lazy("event type", "thank-you banquet"),
                "trip": pgettext_lazy("event type", "short trip"),
                "survey": pgettext_lazy("event type", "small survey"),
                "other": pgettext_lazy("event type", "client event")}


def _event_type(code: str) -> str:
    return str(_EVENT_TYPES.get(code, _EVENT_TYPES["other"]))


def _event_invitation_detail(item: Item, f: dict) -> str:
    return _("Invited to {event} ({type}) on {date} {time} at {place}: no answer yet").format(
        event=f["event"], type=_event_type(f["type"]), date=_date(dt.date.fromisoformat(f["date"])), time=f["time"],
        place=f["place"])


def _event_follow_up_detail(item: Item, f: dict) -> str:
    text = (_("Came to {event} ({type}), theme: {theme}") if f["attended"]
            else _("Accepted {event} ({type}) but did not come, theme: {theme}"))
    return text.format(event=f["event"], type=_event_type(f["type"]), theme=f["theme"])


def _event_invitation_clause(items: list[Item], day: dt.date) -> str:
    f = items[0].facts
    return _("our {type} “{event}” {when} at {time}, at {place}").format(
        type=_event_type(f.get("type", "")), event=f.get("event", ""),
        when=_when(dt.date.fromisoformat(f["date"]), day) if f.get("date") else "", time=f.get("time", ""),
        place=f.get("place", ""))


def _event_follow_up_clause(items: list[Item], day: dt.date) -> str:
    f = items[0].facts
    if f.get("attended"):
        return _("our {type} on {theme} the other day").format(type=_event_type(f.get("type", "")),
                                                                theme=f.get("theme", ""))
    return _("our {type} on {theme}, which you could not come to — I kept the material for you").format(
        type=_event_type(f.get("type", "")), theme=f.get("theme", ""))


def _opportunity_detail(item: Item, f: dict) -> str:
    stage = _OPPORTUNITY_STAGES.get(f["stage"])
    what = pgettext("opportunity", "{need} ({product})").format(need=f["need"], product=f["product"]) \
        if f["product"] else f["need"]
    text = _("Sales opportunity ({stage}): {what}").format(stage=stage if stage is not None else f["stage"],
                                                           what=what)
    if f["amount"]:
        text = pgettext("opportunity", "{text}, expected {amount}").format(text=text,
                                                                          amount=_money_words(f["amount"]))
    return pgettext("opportunity", "{text}, follow up by {date}").format(
        text=text, date=_date(dt.date.fromisoformat(f["follow_up"])))


def _product_type(code: str) -> str:
    from banyan.holdings.models import ProductType

    return str(ProductType(code).label) if code in ProductType.values else code


def _wanted_detail(item: Item, f: dict) -> str:
    asked = f.get("asked")
    if asked:
        return _("Asked for {type} on {date}, which the bank did not offer then: {product} is on sale now").format(
            type=_product_type(f["type"]), date=_date(dt.date.fromisoformat(asked)), product=f["product"])
    return _("Asked for {type}, which the bank did not offer then: {product} is on sale now").format(
        type=_product_type(f["type"]), product=f["product"])


def _wanted_clause(items: list[Item]) -> str:
    """The product type the customer asked about, and the product(s) of it now on sale, named."""
    products = [i.facts.get("product") for i in items if i.facts.get("product")]
    kind = items[0].facts.get("type", "")
    return _("you asked me about {type} before: our bank now offers {products}").format(
        type=_product_type(kind).lower() if not _zh() else _product_type(kind), products=_join(products))


_DETAILS = {
    C.BIRTHDAY: _birthday_detail,
    C.FESTIVAL: lambda item, f: _festival(f["festival"], item.detail),
    C.ANNIVERSARY: lambda item, f: _ANNIVERSARY_WORDS[f["field"]]().format(years=f["years"]),
    C.DEPOSIT_MATURITY: _maturity_detail, C.PRODUCT_MATURITY: _maturity_detail, C.LOAN_MATURITY: _maturity_detail,
    C.CARD_REPAYMENT: lambda item, f: _("Credit card payment due on {date}, minimum {amount}").format(
        date=_date(item.due), amount=_yuan(f["minimum"])),
    C.LOAN_OVERDUE: lambda item, f: _("Loan overdue for {days} days, balance {amount}").format(
        days=f["days"], amount=_money_words(f["amount"])),
    C.NAV_MOVE: _nav_detail,
    C.DIVIDEND: _dividend_detail,
    C.TAKE_PROFIT: _limit_detail, C.STOP_LOSS: _limit_detail,
    C.LARGE_OUTFLOW: _flow_detail, C.LARGE_INFLOW: _flow_detail,
    C.CADENCE_DUE: _cadence_detail,
    C.APPOINTMENT: lambda item, f: _("{date} {time} at {place}: {purpose}").format(date=_date(item.due), **f),
    C.NEW_CUSTOMER: lambda item, f: _("{source} (opened {date})").format(
        source=_SOURCES.get(f["source"], lambda: _("New account customer"))(),
        date=_date(dt.date.fromisoformat(f["opened"]))),
    C.RISK_ASSESSMENT_EXPIRY: lambda item, f: _("Risk assessment ({level}) expires on {date}").format(
        level=f["level"], date=item.due.isoformat()),
    C.OPPORTUNITY_DUE: _opportunity_detail,
    C.WANTED_PRODUCT: _wanted_detail,
    C.COMPLAINT_DUE: _complaint_due_detail,
    C.COMPLAINT_CARE: lambda item, f: _("Care call after the complaint ({category}) resolved on {date}").format(
        category=f["category"], date=_date(dt.date.fromisoformat(f["resolved"]))),
    C.REFERRAL: lambda item, f: (_("Referred by {referrer}: {need}") if f["need"]
                                 else _("Referred by {referrer}")).format(referrer=f["referrer"], need=f["need"]),
    C.REFERRAL_THANKS: _referral_thanks_detail,
    C.EVENT_INVITATION: _event_invitation_detail,
    C.EVENT_FOLLOW_UP: _event_follow_up_detail,
    C.SUITABILITY_DRIFT: lambda item, f: ngettext(
        "Risk assessment {level} ({date}): {n} holding above that level: {products}",
        "Risk assessment {level} ({date}): {n} holdings above that level: {products}", len(f["products"])).format(
        level=f["level"], date=_date(item.due), n=len(f["products"]), products=_join(f["products"])),
}


# ------------------------------------------------------------------ what is said

def _ordinal(n) -> str:
    if _zh():
        return str(n)
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _tense(due: dt.date, day: dt.date, present, past, future, **values) -> str:
    """One of three phrasings by whether the date is today, gone or to come (English needs the
    tense; Chinese says 今天 / 昨天 / 后天 in the same sentence)."""
    offset = (due - day).days
    text = present if offset == 0 else (past if offset < 0 else future)
    return text.format(when=_when(due, day), **values)


def _by_product(items: list[Item], noun: str) -> dict[str, list[Item]]:
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.facts.get("product") or noun, []).append(item)
    return groups


def _then(phrases: Iterable[str]) -> str:
    return pgettext("clause separator", "; ").join(p for p in dict.fromkeys(phrases) if p)


def _birthday_clause(items: list[Item], day: dt.date) -> str:
    item = items[0]
    age = item.facts.get("age")
    if age and int(age) % 10 == 0:
        return _tense(item.due, day, _("today is your {age}th birthday"), _("your {age}th birthday was {when}"),
                      _("your {age}th birthday is {when}"), age=age)
    if item.facts.get("lunar"):
        return _tense(item.due, day, _("today is your lunar birthday"), _("your lunar birthday was {when}"),
                      _("your lunar birthday is {when}"))
    return _tense(item.due, day, _("today is your birthday"), _("your birthday was {when}"),
                  _("your birthday is {when}"))


def _festival_clause(items: list[Item], day: dt.date) -> str:
    item = items[0]
    name = _festival(item.facts.get("festival", ""), item.detail)
    return _tense(item.due, day, _("today is {festival}"), _("{festival} has just passed"),
                  _("{festival} is coming up"), festival=name)


def _anniversary_clause(items: list[Item], day: dt.date) -> str:
    item = items[0]
    kind, years = item.facts.get("field"), item.facts.get("years")
    if kind == "account_opened_on" and years:
        return _("you have banked with us for {years} years").format(years=years)
    if kind == "business_opened_on" and years:
        return _tense(item.due, day, _("today is the {nth} anniversary of your business"),
                      _("the {nth} anniversary of your business was {when}"),
                      _("the {nth} anniversary of your business is {when}"), nth=_ordinal(years))
    if kind == "wedding_anniversary" and years:
        return _tense(item.due, day, _("today is your {nth} wedding anniversary"),
                      _("your {nth} wedding anniversary was {when}"),
                      _("your {nth} wedding anniversary is {when}"), nth=_ordinal(years))
    return _tense(item.due, day, _("today is a special day for you"), _("{when} was a special day for you"),
                  _("{when} is a special day for you"))


def _maturity_clause(items: list[Item], day: dt.date) -> str:
    """Each product once: 您的三年期整存整取11月30日到期 / 您的两笔安心理财180天都在明天到期."""
    noun = {C.DEPOSIT_MATURITY: pgettext("product", "time deposit"),
            C.PRODUCT_MATURITY: pgettext("product", "wealth product"),
            C.LOAN_MATURITY: pgettext("product", "loan")}[items[0].code]
    phrases = []
    for product, held in _by_product(items, noun).items():
        dates = sorted({i.due for i in held})
        if items[0].code == C.LOAN_MATURITY:
            text = _("your {product} falls due {when}").format(product=product, when=_when(dates[0], day))
        elif len(held) == 1:
            text = _("your {product} matures {when}").format(product=product, when=_when(dates[0], day))
        elif len(dates) == 1:
            text = _("your {count} {product} all mature {when}").format(
                count=_count(len(held)), product=product, when=_when(dates[0], day))
        else:
            text = _("your {count} {product} mature {whens}").format(
                count=_count(len(held)), product=product, whens=_join(_when(d, day) for d in dates))
        if any(i.facts.get("rollover") for i in held):
            text = pgettext("maturity", "{text}, and will roll over automatically").format(text=text)
        phrases.append(text)
    return _then(phrases)


def _products(items: list[Item], noun: str) -> str:
    return _join(_by_product(items, noun))


def _nav_clause(items: list[Item], day: dt.date) -> str:
    phrases = []
    for product, held in _by_product(items, pgettext("product", "fund")).items():
        change = _decimal(held[0].facts.get("change", ""))
        if change is None:
            text = _("the NAV of your {product} has moved a lot lately")
        elif change > 0:
            text = _("the NAV of your {product} has risen a lot lately")
        else:
            text = _("the NAV of your {product} has fallen a lot lately")
        phrases.append(text.format(product=product))
    return _then(phrases)


def _flow_clause(items: list[Item], day: dt.date) -> str:
    item = items[0]
    try:
        when = _when(dt.date.fromisoformat(item.facts["date"]), day)
    except (KeyError, ValueError):
        when = _when(item.due - dt.timedelta(days=1), day)
    if item.code == C.LARGE_INFLOW:
        return _("I noticed a sizeable transfer into your account {when}").format(when=when)
    return _("I noticed a sizeable transfer out of your account {when}").format(when=when)


def _card_clause(items: list[Item], day: dt.date) -> str:
    item = items[0]
    if item.due < day:
        return _("your credit card bill was due {when}, and the payment does not seem to have come in yet").format(
            when=_when(item.due, day))
    return _("your credit card bill is due {when}").format(when=_when(item.due, day))


def _appointment_clause(items: list[Item], day: dt.date) -> str:
    item = items[0]
    if {"time", "place"} <= set(item.facts):
        return _("I would like to confirm our meeting {when} at {time}, at {place}").format(
            when=_when(item.due, day), time=item.facts["time"], place=item.facts["place"])
    return _("I would like to confirm our meeting {when}").format(when=_when(item.due, day))


def _new_customer_clause(items: list[Item], day: dt.date) -> str:
    source = items[0].facts.get("source")
    if source == "new_card":
        return _("thank you for taking a card with us")
    if source == "payroll":
        return _("thank you for having your salary paid through us")
    if source == "referral":
        return _("thank you for coming to us on a friend's recommendation")
    return _("thank you for opening an account with us")


def _opportunity_clause(items: list[Item]) -> str:
    """The product the customer showed interest in, named; the manager's own notes on the need are
    not read out (as a memo's)."""
    products = [i.facts.get("product") for i in items if i.facts.get("product")]
    if products:
        return _("the {products} you were interested in").format(products=_join(products))
    return _("what you were interested in last time")


def _drift_clause(items: list[Item]) -> str:
    facts = items[0].facts
    if not facts.get("products"):
        return _("your latest risk assessment is below some of what you hold")
    return _("your latest risk assessment came out at {level}, and your {products} now carries more risk than "
             "that").format(level=facts["level"], products=_join(facts["products"]))


_CLAUSES = {
    C.BIRTHDAY: _birthday_clause,
    C.FESTIVAL: _festival_clause,
    C.ANNIVERSARY: _anniversary_clause,
    C.DEPOSIT_MATURITY: _maturity_clause, C.PRODUCT_MATURITY: _maturity_clause, C.LOAN_MATURITY: _maturity_clause,
    C.CARD_REPAYMENT: _card_clause,
    C.LOAN_OVERDUE: lambda items, day: _("the latest instalment on your {products} has not come in yet").format(
        products=_products(items, pgettext("product", "loan"))),
    C.NAV_MOVE: _nav_clause,
    C.DIVIDEND: lambda items, day: _("the dividend on your {products} has been paid into your account").format(
        products=_products(items, pgettext("product", "fund"))),
    C.TAKE_PROFIT: lambda items, day: _(
        "your {products} has reached the take-profit target you set when you bought it").format(
        products=_products(items, pgettext("product", "fund"))),
    C.STOP_LOSS: lambda items, day: _(
        "your {products} has fallen to the stop-loss level you set when you bought it").format(
        products=_products(items, pgettext("product", "fund"))),
    C.LARGE_OUTFLOW: _flow_clause, C.LARGE_INFLOW: _flow_clause,
    C.CADENCE_DUE: lambda items, day: _("it has been a while since we last spoke"),
    C.MEMO_DUE: lambda items, day: _("what you mentioned to me last time"),
    C.FOLLOW_UP: lambda items, day: _("last time we agreed to talk again {when}").format(
        when=_when(items[0].due, day)),
    C.APPOINTMENT: _appointment_clause,
    C.NEW_CUSTOMER: _new_customer_clause,
    C.RISK_ASSESSMENT_EXPIRY: lambda items, day: _("your risk assessment expires {when}").format(
        when=_when(items[0].due, day)),
    C.OPPORTUNITY_DUE: lambda items, day: _opportunity_clause(items),
    C.WANTED_PRODUCT: lambda items, day: _wanted_clause(items),
    C.SUITABILITY_DRIFT: lambda items, day: _drift_clause(items),
    # what the customer raised is named by its date only: the category and the staff stay internal
    C.COMPLAINT_DUE: lambda items, day: _("the matter you raised with us on {date}").format(
        date=_spoken_date(dt.date.fromisoformat(items[0].facts["received"])))
    if items[0].facts.get("received") else _("the matter you raised with us"),
    C.COMPLAINT_CARE: lambda items, day: _("the matter you raised with us recently"),
    C.REFERRAL: lambda items, day: _("{referrer} recommended that I get in touch with you").format(
        referrer=items[0].facts["referrer"]) if items[0].facts.get("referrer")
    else _("you were recommended to us"),
    C.REFERRAL_THANKS: lambda items, day: _("introducing {referred} to us").format(
        referred=_join([i.facts["referred"] for i in items if i.facts.get("referred")]))
    if any(i.facts.get("referred") for i in items) else _("introducing a friend to us"),
    C.EVENT_INVITATION: _event_invitation_clause,
    C.EVENT_FOLLOW_UP: _event_follow_up_clause,
}


def clause(code: str, items: list[Item], day: dt.date) -> str:
    """What the call is about, in words for the customer (a talking point's {detail}): the product
    and its date, the festival — never an internal figure."""
    return _CLAUSES[code](items, day) if code in _CLAUSES and items else ""


# ------------------------------------------------------------------ a call's texts

@dataclass(frozen=True)
class TalkSettings:
    """What the bank set: its own lines ((code, orientation) → text) and which reasons do not mix."""

    custom: dict[tuple[str, str], str] = field(default_factory=dict)
    sensitive: frozenset[str] = SENSITIVE
    marketing: frozenset[str] = MARKETING

    @classmethod
    def load(cls) -> TalkSettings:
        custom = {(code, orientation): text
                  for code, orientation, text in TalkingPoint.objects.values_list("code", "orientation", "text")}
        rule = MixRule.objects.order_by("pk").first()
        if rule is None:
            return cls(custom)
        return cls(custom, frozenset(rule.sensitive), frozenset(rule.marketing))


@dataclass
class Topic:
    code: str
    orientation: str  # the line's slot: an orientation, FIRST_CONTACT or ""
    say: str  # the paragraph said; "" when the mixing rule left the whole topic out
    facts: str  # for the manager: the figures behind it
    hint: str  # for the manager: how to handle it
    held: str = ""  # the offer the mixing rule left out, named


@dataclass
class Talk:
    """A call's texts: `script` is said (opening, a paragraph per topic, closing); `notes` are for
    the manager only (the mixing rule's note first, then each topic's facts and hint); `hints` the
    same without the facts (the task card shows those with the reasons)."""

    script: list[str]
    topics: list[Topic]
    mix_note: str = ""
    sensitive: list[str] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.script)

    @property
    def notes(self) -> list[str]:
        out = []
        for t in self.topics:
            out.append(pgettext("note", "{facts}. {hint}").format(facts=t.facts, hint=t.hint) if t.hint else t.facts)
        return ([self.mix_note] if self.mix_note else []) + [n for n in dict.fromkeys(out) if n]

    @property
    def hints(self) -> list[str]:
        return ([self.mix_note] if self.mix_note else []) + [h for h in dict.fromkeys(t.hint for t in self.topics) if h]


def _bank_language() -> bool:
    return (translation.get_language() or "").lower() == django_settings.LANGUAGE_CODE.lower()


def _slot(code: str, items: list[Item]) -> str:
    if code != C.CADENCE_DUE:
        return ""
    facts = items[0].facts
    if (facts and facts.get("days") is None) or (not facts and items[0].detail.startswith("尚未建立联系")):
        return FIRST_CONTACT
    orientation = facts.get("orientation", "")
    return orientation if (code, orientation) in SAY else ""


def _is_sensitive(item: Item, day: dt.date, settings: TalkSettings) -> bool:
    if item.code not in settings.sensitive:
        return False
    return item.code != C.CARD_REPAYMENT or item.due < day  # a reminder until its date has passed


def _sensitive_words(items: list[Item]) -> list[str]:
    words = []
    for item in items:
        if item.code == C.CARD_REPAYMENT:
            words.append(pgettext("reason", "a card repayment overdue"))
        elif item.code in REASON_LABELS:
            words.append(str(REASON_LABELS[item.code]))
    return list(dict.fromkeys(words))


def _order(code: str, sensitive: set[str]) -> tuple:
    """Greetings first, then what makes the call sensitive (the call is about it), then the rest by weight."""
    if code in _GREETING_ORDER:
        return (0, _GREETING_ORDER.index(code))
    return (1 if code in sensitive else 2, -DEFAULTS[code].weight if code in DEFAULTS else 0, code)


def _lower_first(text: str) -> str:
    if _zh() or text.startswith(("I ", "I'")):
        return text
    return text[:1].lower() + text[1:]


def compose(reasons, *, name: str, gender: str, manager: str, day: dt.date, channel: str = "phone",
            settings: TalkSettings | None = None, stranger: bool = False) -> Talk:
    """The texts of a call about these reasons, in the active language. `stranger`: a customer not
    yet reached in person or by phone (seed 004: familiar before selling) — the call opens with the
    introduction and carries care only: every marketing offer is left out, as in a sensitive call."""
    settings = settings or TalkSettings.load()
    items = [r if isinstance(r, Item) else Item.of(r) for r in reasons]
    title = _title(name, gender)
    bank = django_settings.BANYAN_BANK_NAME
    sensitive = [i for i in items if _is_sensitive(i, day, settings)]
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.code, []).append(item)
    if C.NEW_CUSTOMER in groups:  # the welcome is the first contact: not a second introduction
        groups.pop(C.CADENCE_DUE, None)
    # a stranger: the introduction opens the call, whatever else it is about (a cadence line is one)
    introduce_stranger = stranger and C.NEW_CUSTOMER not in groups
    if introduce_stranger:
        groups.pop(C.CADENCE_DUE, None)
    # A fund that moved and hit the customer's own limit is one topic: the limit's.
    limits = {i.facts.get("product") for code in (C.STOP_LOSS, C.TAKE_PROFIT) for i in groups.get(code, ())}
    folded = [i for i in groups.get(C.NAV_MOVE, ()) if i.facts.get("product") in limits - {None}]
    if folded:
        groups[C.NAV_MOVE] = [i for i in groups[C.NAV_MOVE] if i not in folded]
        if not groups[C.NAV_MOVE]:
            del groups[C.NAV_MOVE]
    sensitive_codes = {i.code for i in sensitive}
    topics: list[Topic] = []
    held_back: list[str] = []
    said = joined = 0  # paragraphs said; joined to those before with a connecting word
    own_lines = settings.custom if _bank_language() else {}
    if introduce_stranger:  # the first contact's own line (the bank's, when it wrote one)
        intro = own_lines.get((C.CADENCE_DUE, FIRST_CONTACT)) or SAY[(C.CADENCE_DUE, FIRST_CONTACT)]
        topics.append(Topic(C.CADENCE_DUE, FIRST_CONTACT, _capital(_fill(intro, title=title, name=name, manager=manager,
                                                                         detail="") or ""),
                            _("Never reached in person or by phone (a stranger)"),
                            str(HINTS[(C.CADENCE_DUE, FIRST_CONTACT)])))
        said += 1  # a stranger's topics follow the introduction
    for code in sorted(groups, key=lambda c: _order(c, sensitive_codes)):
        group = groups[code]
        slot = _slot(code, group)
        key = (code, slot) if (code, slot) in SAY else (code, "")
        detail = clause(code, group, day)
        hold = (bool(sensitive) or stranger) and code in settings.marketing
        overdue_card = code == C.CARD_REPAYMENT and group[0].due < day
        values = {"title": title, "name": name, "manager": manager, "detail": detail}
        paragraph = None
        own = own_lines.get((code, slot)) or (None if (code, slot) in SAY else own_lines.get((code, "")))
        if own and not hold and not overdue_card:
            paragraph = _fill(own, **values)
        if paragraph is None:
            notice = CARD_OVERDUE_SAY if overdue_card else SAY.get(key, "{detail}")
            offer = "" if hold else OFFER.get(key, "")
            paragraph = _sentences(_fill(notice, **values) or "", _fill(offer, **values) or "")
        held = str(OFFER_NAMES.get(key, "")) if hold and key in OFFER else ""
        if held:
            held_back.append(held)
        paragraph = _capital(paragraph.strip())
        if paragraph and code not in _GREETING_ORDER and joined < said:
            paragraph = _capital((ALSO if joined == 0 else AND).format(text=_lower_first(paragraph)))
            joined += 1
        said += bool(paragraph)
        if code in (C.STOP_LOSS, C.TAKE_PROFIT):
            group = group + [i for i in folded if i.facts.get("product") in {g.facts.get("product") for g in group}]
        facts = pgettext("list of facts", "; ").join(dict.fromkeys(detail_text(i) for i in group))
        hint = HINTS.get((code, slot)) or HINTS.get((code, ""), "")
        topics.append(Topic(code, slot, paragraph, facts, str(hint), held))
    mix_note = ""
    if stranger and not sensitive:
        mix_note = (_("Not yet reached in person or by phone: care and an introduction only, no product. Left out: "
                      "{offers}.").format(offers=_join(held_back)) if held_back
                    else _("Not yet reached in person or by phone: care and an introduction only, no product."))
    elif sensitive:
        matters = _join(_sensitive_words(sensitive))
        if held_back:
            mix_note = _("A sensitive call ({matters}): no marketing in it. Left out: {offers}.").format(
                matters=matters, offers=_join(held_back))
        else:
            mix_note = _("A sensitive call ({matters}): no marketing in it.").format(matters=matters)
    written = channel in _WRITTEN
    opening = (OPENING_WRITTEN if written else OPENING_SPOKEN).format(title=title, manager=manager, bank=bank)
    closing = str(CLOSING_WRITTEN if written else CLOSING_SPOKEN)
    script = [opening, *(t.say for t in topics if t.say), closing] if topics else []
    return Talk(script, topics, mix_note, _sensitive_words(sensitive), held_back)


def task_talk(task, *, settings: TalkSettings | None = None, manager: str | None = None,
              today: dt.date | None = None) -> Talk:
    """The texts of a stored task, for the day it is worked on: an open task of an earlier day is
    called today (its dates said from today); a closed one as it was on its day."""
    today = today or clock.today()
    day = today if task.status == "open" and task.date <= today else task.date
    if manager is None:
        manager = task.manager.display_name
    # a stranger (seed 004): never reached in person or by phone (contacts.models.is_stranger)
    stranger = is_stranger(task.customer)
    return compose(list(task.reasons.all()), name=task.customer.name, gender=task.customer.gender, manager=manager,
                   day=day, channel=task.suggested_channel, settings=settings, stranger=stranger)
