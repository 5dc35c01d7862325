"""The bank's own worklist settings (issue 3, items 3–5): reason rules (lead days, weight, on/off),
the reasons that do not mix in one call, talking-point templates, the holiday table, and the
segmentation policy. Every write is audited with what it was before and what it is after; the
engine (`services.reason_rules`, `talking.TalkSettings`, `services.holiday_overrides_load`) reads
these tables as they are."""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import holidays
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from banyan import clock
from banyan.audit.services import audit_log, diff
from banyan.calendars import workdays
from banyan.customers.models import Orientation
from banyan.segments.models import SegmentPolicy
from banyan.segments.services import segments_recompute
from banyan.worklists.models import HolidayOverride, MixRule, ReasonCode, ReasonRule, TalkingPoint
from banyan.worklists.models import ReasonCode as C
from banyan.worklists.reasons import DEFAULTS, FIRST_CONTACT, MARKETING, SENSITIVE, default_line
from banyan.worklists.services import holiday_overrides_load
from banyan.worklists.talking import Item, clause

LEAD_DAYS_MAX = 90
WEIGHT_MAX = 100
TEMPLATE_MAX = 500  # TalkingPoint.text
HOLIDAY_NAME_MAX = 50  # HolidayOverride.name

#: The only placeholders a talking point may use (services.talking_points fills exactly these).
PLACEHOLDERS = ("title", "name", "detail", "manager")

#: The regular-contact lines: one per orientation (SEG-2 sets the content), "" = not segmented yet,
#: and the first contact of a customer never contacted (only care, no product: seed 004).
CADENCE_ORIENTATIONS = ("", Orientation.RELATIONSHIP, Orientation.VALUE, Orientation.SERVICE, FIRST_CONTACT)

#: The sample customer of the live preview, and the facts a trigger could keep for each reason
#: (days from today, facts): the preview's {detail} is written from them as for a real task.
SAMPLE = {"title": "王先生", "name": "王建国", "manager": "张敏"}
_SAMPLE_FACTS: dict[str, tuple[int, dict]] = {
    C.BIRTHDAY: (0, {"age": 60, "lunar": 0}),
    C.FESTIVAL: (3, {"festival": "spring_festival"}),
    C.ANNIVERSARY: (2, {"field": "wedding_anniversary", "years": 30}),
    C.DEPOSIT_MATURITY: (5, {"product": "三年期整存整取", "amount": "300000", "rollover": False}),
    C.PRODUCT_MATURITY: (7, {"product": "安心理财180天", "amount": "1200000", "rollover": False}),
    C.LOAN_MATURITY: (27, {"product": "个人住房贷款", "amount": "450000", "rollover": False}),
    C.LOAN_OVERDUE: (0, {"product": "个人消费贷款", "days": 5, "amount": "125000"}),
    C.CARD_REPAYMENT: (2, {"minimum": "1280.00"}),
    C.NAV_MOVE: (0, {"product": "稳健成长混合基金", "change": "-3.5", "nav_date": "2026-11-20"}),
    C.DIVIDEND: (0, {"product": "稳健成长混合基金", "per_unit": "0.05", "amount": "5,000.00"}),
    C.TAKE_PROFIT: (0, {"product": "稳健成长混合基金", "cost": "1.0000", "nav": "1.2100", "change": "+21.0",
                        "pct": "20"}),
    C.STOP_LOSS: (0, {"product": "稳健成长混合基金", "cost": "1.0000", "nav": "0.8800", "change": "-12.0",
                      "pct": "10"}),
    C.LARGE_OUTFLOW: (0, {"amount": "500000", "counterparty": "某证券公司", "date": ""}),
    C.LARGE_INFLOW: (0, {"amount": "800000", "counterparty": "", "date": ""}),
    C.CADENCE_DUE: (0, {"days": 35, "every": 30, "orientation": ""}),
    C.MEMO_DUE: (0, {}),
    C.FOLLOW_UP: (0, {}),
    C.APPOINTMENT: (1, {"time": "10:00", "place": "城东支行", "purpose": "面谈资产配置"}),
    C.NEW_CUSTOMER: (0, {"source": "payroll", "opened": "2026-11-16"}),
    C.RISK_ASSESSMENT_EXPIRY: (27, {"level": "C3"}),
    C.OPPORTUNITY_DUE: (0, {"need": "孩子教育金", "product": "安心理财180天", "amount": "300000", "stage": "contacted",
                            "follow_up": ""}),
    C.SUITABILITY_DRIFT: (0, {"level": "C2", "products": ["稳健成长混合基金"]}),
    C.COMPLAINT_DUE: (3, {"category": "收费", "received": "", "owner": ""}),
    C.COMPLAINT_CARE: (0, {"category": "收费", "resolved": ""}),
    C.REFERRAL: (0, {"referrer": "李秀英", "need": "孩子教育金规划"}),
    C.REFERRAL_THANKS: (0, {"referred": "赵磊", "outcome": "customer"}),
    C.EVENT_INVITATION: (1, {"event": "2027年市场展望", "type": "lecture", "date": "", "time": "14:30",
                             "place": "城东支行三楼"}),
    C.EVENT_FOLLOW_UP: (0, {"event": "2027年市场展望", "type": "lecture", "theme": "明年的资产配置", "attended": True}),
    C.WANTED_PRODUCT: (0, {"product": "积存金", "type": "precious_metal", "asked": "2026-08-20"}),
}


