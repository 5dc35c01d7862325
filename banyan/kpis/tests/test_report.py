"""The monthly report (issue 14 §5): built once per branch and month for each branch with an active
head, the heads told once by email through the message gateway (a real SMTP server on loopback) with
no customer data in it, the PDF summary in Chinese (read back with pypdf), the workbook kept even
without Pango, the beat's daily check, `banyan kpis report`, and the download page: the head of the
branch and the admin download (each an audited export), anyone else gets 404."""

from __future__ import annotations

import datetime as dt
import io
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connections
from openpyxl import load_workbook

from banyan import clock
from banyan.audit.models import AuditEvent
from banyan.conftest import PASSWORD
from banyan.kpis.excel import HEADER_ROW
from banyan.kpis.models import MonthlyReport
from banyan.kpis.report import first_working_day, monthly_reports_build, monthly_reports_due
from banyan.kpis.tests.month_fixtures import OCTOBER
from banyan.org.models import Role
from banyan.org.services import staff_create

MONTH = dt.date(2026, 10, 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.received: list[tuple[list[str], object]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos),
                                  message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"

    def to(self) -> list[str]:
        return sorted(r for rcpts, _m in self.received for r in rcpts)


@pytest.fixture(autouse=True)
def relay(monkeypatch):
    """Email to a loopback port where nothing listens, unless a test starts `smtp`."""
    monkeypatch.setenv("BANYAN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BANYAN_SMTP_PORT", str(_free_port()))
    monkeypatch.setenv("BANYAN_SMTP_FROM", "crm@banyan-bank.example")
    monkeypatch.setenv("BANYAN_SMTP_TIMEOUT", "5")
    for name in ("BANYAN_EMAIL_GATEWAY", "BANYAN_SMTP_USER", "BANYAN_SMTP_PASSWORD", "BANYAN_SMTP_TLS",
                 "BANYAN_SMTP_SSL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server (aiosmtpd) on 127.0.0.1, for the length of one test."""
    from aiosmtpd.controller import Controller

    port = _free_port()
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("BANYAN_SMTP_PORT", str(port))
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def heads(bank, settings):
    """B01's head with an address, a second active head of B01, an inactive one (never written to)."""
    settings.BANYAN_SITE_URL = "https://crm.banyan-bank.example"
    bank.head.email = "zhaolei@banyan-bank.example"
    bank.head.save()
    second = staff_create(actor=None, username="qianfeng", password=PASSWORD, role=Role.BRANCH_HEAD, branch=bank.b1,
                          full_name="钱峰", check_password=False)
    second.email = "qianfeng@banyan-bank.example"
    second.save()
    gone = staff_create(actor=None, username="oldhead", password=PASSWORD, role=Role.BRANCH_HEAD, branch=bank.b1,
                        full_name="老行长", check_password=False)
    gone.email, gone.is_active = "oldhead@banyan-bank.example", False
    gone.save()
    return [bank.head, second]


def _b02_head(bank, email: str = ""):
    head = staff_create(actor=None, username="sunwei", password=PASSWORD, role=Role.BRANCH_HEAD, branch=bank.b2,
                        full_name="孙伟", check_password=False)
    head.email = email
    head.save()
    return head


# ------------------------------------------------------------------ built once, sent once

@pytest.mark.django_db
def test_the_report_is_built_once_and_each_head_emailed_once(bank, october, heads, smtp):
    first = monthly_reports_build()  # the month before today (2026-11-23): October
    assert first["month"] == "2026-10" and first["built"] == ["B01"]  # B02 has no head: no report
    assert first["sent"] == {"B01": ["qianfeng", "zhaolei"]}
    report = MonthlyReport.objects.get()
    assert (report.branch, report.month) == (bank.b1, MONTH)
    assert report.sent_to == "qianfeng@banyan-bank.example,zhaolei@banyan-bank.example" and report.sent_at
    assert smtp.to() == ["qianfeng@banyan-bank.example", "zhaolei@banyan-bank.example"]

    second = monthly_reports_build(month=dt.date(2026, 10, 17))
    assert second["built"] == [] and second["existing"] == ["B01"] and second["sent"] == {}
    assert MonthlyReport.objects.count() == 1 and len(smtp.received) == 2
    assert AuditEvent.objects.filter(action="kpis.report_built").count() == 1
    [sent] = AuditEvent.objects.filter(action="kpis.report_sent")
    assert sent.data["recipients"] == ["qianfeng", "zhaolei"] and sent.data["month"] == "2026-10"

    [(_to, mail)] = [m for m in smtp.received if m[0] == ["zhaolei@banyan-bank.example"]]
    body = mail.get_body(("plain",)).get_content()
    assert "城东支行" in mail["Subject"] and "2026年10月" in mail["Subject"] and "赵磊" in body
    assert f"https://crm.banyan-bank.example/review/reports/#report-{report.pk}" in body
    assert not mail.get_payload() or not any(part.get_filename() for part in mail.walk())  # no attachment
    for customer in october.customers:  # no customer data, not even a name
        assert customer.name not in body and customer.name not in mail["Subject"]
    assert "123,456.78" not in body and "123456.78" not in body  # nor a figure


@pytest.mark.django_db
def test_a_branch_whose_head_has_no_address_gets_its_report_and_the_email_when_one_is_set(bank, october, smtp):
    head = _b02_head(bank)
    result = monthly_reports_build(month=MONTH)
    assert result["built"] == ["B01", "B02"] and smtp.received == []  # zhaolei (B01) has no address either
    assert result["no_address"] == {"B01": ["zhaolei"], "B02": ["sunwei"]}
    assert MonthlyReport.objects.get(branch=bank.b2).sent_at is None
    head.email = "sunwei@banyan-bank.example"
    head.save()
    again = monthly_reports_build(month=MONTH)
    assert again["built"] == [] and again["sent"] == {"B02": ["sunwei"]} and smtp.to() == ["sunwei@banyan-bank.example"]
    monthly_reports_build(month=MONTH)
    assert len(smtp.received) == 1


@pytest.mark.django_db
def test_a_relay_that_is_down_is_retried_by_the_next_run_without_a_second_build(bank, october, heads, monkeypatch):
    from aiosmtpd.controller import Controller

    down = monthly_reports_build(month=MONTH)  # nothing listens on the relay's port
    assert down["built"] == ["B01"] and down["failed"] == {"B01": ["qianfeng", "zhaolei"]}
    report = MonthlyReport.objects.get()
    assert report.sent_at is None and report.sent_to == ""
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("BANYAN_SMTP_PORT", str(port))
    try:
        up = monthly_reports_build(month=MONTH)
        monthly_reports_build(month=MONTH)
    finally:
        controller.stop()
    assert up["built"] == [] and up["sent"] == {"B01": ["qianfeng", "zhaolei"]}
    assert mailbox.to() == ["qianfeng@banyan-bank.example", "zhaolei@banyan-bank.example"]
    assert AuditEvent.objects.filter(action="kpis.report_built").count() == 1
    assert MonthlyReport.objects.get().sent_at is not None


@pytest.mark.django_db
def test_a_month_that_has_not_ended_is_refused(bank, heads):
    with pytest.raises(ValidationError) as e:
        monthly_reports_build(month=dt.date(2026, 11, 1))
    assert "month" in e.value.message_dict
    assert MonthlyReport.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_make_one_report_and_one_email_per_head(bank, october, heads, smtp):
    gate = threading.Barrier(2)

    def run(_i):
        gate.wait()
        try:
            with clock.frozen(dt.date(2026, 11, 23)):  # a new thread does not share the test's frozen day
                return monthly_reports_build(month=MONTH)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, range(2)))

    assert MonthlyReport.objects.count() == 1
    assert sorted(len(r["built"]) for r in results) == [0, 1]
    assert smtp.to() == ["qianfeng@banyan-bank.example", "zhaolei@banyan-bank.example"]
    assert AuditEvent.objects.filter(action="kpis.report_built").count() == 1
    assert AuditEvent.objects.filter(action="kpis.report_sent").count() == 1


