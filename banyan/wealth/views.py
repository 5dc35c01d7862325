"""Pages of wealth care (WEA-1): the risk questionnaire taken with the customer (a tablet page),
the customer's risk profile and its history, the sale form's suitability verdict (htmx), a
withdrawal in a cooling-off period, and the bank's questionnaire and suitability settings.

Views are short: parse, call a service or a selector, render. Every customer page starts from
get_customer_for_user (404 out of reach)."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from banyan import clock
from banyan.customers.forms import SaleForm
from banyan.customers.models import RiskLevel
from banyan.customers.selectors import get_customer_for_user
from banyan.holdings.models import Holding, Product
from banyan.wealth import suitability
from banyan.wealth.forms import DraftForm, PolicyForm, WithdrawForm
from banyan.wealth.models import Option, Question, SuitabilityPolicy
from banyan.wealth.selectors import (
    assessment_history,
    current_questionnaire,
    draft_questionnaire,
    questionnaire_versions,
    risk_status,
    sale_checks_of,
    suitability_gaps,
)
from banyan.wealth.services import (
    DailyLimitReached,
    assessment_record,
    assessments_today,
    flag_words,
    questionnaire_draft,
    questionnaire_draft_discard,
    questionnaire_draft_save,
    questionnaire_item_remove,
    questionnaire_option_add,
    questionnaire_publish,
    questionnaire_question_add,
    sale_withdraw,
    score_answers,
    suitability_policy_save,
)
from banyan.web.forms import add_service_errors
from banyan.web.settings_access import settings_edit_required, settings_editable


def _level_meaning(level: str) -> str:
    """What a level means for the customer, said on the result (and what it may buy)."""
    words = {
        "C1": _("Capital safety comes first: low-risk (R1) products suit you, such as deposits and cash "
                "management."),
        "C2": _("You accept small ups and downs for a steady return: products up to R2 (medium-low risk) suit you."),
        "C3": _("You balance return and risk and can bear some losses: products up to R3 (medium risk) suit you."),
        "C4": _("You seek higher returns and can bear large swings: products up to R4 (medium-high risk) suit "
                "you."),
        "C5": _("You seek high returns and can bear large losses: products up to R5 (high risk) suit you."),
    }
    return words.get(level, "")


def _english() -> bool:
    return (get_language() or "").startswith("en")


# ------------------------------------------------------------------ the customer file's parts

def file_wealth_context(customer) -> dict:
    """What the customer file shows of wealth care: the risk status, the holdings above the
    customer's level (the drift card, a flag on each row), each sale's suitability record. Each
    value is read when a template first asks for it (a template calls a callable): the file's htmx
    answers write a few of its cards only (customers.file_views._file_context)."""
    gaps = functools.cache(lambda: suitability_gaps(customer))
    return {"risk": functools.cache(lambda: risk_status(customer)), "suitability_gaps": gaps,
            "above_level_ids": functools.cache(lambda: {g.holding.pk for g in gaps()}),
            "sale_checks": functools.cache(lambda: sale_checks_of(customer)), "now": clock.now()}


def sale_verdict_context(customer, product, form=None) -> dict:
    """The sale form's verdict for the product chosen (None: nothing to say yet)."""
    return {"verdict": suitability.verdict(customer, product) if product is not None else None,
            "risk": risk_status(customer), "product": product, "form": form}


@login_required
@require_GET
def sale_check(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The verdict for the product chosen on the sale form (htmx swaps it in as the product changes)."""
    customer = get_customer_for_user(request.user, customer_id)
    try:
        product = Product.objects.filter(pk=int(request.GET.get("product", ""))).first()
    except ValueError:
        product = None
    form = SaleForm(initial={"product": product, "purchase_date": clock.today()}, customer=customer,
                    user=request.user)
    return render(request, "wealth/partials/_sale_verdict.html", {"c": customer,
                                                                   **sale_verdict_context(customer, product, form)})


@login_required
@require_POST
def sale_withdraw_view(request: HttpRequest, customer_id: int, holding_id: int) -> HttpResponse:
    """The customer withdraws a private product's purchase within its cooling-off period."""
    customer = get_customer_for_user(request.user, customer_id)
    holding = Holding.objects.filter(pk=holding_id, customer=customer).first()
    if holding is None:
        raise Http404("No such holding")
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            sale_withdraw(actor=request.user, holding=holding, reason=form.cleaned_data["reason"])
        except ValidationError as e:
            for message in e.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The purchase of %(p)s was withdrawn in its cooling-off period.")
                             % {"p": holding.product.name})
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect("customer_detail", customer.pk)