def example_detail(code: str, orientation: str = "") -> str:
    """What {detail} says in the preview: the sample's words for the customer, in the active language."""
    offset, facts = _SAMPLE_FACTS.get(code, (0, {}))
    today = clock.today()
    facts = dict(facts)
    for name in ("received", "resolved"):  # a complaint: received twelve days ago, resolved yesterday
        if facts.get(name) == "":
            facts[name] = (today - dt.timedelta(days=12 if name == "received" else 1)).isoformat()
    if code == C.EVENT_INVITATION:  # the event: the day after the reminder
        facts["date"] = (today + dt.timedelta(days=offset + 1)).isoformat()
    if facts.get("date") == "":  # a transfer: the day before it comes up
        facts["date"] = (today - dt.timedelta(days=1)).isoformat()
    if code == C.CADENCE_DUE and orientation == FIRST_CONTACT:
        facts["days"] = None
    return clause(code, [Item(code, "", today + dt.timedelta(days=offset), facts)], today)


# ------------------------------------------------------------------ reason rules

@dataclass(frozen=True)
class RuleRow:
    """A reason as the settings page shows it: the defaults and the bank's override, if any."""

    code: str
    label: str
    default_lead_days: int
    default_weight: int
    grace_days: int
    service: bool
    override: ReasonRule | None

    @property
    def lead_days(self) -> int:
        return self.override.lead_days if self.override else self.default_lead_days

    @property
    def weight(self) -> int:
        return self.override.weight if self.override else self.default_weight

    @property
    def enabled(self) -> bool:
        return self.override.enabled if self.override else True


def rule_rows() -> list[RuleRow]:
    """Every reason, heaviest default first, with the bank's override (ReasonRule) if any."""
    overrides = {r.code: r for r in ReasonRule.objects.all()}
    return [RuleRow(code, str(ReasonCode(code).label), d.lead_days, d.weight, d.grace_days, d.service,
                    overrides.get(code)) for code, d in DEFAULTS.items()]


def _rule_state(code: str, rule: ReasonRule | None) -> dict:
    d = DEFAULTS[code]
    if rule is None:
        return {"lead_days": d.lead_days, "weight": d.weight, "enabled": True, "override": False}
    return {"lead_days": rule.lead_days, "weight": rule.weight, "enabled": rule.enabled, "override": True}


def _known_reason(code: str) -> None:
    if code not in DEFAULTS:
        raise ValidationError({"code": [_("Unknown reason: %(code)s.") % {"code": code}]})