# ------------------------------------------------------------------ the files

def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace(" ", "").replace("\n", "")


@pytest.mark.django_db
def test_the_files_are_the_branchs_month_in_chinese(bank, october, heads):
    from banyan.kpis.figures import Scope, review

    monthly_reports_build(month=MONTH)
    report = MonthlyReport.objects.get()
    wb = load_workbook(io.BytesIO(bytes(report.workbook)))
    assert wb.sheetnames[0] == "人员" and "定义" in wb.sheetnames
    ws = wb["人员"]
    rev = review(Scope(branch_id=bank.b1.pk), OCTOBER)
    assert [ws.cell(row=HEADER_ROW + 1 + k, column=2).value for k in range(len(rev.rows))] == \
        [r.username for r in rev.rows]
    if report.summary_pdf is None:
        pytest.skip("WeasyPrint/Pango is not installed here: the report has no PDF")
    text = _pdf_text(bytes(report.summary_pdf))
    assert "城东支行" in text and "2026年10月" in text and "经营检视月报" in text
    assert "张敏" in text and "联系达成率" in text and "33.3%" in text  # zhangmin: 1 reached of 3 planned
    from pypdf import PdfReader

    assert 1 <= len(PdfReader(io.BytesIO(bytes(report.summary_pdf))).pages) <= 2
    for customer in october.customers:
        assert customer.name not in text


