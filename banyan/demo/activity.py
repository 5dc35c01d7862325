"""A year of life in the demo bank: contacts (维护记录), service memos (服务备忘录) and monthly AUM
snapshots. Managers call their valuable customers more; many small customers were never called."""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.utils import timezone

from banyan.contacts.models import Appointment, AppointmentStatus, Interaction, Memo, MemoStatus
from banyan.customers.models import Customer
from banyan.demo import history, profiles
from banyan.demo.people import TIER_AFFLUENT, TIER_SAVER, Person
from banyan.holdings.models import Holding

# Contacts a year by wealth tier (lowest first), and the chance a customer was never contacted.
CONTACTS_PER_YEAR = (0.5, 1.3, 3.0, 6.0, 10.0, 18.0, 30.0)
NEVER_CONTACTED = (0.65, 0.40, 0.15, 0.05, 0.03, 0.02, 0.0)
PURPOSE_WEIGHTS = {"care": 3.0, "maturity": 2.5, "after_sales": 2.5, "product": 2.0, "invitation": 1.0,
                   "service": 1.5, "complaint": 0.15, "info": 1.0}
_HOURS = [9, 10, 11, 12, 14, 15, 16, 17, 18, 19]
# Meetings booked by a contact (已约见): when, where and what for.
_MEETING_TIMES = [(9, 30), (10, 0), (10, 30), (14, 0), (14, 30), (15, 30)]
_MEETING_PLACES = ["网点贵宾室", "网点理财室", "网点贵宾室"]
_MEETING_PURPOSES = {"maturity": "到期资金安排", "product": "产品介绍与办理", "invitation": "参加客户活动",
                     "after_sales": "持仓检视", "care": "面谈", "info": "了解需求"}
_HOUR_WEIGHTS = [3, 3, 3, 0.6, 3, 3, 3, 2, 1, 0.6]


def _birthday_in(birth: dt.date, year: int) -> dt.date:
    try:
        return birth.replace(year=year)
    except ValueError:  # born on 29 February
        return dt.date(year, 2, 28)


def poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def day_text(day: dt.date) -> str:
    """8月31日, or 8月底 for the last days of a month — as a manager writes it."""
    return f"{day.month}月底" if day.day >= 26 else f"{day.month}月{day.day}日"


def amount_text(amount: Decimal) -> str:
    if amount >= 10_000:
        wan = amount / 10_000
        return f"{wan:.0f}万" if wan >= 10 else f"{wan:.1f}万".replace(".0万", "万")
    return f"{amount:.0f}元"


# Festivals by their lunar dates (传统节日), turned into solar dates per year.
FESTIVALS = {"spring": (1, 1), "dragon_boat": (5, 5), "mid_autumn": (8, 15), "double_ninth": (9, 9)}
# Greetings go out in the days before the festival; a birthday call on the day.
LEAD_DAYS = 5
_PURPOSE_NOTES = {purpose: sum(n.weight for n in history.NOTES if n.purpose == purpose) for purpose in PURPOSE_WEIGHTS}
_KINDS = {"td": "time_deposit", "wm": "wealth", "fund": "fund", "bond": "bond", "card": "credit_card", "loan": "loan"}


def festival_dates(today: dt.date) -> dict[str, list[dt.date]]:
    from lunar_python import Lunar

    return {name: [dt.date.fromisoformat(Lunar.fromYmd(year, month, day).getSolar().toYmd())
                   for year in (today.year - 1, today.year)]
            for name, (month, day) in FESTIVALS.items()}


