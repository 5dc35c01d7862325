"""The `risk_assessments` feed (DATA-1, WEA-1): assessments taken in core banking are recorded
and the customer's level follows the latest; a rerun changes nothing; bad rows are rejected with
their line and reason, good rows kept; core banking's assessments are never refused for the daily
limit. Today is 2026-11-23."""

from __future__ import annotations

import datetime as dt

from banyan.audit.models import AuditEvent
from banyan.feeds.services import feed_import
from banyan.wealth.models import RiskAssessment

HEADER = "测评编号,客户号,风险等级,测评日期,测评得分,有效期至\n"


def _file(tmp_path, rows: str):
    path = tmp_path / "risk.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_assessments_from_core_banking_are_recorded_and_the_level_follows(bank, make_customer, tmp_path):
    wang = make_customer(bank.rm_a, name="王建华", risk_level="C4", risk_assessed_on=dt.date(2025, 12, 1))
    li = make_customer(bank.rm_a, name="李秀英")
    path = _file(tmp_path, f"RA1,{wang.external_id},C2,2026-11-20,38,\n"
                           f"RA2,{li.external_id},c3,2026/11/21,,2027-05-20\n"
                           f"RA3,{li.external_id},C4,2026-11-21,70,\n"  # a third one that day: core banking's
                           f"RA4,{li.external_id},C5,2026-11-22,91,\n")
    result = feed_import(kind="risk_assessments", path=path, followups=False)
    assert (result.added, result.rejected) == (4, 0), result.rejects
    wang.refresh_from_db()
    li.refresh_from_db()
    assert (wang.risk_level, wang.risk_assessed_on) == ("C2", dt.date(2026, 11, 20))
    assert (li.risk_level, li.risk_assessed_on) == ("C5", dt.date(2026, 11, 22))
    a = RiskAssessment.objects.get(external_id="RA1")
    assert (a.source, a.score, a.previous_level, a.expires_on) == ("feed", 38, "C4", dt.date(2027, 11, 20))
    assert RiskAssessment.objects.get(external_id="RA2").expires_on == dt.date(2027, 5, 20)
    assert AuditEvent.objects.filter(action="risk_assessment.recorded", customer_id=wang.pk).exists()

    again = feed_import(kind="risk_assessments", path=path, followups=False)
    assert again.summary == "added 0, updated 0, unchanged 4, rejected 0"


def test_an_older_assessment_is_kept_without_changing_the_current_level(bank, make_customer, tmp_path):
    customer = make_customer(bank.rm_a, risk_level="C3", risk_assessed_on=dt.date(2026, 10, 1))
    feed_import(kind="risk_assessments", path=_file(tmp_path, f"RA9,{customer.external_id},C1,2025-10-01,,\n"),
                followups=False)
    customer.refresh_from_db()
    assert customer.risk_level == "C3" and RiskAssessment.objects.filter(customer=customer).count() == 1


def test_bad_rows_are_rejected_with_their_line_and_reason_and_good_rows_kept(bank, make_customer, tmp_path):
    customer = make_customer(bank.rm_a)
    path = _file(tmp_path, f"RA1,{customer.external_id},C6,2026-11-20,,\n"
                           f"RA2,NOBODY,C2,2026-11-20,,\n"
                           f"RA3,{customer.external_id},C2,2026-12-01,,\n"
                           f"RA4,{customer.external_id},C2,2026-11-20,abc,2026-11-01\n"
                           f"RA5,{customer.external_id},C2,2026-11-20,40,\n"
                           f",{customer.external_id},C2,2026-11-20,,\n")
    result = feed_import(kind="risk_assessments", path=path, followups=False)
    assert (result.added, result.rejected) == (1, 5)
    reasons = {line: reason for line, reason, _cells in result.rejects}
    assert reasons[2] == "第 2 行：风险等级：风险等级应为 C1–C5。"
    assert reasons[3].startswith("第 3 行：客户号：") and "NOBODY" in reasons[3]
    assert reasons[4] == "第 4 行：测评日期：测评日期不能晚于今天。"
    assert "测评得分：分数应为不小于 0 的整数。" in reasons[5] and "有效期至：到期日应晚于测评日期。" in reasons[5]
    assert reasons[7] == "第 7 行：测评编号：必填。"
    customer.refresh_from_db()
    assert customer.risk_level == "C2" and result.rejects_path.exists()