@pytest.mark.django_db
def test_without_pango_the_workbook_is_made_and_the_pdf_left_out(bank, october, heads, monkeypatch, login):
    from banyan.wealth import report as wealth_report

    def no_pango(_html):
        raise wealth_report.PdfUnavailable("PDF reports need Pango from the system")

    monkeypatch.setattr(wealth_report, "render_pdf", no_pango)
    result = monthly_reports_build(month=MONTH)
    assert result["built"] == ["B01"] and result["without_pdf"] == ["B01"]
    report = MonthlyReport.objects.get()
    assert report.summary_pdf is None and bytes(report.workbook)[:2] == b"PK"
    head = login(bank.head)
    page = head.get("/review/reports/").content.decode()
    assert f"/review/reports/{report.pk}/workbook.xlsx" in page and f"/review/reports/{report.pk}/summary.pdf" \
        not in page and "无 PDF" in page
    assert head.get(f"/review/reports/{report.pk}/summary.pdf").status_code == 404
    assert head.get(f"/review/reports/{report.pk}/workbook.xlsx").status_code == 200


# ------------------------------------------------------------------ the schedule and the command

@pytest.mark.django_db
def test_the_daily_check_acts_from_the_first_working_day_of_the_month(bank, heads, smtp):
    from banyan.kpis.tasks import monthly_reports

    assert first_working_day(dt.date(2027, 1, 1)) == dt.date(2027, 1, 4)  # New Year, then a weekend
    assert monthly_reports_due(today=dt.date(2027, 1, 1)) is None
    assert monthly_reports.delay(day="2027-01-03").get() is None  # the beat's task, in-process without a broker
    assert MonthlyReport.objects.count() == 0
    on_the_day = monthly_reports.delay(day="2027-01-04").get()
    assert on_the_day["month"] == "2026-12" and on_the_day["built"] == ["B01"]
    missed = monthly_reports_due(today=dt.date(2027, 1, 6))  # a later day: nothing more
    assert missed["built"] == [] and missed["sent"] == {}
    assert MonthlyReport.objects.get().month == dt.date(2026, 12, 1) and len(smtp.received) == 2


def test_the_beat_runs_the_check_daily():
    from django.conf import settings

    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "banyan.kpis.monthly_reports")
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}
    from banyan.celery import app

    app.loader.import_default_modules()
    assert "banyan.kpis.monthly_reports" in app.tasks


@pytest.mark.django_db
def test_the_command_prints_what_it_built_and_sent(bank, october, heads, smtp, capsys):
    _b02_head(bank)
    call_command("kpis", "report", "--month", "2026-10")
    out = capsys.readouterr().out
    assert "2026-10: built 2 reports" in out and "sent B01 to qianfeng, zhaolei" in out
    assert "no email address for sunwei (B02)" in out
    call_command("kpis", "report", "--month", "2026-10")
    out = capsys.readouterr().out
    assert "built 0 reports, 2 already built" in out and "sent" not in out.replace("already", "")
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("kpis", "report", "--month", "October")
    with pytest.raises(CommandError, match="月份结束后|has ended"):
        call_command("kpis", "report", "--month", "2026-11")


# ------------------------------------------------------------------ the page and the downloads

