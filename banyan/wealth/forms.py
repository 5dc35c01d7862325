"""Forms of wealth care's pages. They only parse and show errors; the services judge (their
ValidationError dict is mapped back onto the fields)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from banyan.forms import BanyanForm
from banyan.holdings.models import ProductRisk, ProductType
from banyan.wealth.models import Questionnaire
from banyan.wealth.suitability import INVESTMENT_TYPES


class WithdrawForm(BanyanForm):
    reason = forms.CharField(label=_("Why the customer withdraws"), max_length=200)


class PolicyForm(BanyanForm):
    """The suitability warnings' settings (the blocking rules are the regulator's)."""

    elderly_age = forms.IntegerField(label=_("Special care from the age of"), min_value=0, max_value=120)
    elderly_min_risk = forms.ChoiceField(label=_("for products of risk level"), choices=ProductRisk.choices)
    elderly_signoff = forms.BooleanField(label=_("A second colleague signs off such a sale"), required=False)
    dual_recording_types = forms.MultipleChoiceField(
        label=_("Sales recorded on audio and video (双录): product types"), required=False,
        choices=[(v, label) for v, label in ProductType.choices if v in INVESTMENT_TYPES],
        widget=forms.CheckboxSelectMultiple)
    dual_recording_age = forms.IntegerField(label=_("to customers of this age or older (0: every customer)"),
                                            min_value=0, max_value=120)
    dual_recording_private = forms.BooleanField(label=_("Every private product's sale is recorded"), required=False)
    cooling_off_hours = forms.IntegerField(label=_("Cooling-off period of a private product (hours)"), min_value=0,
                                           max_value=720)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            elif not isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-control"


class DraftForm(BanyanForm):
    """A draft questionnaire as the settings page edits it: the version's fields, and per question
    (`q-<id>-…`) and answer (`o-<id>-…`) their code, texts, score and meaning."""

    QUESTION_KEYS = ("code", "text", "text_en")
    OPTION_KEYS = ("code", "text", "text_en", "score", "meaning")

    title = forms.CharField(label=_("Title"), max_length=100)
    title_en = forms.CharField(label=_("Title (English)"), max_length=100, required=False)
    note = forms.CharField(label=_("What changed"), max_length=200, required=False)
    valid_days = forms.IntegerField(label=_("Valid for (days)"), min_value=30, max_value=1095)
    daily_limit = forms.IntegerField(label=_("Assessments a customer may take in a day"), min_value=1, max_value=10)
    c2_min = forms.IntegerField(label=_("C2 from"), min_value=0, max_value=1000)
    c3_min = forms.IntegerField(label=_("C3 from"), min_value=0, max_value=1000)
    c4_min = forms.IntegerField(label=_("C4 from"), min_value=0, max_value=1000)
    c5_min = forms.IntegerField(label=_("C5 from"), min_value=0, max_value=1000)

    def __init__(self, *args, draft: Questionnaire, **kwargs):
        self.draft = draft
        initial = {k: getattr(draft, k) for k in ("title", "title_en", "note", "valid_days", "daily_limit", "c2_min",
                                                  "c3_min", "c4_min", "c5_min")}
        for question in draft.questions.all():
            for k in self.QUESTION_KEYS:
                initial[f"q-{question.pk}-{k}"] = getattr(question, k)
            for o in question.options.all():
                for k in self.OPTION_KEYS:
                    initial[f"o-{o.pk}-{k}"] = getattr(o, k)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for question in draft.questions.all():
            self.fields[f"q-{question.pk}-code"] = forms.CharField(label=_("Code"), max_length=30)
            self.fields[f"q-{question.pk}-text"] = forms.CharField(label=_("Question"), max_length=300)
            self.fields[f"q-{question.pk}-text_en"] = forms.CharField(label=_("Question (English)"), max_length=300,
                                                                      required=False)
            for o in question.options.all():
                self.fields[f"o-{o.pk}-code"] = forms.CharField(label=_("Code"), max_length=5)
                self.fields[f"o-{o.pk}-text"] = forms.CharField(label=_("Answer"), max_length=200)
                self.fields[f"o-{o.pk}-text_en"] = forms.CharField(label=_("Answer (English)"), max_length=200,
                                                                   required=False)
                self.fields[f"o-{o.pk}-score"] = forms.IntegerField(label=_("Score"), min_value=0, max_value=100)
                self.fields[f"o-{o.pk}-meaning"] = forms.CharField(label=_("Meaning"), max_length=40, required=False)
        self.apply_limits()
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"