class HistoryMaker:
    def __init__(self, rng: random.Random, today: dt.date, team: dict[int, dict[str, object]]) -> None:
        """`team`: per branch id, the branch's "lobby" and "planner" staff rows."""
        self.rng, self.today, self.team = rng, today, team
        self.tz = timezone.get_default_timezone()
        self.festivals = festival_dates(today)
        self.weights = [PURPOSE_WEIGHTS[n.purpose] * n.weight / _PURPOSE_NOTES[n.purpose] for n in history.NOTES]

    def _moment(self, day: dt.date, channel: str, *, movable: bool) -> dt.datetime:
        rng = self.rng
        if movable and day.weekday() >= 5 and channel not in ("event", "wechat") and rng.random() < 0.7:
            day -= dt.timedelta(days=day.weekday() - 4)  # most work happens on weekdays
        hour = rng.choices(_HOURS, weights=_HOUR_WEIGHTS)[0]
        if channel == "branch":
            hour = min(hour, 16)
        return dt.datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=self.tz)

    def _channels(self, p: Person, c: Customer) -> set[str]:
        allowed = {"branch", "event"}
        if p.tier >= TIER_AFFLUENT:
            allowed.add("visit")
        if not c.do_not_disturb:
            for channel, ok in (("phone", c.consent_phone), ("sms", c.consent_sms), ("wechat", c.consent_wechat),
                                ("email", c.consent_email)):
                if ok:
                    allowed.add(channel)
        return allowed

    def _options(self, note: history.Note, p: Person, c: Customer, holdings: list[Holding], start: dt.date,
                 end: dt.date) -> list[tuple[Holding | None, dt.date, dt.date]]:
        """Where a note can go: (the holding it names, first day, last day); empty when nowhere."""
        if (note.needs == "kids" and not p.kids or note.needs == "elder" and p.age < 60
                or note.needs == "cautious" and c.risk_level not in ("", "C1", "C2")):
            return []
        if note.when == "birthday":
            if c.lunar_birthday:
                return []  # its date needs the lunar calendar per birth year: the worklist's job
            days = [d for d in (_birthday_in(p.birth, year) for year in (end.year - 1, end.year)) if start <= d <= end]
            return [(None, d, d) for d in days]
        if note.when:
            return [(None, max(start, d - dt.timedelta(days=LEAD_DAYS)), min(end, d))
                    for d in self.festivals[note.when] if max(start, d - dt.timedelta(days=LEAD_DAYS)) <= min(end, d)]
        if note.needs not in _KINDS:
            return [(None, start, end)]
        held = [h for h in holdings if h.product.type == _KINDS[note.needs]]
        if note.outcome == "sold":  # the sale itself
            return [(h, h.purchase_date, h.purchase_date) for h in held if start <= h.purchase_date <= end]
        if note.purpose == "maturity":  # just before the deposit that followed the one that matured
            return [(h, h.purchase_date - dt.timedelta(days=10), h.purchase_date - dt.timedelta(days=1))
                    for h in held if start + dt.timedelta(days=10) <= h.purchase_date <= end]
        return [(h, max(start, h.purchase_date), end) for h in held if h.purchase_date <= end]

    def interactions(self, p: Person, c: Customer, holdings: list[Holding]) -> list[Interaction]:
        rng, today = self.rng, self.today
        if rng.random() < NEVER_CONTACTED[p.tier]:
            return []
        count = max(1, poisson(rng, CONTACTS_PER_YEAR[p.tier]))
        if c.do_not_disturb:
            count = max(1, count // 3)
        start = max(c.account_opened_on, today - dt.timedelta(days=365))
        end = today - dt.timedelta(days=1)
        if rng.random() < 0.12:  # not contacted for months
            end = today - dt.timedelta(days=rng.randint(90, 200))
        if end < start:
            return []
        allowed = self._channels(p, c)
        notes, weights, options = [], [], []
        for note, weight in zip(history.NOTES, self.weights, strict=True):
            if allowed.intersection(note.channels):
                where = self._options(note, p, c, holdings, start, end)
                if where:
                    notes.append(note)
                    weights.append(weight)
                    options.append(where)
        team = self.team[c.branch_id]
        out = []
        for _k in range(count):
            if not any(weights):
                break
            k = rng.choices(range(len(notes)), weights=weights)[0]
            note = notes[k]
            h, first, last = rng.choice(options[k])
            if note.when or h is not None and (note.purpose == "maturity" or note.outcome == "sold"):
                options[k].remove((h, first, last))  # a dated event happens once
                if not options[k]:
                    weights[k] = 0
            day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
            channel = rng.choice(sorted(allowed.intersection(note.channels)))
            staff = c.rm
            if channel == "branch" and rng.random() < 0.45:
                staff = team["lobby"]
            elif c.assistant is not None and channel in ("phone", "wechat", "sms") and rng.random() < 0.2:
                staff = c.assistant
            elif note.purpose in ("product", "after_sales") and p.tier >= TIER_SAVER and rng.random() < 0.12:
                staff = team["planner"]
            words = self._words(p, c, h)
            info, step = "", ""
            if note.outcome in ("reached", "interested", "appointment", "sold") and rng.random() < 0.18:
                info = rng.choice(history.NEW_INFO).format(**words)
            if note.outcome != "not_reached" and rng.random() < 0.25:
                step = rng.choice(history.NEXT_STEPS)
            out.append(Interaction(customer_id=c.pk, staff_id=staff.pk, channel=channel,
                                   occurred_at=self._moment(day, channel, movable=first != last),
                                   purpose=note.purpose, summary=note.summary.format(**words), outcome=note.outcome,
                                   rejection_reason=note.rejection_reason, new_info=info, next_step=step))
        return out

    def appointments(self, interactions: list[Interaction]) -> list[Appointment]:
        """The meeting each contact that ended in 已约见 booked, a few working days later: held (or
        missed) when that day has passed, still to come otherwise — so 我的约见, the calendar feed
        and the worklist's appointment reason have the meetings the contact history speaks of. Each
        meeting draws from its own seeded generator, leaving the rest of the demo as it was."""
        now = dt.datetime.combine(self.today, dt.time(8, 0), tzinfo=self.tz)
        out = []
        for i in interactions:
            if i.outcome != "appointment":
                continue
            rng = random.Random(f"meeting-{i.customer_id}-{i.occurred_at.isoformat()}")
            day = i.occurred_at.date() + dt.timedelta(days=rng.randint(2, 7))
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            at = dt.datetime(day.year, day.month, day.day, *rng.choice(_MEETING_TIMES), tzinfo=self.tz)
            place = "客户家中" if i.channel == "visit" else rng.choice(_MEETING_PLACES)
            if at >= now:
                status = AppointmentStatus.SCHEDULED
            else:
                status = AppointmentStatus.NO_SHOW if rng.random() < 0.12 else AppointmentStatus.DONE
            out.append(Appointment(customer_id=i.customer_id, staff_id=i.staff_id, at=at, place=place,
                                   purpose=_MEETING_PURPOSES.get(i.purpose, "面谈"), status=status,
                                   created_at=i.occurred_at))
        return out

    def _words(self, p: Person, c: Customer, h: Holding | None) -> dict[str, str]:
        rng = self.rng
        name = h.product.name if h is not None else ""
        other = c.other_bank_assets or Decimal(rng.randint(2, 10) * 100_000)
        return {
            "td": name, "wm": name, "fund": name, "bond": name,
            "due": day_text(h.purchase_date) if h is not None else "",
            "amt": amount_text(h.amount) if h is not None else "",
            "interest": (c.interests or profiles.interests(rng, age=p.age)).split("、")[0],
            "child": p.children.split("；")[0] if p.kids else "",
            "other": f"{other / 10_000:.0f}", "employer": rng.choice(profiles.WELL_KNOWN_EMPLOYERS),
        }

    def memos(self, c: Customer, holdings: list[Holding], contacted: bool) -> list[Memo]:
        """Open needs with a date: a maturing deposit and what the customer wants next, a product
        not yet available; and some done ones."""
        rng, today = self.rng, self.today
        out = []
        for h in holdings:
            if (h.product.type == "time_deposit" and h.maturity_date
                    and today + dt.timedelta(days=5) <= h.maturity_date <= today + dt.timedelta(days=75)
                    and rng.random() < 0.2):
                text = history.MEMOS_MATURITY.format(td=h.product.name, due=day_text(h.maturity_date),
                                                     wish=rng.choice(history.WISHES))
                due = max(today + dt.timedelta(days=1), h.maturity_date - dt.timedelta(days=rng.randint(2, 6)))
                out.append(Memo(customer_id=c.pk, author_id=c.rm_id, text=text, due_date=due))
        if contacted and rng.random() < 0.05:
            out.append(Memo(customer_id=c.pk, author_id=c.rm_id, text=rng.choice(history.MEMOS_GENERAL),
                            due_date=today + dt.timedelta(days=rng.randint(1, 42))))
        if contacted and rng.random() < 0.07:
            due = today - dt.timedelta(days=rng.randint(5, 200))
            done = due + dt.timedelta(days=rng.randint(0, 3))
            out.append(Memo(customer_id=c.pk, author_id=c.rm_id, text=rng.choice(history.MEMOS_GENERAL), due_date=due,
                            status=MemoStatus.DONE, done_at=dt.datetime(done.year, done.month, done.day,
                                                                        rng.randint(9, 17), rng.randint(0, 59),
                                                                        tzinfo=self.tz)))
        return out


def month_ends(today: dt.date, count: int = 12) -> list[dt.date]:
    """The last `count` month-ends up to today, oldest first (today counts when it is one)."""
    last = today if (today + dt.timedelta(days=1)).day == 1 else today.replace(day=1) - dt.timedelta(days=1)
    days = [last]
    while len(days) < count:
        days.append(days[-1].replace(day=1) - dt.timedelta(days=1))
    return days[::-1]


def aum_walk(rng: random.Random, aum: Decimal, dates: list[dt.date], opened: dt.date) -> list[Decimal]:
    """Month-end AUMs ending at today's AUM, walked backwards: small moves, now and then money
    arriving or leaving; nothing before the account was opened."""
    current = float(aum)
    vol = 0.03 if current >= 500_000 else (0.06 if current >= 50_000 else 0.12)
    values = [current]
    for _k in range(len(dates) - 1):
        if rng.random() < 0.07:
            factor = rng.uniform(0.4, 0.85) if rng.random() < 0.6 else rng.uniform(1.2, 1.8)
            current = current * factor
        else:
            current = current / (1 + rng.gauss(0.004, vol))
        values.append(max(0.0, current))
    values.reverse()
    out = [Decimal(str(round(v, 2))) for v in values[:-1]] + [aum]
    return [v if d >= opened else Decimal("0.00") for v, d in zip(out, dates, strict=True)]