@pytest.mark.django_db
def test_the_head_downloads_the_branchs_reports_each_an_audited_export(bank, october, heads, login):
    from banyan.kpis.report import monthly_reports_build as build

    _b02_head(bank)
    build(month=MONTH)
    mine, theirs = MonthlyReport.objects.get(branch=bank.b1), MonthlyReport.objects.get(branch=bank.b2)
    head = login(bank.head)
    page = head.get("/review/reports/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "经营检视月报" in text and f'id="report-{mine.pk}"' in text and f'id="report-{theirs.pk}"' not in text
    assert "城西支行" not in text and "2026-10" in text
    xlsx = head.get(f"/review/reports/{mine.pk}/workbook.xlsx")
    assert xlsx.status_code == 200 and xlsx.content == bytes(mine.workbook)
    assert "filename*=UTF-8''" in xlsx["Content-Disposition"] and "B01-2026-10.xlsx" in xlsx["Content-Disposition"]
    events = list(AuditEvent.objects.filter(action="kpis.exported").order_by("pk"))
    assert [(e.actor_id, e.data["via"], e.data["branch"], e.data["month"]) for e in events] == \
        [(bank.head.pk, "monthly_report_xlsx", "B01", "2026-10")]
    assert events[0].object_id == str(mine.pk) and events[0].customer_id is None
    from django.utils import translation

    from banyan.audit.details import Names, describe

    with translation.override("zh-hans"):  # the auditor reads it in words
        assert describe(events[0], Names()) == "经营检视月报：Excel · B01 · 2026-10"
    if mine.summary_pdf is not None:
        pdf = head.get(f"/review/reports/{mine.pk}/summary.pdf")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert AuditEvent.objects.filter(action="kpis.exported", data__via="monthly_report_pdf").count() == 1
    # another branch's report: as if it did not exist, and nothing audited
    before = AuditEvent.objects.filter(action="kpis.exported").count()
    for url in (f"/review/reports/{theirs.pk}/workbook.xlsx", f"/review/reports/{theirs.pk}/summary.pdf",
                "/review/reports/2000000000/workbook.xlsx"):
        assert head.get(url).status_code == 404, url
    assert AuditEvent.objects.filter(action="kpis.exported").count() == before


@pytest.mark.django_db
def test_managers_the_auditor_and_another_branchs_head_get_404(bank, october, heads, login):
    other_head = _b02_head(bank)
    monthly_reports_build(month=MONTH)
    mine = MonthlyReport.objects.get(branch=bank.b1)
    for user in (bank.rm_a, bank.assistant, bank.auditor):
        client = login(user)
        assert client.get("/review/reports/").status_code == 404, user.username
        assert client.get(f"/review/reports/{mine.pk}/workbook.xlsx").status_code == 404, user.username
        assert client.get(f"/review/reports/{mine.pk}/summary.pdf").status_code == 404, user.username
    stranger = login(other_head)
    assert stranger.get(f"/review/reports/{mine.pk}/workbook.xlsx").status_code == 404
    assert stranger.get(f"/review/reports/{mine.pk}/summary.pdf").status_code == 404
    assert f'id="report-{mine.pk}"' not in stranger.get(f"/review/reports/?branch={bank.b1.code}").content.decode()
    assert AuditEvent.objects.filter(action="kpis.exported").count() == 0
    assert login(bank.admin).get("/review/reports/").status_code == 200


@pytest.mark.django_db
def test_the_admin_sees_every_branch_and_filters_by_branch(bank, october, heads, login):
    _b02_head(bank)
    monthly_reports_build(month=MONTH)
    b1, b2 = MonthlyReport.objects.get(branch=bank.b1), MonthlyReport.objects.get(branch=bank.b2)
    admin = login(bank.admin)
    every = admin.get("/review/reports/").content.decode()
    assert f'id="report-{b1.pk}"' in every and f'id="report-{b2.pk}"' in every
    only_b2 = admin.get("/review/reports/?branch=B02").content.decode()
    assert f'id="report-{b1.pk}"' not in only_b2 and f'id="report-{b2.pk}"' in only_b2
    assert admin.get(f"/review/reports/{b2.pk}/workbook.xlsx").status_code == 200
    assert AuditEvent.objects.get(action="kpis.exported").actor_id == bank.admin.pk


@pytest.mark.django_db
def test_without_a_broker_opening_the_page_builds_the_months_reports(bank, october, heads, smtp, login, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    head = login(bank.head)
    assert MonthlyReport.objects.count() == 0
    text = head.get("/review/reports/").content.decode()
    report = MonthlyReport.objects.get()
    assert f'id="report-{report.pk}"' in text and len(smtp.received) == 2
    head.get("/review/reports/")
    assert MonthlyReport.objects.count() == 1 and len(smtp.received) == 2
    login(bank.rm_a).get("/review/reports/")  # a manager's 404 builds nothing either
    assert MonthlyReport.objects.count() == 1


@pytest.mark.django_db
def test_the_demo_makes_last_months_reports(bank, october):
    from banyan.demo.review_reports import make_monthly_reports

    assert make_monthly_reports(dt.date(2026, 11, 23)).startswith("monthly review reports of 2026-10: 1 branches")
    assert list(MonthlyReport.objects.values_list("branch__code", "month")) == [("B01", MONTH)]
