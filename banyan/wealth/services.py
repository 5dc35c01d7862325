"""Writes of wealth care (WEA-1): risk assessments (with the manager, through the API, from core
banking), the questionnaire's versions, the suitability policy, and a sale under the suitability
rules (banyan.wealth.suitability) with its record and a withdrawal in the cooling-off period.

Every state change is audited: `risk_assessment.recorded`, `questionnaire.*`,
`settings.suitability_changed`, `sale.recorded`, `sale.withdrawn`."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from banyan import clock
from banyan.audit.services import audit_log
from banyan.customers.models import Customer, RiskLevel
from banyan.customers.services import customer_update
from banyan.holdings.models import Holding, HoldingStatus, Product, ProductRisk, ProductType
from banyan.holdings.services import customers_refresh_aum, holding_create
from banyan.transitions import transition
from banyan.wealth import suitability
from banyan.wealth.models import (
    AssessmentSource,
    Option,
    Question,
    Questionnaire,
    QuestionnaireStatus,
    RiskAssessment,
    SaleCheck,
    SuitabilityPolicy,
)
from banyan.wealth.selectors import current_questionnaire

# ------------------------------------------------------------------ scoring

#: Answers that contradict each other: (code, meanings on one side, meanings on the other, what
#: the manager is told). An assessment with such answers is flagged and kept with the flag — not
#: silently scored — so that the manager asks the customer again (the regulator looks for answers
#: arranged to reach a higher level). Meanings are the options' `meaning` tags.
INCONSISTENCIES: tuple[tuple[str, frozenset[str], frozenset[str], Any], ...] = (
    ("no_experience_risky_holdings", frozenset({"experience:none"}),
     frozenset({"holding:equity", "holding:derivative"}),
     gettext_lazy("No investment experience, yet the assets are mostly in shares, equity funds or derivatives.")),
    ("no_knowledge_derivatives", frozenset({"knowledge:none"}), frozenset({"holding:derivative"}),
     gettext_lazy("Hardly knows financial products, yet holds mostly futures, options or private funds.")),
    ("short_horizon_growth", frozenset({"horizon:short"}), frozenset({"purpose:growth"}),
     gettext_lazy("Plans to invest for less than a year, yet the purpose is high long-term growth.")),
    ("no_loss_growth", frozenset({"loss:none"}), frozenset({"purpose:growth", "loss:large"}),
     gettext_lazy("Cannot bear any loss, yet seeks high growth that comes with large swings.")),
    ("needs_cash_long_horizon", frozenset({"liquidity:high"}), frozenset({"horizon:long"}),
     gettext_lazy("May need the money at any time, yet plans to keep it invested for more than five years.")),
    ("no_income_most_invested", frozenset({"income:none"}), frozenset({"share:most"}),
     gettext_lazy("Has no regular income, yet plans to invest most of the household's financial assets.")),
)
FLAG_WORDS = {code: words for code, _a, _b, words in INCONSISTENCIES}


def flag_words(code: str) -> str:
    return str(FLAG_WORDS.get(code, code))


@dataclass(frozen=True)
class Scored:
    score: int
    level: str
    flags: list[str]
    answers: dict[str, str]  # question code → option code, in the questionnaire's order


def score_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> Scored:
    """The score, level and inconsistency flags of a full set of answers. Pure over the
    questionnaire's prefetched questions. Raises ValidationError naming each question that is
    unanswered or answered with an option it does not have, and any unknown question."""
    questions = list(questionnaire.questions.all())
    known = {q.code for q in questions}
    errors: dict[str, list[str]] = {}
    for code in answers:
        if code not in known:
            errors[str(code)] = [_("The questionnaire (version %(v)s) has no question %(q)s.")
                                 % {"v": questionnaire.version, "q": code}]
    score, meanings, chosen = 0, set(), {}
    for q in questions:
        given = answers.get(q.code)
        given = "" if given is None else str(given).strip()
        if not given:
            errors[q.code] = [_("Question %(n)s is not answered: %(text)s") % {"n": q.position, "text": q.text}]
            continue
        option = next((o for o in q.options.all() if o.code.lower() == given.lower()), None)
        if option is None:
            errors[q.code] = [_("Question %(n)s has no answer %(a)s (it has %(codes)s).")
                              % {"n": q.position, "a": given, "codes": "/".join(o.code for o in q.options.all())}]
            continue
        score += option.score
        chosen[q.code] = option.code
        if option.meaning:
            meanings.add(option.meaning)
    if errors:
        raise ValidationError(errors)
    flags = [code for code, one, other, _w in INCONSISTENCIES if meanings & one and meanings & other]
    return Scored(score=score, level=questionnaire.level_for(score), flags=flags, answers=chosen)


# ------------------------------------------------------------------ assessments

class DailyLimitReached(ValidationError):
    """More assessments of a customer in a day than the questionnaire allows."""


def assessments_today(customer: Customer, day: dt.date) -> int:
    """Assessments taken with the manager or through the API on `day` (a feed's are core
    banking's own record and do not count against the limit)."""
    return (RiskAssessment.objects.filter(customer=customer, assessed_on=day)
            .exclude(source=AssessmentSource.FEED).count())


def _follow(*, actor, customer: Customer, assessment: RiskAssessment) -> None:
    """The customer's risk level and date follow the assessment when it is the latest."""
    if customer.risk_assessed_on is None or assessment.assessed_on >= customer.risk_assessed_on:
        if (customer.risk_level, customer.risk_assessed_on) != (assessment.level, assessment.assessed_on):
            customer_update(actor=actor, customer=customer, risk_level=assessment.level,
                            risk_assessed_on=assessment.assessed_on)


@transaction.atomic
def assessment_record(*, actor, customer: Customer, answers: Mapping[str, Any],
                      source: str = AssessmentSource.MANAGER, flags_note: str = "",
                      questionnaire: Questionnaire | None = None) -> RiskAssessment:
    """风险测评 taken today with the current questionnaire: every question answered (a missing or
    unknown answer is refused, naming the question). Refused beyond the questionnaire's daily limit
    of assessments for the customer (repeated attempts to reach a higher level are what the
    regulator looks for). Inconsistent answers are recorded with their flags. The customer's risk
    level and date follow; audited."""
    q = questionnaire or current_questionnaire()
    if q is None:
        raise ValidationError({"answers": [_("The bank has no risk questionnaire in use.")]})
    scored = score_answers(q, answers)
    today = clock.today()
    # one assessment at a time per customer: the count below stays true until this one is written
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    taken = assessments_today(locked, today)
    if taken >= q.daily_limit:
        raise DailyLimitReached({"answers": [_(
            "%(name)s has been assessed %(n)s times today, the most the bank allows in a day: repeated attempts "
            "to reach a higher risk level are what the regulator looks for. Assess again tomorrow if the customer's "
            "situation really differs.") % {"name": customer.name, "n": taken}]}, code="daily_limit")
    note = (flags_note or "").strip()
    if len(note) > RiskAssessment._meta.get_field("flags_note").max_length:
        raise ValidationError({"flags_note": [_("At most %(n)s characters.") % {"n": 300}]})
    assessment = RiskAssessment.objects.create(
        customer=customer, questionnaire=q, answers=scored.answers, score=scored.score, level=scored.level,
        previous_level=customer.risk_level or "", assessed_on=today,
        expires_on=today + dt.timedelta(days=q.valid_days), source=source, flags=scored.flags,
        flags_note=note if scored.flags else "", recorded_by=actor)
    audit_log(actor=actor, action="risk_assessment.recorded", customer_id=customer.pk, obj=assessment,
              before={"risk_level": customer.risk_level or ""},
              after={"risk_level": assessment.level, "score": assessment.score,
                     "expires_on": assessment.expires_on.isoformat(), "version": q.version, "source": source,
                     **({"flags": ", ".join(scored.flags)} if scored.flags else {})})
    _follow(actor=actor, customer=customer, assessment=assessment)
    return assessment


def _date(field: str, value: Any, *, required: bool) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise ValidationError({field: [_("This field is required.")]})
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD, e.g. 2026-08-31.")]}) from None


def assessment_import(*, actor, customer: Customer, external_id: str, level: Any, assessed_on: Any,
                      score: Any = None, expires_on: Any = None) -> tuple[RiskAssessment, str]:
    """An assessment taken in core banking (the `risk_assessments` feed), keyed by its number: a
    second row with the same number corrects it. Never refused for the daily limit (core banking
    took it). Returns the assessment and "added", "updated" or "unchanged"; the customer's level
    follows when it is the latest. Audited."""
    errors: dict[str, list[str]] = {}
    code = (str(level or "")).strip().upper()
    if code not in RiskLevel.values:
        errors["level"] = [_("A risk level is C1 to C5.")]
    try:
        day = _date("assessed_on", assessed_on, required=True)
    except ValidationError as e:
        errors.update(e.message_dict)
        day = None
    try:
        until = _date("expires_on", expires_on, required=False)
    except ValidationError as e:
        errors.update(e.message_dict)
        until = None
    points = None
    if score not in (None, ""):
        try:
            points = int(str(score).strip())
            if not 0 <= points <= 32767:
                raise ValueError
        except ValueError:
            errors["score"] = [_("A score is a whole number from 0.")]
    if day is not None and day > clock.today():
        errors["assessed_on"] = [_("An assessment cannot be dated in the future.")]
    if day is not None and until is not None and until <= day:
        errors["expires_on"] = [_("The expiry date is not after the assessment date.")]
    if errors:
        raise ValidationError(errors)
    if until is None:
        q = current_questionnaire()
        until = day + dt.timedelta(days=q.valid_days if q else suitability.DEFAULT_VALID_DAYS)
    ext = (external_id or "").strip()
    with transaction.atomic():
        existing = RiskAssessment.objects.select_for_update().filter(external_id=ext).first()
        if existing is not None and existing.customer_id != customer.pk:
            raise ValidationError({"customer": [_("This assessment number belongs to another customer.")]})
        values = {"level": code, "assessed_on": day, "expires_on": until, "score": points}
        if existing is not None:
            if all(getattr(existing, k) == v for k, v in values.items()):
                return existing, "unchanged"
            before = {k: str(getattr(existing, k)) for k in values}
            for k, v in values.items():
                setattr(existing, k, v)
            existing.save(update_fields=list(values))
            audit_log(actor=actor, action="risk_assessment.recorded", customer_id=customer.pk, obj=existing,
                      before=before, after={k: str(v) for k, v in values.items()}, data={"via": "feed"})
            _follow(actor=actor, customer=customer, assessment=existing)
            return existing, "updated"
        assessment = RiskAssessment.objects.create(
            customer=customer, external_id=ext, source=AssessmentSource.FEED, previous_level=customer.risk_level or "",
            recorded_by=actor, **values)
        audit_log(actor=actor, action="risk_assessment.recorded", customer_id=customer.pk, obj=assessment,
                  before={"risk_level": customer.risk_level or ""},
                  after={"risk_level": code, "assessed_on": day.isoformat(), "expires_on": until.isoformat(),
                         "source": AssessmentSource.FEED})
        _follow(actor=actor, customer=customer, assessment=assessment)
        return assessment, "added"


# ------------------------------------------------------------------ the questionnaire's versions

def _copy_questions(source: Questionnaire, target: Questionnaire) -> None:
    for question in source.questions.all():
        options = list(question.options.all())
        question.pk, question.questionnaire = None, target
        question.save()
        for option in options:
            option.pk, option.question = None, question
        Option.objects.bulk_create(options)


@transaction.atomic
def questionnaire_draft(*, actor) -> Questionnaire:
    """The draft the bank edits: the one already open, or a copy of the version in use."""
    draft = Questionnaire.objects.filter(status=QuestionnaireStatus.DRAFT).first()
    if draft is not None:
        return draft
    current = current_questionnaire()
    version = (Questionnaire.objects.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    fields = {f: getattr(current, f) for f in ("title", "title_en", "valid_days", "daily_limit", "c2_min", "c3_min",
                                               "c4_min", "c5_min")} if current else {
        "title": "个人客户风险承受能力评估问卷", "title_en": "Personal investor risk tolerance questionnaire",
        "c2_min": 30, "c3_min": 50, "c4_min": 70, "c5_min": 90}
    draft = Questionnaire.objects.create(version=version, status=QuestionnaireStatus.DRAFT, created_by=actor,
                                         note="", **fields)
    if current is not None:
        _copy_questions(current, draft)
    audit_log(actor=actor, action="questionnaire.draft_opened", obj=draft,
              after={"version": version, "from": current.version if current else None})
    return draft


def _int(errors: dict, key: str, raw: Any, *, low: int, high: int) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        errors[key] = [_("Enter a whole number.")]
        return None
    if not low <= value <= high:
        errors[key] = [_("Enter a number from %(a)s to %(b)s.") % {"a": low, "b": high}]
        return None
    return value


_CODE = re.compile(r"^[A-Za-z0-9_]+$")


def _text(errors: dict, key: str, raw: Any, *, limit: int, required: bool) -> str:
    value = (raw or "").strip()
    if required and not value:
        errors[key] = [_("This field is required.")]
    elif len(value) > limit:
        errors[key] = [_("At most %(n)s characters, %(m)s given.") % {"n": limit, "m": len(value)}]
    return value


@transaction.atomic
def questionnaire_draft_save(*, actor, draft: Questionnaire, data: Mapping[str, Any]) -> Questionnaire:
    """Save the draft as edited on the settings page. `data` holds the version's fields (title,
    title_en, valid_days, daily_limit, c2_min … c5_min, note) and, per question and option, their
    texts, codes, scores and meanings keyed `q-<id>-text`, `o-<id>-score`, …. Every field is
    judged; nothing is saved when one is refused (errors keyed as the data)."""
    if draft.status != QuestionnaireStatus.DRAFT:
        raise ValidationError({"__all__": [_("Only a draft can be edited; open a new draft.")]})
    errors: dict[str, list[str]] = {}
    meta = {
        "title": _text(errors, "title", data.get("title"), limit=100, required=True),
        "title_en": _text(errors, "title_en", data.get("title_en"), limit=100, required=False),
        "note": _text(errors, "note", data.get("note"), limit=200, required=False),
        "valid_days": _int(errors, "valid_days", data.get("valid_days"), low=30, high=1095),
        "daily_limit": _int(errors, "daily_limit", data.get("daily_limit"), low=1, high=10),
    }
    for key in ("c2_min", "c3_min", "c4_min", "c5_min"):
        meta[key] = _int(errors, key, data.get(key), low=0, high=1000)
    bands = [meta[k] for k in ("c2_min", "c3_min", "c4_min", "c5_min")]
    if None not in bands and not bands[0] < bands[1] < bands[2] < bands[3]:
        errors["c5_min"] = [_("The lowest scores must rise from C2 to C5.")]
    questions = list(draft.questions.prefetch_related("options"))
    codes: dict[str, int] = {}
    for q in questions:
        q.code = _text(errors, f"q-{q.pk}-code", data.get(f"q-{q.pk}-code", q.code), limit=30, required=True)
        q.text = _text(errors, f"q-{q.pk}-text", data.get(f"q-{q.pk}-text", q.text), limit=300, required=True)
        q.text_en = _text(errors, f"q-{q.pk}-text_en", data.get(f"q-{q.pk}-text_en", q.text_en), limit=300,
                          required=False)
        if q.code in codes:
            errors[f"q-{q.pk}-code"] = [_("Two questions have the code %(c)s.") % {"c": q.code}]
        elif q.code and not _CODE.match(q.code):
            errors[f"q-{q.pk}-code"] = [_("A code is letters, digits and _ only.")]
        codes[q.code] = q.pk
        option_codes: set[str] = set()
        for o in q.options.all():
            o.code = _text(errors, f"o-{o.pk}-code", data.get(f"o-{o.pk}-code", o.code), limit=5, required=True)
            o.text = _text(errors, f"o-{o.pk}-text", data.get(f"o-{o.pk}-text", o.text), limit=200, required=True)
            o.text_en = _text(errors, f"o-{o.pk}-text_en", data.get(f"o-{o.pk}-text_en", o.text_en), limit=200,
                              required=False)
            o.meaning = _text(errors, f"o-{o.pk}-meaning", data.get(f"o-{o.pk}-meaning", o.meaning), limit=40,
                              required=False)
            o.score = _int(errors, f"o-{o.pk}-score", data.get(f"o-{o.pk}-score", o.score), low=0, high=100)
            if o.code and not _CODE.match(o.code):
                errors[f"o-{o.pk}-code"] = [_("A code is letters, digits and _ only.")]
            elif o.code in option_codes:
                errors[f"o-{o.pk}-code"] = [_("Two answers of this question have the code %(c)s.") % {"c": o.code}]
            option_codes.add(o.code)
    if errors:
        raise ValidationError(errors)
    before = {k: getattr(draft, k) for k in meta}
    for k, v in meta.items():
        setattr(draft, k, v)
    draft.save()
    # codes may be swapped between two questions (or answers): park them first on "~<position>",
    # which no code can be, so no unique check trips mid-way
    for q in questions:
        Question.objects.filter(pk=q.pk).update(code=f"~{q.position}")
    for q in questions:
        q.save(update_fields=["code", "text", "text_en"])
        options = list(q.options.all())
        for o in options:
            Option.objects.filter(pk=o.pk).update(code=f"~{o.position}"[:5])
        for o in options:
            o.save(update_fields=["code", "text", "text_en", "meaning", "score"])
    changed = {k: v for k, v in meta.items() if before[k] != v}
    audit_log(actor=actor, action="questionnaire.draft_saved", obj=draft,
              before={k: before[k] for k in changed}, after=changed, data={"version": draft.version})
    return draft


@transaction.atomic
def questionnaire_question_add(*, actor, draft: Questionnaire) -> Question:
    """A new question at the end of the draft, with two answers to fill in."""
    if draft.status != QuestionnaireStatus.DRAFT:
        raise ValidationError({"__all__": [_("Only a draft can be edited; open a new draft.")]})
    position = (draft.questions.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    question = Question.objects.create(questionnaire=draft, position=position, code=f"q{position}",
                                       text=_("New question"), text_en="New question")
    Option.objects.bulk_create([Option(question=question, position=i, code=c, text=_("Answer %(c)s") % {"c": c},
                                       text_en=f"Answer {c}", score=s) for i, (c, s) in enumerate((("A", 1), ("B", 5)),
                                                                                                 start=1)])
    audit_log(actor=actor, action="questionnaire.draft_saved", obj=draft, after={"question_added": question.code},
              data={"version": draft.version})
    return question


@transaction.atomic
def questionnaire_option_add(*, actor, draft: Questionnaire, question: Question) -> Option:
    if draft.status != QuestionnaireStatus.DRAFT or question.questionnaire_id != draft.pk:
        raise ValidationError({"__all__": [_("Only a draft can be edited; open a new draft.")]})
    position = (question.options.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    taken = set(question.options.values_list("code", flat=True))
    code = next(c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "".join(str(n) for n in range(100)) if c not in taken)
    option = Option.objects.create(question=question, position=position, code=code,
                                   text=_("Answer %(c)s") % {"c": code}, text_en=f"Answer {code}", score=0)
    audit_log(actor=actor, action="questionnaire.draft_saved", obj=draft,
              after={"option_added": f"{question.code}.{code}"}, data={"version": draft.version})
    return option


@transaction.atomic
def questionnaire_item_remove(*, actor, draft: Questionnaire, question: Question | None = None,
                              option: Option | None = None) -> None:
    """Remove a question (with its answers) or one answer of the draft. A question keeps two answers."""
    if draft.status != QuestionnaireStatus.DRAFT:
        raise ValidationError({"__all__": [_("Only a draft can be edited; open a new draft.")]})
    if option is not None:
        if option.question.questionnaire_id != draft.pk:
            raise ValidationError({"__all__": [_("This answer is not in the draft.")]})
        if option.question.options.count() <= 2:
            raise ValidationError({f"o-{option.pk}-code": [_("A question needs at least two answers.")]})
        what = f"{option.question.code}.{option.code}"
        option.delete()
    elif question is not None:
        if question.questionnaire_id != draft.pk:
            raise ValidationError({"__all__": [_("This question is not in the draft.")]})
        what = question.code
        question.delete()
    else:
        return
    audit_log(actor=actor, action="questionnaire.draft_saved", obj=draft, after={"removed": what},
              data={"version": draft.version})


@transaction.atomic
def questionnaire_publish(*, actor, draft: Questionnaire) -> Questionnaire:
    """The draft becomes the questionnaire in use; the one before is retired. Assessments keep the
    version they were scored by. Refused when a question has fewer than two answers, or when the
    bands cannot be reached (the highest band above the best possible score)."""
    if draft.status != QuestionnaireStatus.DRAFT:
        raise ValidationError({"__all__": [_("Only a draft can be published.")]})
    questions = list(draft.questions.prefetch_related("options"))
    errors: list[str] = []
    if not questions:
        errors.append(_("The questionnaire has no question."))
    for q in questions:
        if len(q.options.all()) < 2:
            errors.append(_("Question %(n)s needs at least two answers.") % {"n": q.position})
    best = sum(max((o.score for o in q.options.all()), default=0) for q in questions)
    worst = sum(min((o.score for o in q.options.all()), default=0) for q in questions)
    if questions and best < draft.c5_min:
        errors.append(_("The best possible score is %(best)s, below the lowest score for C5 (%(c5)s): nobody could "
                        "reach C5.") % {"best": best, "c5": draft.c5_min})
    if questions and worst >= draft.c2_min:
        errors.append(_("The lowest possible score is %(worst)s, not below the lowest score for C2 (%(c2)s): nobody "
                        "could be C1.") % {"worst": worst, "c2": draft.c2_min})
    if errors:
        raise ValidationError({"__all__": errors})
    current = current_questionnaire()
    if current is not None:
        Questionnaire.objects.filter(pk=current.pk).update(status=QuestionnaireStatus.RETIRED)
    transition(Questionnaire.objects.filter(pk=draft.pk, status=QuestionnaireStatus.DRAFT),
               _("This draft was published meanwhile."), status=QuestionnaireStatus.PUBLISHED,
               published_at=timezone.now(), published_by=actor)
    draft.refresh_from_db()
    audit_log(actor=actor, action="questionnaire.published", obj=draft,
              before={"version": current.version if current else None},
              after={"version": draft.version, "questions": len(questions), "valid_days": draft.valid_days,
                     "daily_limit": draft.daily_limit,
                     "bands": f"C2≥{draft.c2_min} C3≥{draft.c3_min} C4≥{draft.c4_min} C5≥{draft.c5_min}"})
    return draft


@transaction.atomic
def questionnaire_draft_discard(*, actor, draft: Questionnaire) -> None:
    if draft.status != QuestionnaireStatus.DRAFT:
        raise ValidationError({"__all__": [_("Only a draft can be discarded.")]})
    version = draft.version
    draft.delete()
    audit_log(actor=actor, action="questionnaire.draft_discarded", data={"version": version})


# ------------------------------------------------------------------ the suitability policy

POLICY_FIELDS = ("elderly_age", "elderly_min_risk", "elderly_signoff", "dual_recording_types", "dual_recording_age",
                 "dual_recording_private", "cooling_off_hours")


@transaction.atomic
def suitability_policy_save(*, actor, **fields: Any) -> SuitabilityPolicy:
    """Change the bank's suitability settings (the warnings; the blocking rules are the regulator's)."""
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValidationError({k: [_("This field cannot be changed here.")] for k in sorted(unknown)})
    row = SuitabilityPolicy.objects.select_for_update().order_by("pk").first() or SuitabilityPolicy(
        dual_recording_types=sorted(suitability.Policy().dual_recording_types))
    errors: dict[str, list[str]] = {}
    if "elderly_min_risk" in fields and fields["elderly_min_risk"] not in ProductRisk.values:
        errors["elderly_min_risk"] = [_("Choose R1 to R5.")]
    if "dual_recording_types" in fields:
        types = list(fields["dual_recording_types"] or [])
        bad = [t for t in types if t not in ProductType.values]
        if bad:
            errors["dual_recording_types"] = [_("Unknown product type %(t)s.") % {"t": ", ".join(bad)}]
        fields["dual_recording_types"] = sorted(set(types))
    for key, high in (("elderly_age", 120), ("dual_recording_age", 120), ("cooling_off_hours", 720)):
        if key in fields:
            value = _int(errors, key, fields[key], low=0, high=high)
            fields[key] = value
    if errors:
        raise ValidationError(errors)
    before = {k: getattr(row, k) for k in fields}
    for k, v in fields.items():
        setattr(row, k, v)
    row.updated_by = actor
    row.save()
    changed = {k: v for k, v in fields.items() if before[k] != v}
    if changed:
        audit_log(actor=actor, action="settings.suitability_changed", obj=row,
                  before={k: before[k] for k in changed}, after=changed)
    return row


# ------------------------------------------------------------------ a sale

class Unsuitable(ValidationError):
    """A blocking suitability rule applies: the sale is refused (the API's 422 `unsuitable`)."""

    def __init__(self, verdict: suitability.Verdict):
        self.verdict = verdict
        super().__init__({"product": [r.message for r in verdict.blocking]}, code="unsuitable")


def _signoff_errors(actor, customer: Customer, signoff_by) -> list[str]:
    if signoff_by is None:
        return [_("A customer of 65 or older buying an R4–R5 product: a second colleague of the branch signs off "
                  "the sale. Choose who.")]
    if actor is not None and signoff_by.pk == actor.pk:
        return [_("The second sign-off is a colleague's, not your own.")]
    if not signoff_by.is_active or signoff_by.branch_id != customer.branch_id:
        return [_("The second sign-off is by an active colleague of the customer's branch.")]
    return []


@transaction.atomic
def sale_record(*, actor, customer: Customer, product: Product, amount: Any, purchase_date: Any,
                dual_recording_ref: str = "", signoff_by=None, acknowledged: bool = False,
                source: str = AssessmentSource.MANAGER, **fields: Any) -> Holding:
    """A manager records a sale (seed 000 销售维护: the date, the amount, the price, the expected
    return and the customer's own take-profit and stop-loss, which later bring the customer up on
    the worklist), under the suitability rules: a blocking rule refuses it (`Unsuitable`); each
    warning needs what it asks — acknowledged by the manager, the 双录 record's number, a second
    colleague's sign-off. A private product's sale waits out its cooling-off period. The feeds,
    which record what core banking already did, do not come here."""
    if not product.is_active:
        raise ValidationError({"product": [_("%(p)s is no longer on sale.") % {"p": product.name}]})
    verdict = suitability.verdict(customer, product)
    if not verdict.allowed:
        raise Unsuitable(verdict)
    errors: dict[str, list[str]] = {}
    ref = (dual_recording_ref or "").strip()
    if verdict.needs_dual_recording and not ref:
        errors["dual_recording_ref"] = [_("This sale must be recorded on audio and video (双录): enter the record's "
                                          "number.")]
    if len(ref) > 40:
        errors["dual_recording_ref"] = [_("At most %(n)s characters, %(m)s given.") % {"n": 40, "m": len(ref)}]
    if verdict.needs_signoff:
        problems = _signoff_errors(actor, customer, signoff_by)
        if problems:
            errors["signoff_by"] = problems
    if verdict.warnings and not acknowledged:
        errors["acknowledged"] = [_("Confirm that you have done what the warnings above ask.")]
    if errors:
        raise ValidationError(errors)
    holding = holding_create(actor=actor, customer=customer, product=product, amount=amount,
                             purchase_date=purchase_date, sold_by=actor, **fields)
    latest = (customer.risk_assessments.filter(assessed_on=customer.risk_assessed_on, level=customer.risk_level)
              .order_by("-pk").first() if customer.risk_assessed_on else None)
    now = timezone.now()
    check = SaleCheck.objects.create(
        holding=holding, customer=customer, assessment=latest, customer_level=customer.risk_level or "",
        product_level=product.risk_level, rules=[{"code": r.code, "blocking": False} for r in verdict.warnings],
        dual_recording_ref=ref, signoff_by=signoff_by if verdict.needs_signoff else None,
        cooling_off_ends_at=now + dt.timedelta(hours=verdict.cooling_off_hours) if verdict.cooling_off_hours else None,
        source=source, recorded_by=actor)
    audit_log(actor=actor, action="sale.recorded", customer_id=customer.pk, obj=holding,
              after={"product": product.code, "amount": str(holding.amount), "customer_level": check.customer_level,
                     "product_level": check.product_level,
                     "warnings_acknowledged": ", ".join(r.code for r in verdict.warnings),
                     **({"dual_recording_ref": ref} if ref else {}),
                     **({"signoff_by": signoff_by.username} if check.signoff_by_id else {}),
                     **({"cooling_off_ends_at": check.cooling_off_ends_at.isoformat()}
                        if check.cooling_off_ends_at else {})})
    return holding


@transaction.atomic
def sale_withdraw(*, actor, holding: Holding, reason: str) -> SaleCheck:
    """The customer withdraws a private product's purchase within its cooling-off period: the
    holding is closed (the money goes back) and the withdrawal recorded. Refused after the period
    (then it is a redemption, not a withdrawal) and for a sale without one."""
    check = SaleCheck.objects.select_for_update().filter(holding=holding).first()
    text = (reason or "").strip()
    if check is None or check.cooling_off_ends_at is None:
        raise ValidationError({"__all__": [_("This sale has no cooling-off period to withdraw in.")]})
    if check.withdrawn_at is not None:
        raise ValidationError({"__all__": [_("This sale was withdrawn already.")]}, code="conflict")
    if timezone.now() >= check.cooling_off_ends_at:
        raise ValidationError({"__all__": [_("The cooling-off period ended at %(t)s: the sale is final; the customer "
                                             "can redeem it instead.") % {
            "t": timezone.localtime(check.cooling_off_ends_at).strftime("%Y-%m-%d %H:%M")}]})
    if not text:
        raise ValidationError({"reason": [_("Say why the customer withdraws.")]})
    if len(text) > 200:
        raise ValidationError({"reason": [_("At most %(n)s characters, %(m)s given.") % {"n": 200, "m": len(text)}]})
    check.withdrawn_at, check.withdrawn_by, check.withdrawal_reason = timezone.now(), actor, text
    check.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    Holding.objects.filter(pk=holding.pk).update(status=HoldingStatus.CLOSED, current_value=0)
    customers_refresh_aum(customer_ids=[holding.customer_id])
    audit_log(actor=actor, action="sale.withdrawn", customer_id=holding.customer_id, obj=holding,
              before={"status": HoldingStatus.ACTIVE}, after={"status": HoldingStatus.CLOSED},
              detail=text)
    return check
