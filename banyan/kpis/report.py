"""The monthly report (issue 14 §5): on the first working day of a month, for each branch with an
active branch head, the past month's review of the branch as an Excel workbook and a one-to-two-page
PDF summary, kept in `MonthlyReport` and announced to the branch's heads by email.

- **Once.** One row per branch and month (the unique constraint): a second run — the beat's next
  day, `banyan kpis report` by hand, two runs at the same moment — builds nothing more (the row is
  created with get_or_create in a transaction: of two concurrent builds one row stays, one audit
  event) and sends nothing twice (the send is claimed by a conditional UPDATE of `sent_at`, so one
  run sends; a failed send gives the claim back and the next run retries the addresses not reached).
- **No customer data leaves by email.** The email says only that the review of the branch for the
  month is ready, with the link to the download page (BANYAN_SITE_URL), where the head signs in;
  each download there is an audited export. The PDF and the workbook hold figures per staff member.
- **The PDF degrades.** Without Pango (WeasyPrint cannot load) `summary_pdf` stays None and the
  workbook is made all the same; the page offers what there is.

The PDF is drawn as the wealth diagnosis is (banyan/wealth/report.py): WeasyPrint with Debian's
Noto Sans CJK, the charts by matplotlib as SVG. Always Chinese: it is the bank's internal report.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from banyan import clock
from banyan.audit.services import audit_log
from banyan.calendars.workdays import coming_working_day
from banyan.kpis.figures import Review, Scope, review
from banyan.kpis.models import MonthlyReport
from banyan.kpis.periods import Period
from banyan.org.models import Role, Staff

logger = logging.getLogger(__name__)


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before `day`'s."""
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def first_working_day(month: dt.date) -> dt.date:
    """The first working day of the month that holds `month` (holidays and make-up days counted)."""
    return coming_working_day(month.replace(day=1))


def month_text(month: dt.date) -> str:
    return f"{month.year}年{month.month}月"


def site_url() -> str:
    """The address staff open Banyan at, for links in emails (no request to take it from)."""
    return (getattr(settings, "BANYAN_SITE_URL", "") or "http://127.0.0.1:8000").rstrip("/")


def reports_link(report: MonthlyReport) -> str:
    return f"{site_url()}{reverse('review_reports')}#report-{report.pk}"


# ------------------------------------------------------------------ the PDF summary

#: The figures on the summary's cards, in order.
CARDS = ["contact_achievement_rate", "planned", "reached", "new_info", "opportunities_opened", "opportunities_won",
         "opportunities_overdue", "sales_amount", "aum_end", "net_new_money", "moved_up", "moved_down"]
#: The columns of the summary's table of managers.
TABLE = ["planned", "reached", "contact_achievement_rate", "new_info", "calls", "opportunities_opened",
         "opportunities_won", "opportunities_overdue", "sales_amount", "aum_end", "moved_up"]


def _shown(field, value) -> str:
    from banyan.web.templatetags.banyan_tags import money, wan

    if value is None:
        return "—"
    if field.kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if field.kind == "money":
        return wan(value) if abs(value) >= 100000 else money(value)
    if field.kind == "points":
        return f"{float(value):.1f}"
    return f"{int(value):,}"


def _rate_chart(rows) -> str:
    """The contact achievement rate of each manager, as horizontal bars (best on top)."""
    from banyan.wealth.report import AMBER, GREEN, GREY, _svg

    people = sorted(((r.name, r.values.get("contact_achievement_rate")) for r in rows), key=lambda p: (p[1] is None,
                                                                                                     -(p[1] or 0)))
    height = max(3.2, 0.55 * len(people) + 1.2)

    def draw(fig):
        ax = fig.add_subplot(1, 1, 1)
        if not people:
            ax.text(0.5, 0.5, "本月没有计划联系的任务", transform=ax.transAxes, ha="center", va="center", color=GREY)
            ax.set_xticks([])
            ax.set_yticks([])
            return
        y = list(range(len(people)))[::-1]
        values = [float(v or 0) * 100 for _n, v in people]
        colours = [GREEN if v is not None else GREY for _n, v in people]
        colours = [AMBER if c == GREEN and val < 60 else c for c, val in zip(colours, values, strict=True)]
        ax.barh(y, values, height=0.6, color=colours)
        ax.set_yticks(y, [n for n, _v in people])
        ax.set_xlim(0, 112)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.spines["bottom"].set_bounds(0, 100)
        ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0f}%")
        for k, (value, (_n, raw)) in enumerate(zip(values, people, strict=True)):
            ax.text(value + 1, y[k], "—" if raw is None else f"{value:.1f}%", va="center", fontsize=7)

    return _svg(draw, 17.0, height, {"left": 0.14, "right": 0.98, "top": 0.96, "bottom": 0.4 / height + 0.08})


