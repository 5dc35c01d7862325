"""API v1 of wealth care (API.md "Wealth care"): the bank's risk questionnaire, a customer's risk
assessment, the suitability verdict for a product, and a sale under the suitability rules.

A customer out of the caller's reach answers 404, as everywhere. A sale a blocking rule forbids
answers 422 with `error.code` "unsuitable" and the rules (`error.rules`); a sale that passes
answers 201 with the holding and the warnings that applied, recorded with it."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from banyan import clock
from banyan.customers.api import customer_or_404
from banyan.customers.services import customer_records_read
from banyan.holdings.api import HoldingIn, HoldingOut, holding_out
from banyan.holdings.selectors import get_product
from banyan.org.api import (
    ERRORS,
    ERRORS_409,
    ApiError,
    DecimalOut,
    ErrorDetail,
    ErrorOut,
    In,
    IsoDate,
    Money,
    PathId,
    actor,
    clean_text,
    invalid,
)
from banyan.org.models import Staff
from banyan.wealth import suitability
from banyan.wealth.diagnosis import Diagnosis, diagnose
from banyan.wealth.diagnosis_services import diagnosis_exported
from banyan.wealth.models import AssessmentSource
from banyan.wealth.selectors import current_questionnaire
from banyan.wealth.services import DailyLimitReached, Unsuitable, assessment_record, sale_record

router = Router(tags=["wealth"])

RuleCode = Literal[tuple(suitability.CODES)]
LevelCode = Literal["C1", "C2", "C3", "C4", "C5"]


# ------------------------------------------------------------------ schemas

class OptionOut(Schema):
    id: str = Field(description="The answer's code, e.g. \"A\".")
    text: str


class QuestionOut(Schema):
    id: str = Field(description="The question's code (stable across versions), e.g. \"horizon\".")
    text: str
    options: list[OptionOut]


class QuestionnaireOut(Schema):
    version: int
    title: str
    valid_days: int = Field(description="An assessment is valid this many days.")
    daily_limit: int = Field(description="Assessments a customer may take in a day.")
    questions: list[QuestionOut]


class AssessmentIn(In):
    answers: dict[str, str] = Field(description="question id → option id, every question answered.",
                                    examples=[{"age": "B", "horizon": "C"}])
    flags_note: str = Field("", max_length=300, description="What the customer said about contradicting answers.")


class AssessmentOut(Schema):
    id: int
    level: LevelCode
    score: int
    assessed_on: dt.date
    expires_on: dt.date
    version: int
    flags: list[str] = Field(description="Contradicting answers found (recorded with the result for review).")


class RuleOut(Schema):
    code: RuleCode
    blocking: bool
    message: str


class SuitabilityOut(Schema):
    allowed: bool
    customer_level: str = Field(description="C1–C5, or \"\" when never assessed.")
    product_level: str = Field(description="R1–R5.")
    rules: list[RuleOut]


class SaleIn(HoldingIn):
    dual_recording_ref: str | None = Field(None, max_length=40,
                                           description="The audio-video record's number (双录), when a rule asks.")
    signoff_by: str | None = Field(None, max_length=150, description="Username of the colleague who signs off a "
                                   "sale to a customer of 65 or more (R4–R5), when the bank asks for one.")


class SaleCheckOut(Schema):
    customer_level: str
    product_level: str
    rules: list[RuleOut] = Field(description="The warnings that applied, recorded with the sale as acknowledged.")
    dual_recording_ref: str
    signoff_by: str | None
    cooling_off_ends_at: dt.datetime | None = Field(description="A private product's sale is final only after this.")


class SaleOut(HoldingOut):
    suitability: SaleCheckOut


class UnsuitableDetail(ErrorDetail):
    rules: list[RuleOut] = Field(default_factory=list, description="With code \"unsuitable\": the blocking rules.")


class UnsuitableErrorOut(Schema):
    error: UnsuitableDetail


# ------------------------------------------------------------------ endpoints

def _english() -> bool:
    return (get_language() or "").startswith("en")


@router.get("/risk-questionnaire", response={200: QuestionnaireOut, **ERRORS})
def questionnaire_get(request):
    """The bank's current risk questionnaire (风险承受能力评估问卷), in the request's language."""
    q = current_questionnaire()
    if q is None:
        raise ApiError(404, "not_found", _("The bank has no risk questionnaire in use."))
    en = _english()
    return {"version": q.version, "title": (q.title_en or q.title) if en else q.title, "valid_days": q.valid_days,
            "daily_limit": q.daily_limit,
            "questions": [{"id": question.code, "text": (question.text_en or question.text) if en else question.text,
                           "options": [{"id": o.code, "text": (o.text_en or o.text) if en else o.text}
                                       for o in question.options.all()]}
                          for question in q.questions.all()]}


@router.post("/customers/{id}/risk-assessments", response={201: AssessmentOut, **ERRORS})
def assessment_create(request, id: PathId, payload: AssessmentIn):
    """Record a risk assessment taken today with the current questionnaire: every question
    answered (422 naming `answers.<question id>` for a missing or unknown answer). The customer's
    `risk_level` follows. More assessments of the customer in a day than the questionnaire allows
    answer 422 with `error.code` "daily_limit"."""
    customer = customer_or_404(request, id)
    answers = {clean_text(k): clean_text(v) for k, v in payload.answers.items()}
    try:
        a = assessment_record(actor=actor(request), customer=customer, answers=answers,
                              source=AssessmentSource.API, flags_note=clean_text(payload.flags_note))
    except DailyLimitReached as e:
        raise ApiError(422, "daily_limit", e.messages[0], {"answers": e.messages}) from None
    except ValidationError as e:
        fields = {(k if k in ("flags_note",) else f"answers.{k}"): v for k, v in e.message_dict.items()}
        raise ApiError(422, "invalid", _("Some fields are not valid."), fields) from None
    return Status(201, {"id": a.pk, "level": a.level, "score": a.score, "assessed_on": a.assessed_on,
                        "expires_on": a.expires_on, "version": a.questionnaire.version, "flags": a.flags})


def _product(code: str, field: str):
    product = get_product(clean_text(code).strip())
    if product is None:
        raise invalid(field, _("No product has the code %(c)s.") % {"c": code})
    return product


@router.get("/customers/{id}/suitability", response={200: SuitabilityOut, **ERRORS})
def suitability_get(request, id: PathId, product: str = Query(..., min_length=1, max_length=30)):
    """May this customer buy this product today, and what must the manager do: `allowed` is false
    when a blocking rule applies; `rules` are every rule that applies, blocking or a warning."""
    customer = customer_or_404(request, id)
    p = _product(product, "product")
    v = suitability.verdict(customer, p)
    customer_records_read(actor=actor(request), customer=customer, via="api_suitability", records=1)
    return {"allowed": v.allowed, "customer_level": v.customer_level, "product_level": v.product_level,
            "rules": [r.as_dict() for r in v.rules]}


@router.post("/customers/{id}/sales", response={201: SaleOut, **ERRORS_409, 422: UnsuitableErrorOut})
def sale_create(request, id: PathId, payload: SaleIn):
    """Record a sale under the suitability rules: 422 with `error.code` "unsuitable" and the
    blocking rules (`error.rules`) when one applies; a warning asks for what it needs (422 naming
    `dual_recording_ref` or `signoff_by`). 201: the holding, with the warnings that applied —
    recorded as acknowledged by the caller — and a private product's cooling-off end."""
    customer = customer_or_404(request, id)
    product = _product(payload.product_code, "product_code")
    fields = payload.model_dump(exclude={"product_code", "amount", "purchase_date", "dual_recording_ref",
                                         "signoff_by"}, exclude_none=True)
    signoff = None
    if payload.signoff_by:
        signoff = Staff.objects.filter(username=clean_text(payload.signoff_by).strip()).first()
        if signoff is None:
            raise invalid("signoff_by", _("No staff member has the username %(u)s.") % {"u": payload.signoff_by})
    try:
        holding = sale_record(actor=actor(request), customer=customer, product=product, amount=payload.amount,
                              purchase_date=payload.purchase_date,
                              dual_recording_ref=clean_text(payload.dual_recording_ref or ""), signoff_by=signoff,
                              acknowledged=True, source=AssessmentSource.API, **fields)
    except Unsuitable as e:
        rules = [r.as_dict() for r in e.verdict.blocking]
        return Status(422, {"error": {"code": "unsuitable", "message": " ".join(r["message"] for r in rules),
                                      "fields": {"product_code": [r["message"] for r in rules]}, "rules": rules}})
    check = holding.sale_check
    verdict_rules = {r.code: r for r in suitability.verdict(customer, product).rules}
    data = holding_out(holding)
    data["suitability"] = {
        "customer_level": check.customer_level, "product_level": check.product_level,
        "rules": [verdict_rules[r["code"]].as_dict() if r["code"] in verdict_rules else
                  {"code": r["code"], "blocking": False, "message": suitability.rule_words(r["code"])}
                  for r in check.rules],
        "dual_recording_ref": check.dual_recording_ref,
        "signoff_by": check.signoff_by.username if check.signoff_by_id else None,
        "cooling_off_ends_at": check.cooling_off_ends_at}
    return Status(201, data)