@transaction.atomic
def reason_rule_save(*, actor, code: str, lead_days: int, weight: int, enabled: bool) -> ReasonRule:
    """Create or update the bank's rule for a reason: how many days ahead it comes up (0–90), how
    much it weighs (0–100) and whether it is planned at all."""
    _known_reason(code)
    errors: dict[str, list[str]] = {}
    if not 0 <= lead_days <= LEAD_DAYS_MAX:
        errors["lead_days"] = [_("Days ahead must be between 0 and %(max)d.") % {"max": LEAD_DAYS_MAX}]
    if not 0 <= weight <= WEIGHT_MAX:
        errors["weight"] = [_("Weight must be between 0 and %(max)d.") % {"max": WEIGHT_MAX}]
    elif enabled and weight == 0:
        # The engine leaves out a reason that weighs nothing: say so instead of doing it silently.
        errors["weight"] = [_("A reason that is on needs a weight of at least 1; to switch it off, untick "
                              "“enabled”.")]
    if errors:
        raise ValidationError(errors)
    rule = ReasonRule.objects.select_for_update().filter(code=code).first()
    before = _rule_state(code, rule)
    if rule is None:
        rule = ReasonRule(code=code)
    rule.lead_days, rule.weight, rule.enabled = lead_days, weight, enabled
    rule.save()
    after = _rule_state(code, rule)
    if before != after:
        audit_log(actor=actor, action="settings.reason_rule_changed", obj=rule, detail=code, before=before,
                  after=after)
    return rule


@transaction.atomic
def reason_rule_reset(*, actor, code: str) -> bool:
    """Back to the defaults: the bank's rule for the reason is deleted. False if there was none."""
    _known_reason(code)
    rule = ReasonRule.objects.select_for_update().filter(code=code).first()
    if rule is None:
        return False
    before = _rule_state(code, rule)
    rule.delete()
    # obj after the delete: no id left, but the audit page names the fields after the model's.
    audit_log(actor=actor, action="settings.reason_rule_changed", obj=rule, detail=code, before=before,
              after=_rule_state(code, None))
    return True


# ------------------------------------------------------------------ reasons that do not mix

@dataclass(frozen=True)
class MixState:
    """Which reasons make a call sensitive, and which reasons' offers such a call leaves out."""

    sensitive: frozenset[str]
    marketing: frozenset[str]
    custom: bool  # set by the bank (else the defaults)

    def as_dict(self) -> dict:
        return {"sensitive": sorted(self.sensitive), "marketing": sorted(self.marketing)}


def mix_rule() -> MixState:
    rule = MixRule.objects.order_by("pk").first()
    if rule is None:
        return MixState(SENSITIVE, MARKETING, False)
    return MixState(frozenset(rule.sensitive), frozenset(rule.marketing), True)


@transaction.atomic
def mix_rule_save(*, actor, sensitive, marketing) -> MixState:
    """The bank's rule of reasons that do not mix: a call with a `sensitive` reason (an overdue
    loan, a card repayment past its date) leaves out the offers of the `marketing` reasons (and a
    marketing reason with nothing else to say). A reason cannot be both. Audited."""
    sensitive, marketing = frozenset(sensitive), frozenset(marketing)
    unknown = sorted((sensitive | marketing) - set(DEFAULTS))
    if unknown:
        raise ValidationError({"__all__": [_("Unknown reason: %(code)s.") % {"code": ", ".join(unknown)}]})
    both = sorted(sensitive & marketing, key=list(DEFAULTS).index)
    if both:
        names = "、".join(str(ReasonCode(code).label) for code in both)
        raise ValidationError({"marketing": [
            _("%(reasons)s cannot be both: a sensitive matter is what the call is about, not marketing.")
            % {"reasons": names}]})
    MixRule.objects.select_for_update().order_by("pk").first()  # one change at a time
    before = mix_rule()
    after = MixState(sensitive, marketing, True)
    if before.as_dict() == after.as_dict():
        return before
    MixRule.objects.all().delete()
    rule = MixRule.objects.create(sensitive=after.as_dict()["sensitive"], marketing=after.as_dict()["marketing"])
    audit_log(actor=actor, action="settings.mix_rule_changed", obj=rule, before=before.as_dict(),
              after=after.as_dict())
    return after


@transaction.atomic
def mix_rule_reset(*, actor) -> bool:
    """Back to the defaults. False if the bank had no rule of its own."""
    rule = MixRule.objects.select_for_update().order_by("pk").first()
    if rule is None:
        return False
    before = mix_rule()
    MixRule.objects.all().delete()
    audit_log(actor=actor, action="settings.mix_rule_changed", obj=rule, before=before.as_dict(),
              after=MixState(SENSITIVE, MARKETING, False).as_dict())
    return True