# ------------------------------------------------------------------ the questionnaire with the customer

def _questions(q, answers: dict, errors: dict) -> list[dict]:
    english = _english()
    out = []
    for question in q.questions.all():
        out.append({
            "q": question, "n": question.position, "name": f"q-{question.code}",
            "text": (question.text_en or question.text) if english else question.text,
            "chosen": answers.get(question.code, ""), "errors": errors.get(question.code, []),
            "options": [{"o": o, "text": (o.text_en or o.text) if english else o.text,
                         "id": f"q-{question.code}-{o.code}"} for o in question.options.all()],
        })
    return out


@login_required
def assessment_take(request: HttpRequest, customer_id: int) -> HttpResponse:
    """风险测评: the customer answers the bank's questionnaire with the manager, on a tablet (one
    page, large answers to tap). Inconsistent answers are shown for the manager to go over with the
    customer: correct them, or confirm them with a note (they are then kept with the result).
    More assessments in a day than the bank allows are refused, saying why."""
    customer = get_customer_for_user(request.user, customer_id)
    q = current_questionnaire()
    if q is None:
        raise Http404("No questionnaire in use")
    today = clock.today()
    taken = assessments_today(customer, today)
    answers: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    flags: list[str] = []
    refusal = ""
    note = ""
    status = 200
    if taken >= q.daily_limit:
        refusal = _("%(name)s has been assessed %(n)s times today, the most the bank allows in a day: repeated "
                    "attempts to reach a higher risk level are what the regulator looks for. Assess again tomorrow "
                    "if the customer's situation really differs.") % {"name": customer.name, "n": taken}
    if request.method == "POST":
        status = 400
        answers = {question.code: request.POST.get(f"q-{question.code}", "") for question in q.questions.all()}
        note = request.POST.get("flags_note", "").strip()
        confirmed = request.POST.get("confirm_flags") == "on"
        try:
            scored = score_answers(q, answers)
        except ValidationError as e:
            errors = e.message_dict
        else:
            flags = scored.flags
            if flags and not (confirmed and note):
                # not an error: the manager goes over these answers with the customer first
                status = 200
                if confirmed and not note:
                    errors["flags_note"] = [_("Write down what the customer said about these answers.")]
                    status = 400
            elif not refusal:
                try:
                    assessment = assessment_record(actor=request.user, customer=customer, answers=answers,
                                                   flags_note=note, questionnaire=q)
                except DailyLimitReached as e:
                    refusal = e.messages[0]
                except ValidationError as e:
                    errors = e.message_dict
                else:
                    messages.success(request, _("Risk assessment recorded: %(level)s, %(score)s points.") % {
                        "level": assessment.get_level_display(), "score": assessment.score})
                    return redirect("wealth_risk_profile", customer.pk)
    if refusal and request.method == "POST":
        status = 400
    context = {
        "c": customer, "q": q, "title": (q.title_en or q.title) if _english() else q.title,
        "questions": _questions(q, answers, errors), "answered": sum(1 for v in answers.values() if v),
        "errors": errors, "flags": [flag_words(f) for f in flags], "flags_note": note, "refusal": refusal,
        "taken": taken, "nav_active": "book",
    }
    return render(request, "wealth/assessment.html", context, status=status)


