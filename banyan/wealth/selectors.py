"""Reads of wealth care. Customer-scoped reads take a customer that already came through the
visibility gate (customers.selectors.get_customer_for_user)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from banyan import clock
from banyan.holdings.models import Holding, HoldingStatus
from banyan.wealth.models import Option, Question, Questionnaire, QuestionnaireStatus, RiskAssessment, SaleCheck
from banyan.wealth.suitability import INVESTMENT_TYPES, customer_facts, levels_above, rank


def _with_questions(qs: QuerySet[Questionnaire]) -> QuerySet[Questionnaire]:
    return qs.prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("position").prefetch_related(
        Prefetch("options", queryset=Option.objects.order_by("position")))))


def current_questionnaire() -> Questionnaire | None:
    """The questionnaire in use, with its questions and answers (three queries)."""
    return _with_questions(Questionnaire.objects.filter(status=QuestionnaireStatus.PUBLISHED)).first()


def draft_questionnaire() -> Questionnaire | None:
    return _with_questions(Questionnaire.objects.filter(status=QuestionnaireStatus.DRAFT)).first()


def questionnaire_versions() -> QuerySet[Questionnaire]:
    return Questionnaire.objects.exclude(status=QuestionnaireStatus.DRAFT).order_by("-version")


def assessment_history(customer) -> list[RiskAssessment]:
    """The customer's assessments, latest first, with the questionnaire each was scored by."""
    return list(RiskAssessment.objects.filter(customer=customer).select_related("questionnaire", "recorded_by")
                .order_by("-assessed_on", "-pk"))


@dataclass(frozen=True)
class RiskStatus:
    """Where the customer's risk assessment stands today (the file's card, the sale form)."""

    level: str
    assessed_on: dt.date | None
    expires_on: dt.date | None
    expired: bool
    days_left: int | None
    latest: RiskAssessment | None


def risk_status(customer, *, today: dt.date | None = None) -> RiskStatus:
    day = today or clock.today()
    facts = customer_facts([customer.pk]).get(customer.pk)
    latest = (RiskAssessment.objects.filter(customer=customer).order_by("-assessed_on", "-pk").first())
    expires = facts.expires_on if facts else None
    return RiskStatus(level=customer.risk_level or "", assessed_on=customer.risk_assessed_on, expires_on=expires,
                      expired=expires is not None and expires < day,
                      days_left=(expires - day).days if expires else None, latest=latest)


@dataclass(frozen=True)
class Gap:
    """A holding above the customer's current risk level. `drift`: it was within the level at the
    sale and a later assessment lowered the level; otherwise it was recorded above the level (a
    core-banking feed, or sold before any assessment)."""

    holding: Holding
    drift: bool


def suitability_gaps(customer) -> list[Gap]:
    """The customer's active investment holdings whose product risk is above the customer's current
    level (all of them when the customer has no level), the drifted ones first. For the file's
    warning card and the wealth diagnosis."""
    above = levels_above(customer.risk_level or "")
    if not above or not customer.risk_level:
        return []
    holdings = (Holding.objects.filter(customer=customer, status=HoldingStatus.ACTIVE, product__risk_level__in=above)
                .filter(product__type__in=INVESTMENT_TYPES).select_related("product")
                .order_by("-product__risk_level", "-current_value"))
    gaps = [Gap(h, drift=rank(h.risk_level_at_sale) >= rank(h.product.risk_level)) for h in holdings]
    return sorted(gaps, key=lambda g: not g.drift)


def holding_ids_above_level(customer) -> set[int]:
    """Ids of the customer's holdings above the current level (the file flags each row)."""
    return {g.holding.pk for g in suitability_gaps(customer)}


def sale_checks_of(customer) -> dict[int, SaleCheck]:
    """The suitability record of each of the customer's sales, by holding id."""
    return {s.holding_id: s for s in SaleCheck.objects.filter(customer=customer).select_related("signoff_by")}