# ------------------------------------------------------------------ talking points

def template_errors(text: str) -> list[str]:
    """Why a talking-point template cannot be used, in words (empty when it can): a placeholder
    other than {title} {name} {detail} {manager}, a brace without its pair, a format spec."""
    allowed = " ".join("{" + p + "}" for p in PLACEHOLDERS)
    if not text.strip():
        return [_("Write the talking point.")]
    errors: list[str] = []
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return [_brace_error(text)]
    for _literal, field, spec, conversion in fields:
        if field is None:
            continue
        if field == "":
            errors.append(_("“{}” has no name: use one of %(allowed)s.") % {"allowed": allowed})
        elif field not in PLACEHOLDERS:
            errors.append(_("Unknown placeholder “{%(name)s}”: only %(allowed)s can be used.")
                          % {"name": field, "allowed": allowed})
        elif spec or conversion:
            shown = field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            errors.append(_("Write “{%(field)s}” as “{%(name)s}”, without anything after the name.")
                          % {"field": shown, "name": field})
    if not errors:  # the same dry run the engine does when it builds a task
        try:
            text.format(**{p: "" for p in PLACEHOLDERS})
        except (ValueError, KeyError, IndexError, AttributeError) as e:
            errors.append(_("This template cannot be filled in: %(error)s") % {"error": e})
    return list(dict.fromkeys(errors))


def _brace_error(text: str) -> str:
    """The first brace without its pair, by position, for the message."""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "{}" and text[i:i + 2] == ch * 2:
            i += 2
            continue
        if ch == "}":
            return _("A lone “}” at character %(pos)d: a placeholder is written like {name}; to show a brace, "
                     "write “}}”.") % {"pos": i + 1}
        if ch == "{":
            end = text.find("}", i + 1)
            inner = text.find("{", i + 1)
            if end == -1 or (inner != -1 and inner < end):
                return _("A “{” without its “}” at character %(pos)d: a placeholder is written like {name}; "
                         "to show a brace, write “{{”.") % {"pos": i + 1}
            i = end + 1
            continue
        i += 1
    return _("The braces do not pair up: a placeholder is written like {name}; to show a brace, write “{{” or "
             "“}}”.")


def check_template(text: str) -> None:
    errors = template_errors(text)
    if errors:
        raise ValidationError({"text": errors})
    if len(text) > TEMPLATE_MAX:
        raise ValidationError({"text": [_("At most %(max)d characters.") % {"max": TEMPLATE_MAX}]})


def render_template(text: str, code: str, orientation: str = "") -> str:
    """The template filled in for the sample customer (the preview); raises ValidationError."""
    check_template(text)
    return text.format(detail=example_detail(code, orientation), **SAMPLE)


def default_text(code: str, orientation: str) -> str:
    return default_line(code, orientation)


def _known_slot(code: str, orientation: str) -> None:
    _known_reason(code)
    if orientation and (code != C.CADENCE_DUE or orientation not in CADENCE_ORIENTATIONS):
        raise ValidationError({"orientation": [_("Only regular contacts have a line per orientation.")]})


@dataclass(frozen=True)
class TalkingPointSlot:
    """One editable line: a reason (and for regular contacts an orientation)."""

    code: str
    orientation: str
    label: str
    orientation_label: str
    default: str
    custom: str | None

    @property
    def text(self) -> str:
        return self.custom if self.custom is not None else self.default

    @property
    def key(self) -> str:
        return f"{self.code}-{self.orientation or 'any'}"


def talking_point_slots() -> list[TalkingPointSlot]:
    """Every reason in the order of the reason codes; regular contacts once per orientation."""
    custom = {(t.code, t.orientation): t.text for t in TalkingPoint.objects.all()}
    orientation_labels = dict(Orientation.choices)
    slots = []
    orientation_labels[FIRST_CONTACT] = _("Never contacted (first contact)")
    for code in ReasonCode.values:
        for orientation in CADENCE_ORIENTATIONS if code == C.CADENCE_DUE else ("",):
            label = (str(orientation_labels[orientation]) if orientation
                     else (_("Not segmented yet") if code == C.CADENCE_DUE else ""))
            slots.append(TalkingPointSlot(code, orientation, str(ReasonCode(code).label), label,
                                          default_text(code, orientation), custom.get((code, orientation))))
    return slots