# ------------------------------------------------------------------ the wealth diagnosis (WEA-2)

Pct = DecimalOut(1)
RiskCode = Literal["R1", "R2", "R3", "R4", "R5"]
ClassCode = Literal["deposit", "wealth", "fund", "bond", "insurance", "precious_metal"]


class DiagnosisQuery(Schema):
    date: IsoDate | None = Field(None, description="YYYY-MM-DD; default today. The holdings are those active now "
                                                   "and bought by then, at their latest values; the date sets the "
                                                   "windows (maturities, 30/90 days, the assessment's validity).")


class DiagnosisAllocationOut(Schema):
    risk_level: RiskCode
    amount: Money
    pct: Pct = Field(description="Percent of the AUM: \"25.3\" is 25.3 %.")
    target_pct: Pct | None = Field(description="The model portfolio's target for the customer's level; null "
                                               "without a level.")


class DiagnosisClassAllocationOut(Schema):
    asset_class: ClassCode
    label: str
    amount: Money
    pct: Pct
    target_pct: Pct | None


class DiagnosisLiquidityOut(Schema):
    liquid: Money = Field(description="Demand deposits and T+0 products (R1 wealth products or funds without a term).")
    monthly_spending: Money | None = Field(description="As the manager recorded it; null when not known.")
    months_covered: Pct | None = Field(description="liquid ÷ monthly spending; null when spending is not known.")
    months_min: int
    months_max: int
    need_min: Money | None
    need_max: Money | None
    status: Literal["short", "ok", "idle", "unknown"]
    maturing_30: Money = Field(description="Maturing within 30 days of the date.")
    maturing_90: Money = Field(description="Maturing within 90 days of the date.")


