"""Forms of the worklist settings pages. They parse and show errors; the writes and the rules
that matter (ranges, placeholders, duplicate dates) are in `settings_services`, whose
ValidationError is put back onto the form (`banyan.web.forms.add_service_errors`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from banyan.forms import BanyanForm
from banyan.segments.models import SegmentPolicy
from banyan.worklists.models import ReasonCode
from banyan.worklists.settings_services import (
    CADENCE_ORIENTATIONS,
    FREQUENCY_MAX,
    HOLIDAY_NAME_MAX,
    LEAD_DAYS_MAX,
    TEMPLATE_MAX,
    WEIGHT_MAX,
    template_errors,
)


class ReasonRuleForm(BanyanForm):
    # Ranges are the service's (one message per field, in the bank's words); the browser gets them
    # as min/max attributes.
    lead_days = forms.IntegerField(label=_("days ahead"), widget=forms.NumberInput(
        attrs={"min": 0, "max": LEAD_DAYS_MAX}))
    weight = forms.IntegerField(label=_("weight"), widget=forms.NumberInput(attrs={"min": 0, "max": WEIGHT_MAX}))
    enabled = forms.BooleanField(label=_("enabled"), required=False)

    def __init__(self, *args, code: str, **kwargs):
        kwargs.setdefault("auto_id", f"id_{code}_%s")
        super().__init__(*args, **kwargs)
        self.code = code
        for field in self.fields.values():
            field.widget.attrs["form"] = f"rule-{code}"  # the row's inputs belong to its form in the last cell
        self.fields["lead_days"].widget.attrs.update({"class": "form-control form-control-sm num-input"})
        self.fields["weight"].widget.attrs.update({"class": "form-control form-control-sm num-input"})
        self.fields["enabled"].widget.attrs.update({"class": "form-check-input"})


def _policy_label(name: str):
    return SegmentPolicy._meta.get_field(name).verbose_name


class MixRuleForm(BanyanForm):
    """Which reasons do not mix in one call: a checkbox per reason in each of the two columns."""

    sensitive = forms.MultipleChoiceField(label=_("A call about this carries no marketing"),
                                          choices=ReasonCode.choices, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    marketing = forms.MultipleChoiceField(label=_("Its offer is left out of such a call"),
                                          choices=ReasonCode.choices, required=False,
                                          widget=forms.CheckboxSelectMultiple)


class PolicyForm(BanyanForm):
    aum_high = forms.DecimalField(label=_policy_label("aum_high"), max_digits=16, decimal_places=2)
    potential_high = forms.IntegerField(label=_policy_label("potential_high"))
    priority_share_pct = forms.IntegerField(label=_policy_label("priority_share_pct"))
    days_high_high = forms.IntegerField(label=_policy_label("days_high_high"))
    days_low_high = forms.IntegerField(label=_policy_label("days_low_high"))
    days_high_low = forms.IntegerField(label=_policy_label("days_high_low"))
    days_low_low = forms.IntegerField(label=_policy_label("days_low_low"))
    call_cap_aum = forms.DecimalField(label=_policy_label("call_cap_aum"), max_digits=16, decimal_places=2)
    call_cap_per_month = forms.IntegerField(label=_policy_label("call_cap_per_month"))
    large_flow_amount = forms.DecimalField(label=_policy_label("large_flow_amount"), max_digits=16,
                                           decimal_places=2)
    nav_move_pct = forms.DecimalField(label=_policy_label("nav_move_pct"), max_digits=5, decimal_places=2)
    recompute = forms.BooleanField(label=_("Recompute every customer's segment now"), required=False, initial=True)

    #: How the page groups the fields.
    GROUPS = (
        (_("Segments"), ("aum_high", "potential_high", "priority_share_pct")),
        (_("Regular contact frequency"), ("days_high_high", "days_low_high", "days_high_low", "days_low_low")),
        (_("Contact rules and triggers"), ("call_cap_aum", "call_cap_per_month", "large_flow_amount",
                                           "nav_move_pct")),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_policy_%s")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-check-input" if name == "recompute" else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)
        # Ranges are checked by the service (settings_services.policy_save); these only guide the browser.
        for name in ("aum_high", "call_cap_aum", "large_flow_amount", "nav_move_pct"):
            self.fields[name].widget.attrs["min"] = "0.01"
        for name, (low, high) in {"potential_high": (1, 100), "priority_share_pct": (1, 100),
                                  "call_cap_per_month": (1, 31), "days_high_high": (1, FREQUENCY_MAX),
                                  "days_low_high": (1, FREQUENCY_MAX), "days_high_low": (1, FREQUENCY_MAX),
                                  "days_low_low": (1, FREQUENCY_MAX), "nav_move_pct": (None, 100)}.items():
            if low is not None:
                self.fields[name].widget.attrs["min"] = low
            self.fields[name].widget.attrs["max"] = high

    def groups(self):
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "recompute"}


class TalkingPointForm(BanyanForm):
    code = forms.ChoiceField(choices=ReasonCode.choices, widget=forms.HiddenInput)
    orientation = forms.ChoiceField(choices=[(o, o) for o in CADENCE_ORIENTATIONS], required=False,
                                    widget=forms.HiddenInput)
    text = forms.CharField(label=_("The bank's talking point"), max_length=TEMPLATE_MAX, strip=True,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))

    def clean_text(self):
        text = self.cleaned_data["text"].replace("\r\n", "\n")
        errors = template_errors(text)
        if errors:
            raise forms.ValidationError(errors)
        return text


class HolidayForm(BanyanForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date",
                                                                          "class": "form-control"}))
    is_working_day = forms.TypedChoiceField(
        label=_("The day is"), coerce=lambda v: v == "1", empty_value=None,
        choices=[("0", _("a day off (holiday)")), ("1", _("a working day (make-up workday)"))],
        widget=forms.Select(attrs={"class": "form-select"}))
    name = forms.CharField(label=pgettext_lazy("holiday", "Name"), max_length=HOLIDAY_NAME_MAX, required=False,
                           widget=forms.TextInput(attrs={"class": "form-control",
                                                         "placeholder": _("e.g. Spring Festival")}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_holiday_%s")
        super().__init__(*args, **kwargs)
