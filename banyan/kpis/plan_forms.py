"""Forms of the value-uplift plans' pages. The page takes the contact achievement rate in percent
(85 → 0.85, as the plan keeps it); everything else as the plan keeps it. The services check
again (the API's bodies reach them without a form) and their refusals land under the field."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from banyan.forms import BanyanForm
from banyan.kpis.plans import COMMENT_MAX, COUNT_MAX, NOTE_MAX, year_after

DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_MAX = Decimal("9999999999999.99")  # plans.MONEY_WHOLE_DIGITS


class _Styled(BanyanForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs.setdefault("class", "form-select" if select else "form-control")

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            for message in messages:
                self.add_error(name if name in self.fields else None,
                               message if name in self.fields or name == NON_FIELD_ERRORS else f"{name}: {message}")


class TargetsForm(_Styled):
    """The targets and the note: a target left empty is not part of the plan."""

    target_contact_rate = forms.DecimalField(
        label=pgettext_lazy("uplift plan", "Contact achievement rate (%)"), required=False, min_value=0,
        max_value=100, decimal_places=2, max_digits=5, help_text=_("Reached ÷ planned over the period, e.g. 85."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
    target_new_aum = forms.DecimalField(
        label=pgettext_lazy("uplift plan", "New AUM (yuan)"), required=False, min_value=0, max_value=MONEY_MAX,
        decimal_places=2, max_digits=16, help_text=_("AUM at the end − AUM at the start of the manager's book."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
    target_opportunities = forms.IntegerField(
        label=pgettext_lazy("uplift plan", "Opportunities opened"), required=False, min_value=0, max_value=COUNT_MAX)
    target_sales_count = forms.IntegerField(
        label=pgettext_lazy("uplift plan", "Sales (count)"), required=False, min_value=0, max_value=COUNT_MAX)
    target_sales_amount = forms.DecimalField(
        label=pgettext_lazy("uplift plan", "Sales amount (yuan)"), required=False, min_value=0, max_value=MONEY_MAX,
        decimal_places=2, max_digits=16, widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
    note = forms.CharField(label=pgettext_lazy("uplift plan", "What the plan is about"), required=False,
                           max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def targets(self) -> dict:
        """The cleaned targets as the services take them: the rate a fraction (85 → 0.85)."""
        data = self.cleaned_data
        rate = data.get("target_contact_rate")
        return {"target_contact_rate": (rate / 100).quantize(Decimal("0.0001")) if rate is not None else None,
                "target_new_aum": data.get("target_new_aum"),
                "target_opportunities": data.get("target_opportunities"),
                "target_sales_count": data.get("target_sales_count"),
                "target_sales_amount": data.get("target_sales_amount"),
                "note": data.get("note", "")}

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict") and "target_contact_rate" in error.error_dict:
            # the service speaks of a fraction; the page of a percentage
            error.error_dict["target_contact_rate"] = [ValidationError(_("Between 0 and 100 (%)."))]
        super().add_service_errors(error)

    @classmethod
    def initial_of(cls, plan) -> dict:
        rate = plan.target_contact_rate
        return {"target_contact_rate": (rate * 100).normalize() if rate is not None else None,
                "target_new_aum": plan.target_new_aum, "target_opportunities": plan.target_opportunities,
                "target_sales_count": plan.target_sales_count, "target_sales_amount": plan.target_sales_amount,
                "note": plan.note}


class PlanForm(TargetsForm):
    """A new plan: the manager (the branch head picks; a manager proposes his or her own), the
    period (a month by default), the targets."""

    manager = forms.TypedChoiceField(label=pgettext_lazy("uplift plan", "Manager"), coerce=int, choices=())
    start = forms.DateField(label=pgettext_lazy("uplift plan", "From"), widget=DAY)
    end = forms.DateField(label=pgettext_lazy("uplift plan", "To"), widget=DAY)

    field_order = ["manager", "start", "end"]

    def __init__(self, *args, managers=(), choose_manager: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if choose_manager:
            self.fields["manager"].choices = [(m.pk, f"{m.display_name} · {m.branch.name if m.branch else ''}")
                                              for m in managers]
        else:
            del self.fields["manager"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The plan ends before it starts."))
            elif end >= year_after(start):
                self.add_error("end", _("A plan runs at most a year."))
        return data


class CommentForm(_Styled):
    text = forms.CharField(label=pgettext_lazy("uplift plan", "Comment"), max_length=COMMENT_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Write the comment.")})


class ReturnForm(_Styled):
    comment = forms.CharField(label=pgettext_lazy("uplift plan", "What should change"), max_length=COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              error_messages={"required": _("Say what should change: the manager reads it.")})


class ApproveForm(_Styled):
    comment = forms.CharField(label=pgettext_lazy("uplift plan", "Comment (optional)"), max_length=COMMENT_MAX,
                              required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