class DiagnosisShareOut(Schema):
    name: str
    code: str
    amount: Money
    pct: Pct
    concentrated: bool = Field(description="More than 50 % of the AUM.")


class DiagnosisConcentrationOut(Schema):
    product: DiagnosisShareOut | None
    issuer: DiagnosisShareOut | None = Field(description="Issuers of non-deposit products.")
    holding: DiagnosisShareOut | None
    products: int


class DiagnosisBucketOut(Schema):
    label: str = Field(examples=["2026-12"])
    amount: Money
    count: int


class DiagnosisMaturingOut(Schema):
    holding_id: int
    product_code: str
    product_name: str
    date: dt.date
    days: int
    amount: Money
    auto_rollover: bool


class DiagnosisMaturitiesOut(Schema):
    next_30: Money
    next_90: Money
    by_month: list[DiagnosisBucketOut]
    by_quarter: list[DiagnosisBucketOut]
    later: Money
    items: list[DiagnosisMaturingOut]


class DiagnosisReturnOut(Schema):
    holding_id: int
    product_code: str
    product_name: str
    risk_level: str
    current_value: Money
    days_held: int
    return_pct: DecimalOut(2) | None = Field(description="So far (NAV against cost, or value against amount).")
    annualised_pct: DecimalOut(2) | None
    expected_pct: DecimalOut(4) | None = Field(description="The expected return recorded at the sale, else the "
                                                           "product's benchmark. Not a promise.")
    benchmark_pct: DecimalOut(4) | None = Field(description="The product's published benchmark or rate.")
    take_profit_pct: DecimalOut(2) | None
    stop_loss_pct: DecimalOut(2) | None
    status: Literal["take_profit", "stop_loss", "below_expected", "on_track", "fixed", "unknown"]


class DiagnosisGapOut(Schema):
    code: Literal["no_assessment", "assessment_expired", "assessment_expiring", "above_level", "drift"]
    message: str
    holding_id: int | None
    product_code: str
    product_level: str
    customer_level: str
    amount: Money | None


class DiagnosisFindingOut(Schema):
    code: str
    message: str


class DiagnosisOfferOut(Schema):
    product_code: str
    product_name: str = ""
    score: float | int | str | None = None
    reasons: list[str] = []


class DiagnosisOut(Schema):
    as_of: dt.date
    customer_level: str = Field(description="C1–C5, or empty when never assessed.")
    model: str | None = Field(description="The model portfolio's name for that level.")
    aum: Money
    other_bank_assets: Money | None = Field(description="Assets at other banks, where known (an estimate).")
    allocation: list[DiagnosisAllocationOut] = Field(description="By product risk level, R1–R5; the amounts sum to "
                                                                 "aum.")
    allocation_by_class: list[DiagnosisClassAllocationOut]
    liquidity: DiagnosisLiquidityOut
    concentration: DiagnosisConcentrationOut
    maturities: DiagnosisMaturitiesOut
    returns: list[DiagnosisReturnOut]
    gaps: list[DiagnosisGapOut]
    findings: list[DiagnosisFindingOut]
    offers: list[DiagnosisOfferOut] = Field(description="The next best offers, when the bank has them; never a "
                                                        "product the customer may not buy.")
    trend: list[dict[str, str]] = Field(description="[{date, aum}] at the month-ends on record, oldest first.")