@transaction.atomic
def talking_point_save(*, actor, code: str, orientation: str = "", text: str) -> TalkingPoint | None:
    """The bank's own line for a reason. Refused, and nothing saved, when it uses a placeholder
    other than {title} {name} {detail} {manager} or a stray brace. A text equal to the default
    removes the bank's line (None): the default applies."""
    _known_slot(code, orientation)
    text = text.strip().replace("\r\n", "\n")
    check_template(text)
    point = TalkingPoint.objects.select_for_update().filter(code=code, orientation=orientation).first()
    before = {"text": point.text if point else None}
    if text == default_text(code, orientation):
        if point is not None:
            point.delete()
            audit_log(actor=actor, action="settings.talking_point_changed", obj=point,
                      detail=f"{code} {orientation}".strip(), before=before, after={"text": None})
        return None
    if point is None:
        point = TalkingPoint(code=code, orientation=orientation)
    elif point.text == text:
        return point
    point.text = text
    point.save()
    audit_log(actor=actor, action="settings.talking_point_changed", obj=point,
              detail=f"{code} {orientation}".strip(), before=before, after={"text": text})
    return point


@transaction.atomic
def talking_point_reset(*, actor, code: str, orientation: str = "") -> bool:
    """Back to the default line. False if the bank had none."""
    _known_slot(code, orientation)
    point = TalkingPoint.objects.select_for_update().filter(code=code, orientation=orientation).first()
    if point is None:
        return False
    before = {"text": point.text}
    point.delete()
    audit_log(actor=actor, action="settings.talking_point_changed", obj=point, detail=f"{code} {orientation}".strip(),
              before=before, after={"text": None})
    return True


# ------------------------------------------------------------------ holidays

@cache
def _library(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=year, language="zh_CN")


def library_is_working_day(day: dt.date) -> bool:
    """What the `holidays` library alone says, without the bank's overrides."""
    return _library(day.year).is_working_day(day)


@dataclass
class HolidayBreak:
    name: str
    first: dt.date
    last: dt.date
    overridden: bool = False  # a day of it comes from the bank's table

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass
class YearCalendar:
    year: int
    breaks: list[HolidayBreak]
    makeup_days: list[tuple[dt.date, bool]]  # (weekend working day, from the bank's table)

    @property
    def schedule_known(self) -> bool:
        """The library projects a year whose schedule is not out yet: no make-up workdays then."""
        return bool(self.makeup_days)


def year_calendar(year: int) -> YearCalendar:
    """The statutory holidays (grouped into breaks) and make-up workdays of a year, as the
    calendar sees them now, the bank's overrides included."""
    own = workdays.overrides()
    day, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    breaks: list[HolidayBreak] = []
    makeup: list[tuple[dt.date, bool]] = []
    while day <= end:
        if workdays.is_working_day(day):
            if day.weekday() >= 5:
                makeup.append((day, day in own))
        else:
            name = workdays.holiday_name(day)
            if name is not None:
                last = breaks[-1] if breaks else None
                if last is not None and last.name == name and (day - last.last).days == 1:
                    last.last = day
                else:
                    last = HolidayBreak(name, day, day)
                    breaks.append(last)
                last.overridden = last.overridden or day in own
        day += dt.timedelta(days=1)
    return YearCalendar(year, breaks, makeup)


def _holiday_state(row: HolidayOverride) -> dict:
    return {"date": row.date, "is_working_day": row.is_working_day, "name": row.name}


