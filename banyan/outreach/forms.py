"""Forms of the phone-invitation pages: a new campaign with its saved filter, one call's outcome.
A meeting agreed on a call is asked with the one appointment form (banyan.contacts.forms)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from banyan import clock
from banyan.contacts.forms import MOMENT, MOMENT_FORMATS
from banyan.customers.models import RiskLevel
from banyan.forms import BanyanForm
from banyan.holdings.models import LIABILITY_TYPES, Product, ProductType
from banyan.outreach.models import CallStatus, Script
from banyan.segments.models import Quadrant

WAN = Decimal(10000)

#: Why the customer said no (the manager picks one and may add words).
REFUSAL_REASONS = ["已有其他银行理财", "资金另有安排", "对收益不满意", "没时间", "不信任电话营销", "其他"]

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class Styled(BanyanForm):
    """Bootstrap classes on every widget (small controls, as the other pages)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            w = field.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs["class"] = "form-check-input"
            elif isinstance(w, forms.RadioSelect):
                continue
            elif isinstance(w, forms.Select):
                w.attrs["class"] = "form-select form-select-sm"
            else:
                w.attrs["class"] = "form-control form-control-sm"


def opening_scripts(user):
    qs = Script.objects.filter(kind=Script.Kind.OPENING, is_active=True)
    return qs.filter(Q(branch__isnull=True) | Q(branch_id=user.branch_id)) if user.branch_id else qs.filter(
        branch__isnull=True)


class CampaignForm(Styled):
    name = forms.CharField(label=_("Campaign name"), max_length=100)
    purpose = forms.CharField(label=_("Purpose of the calls"), max_length=300)
    goal = forms.CharField(label=_("Goal"), max_length=300, required=False)
    start_date = forms.DateField(label=_("Start"), widget=DATE)
    end_date = forms.DateField(label=_("End"), widget=DATE)
    quadrant = forms.ChoiceField(label=_("Segment"), required=False,
                                 choices=[("", _("Any"))] + list(Quadrant.choices))
    aum_min = forms.DecimalField(label=_("AUM from (10k yuan)"), required=False, min_value=0, decimal_places=2)
    aum_max = forms.DecimalField(label=_("AUM below (10k yuan)"), required=False, min_value=0, decimal_places=2)
    holds = forms.ChoiceField(label=_("Holds"), required=False, choices=[("", _("Any"))] + list(ProductType.choices))
    not_holds = forms.ChoiceField(label=_("Does not hold"), required=False,
                                  choices=[("", _("Any"))] + list(ProductType.choices))
    maturity_within_days = forms.IntegerField(label=_("A product matures within (days)"), required=False,
                                              min_value=0, max_value=366)
    not_contacted_days = forms.IntegerField(label=_("Not contacted for (days)"), required=False, min_value=0,
                                            max_value=3650)
    risk_level = forms.ChoiceField(label=_("Risk level"), required=False,
                                   choices=[("", _("Any"))] + list(RiskLevel.choices))
    priority = forms.BooleanField(label=_("Priority customers only"), required=False)
    opening = forms.ModelChoiceField(label=_("Opening line"), queryset=Script.objects.none(), required=False,
                                     empty_label=_("— none —"))
    product = forms.ModelChoiceField(label=_("Product promoted"), queryset=Product.objects.none(), required=False,
                                     empty_label=_("— none —"),
                                     help_text=_("Customers who may not buy it (no valid risk assessment, or the "
                                                 "product above their level) are left off the list."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opening"].queryset = opening_scripts(user)
        self.fields["opening"].label_from_instance = lambda s: s.title
        self.fields["product"].queryset = (Product.objects.filter(is_active=True)
                                           .exclude(type__in=LIABILITY_TYPES).order_by("type", "risk_level", "code"))
        self.fields["product"].label_from_instance = lambda p: f"{p.name} · {p.risk_level}"
        if not self.is_bound:
            self.initial.setdefault("start_date", clock.today())
            self.initial.setdefault("end_date", clock.today().replace(day=28))

    def filter_spec(self) -> dict:
        """The saved filter (keys of customers_matching), from the cleaned data: only what is set."""
        d = self.cleaned_data
        spec: dict = {}
        for key in ("quadrant", "holds", "not_holds", "risk_level"):
            if d.get(key):
                spec[key] = d[key]
        for key in ("aum_min", "aum_max"):
            if d.get(key) is not None:
                spec[key] = str((d[key] * WAN).quantize(Decimal("0.01")))
        for key in ("maturity_within_days", "not_contacted_days"):
            if d.get(key) is not None:
                spec[key] = d[key]
        if d.get("priority"):
            spec["priority"] = True
        return spec


class CallForm(Styled):
    """One call's outcome (OUT-3). The fields an outcome needs are checked by the service."""

    OUTCOMES = [CallStatus.NOT_REACHED, CallStatus.REFUSED, CallStatus.INTERESTED, CallStatus.CALL_BACK,
                CallStatus.APPOINTMENT]

    outcome = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect,
                                choices=[(o.value, o.label) for o in OUTCOMES])
    reason = forms.ChoiceField(label=_("Why not"), required=False,
                               choices=[("", "—")] + [(r, r) for r in REFUSAL_REASONS])
    reason_text = forms.CharField(label=_("In the customer's words"), max_length=80, required=False)
    objection = forms.ChoiceField(label=_("Objection met"), required=False,
                                  choices=[("", _("None"))] + list(Script.Objection.choices))
    note = forms.CharField(label=_("Note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.IntegerField(label=_("Minutes on the phone"), min_value=0, max_value=240, initial=0,
                                 required=False)
    call_back_at = forms.DateTimeField(label=_("Call back at"), required=False, widget=MOMENT,
                                       input_formats=MOMENT_FORMATS)

    def reason_value(self) -> str:
        """The reason picked and the customer's words (at most 80): within the log's 100 characters."""
        d = self.cleaned_data
        parts = [p for p in (d.get("reason"), (d.get("reason_text") or "").strip()) if p]
        return "：".join(parts)