def diagnosis_out(d: Diagnosis) -> dict:
    def share(s):
        return None if s is None else {"name": s.name, "code": s.code, "amount": s.amount, "pct": s.pct,
                                       "concentrated": s.concentrated}

    liq = d.liquidity
    m = d.maturities
    return {
        "as_of": d.as_of, "customer_level": d.level, "model": d.model.display_name if d.model else None, "aum": d.aum,
        "other_bank_assets": d.other_bank_assets,
        "allocation": [{"risk_level": s.key, "amount": s.amount, "pct": s.pct, "target_pct": s.target_pct}
                       for s in d.allocation],
        "allocation_by_class": [{"asset_class": s.key, "label": s.label, "amount": s.amount, "pct": s.pct,
                                 "target_pct": s.target_pct} for s in d.allocation_by_class],
        "liquidity": {"liquid": liq.liquid, "monthly_spending": liq.monthly_spending,
                      "months_covered": liq.months_covered, "months_min": liq.months_min,
                      "months_max": liq.months_max, "need_min": liq.need_min, "need_max": liq.need_max,
                      "status": liq.status, "maturing_30": liq.maturing_30, "maturing_90": liq.maturing_90},
        "concentration": {"product": share(d.concentration.product), "issuer": share(d.concentration.issuer),
                          "holding": share(d.concentration.holding), "products": d.concentration.products},
        "maturities": {"next_30": m.next_30, "next_90": m.next_90, "later": m.later,
                       "by_month": [{"label": b.label, "amount": b.amount, "count": b.count} for b in m.by_month],
                       "by_quarter": [{"label": b.label, "amount": b.amount, "count": b.count} for b in m.by_quarter],
                       "items": [vars(i) for i in m.items]},
        "returns": [{k: getattr(r, k) for k in DiagnosisReturnOut.model_fields} for r in d.returns],
        "gaps": [{"code": g.code, "message": g.message, "holding_id": g.holding_id, "product_code": g.product_code,
                  "product_level": g.product_level, "customer_level": g.customer_level, "amount": g.amount}
                 for g in d.gaps],
        "findings": [{"code": f.code, "message": f.message} for f in d.findings],
        "offers": d.offers,
        "trend": [{"date": day.isoformat(), "aum": str(aum)} for day, aum in d.trend],
    }


@router.get("/customers/{id}/diagnosis", response={200: DiagnosisOut, **ERRORS})
def diagnosis_get(request, id: PathId, query: Query[DiagnosisQuery]):
    """The customer's wealth diagnosis as data (财富诊断): allocation by risk level and by asset class
    against the model portfolio of the customer's level, liquidity, concentration, maturities,
    each holding's return, suitability gaps, findings and offers. The look is audited."""
    from banyan.customers.services import customer_viewed

    customer = customer_or_404(request, id)
    d = diagnose(customer, as_of=query.date)
    customer_viewed(actor=actor(request), customer=customer, via="api_diagnosis")
    return diagnosis_out(d)


_PDF = {"description": "The diagnosis report, A4, in Chinese, with its charts.",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}


@router.get("/customers/{id}/diagnosis.pdf", response={200: None, **ERRORS, 503: ErrorOut},
            openapi_extra={"responses": {200: _PDF}})
def diagnosis_pdf_get(request, id: PathId, query: Query[DiagnosisQuery]):
    """The diagnosis as a printable Chinese PDF to hand the customer: the bank's name, the manager's
    name and contact, the figures, charts (allocation against the target, the maturity ladder, the
    AUM trend) and a risk notice; no promised return. Every PDF is an audited export."""
    from django.http import HttpResponse

    from banyan.wealth.report import PdfUnavailable, attachment, diagnosis_pdf, pdf_filename

    customer = customer_or_404(request, id)
    day = query.date or clock.today()
    try:
        pdf = diagnosis_pdf(customer, as_of=day)
    except PdfUnavailable as e:
        raise ApiError(503, "unavailable", str(e)) from e
    diagnosis_exported(actor=actor(request), customer=customer, as_of=day, via="api_diagnosis_pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = attachment(pdf_filename(customer, day))
    return response
