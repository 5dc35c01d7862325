"""设置 · 风险测评与适当性: an administrator opens a new version of the questionnaire, edits its
questions, scores, bands, validity and daily limit, and publishes it (audited; old assessments
keep their version); a branch head reads; a manager gets 404. The suitability warnings' settings
change the rules the sale sees."""

from __future__ import annotations

import datetime as dt

from banyan.audit.models import AuditEvent
from banyan.holdings.services import product_create
from banyan.wealth import suitability
from banyan.wealth.models import Option, Questionnaire
from banyan.wealth.selectors import current_questionnaire, draft_questionnaire
from banyan.wealth.services import assessment_record
from banyan.wealth.tests.test_assessment import BALANCED


def _draft_data(draft, **changes):
    """The draft form as the page posts it, with `changes` applied."""
    data = {k: getattr(draft, k) for k in ("title", "title_en", "note", "valid_days", "daily_limit", "c2_min",
                                           "c3_min", "c4_min", "c5_min")}
    for q in draft.questions.all():
        for k in ("code", "text", "text_en"):
            data[f"q-{q.pk}-{k}"] = getattr(q, k)
        for o in q.options.all():
            for k in ("code", "text", "text_en", "score", "meaning"):
                data[f"o-{o.pk}-{k}"] = getattr(o, k)
    data.update(changes)
    return data


def test_an_admin_edits_and_publishes_a_new_version(bank, login, make_customer):
    customer = make_customer(bank.rm_a)
    old = assessment_record(actor=bank.rm_a, customer=customer, answers=BALANCED)
    client = login(bank.admin)
    page = client.get("/wealth/settings/").content.decode()
    assert "个人客户风险承受能力评估问卷" in page and 'id="open-draft"' in page
    assert client.post("/wealth/settings/draft/").status_code == 302
    draft = draft_questionnaire()
    assert draft.version == 2
    age = draft.questions.get(code="age")
    age_d = age.options.get(code="D")
    data = _draft_data(draft, valid_days=180, daily_limit=1, note="按监管新规调整", c5_min=95,
                       **{f"q-{age.pk}-text": "您的年龄？", f"o-{age_d.pk}-score": 1})
    data["action"] = "publish"
    response = client.post("/wealth/settings/draft/save/", data, follow=True)
    assert "第 2 版已启用" in response.content.decode()
    current = current_questionnaire()
    assert (current.version, current.valid_days, current.daily_limit, current.c5_min) == (2, 180, 1, 95)
    assert current.questions.get(code="age").text == "您的年龄？"
    assert current.questions.get(code="age").options.get(code="D").score == 1
    assert Questionnaire.objects.get(version=1).status == "retired"
    old.refresh_from_db()
    assert old.questionnaire.version == 1 and old.questionnaire.questions.get(code="age").text == "您的年龄是？"
    published = AuditEvent.objects.get(action="questionnaire.published")
    assert published.actor == bank.admin and published.after["version"] == 2
    assert AuditEvent.objects.filter(action="questionnaire.draft_saved").exists()


def test_a_draft_that_cannot_reach_c5_or_has_rising_bands_wrong_is_refused(bank, login):
    client = login(bank.admin)
    client.post("/wealth/settings/draft/")
    draft = draft_questionnaire()
    bad = client.post("/wealth/settings/draft/save/", {**_draft_data(draft, c3_min=20), "action": "save"})
    assert bad.status_code == 400 and "C2 到 C5 的最低分应逐级升高" in bad.content.decode()
    unreachable = client.post("/wealth/settings/draft/save/", {**_draft_data(draft, c5_min=500), "action": "publish"})
    assert unreachable.status_code == 400 and "没有人能评为 C5" in unreachable.content.decode()
    assert current_questionnaire().version == 1


def test_questions_and_answers_are_added_and_removed_in_the_draft(bank, login):
    client = login(bank.admin)
    client.post("/wealth/settings/draft/")
    draft = draft_questionnaire()
    client.post("/wealth/settings/draft/save/", {**_draft_data(draft), "action": "add_question"})
    draft = draft_questionnaire()
    new = draft.questions.order_by("-position").first()
    assert draft.questions.count() == 12 and new.options.count() == 2
    client.post("/wealth/settings/draft/save/", {**_draft_data(draft), "action": f"add_option:{new.pk}"})
    assert Option.objects.filter(question=new).count() == 3
    draft = draft_questionnaire()
    client.post("/wealth/settings/draft/save/", {**_draft_data(draft), "action": f"remove_question:{new.pk}"})
    assert draft_questionnaire().questions.count() == 11
    assert current_questionnaire().questions.count() == 11  # the version in use is untouched


def test_the_suitability_warnings_are_the_banks(bank, login, make_customer):
    customer = make_customer(bank.rm_a, birth=dt.date(1958, 3, 2), risk_level="C5",
                             risk_assessed_on=dt.date(2026, 6, 1))
    r4 = product_create(actor=None, code="F-R4", name="行业精选股票基金", type="fund", risk_level="R4")
    assert suitability.verdict(customer, r4).codes == ["elderly_high_risk", "dual_recording_required"]
    response = login(bank.admin).post("/wealth/settings/policy/", {
        "elderly_age": "70", "elderly_min_risk": "R5", "elderly_signoff": "on", "dual_recording_types": ["wealth"],
        "dual_recording_age": "65", "dual_recording_private": "on", "cooling_off_hours": "48"})
    assert response.status_code == 302
    assert suitability.verdict(customer, r4).codes == []
    event = AuditEvent.objects.get(action="settings.suitability_changed")
    assert event.after["elderly_age"] == 70 and event.before["elderly_age"] == 65


def test_a_branch_head_reads_and_a_manager_gets_404(bank, login):
    head = login(bank.head)
    page = head.get("/wealth/settings/")
    assert page.status_code == 200 and 'id="read-only"' in page.content.decode()
    assert 'id="open-draft"' not in page.content.decode()
    assert head.post("/wealth/settings/draft/").status_code == 403
    assert head.post("/wealth/settings/policy/", {"elderly_age": "1"}).status_code == 403
    for who in (bank.rm_a, bank.assistant, bank.auditor):
        client = login(who)
        assert client.get("/wealth/settings/").status_code == 404
        assert client.post("/wealth/settings/draft/").status_code == 404
        assert client.post("/wealth/settings/draft/save/", {"action": "publish"}).status_code == 404
        assert client.post("/wealth/settings/policy/", {"elderly_age": "1"}).status_code == 404
    assert not Questionnaire.objects.filter(status="draft").exists()