def _trend_chart(weeks) -> str:
    """Week by week: the contact achievement rate (line) and the contacts (bars)."""
    from banyan.wealth.report import AMBER, GREEN, GREEN_SOFT, _svg

    def draw(fig):
        ax = fig.add_subplot(1, 1, 1)
        xs = list(range(len(weeks)))
        contacts = [int(v.get("contacts", 0)) for _w, v in weeks]
        ax.bar(xs, contacts, color=GREEN_SOFT, width=0.55, label="联系次数")
        ax.set_xticks(xs, [f"{w.start:%m/%d}–{w.end:%m/%d}" for w, _v in weeks], fontsize=7)
        ax.set_ylabel("联系次数", fontsize=8)
        ax.set_ylim(0, max(contacts + [1]) * 1.25)
        ax.yaxis.get_major_locator().set_params(integer=True)  # contacts are whole numbers
        rate_ax = ax.twinx()
        rates = [None if v.get("contact_achievement_rate") is None else float(v["contact_achievement_rate"]) * 100
                 for _w, v in weeks]
        points = [(x, r) for x, r in zip(xs, rates, strict=True) if r is not None]
        if points:
            rate_ax.plot([p[0] for p in points], [p[1] for p in points], color=GREEN, marker="o", markersize=3,
                         linewidth=1.8, label="联系达成率")
            for x, r in points:
                rate_ax.text(x, r + 3, f"{r:.0f}%", ha="center", fontsize=7, color=AMBER if r < 60 else GREEN)
        rate_ax.set_ylim(0, 115)
        rate_ax.set_yticks([0, 50, 100])
        rate_ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0f}%")
        rate_ax.spines["right"].set_visible(True)
        handles = ax.get_legend_handles_labels()[0] + rate_ax.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="upper left", fontsize=7, frameon=False, ncols=2)

    return _svg(draw, 17.0, 4.8, {"left": 0.08, "right": 0.92, "top": 0.95, "bottom": 0.14})


def summary_context(rev: Review, branch, month: dt.date) -> dict[str, Any]:
    from banyan.kpis.definitions import FIELD_BY_KEY
    from banyan.kpis.excel import bank_name

    rows = [r for r in rev.rows if r.staff is not None]
    total = rev.total
    cards = [(str(FIELD_BY_KEY[k].label), _shown(FIELD_BY_KEY[k], total.get(k))) for k in CARDS]
    table = [(r.name, [_shown(FIELD_BY_KEY[k], r.values.get(k)) for k in TABLE]) for r in rows]
    context = {
        "bank_name": bank_name(), "branch": branch, "month_text": month_text(month), "period": rev.period,
        "as_of": rev.as_of, "made_on": clock.today(), "cards": cards,
        "heads": [str(FIELD_BY_KEY[k].label) for k in TABLE], "table": table,
        "total": [_shown(FIELD_BY_KEY[k], total.get(k)) for k in TABLE],
        "definitions": [(str(FIELD_BY_KEY[k].label), str(FIELD_BY_KEY[k].definition))
                        for k in ("planned", "reached", "contact_achievement_rate", "new_info",
                                  "opportunities_overdue", "net_new_money")],
        "charts": {"rates": _rate_chart(rows)},
    }
    try:
        from banyan.kpis.figures import weekly_trend
    except ImportError:
        weekly_trend = None
    if weekly_trend is not None:
        weeks = weekly_trend(rev.scope, rev.period)
        if weeks:
            context["charts"]["trend"] = _trend_chart(weeks)
    return context


def summary_html(rev: Review, branch, month: dt.date) -> str:
    with translation.override("zh-hans"):
        return render_to_string("kpis/report_pdf.html", summary_context(rev, branch, month))


def summary_pdf(rev: Review, branch, month: dt.date) -> bytes:
    """The branch's month on one or two A4 pages (Chinese). PdfUnavailable without Pango."""
    from banyan.wealth.report import render_pdf

    return render_pdf(summary_html(rev, branch, month))


def report_filename(report: MonthlyReport, extension: str) -> str:
    """经营检视月报-B01-2026-10.xlsx: the branch's code and the month."""
    return f"经营检视月报-{report.branch.code}-{report.month:%Y-%m}.{extension}"


# ------------------------------------------------------------------ the email

@dataclass
class StaffMail:
    """What a message gateway reads of a message (banyan/messaging/gateways.py), for a message to a
    member of staff rather than a customer: no outbox row, no customer."""

    to: str
    subject: str
    body: str
    pk: int | None = None
    customer_id: int | None = None
    channel: str = "email"


def report_mail(report: MonthlyReport, head: Staff) -> StaffMail:
    """The announcement: the branch, the month and the link — no figure, no customer."""
    from banyan.kpis.excel import bank_name

    month = month_text(report.month)
    subject = f"【{bank_name()}】{report.branch.name}{month}经营检视月报已生成"
    body = (f"{head.display_name}，您好：\n\n"
            f"{report.branch.name}{month}的经营检视月报（Excel 工作簿及 PDF 摘要）已生成。"
            f"请登录 Banyan 查看和下载：\n{reports_link(report)}\n\n"
            "为保护客户信息，本邮件不附报表，下载需登录并留有记录。\n"
            "此邮件由系统自动发送，请勿直接回复。\n")
    return StaffMail(to=head.email, subject=subject, body=body)


