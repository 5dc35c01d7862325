"""The demo bank's risk assessments (风险测评, WEA-1): the assessment behind every customer's risk
level — answers to the bank's questionnaire that score into that level — and for about a third an
earlier one; a few with contradicting answers the customer confirmed; a few customers re-assessed
in the last days at a level below what they hold (suitability drift: the file's warning card and
the worklist's `suitability_drift` come alive); and, on a senior manager's book, a private
product sold this morning, in its cooling-off period.

Its own random generator (from the seed), so the rest of the demo is the same with or without it.
The customers' expired assessments are the profiles' (about a quarter are over a year old)."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from banyan.customers.models import Customer
from banyan.holdings.models import Holding, HoldingStatus
from banyan.wealth.models import AssessmentSource, Questionnaire, RiskAssessment
from banyan.wealth.services import score_answers
from banyan.wealth.suitability import INVESTMENT_TYPES, rank

#: What customers say when the manager goes over contradicting answers with them.
FLAG_NOTES = ("客户确认：股票账户由子女代为操作，本人没有投资经验。",
              "客户确认：资金一年内可能用于购房，但希望长期增值。",
              "客户确认答案属实，已提示两项答案存在矛盾。",
              "客户确认：退休后无固定收入，计划将大部分存款用于理财。")
#: The private product the demo sells this morning (cooling-off period).
PRIVATE = ("PE-WY1", "稳盈私募证券投资基金1号", "fund", "R4", "某某私募基金管理有限公司")


@dataclass
class Made:
    assessments: list[RiskAssessment] = field(default_factory=list)
    drifted: list[Customer] = field(default_factory=list)
    flagged: int = 0


def _options_by_score(q: Questionnaire) -> list[tuple[str, list]]:
    return [(question.code, sorted(question.options.all(), key=lambda o: (o.score, o.position)))
            for question in q.questions.all()]


def _band(q: Questionnaire, level: str, best: int, worst: int) -> tuple[int, int]:
    lows = {"C1": worst, "C2": q.c2_min, "C3": q.c3_min, "C4": q.c4_min, "C5": q.c5_min}
    highs = {"C1": q.c2_min - 1, "C2": q.c3_min - 1, "C3": q.c4_min - 1, "C4": q.c5_min - 1, "C5": best}
    return lows[level], highs[level]


def answers_for(rng: random.Random, q: Questionnaire, level: str, *, flagged: bool = False) -> dict[str, str]:
    """Answers scoring into `level`'s band: without contradictions, or (flagged) with one —
    "no investment experience" and "mostly in equities"."""
    table = _options_by_score(q)
    best = sum(opts[-1].score for _c, opts in table)
    worst = sum(opts[0].score for _c, opts in table)
    low, high = _band(q, level, best, worst)
    forced: dict[str, str] = {}
    if flagged:
        forced = {"experience": "A", "holdings": "C"}
    for _attempt in range(40):
        picks = {code: rng.randrange(len(opts)) for code, opts in table}
        for code, opts in table:
            if code in forced:
                picks[code] = next(i for i, o in enumerate(opts) if o.code == forced[code])
        free = [code for code, _opts in table if code not in forced]
        score = sum(opts[picks[code]].score for code, opts in table)
        for _step in range(200):
            if low <= score <= high:
                break
            code = rng.choice(free)
            opts = dict(table)[code]
            move = 1 if score < low else -1
            new = picks[code] + move
            if 0 <= new < len(opts):
                score += opts[new].score - opts[picks[code]].score
                picks[code] = new
        answers = {code: opts[picks[code]].code for code, opts in table}
        scored = score_answers(q, answers)
        if scored.level == level and bool(scored.flags) == flagged:
            return answers
    return {}


def make_assessments(seed: int, today: dt.date, rows: list[Customer], holdings_of: list[list[Holding]],
                     opportunities, q: Questionnaire | None) -> Made:
    """The assessments of the demo customers (unsaved), and the customers whose level a recent
    lower re-assessment changed (their risk_level / risk_assessed_on set, unsaved)."""
    made = Made()
    if q is None:
        return made
    rng = random.Random(seed * 31 + 7)
    # a customer with an open opportunity for a product keeps a level that may buy it
    keeps_level: dict[int, int] = defaultdict(int)
    for o in opportunities:
        if o.product_id and o.stage in ("open", "contacted", "proposed"):
            keeps_level[o.customer_id] = max(keeps_level[o.customer_id], rank(o.product.risk_level))
    candidates = []
    for c, hs in zip(rows, holdings_of, strict=True):
        if not c.risk_level or not c.risk_assessed_on or (today - c.risk_assessed_on).days > 300:
            continue
        held = [rank(h.product.risk_level) for h in hs
                if h.status == HoldingStatus.ACTIVE and h.product.type in INVESTMENT_TYPES
                and rank(h.product.risk_level) <= rank(c.risk_level)]
        top = max(held, default=0)
        if top >= 3 and keeps_level[c.pk] < top:
            candidates.append(c)
    drifting = {c.pk for c in rng.sample(candidates, min(len(candidates), max(2, len(rows) // 100)))}

    for c, hs in zip(rows, holdings_of, strict=True):
        if not c.risk_level or not c.risk_assessed_on:
            continue
        history: list[tuple[dt.date, str]] = []  # oldest first
        if c.pk in drifting:
            top = max(rank(h.product.risk_level) for h in hs if h.product.type in INVESTMENT_TYPES
                      and h.status == HoldingStatus.ACTIVE and rank(h.product.risk_level) <= rank(c.risk_level))
            lower = f"C{max(1, top - 1 - (rng.random() < 0.3))}"
            history = [(c.risk_assessed_on, c.risk_level), (today - dt.timedelta(days=rng.randint(0, 10)), lower)]
            c.risk_level, c.risk_assessed_on = lower, history[-1][0]
            made.drifted.append(c)
        else:
            if rng.random() < 0.35:
                earlier = c.risk_assessed_on - dt.timedelta(days=rng.randint(330, 420))
                step = 0 if rng.random() < 0.7 else rng.choice((-1, 1))
                history.append((earlier, f"C{min(5, max(1, rank(c.risk_level) + step))}"))
            history.append((c.risk_assessed_on, c.risk_level))
        previous = ""
        for i, (day, level) in enumerate(history):
            latest = i == len(history) - 1
            by_feed = not latest and rng.random() < 0.3 or latest and c.pk not in drifting and rng.random() < 0.12
            flagged = latest and not by_feed and c.pk not in drifting and rng.random() < 0.015
            answers = {} if by_feed else answers_for(rng, q, level, flagged=flagged)
            scored = score_answers(q, answers) if answers else None
            made.flagged += bool(scored and scored.flags)
            made.assessments.append(RiskAssessment(
                customer=c, questionnaire=None if by_feed else q, answers=answers,
                score=scored.score if scored else None, level=level, previous_level=previous, assessed_on=day,
                expires_on=day + dt.timedelta(days=q.valid_days),
                source=AssessmentSource.FEED if by_feed else AssessmentSource.MANAGER,
                flags=scored.flags if scored else [],
                flags_note=rng.choice(FLAG_NOTES) if scored and scored.flags else "",
                external_id=f"RA{c.external_id[1:]}{i}" if by_feed else None,
                recorded_by_id=None if by_feed else c.rm_id))
            previous = level
    return made