@login_required
@require_GET
def risk_profile(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The customer's risk profile: the latest result and what it means, valid until when, the
    holdings above the level, and every assessment kept."""
    customer = get_customer_for_user(request.user, customer_id)
    history = assessment_history(customer)
    q = current_questionnaire()
    status = risk_status(customer)
    for a in history:
        a.flag_texts = [flag_words(f) for f in a.flags]
    return render(request, "wealth/risk_profile.html", {
        "c": customer, "risk": status, "meaning": _level_meaning(customer.risk_level or ""),
        "history": history, "latest": history[0] if history else None, "gaps": suitability_gaps(customer),
        "limit_reached": q is not None and assessments_today(customer, clock.today()) >= q.daily_limit,
        "levels": RiskLevel.choices, "nav_active": "book",
    })


# ------------------------------------------------------------------ the bank's settings

# one gate for every settings tab
_can_edit, _require_edit = settings_editable, settings_edit_required


def _policy_initial() -> dict:
    row = SuitabilityPolicy.objects.order_by("pk").first()
    p = suitability.current_policy()
    return {"elderly_age": p.elderly_age, "elderly_min_risk": p.elderly_min_risk, "elderly_signoff": p.elderly_signoff,
            "dual_recording_types": sorted(p.dual_recording_types), "dual_recording_age": p.dual_recording_age,
            "dual_recording_private": p.dual_recording_private, "cooling_off_hours": p.cooling_off_hours,
            "_row": row}


def _draft_rows(form: DraftForm) -> list[dict]:
    rows = []
    for question in form.draft.questions.all():
        rows.append({"q": question, "fields": [form[f"q-{question.pk}-{k}"] for k in DraftForm.QUESTION_KEYS],
                     "options": [{"o": o, "fields": [form[f"o-{o.pk}-{k}"] for k in DraftForm.OPTION_KEYS]}
                                 for o in question.options.all()]})
    return rows


def _settings_page(request: HttpRequest, *, draft_form: DraftForm | None = None,
                   policy_form: PolicyForm | None = None, status: int = 200, errors: list[str] | None = None):
    can_edit = _can_edit(request)
    current = current_questionnaire()
    draft = draft_questionnaire() if can_edit else None
    if draft is not None and draft_form is None:
        draft_form = DraftForm(draft=draft)
    initial = _policy_initial()
    policy_form = policy_form or PolicyForm(initial=initial)
    best = sum(max((o.score for o in question.options.all()), default=0) for question in current.questions.all()) \
        if current else 0
    return render(request, "wealth/settings.html", {
        "tab": "wealth", "can_edit": can_edit, "current": current, "versions": questionnaire_versions(),
        "draft_form": draft_form, "draft_rows": _draft_rows(draft_form) if draft_form else [],
        "policy_form": policy_form, "policy_row": initial["_row"], "best": best, "errors": errors or [],
        "nav_active": "settings",
    }, status=status)


@login_required
@require_GET
def settings_view(request: HttpRequest) -> HttpResponse:
    """设置 · 风险测评与适当性: the questionnaire in use and its versions, the draft being edited,
    and the suitability warnings' settings. An administrator edits; a branch head reads."""
    return _settings_page(request)


@login_required
@require_POST
def settings_draft_open(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    draft = questionnaire_draft(actor=request.user)
    messages.info(request, _("Draft version %(v)s opened: edit it, then publish it.") % {"v": draft.version})
    return redirect("wealth_settings")


def _target(draft, model, raw: str):
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    if model is Question:
        return Question.objects.filter(pk=pk, questionnaire=draft).first()
    return Option.objects.filter(pk=pk, question__questionnaire=draft).select_related("question").first()


@login_required
@require_POST
def settings_draft_save(request: HttpRequest) -> HttpResponse:
    """Save the draft's edits, then do what the button pressed asks: add or remove a question or
    an answer, publish, or discard the draft."""
    _require_edit(request)
    draft = draft_questionnaire()
    if draft is None:
        messages.info(request, _("There is no draft to edit; open one first."))
        return redirect("wealth_settings")
    action, _sep, arg = request.POST.get("action", "save").partition(":")
    if action == "discard":
        questionnaire_draft_discard(actor=request.user, draft=draft)
        messages.success(request, _("The draft was discarded."))
        return redirect("wealth_settings")
    form = DraftForm(request.POST, draft=draft)
    if not form.is_valid():
        return _settings_page(request, draft_form=form, status=400)
    try:
        questionnaire_draft_save(actor=request.user, draft=draft, data=form.cleaned_data)
        if action == "add_question":
            questionnaire_question_add(actor=request.user, draft=draft)
        elif action == "add_option":
            question = _target(draft, Question, arg)
            if question is not None:
                questionnaire_option_add(actor=request.user, draft=draft, question=question)
        elif action == "remove_question":
            question = _target(draft, Question, arg)
            if question is not None:
                questionnaire_item_remove(actor=request.user, draft=draft, question=question)
        elif action == "remove_option":
            option = _target(draft, Option, arg)
            if option is not None:
                questionnaire_item_remove(actor=request.user, draft=draft, option=option)
        elif action == "publish":
            published = questionnaire_publish(actor=request.user, draft=draft)
            messages.success(request, _("Version %(v)s is now in use; assessments taken before keep their "
                                        "version.") % {"v": published.version})
            return redirect("wealth_settings")
    except ValidationError as e:
        add_service_errors(form, e)
        return _settings_page(request, draft_form=form, status=400)
    messages.success(request, _("The draft was saved."))
    return redirect("wealth_settings")


@login_required
@require_POST
def settings_policy_save(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            suitability_policy_save(actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, _("The suitability settings were saved."))
            return redirect("wealth_settings")
    return _settings_page(request, policy_form=form, status=400)