def holiday_override_add(*, actor, date: dt.date, is_working_day: bool, name: str = "") -> HolidayOverride:
    """Add a day to the bank's holiday table (a holiday, or a weekend make-up workday) and let
    the calendar use it at once. A date already in the table is refused."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if len(name) > HOLIDAY_NAME_MAX:
        errors["name"] = [_("At most %(max)d characters.") % {"max": HOLIDAY_NAME_MAX}]
    existing = HolidayOverride.objects.filter(date=date).first()
    if existing is not None:
        kind = _("working day") if existing.is_working_day else _("day off")
        errors["date"] = [_("%(date)s is already in the table (%(kind)s%(name)s): delete it first to change it.")
                          % {"date": date.isoformat(), "kind": kind,
                             "name": f"，{existing.name}" if existing.name else ""}]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            row = HolidayOverride.objects.create(date=date, is_working_day=is_working_day, name=name)
            audit_log(actor=actor, action="settings.holiday_changed", obj=row, detail=date.isoformat(),
                      after=_holiday_state(row))
    except IntegrityError:  # added by someone else a moment ago
        raise ValidationError({"date": [_("%(date)s is already in the table: delete it first to change it.")
                                        % {"date": date.isoformat()}]}) from None
    holiday_overrides_load()
    return row


def holiday_override_delete(*, actor, override_id: int) -> HolidayOverride:
    row = HolidayOverride.objects.filter(pk=override_id).first()
    if row is None:
        raise ValidationError({"date": [_("This day is no longer in the table.")]})
    with transaction.atomic():
        before = _holiday_state(row)
        row.delete()
        audit_log(actor=actor, action="settings.holiday_changed", obj=row, detail=before["date"].isoformat(),
                  before=before)
    holiday_overrides_load()
    return row


# ------------------------------------------------------------------ segmentation policy

POLICY_FIELDS = ("aum_high", "potential_high", "priority_share_pct", "days_high_high", "days_low_high",
                 "days_high_low", "days_low_low", "call_cap_aum", "call_cap_per_month", "large_flow_amount",
                 "nav_move_pct")
#: The fields that change a customer's segment: a change asks for the segments to be recomputed.
SEGMENT_FIELDS = ("aum_high", "potential_high", "priority_share_pct", "days_high_high", "days_low_high",
                  "days_high_low", "days_low_low")
FREQUENCY_MAX = 365
MONEY_MAX = Decimal("99999999999999.99")  # max_digits 16, 2 places


def _policy_errors(values: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name in ("aum_high", "call_cap_aum", "large_flow_amount"):
        if not Decimal(0) < values[name] <= MONEY_MAX:
            refuse(name, _("Enter an amount above 0."))
    for name in ("days_high_high", "days_low_high", "days_high_low", "days_low_low"):
        if not 1 <= values[name] <= FREQUENCY_MAX:
            refuse(name, _("A frequency is between 1 and %(max)d days.") % {"max": FREQUENCY_MAX})
    if not 1 <= values["potential_high"] <= 100:
        refuse("potential_high", _("A potential score is between 1 and 100."))
    if not 1 <= values["priority_share_pct"] <= 100:
        refuse("priority_share_pct", _("Enter a share between 1 and 100%."))
    if not 1 <= values["call_cap_per_month"] <= 31:
        refuse("call_cap_per_month", _("Enter between 1 and 31 calls a month."))
    if not Decimal(0) < values["nav_move_pct"] <= 100:
        refuse("nav_move_pct", _("Enter a percentage above 0 and at most 100."))
    return errors


def policy_save(*, actor, recompute: bool = True, **values) -> tuple[SegmentPolicy, int | None]:
    """Change the bank's thresholds and frequencies. Returns the policy and, when a change moves
    customers between segments and `recompute` is set, how many customers were re-segmented."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({"__all__": [_("Unknown setting: %(names)s.") % {"names": ", ".join(sorted(unknown))}]})
    with transaction.atomic():
        policy = SegmentPolicy.current()
        policy = SegmentPolicy.objects.select_for_update().get(pk=policy.pk)
        old = {name: getattr(policy, name) for name in POLICY_FIELDS}
        new = {**old, **values}
        for name in ("aum_high", "call_cap_aum", "large_flow_amount", "nav_move_pct"):
            new[name] = Decimal(new[name])
        errors = _policy_errors(new)
        if errors:
            raise ValidationError(errors)
        before, after = diff(old, new)
        if not after:
            return policy, None
        for name, value in after.items():
            setattr(policy, name, value)
        policy.save(update_fields=list(after))
        audit_log(actor=actor, action="settings.policy_changed", obj=policy, detail=", ".join(after),
                  before=before, after=after)
    if recompute and set(after) & set(SEGMENT_FIELDS):
        return policy, segments_recompute(actor=actor)
    return policy, None
