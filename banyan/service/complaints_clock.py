"""The regulator's clock of a complaint (《银行业保险业消费投诉处理管理办法》, 2020).

The 办法 gives a bank 15 日 from receipt to decide a complaint; a complex case may be extended to
30 日 with the reason recorded, and in a case of special complexity or other special circumstance
to at most 60 日 with a senior's approval. Its 日 are **calendar days** (自然日): unlike other rules
of the regulator it does not say 工作日, so a weekend or a holiday counts like any other day. The
time spent waiting on an outside appraisal, inspection or verification (鉴定) does not count. A
repeat of the same complaint while it is open is merged into it and changes nothing; new facts
(新的事实和理由) restart the clock from the day they were received, at 15 days again.

Everything is one pure function of dates (`clock`), so that every rule is tested without a
database; `banyan.service.complaints` stores its answer on the complaint."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

BASE_DAYS = 15  # 15 日: the decision is due this many calendar days after receipt
COMPLEX_DAYS = 30  # extended, with a reason
MAX_DAYS = 60  # the outer limit, only with a senior's approval


class ClockError(ValueError):
    """An extension the 办法 does not allow: `field` names the input at fault."""

    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.field, self.code = field, code


@dataclass(frozen=True)
class Clock:
    start: dt.date  # receipt, or the day new facts came in
    limit_days: int = BASE_DAYS
    paused_days: int = 0  # whole days spent waiting on appraisals that are back
    paused_since: dt.date | None = None  # an appraisal still out since this day


def clock(c: Clock, today: dt.date, *, extend_by: int = 0, reason: str = "", senior: bool = False) -> dt.date:
    """The day the decision is due.

    `extend_by` days are added to the allowance (15 → at most 30 with a `reason`, at most 60 only
    when `senior` — a branch head or above — approves; beyond 60 never). Days waiting on an appraisal
    do not count: the due date moves by the days paused, and while an appraisal is out (paused
    since a day) by the days up to `today` as well. Raises ClockError for an extension not allowed."""
    limit = c.limit_days
    if extend_by:
        if extend_by < 0:
            raise ClockError("days", "negative", "An extension adds days.")
        limit += extend_by
        if not reason.strip():
            raise ClockError("reason", "reason", "An extension needs the reason (a complex case).")
        if limit > MAX_DAYS:
            raise ClockError("days", "max", f"The regulator allows at most {MAX_DAYS} days in all.")
        if limit > COMPLEX_DAYS and not senior:
            raise ClockError("days", "senior", f"Beyond {COMPLEX_DAYS} days needs a branch head's approval.")
    paused = c.paused_days
    if c.paused_since is not None:
        paused += max((today - c.paused_since).days, 0)
    return c.start + dt.timedelta(days=limit + paused)


def restart(received: dt.date) -> Clock:
    """New facts: the clock starts again from the day they were received, at 15 days."""
    return Clock(start=received)