def _send(report: MonthlyReport, heads: list[Staff], actor) -> dict[str, list[str]]:
    """Email the branch's heads once: the run that claims `sent_at` sends; a failure gives the claim
    back (the next run retries the addresses not yet reached)."""
    from banyan.messaging.gateways import gateway_for

    out: dict[str, list[str]] = {"sent": [], "failed": [], "no_address": [h.username for h in heads if not h.email]}
    if not any(h.email for h in heads):
        return out
    claimed_at = clock.now()
    if not MonthlyReport.objects.filter(pk=report.pk, sent_at__isnull=True).update(sent_at=claimed_at):
        return out  # another run sends (or sent) it
    already = {a for a in MonthlyReport.objects.filter(pk=report.pk).values_list("sent_to", flat=True)[0].split(",")
               if a}
    gateway = gateway_for("email")
    delivered = set(already)
    for head in heads:
        if not head.email or head.email in already:
            continue
        ok, _gateway_id, detail = gateway.send(report_mail(report, head))
        if ok:
            delivered.add(head.email)
            out["sent"].append(head.username)
        else:
            out["failed"].append(head.username)
            logger.warning("Monthly report %s: the email to %s failed: %s", report.pk, head.username, detail)
    complete = not out["failed"]
    MonthlyReport.objects.filter(pk=report.pk).update(sent_to=",".join(sorted(delivered))[:500],
                                                      sent_at=claimed_at if complete else None)
    if out["sent"] or out["failed"]:
        audit_log(actor=actor, action="kpis.report_sent", obj=report, data={
            "branch": report.branch.code, "month": f"{report.month:%Y-%m}", "recipients": out["sent"],
            "failed": out["failed"]})
    return out


# ------------------------------------------------------------------ the build

def _build(branch, period: Period, actor) -> tuple[MonthlyReport, bool, bool]:
    """(report, created by this run, PDF made) — the review, the workbook, the PDF, one row."""
    from banyan.kpis.excel import review_workbook
    from banyan.wealth.report import PdfUnavailable

    rev = review(Scope(branch_id=branch.pk), period)
    workbook = review_workbook(rev, language="zh-hans")
    try:
        pdf = summary_pdf(rev, branch, period.start)
    except (PdfUnavailable, OSError) as e:
        logger.warning("Monthly report of %s for %s without its PDF: %s", branch.code, period.start, e)
        pdf = None
    with transaction.atomic():
        report, created = MonthlyReport.objects.get_or_create(
            branch=branch, month=period.start,
            defaults={"workbook": workbook, "summary_pdf": pdf, "built_at": clock.now()})
        if created:
            audit_log(actor=actor, action="kpis.report_built", obj=report, data={
                "branch": branch.code, "month": f"{period.start:%Y-%m}", "rows": len(rev.rows),
                "pdf": pdf is not None})
    return report, created, pdf is not None


def monthly_reports_build(*, month: dt.date | None = None, actor=None) -> dict:
    """The month's report of every branch that has an active branch head, built once and sent once
    (see the module's note). `month`: any day of the month (default: the month before today's).
    Answers what was done: {"month", "built": [codes], "existing": [codes], "without_pdf": [codes],
    "sent": {code: [usernames]}, "failed": {code: [usernames]}, "no_address": {code: [usernames]}}."""
    today = clock.today()
    first = (month or previous_month(today)).replace(day=1)
    period = Period.of("month", first)
    if period.end >= today:
        raise ValidationError({"month": [pgettext("monthly report", "A month is reported once it has ended.")]})
    heads = (Staff.objects.filter(role=Role.BRANCH_HEAD, is_active=True, branch__isnull=False)
             .select_related("branch").order_by("branch__code", "username"))
    by_branch: dict[int, list[Staff]] = defaultdict(list)
    for head in heads:
        by_branch[head.branch_id].append(head)
    result: dict[str, Any] = {"month": f"{first:%Y-%m}", "built": [], "existing": [], "without_pdf": [],
                              "sent": {}, "failed": {}, "no_address": {}}
    made = {r.branch_id: r for r in MonthlyReport.objects.filter(month=first, branch_id__in=list(by_branch))
            .defer("workbook", "summary_pdf")}
    for branch_id, branch_heads in by_branch.items():
        branch = branch_heads[0].branch
        report = made.get(branch_id)
        if report is None:
            report, created, with_pdf = _build(branch, period, actor)
            result["built" if created else "existing"].append(branch.code)
            if created and not with_pdf:
                result["without_pdf"].append(branch.code)
        else:
            result["existing"].append(branch.code)
        report.branch = branch
        if report.sent_at is None:
            sent = _send(report, branch_heads, actor)
            for key in ("sent", "failed", "no_address"):
                if sent[key]:
                    result[key][branch.code] = sent[key]
    return result


def monthly_reports_due(*, today: dt.date | None = None, actor=None) -> dict | None:
    """The beat's daily check: from the first working day of a month on, the past month's reports
    (idempotent: each day after the first finds them built and sent, and only retries what failed).
    None before that day."""
    today = today or clock.today()
    if today < first_working_day(today):
        return None
    with clock.frozen(today):
        return monthly_reports_build(month=previous_month(today), actor=actor)
