"""Forms of the customer's pages (the book's filters, the file's quick log, memos, relations, the
profile, a sale, a visit review). They only parse and show errors; every write goes through a
service, whose ValidationError dict is mapped back onto the fields (`add_service_errors`)."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from banyan.contacts.models import Outcome, Purpose
from banyan.customers.models import Channel, Customer, RelationKind, RiskLevel
from banyan.customers.services import PROFILE_FIELDS
from banyan.forms import BanyanForm
from banyan.holdings.models import ProductType
from banyan.org.models import Role
from banyan.org.selectors import managers_for

# ------------------------------------------------------------------ my book (filters, sort)

AUM_BANDS = {
    # key: (label, lower bound inclusive, upper bound exclusive) in yuan
    "lt5w": (_("Below 50k"), None, 50_000),
    "5w-50w": (_("50k – 500k"), 50_000, 500_000),
    "50w-600w": (_("500k – 6M"), 500_000, 6_000_000),
    "ge600w": (_("6M and above"), 6_000_000, None),
}

SORTS = {
    "-aum": _("AUM, highest first"),
    "aum": _("AUM, lowest first"),
    "-last_contact": _("Last contact, most recent first"),
    "last_contact": _("Last contact, oldest first"),
    "-days": _("Days since contact, most first"),
    "days": _("Days since contact, fewest first"),
    "-completeness": _("Completeness, highest first"),
    "completeness": _("Completeness, lowest first"),
    "name": _("Name (pinyin)"),
    "-name": _("Name (pinyin), reverse"),
}


class BookFilterForm(BanyanForm):
    q = forms.CharField(required=False)  # unused by the book; kept so the header search is not echoed as an error
    band = forms.ChoiceField(label=_("AUM band"), required=False,
                             choices=[("", _("All AUM"))] + [(k, v[0]) for k, v in AUM_BANDS.items()])
    idle = forms.IntegerField(label=_("Not contacted for (days)"), required=False, min_value=1, max_value=3650)
    risk = forms.ChoiceField(label=_("Risk level"), required=False,
                             choices=[("", _("All risk levels"))] + list(RiskLevel.choices))
    rm = forms.ModelChoiceField(label=_("Manager"), required=False, queryset=None, empty_label=_("All managers"))
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=list(SORTS.items()))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_pick_manager = user.role in (Role.BRANCH_HEAD, Role.ADMIN)
        if self.can_pick_manager:
            qs = managers_for(user).select_related("branch").order_by("branch__code", "full_name", "username")
            self.fields["rm"].queryset = qs
            self.fields["rm"].label_from_instance = lambda s: s.display_name
        else:
            del self.fields["rm"]


# ------------------------------------------------------------------ the customer file

class ContactMoreForm(BanyanForm):
    """What a contact may record beyond its one line: the file's quick log "more" and the
    worklist card's "more" (a finished task) read the same fields."""

    rejection_reason = forms.CharField(label=_("Rejection reason"), required=False, max_length=200)
    new_info = forms.CharField(label=_("New information learned"), required=False, max_length=500)
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=200)
    next_contact_on = forms.DateField(label=_("Next contact on"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    minutes = forms.IntegerField(label=_("Minutes on the phone"), required=False, min_value=0, max_value=600)


class ContactForm(ContactMoreForm):
    """The quick contact log: channel + result + one line is enough; the rest is in "more". A
    manager recording a contact says how it went (the API, for systems, may leave it out)."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE,
                                widget=forms.RadioSelect)
    outcome = forms.ChoiceField(label=_("Result"), choices=Outcome.choices, widget=forms.RadioSelect,
                                error_messages={"required": _("Choose the result of the contact.")})
    summary = forms.CharField(label=_("What was said"), required=False, max_length=500)
    purpose = forms.ChoiceField(label=_("Purpose"), required=False, choices=[("", "—")] + list(Purpose.choices))


class SaleForm(BanyanForm):
    """记录销售 on the customer's file: what seed 000 says a sale must keep."""

    product = forms.ModelChoiceField(label=_("Product"), queryset=None, empty_label=None)
    amount = forms.DecimalField(label=_("Amount (CNY)"), min_value=0, max_digits=16, decimal_places=2)
    # an <input type=date> takes its value as YYYY-MM-DD only, whatever the language's date format
    purchase_date = forms.DateField(label=_("Date of sale"),
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    maturity_date = forms.DateField(label=_("Maturity date"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    cost_price = forms.DecimalField(label=_("Price per unit (NAV at purchase)"), required=False, min_value=0,
                                    max_digits=14, decimal_places=4)
    expected_return_pct = forms.DecimalField(label=_("Expected return %"), required=False, max_digits=7,
                                             decimal_places=4)
    take_profit_pct = forms.DecimalField(label=_("Take-profit %"), required=False, max_digits=7, decimal_places=2)
    stop_loss_pct = forms.DecimalField(label=_("Stop-loss %"), required=False, max_digits=7, decimal_places=2)
    auto_rollover = forms.BooleanField(label=_("Roll over automatically at maturity"), required=False)
    # What suitability asks of the sale (banyan.wealth.suitability): shown with the warnings that need them.
    dual_recording_ref = forms.CharField(label=_("Audio-video record number (双录)"), required=False, max_length=40)
    signoff_by = forms.ModelChoiceField(label=_("Second sign-off by"), queryset=None, required=False)
    acknowledged = forms.BooleanField(label=_("I have done what the warnings above ask"), required=False)

    def __init__(self, *args, customer=None, user=None, **kwargs):
        from banyan.holdings.models import LIABILITY_TYPES, Product
        from banyan.org.models import Staff

        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = (Product.objects.filter(is_active=True).exclude(type__in=LIABILITY_TYPES)
                                           .order_by("type", "risk_level", "code"))
        self.fields["product"].label_from_instance = lambda p: f"{p.name} · {p.get_type_display()} · {p.risk_level}"
        # a colleague of the customer's branch, never the manager recording the sale
        colleagues = Staff.objects.filter(is_active=True, branch_id=getattr(customer, "branch_id", None))
        if user is not None:
            colleagues = colleagues.exclude(pk=user.pk)
        self.fields["signoff_by"].queryset = colleagues.order_by("username")
        self.fields["signoff_by"].label_from_instance = lambda s: f"{s.get_full_name() or s.username} ({s.username})"
        for name, field in self.fields.items():
            css = "form-check-input" if name in ("auto_rollover", "acknowledged") else (
                "form-select" if name in ("product", "signoff_by") else "form-control")
            field.widget.attrs["class"] = css


class VisitReviewForm(BanyanForm):
    goal = forms.CharField(label=_("Goal of the visit"), max_length=200)
    reached = forms.TypedChoiceField(label=_("Goal reached?"), coerce=lambda v: v == "yes",
                                     choices=[("yes", _("Yes")), ("no", _("No"))],
                                     widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    why = forms.CharField(label=_("Why (what helped, what stood in the way)"), required=False, max_length=200)
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=200)
    next_contact_on = forms.DateField(label=_("Next contact on"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class MemoForm(BanyanForm):
    text = forms.CharField(label=_("Memo"), max_length=500)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    # a kind of product the customer asked for and the bank could not offer (reason wanted_product)
    product_type = forms.ChoiceField(label=_("Product asked for, not offered yet"), required=False,
                                     choices=[("", "—")] + list(ProductType.choices))


class RelationForm(BanyanForm):
    other = forms.IntegerField(label=_("Customer"), widget=forms.HiddenInput,
                               error_messages={"required": _("Pick a customer from the search results.")})
    kind = forms.ChoiceField(label=_("Relation"), choices=RelationKind.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=100)


#: The profile form's groups, as on the customer file (ARC-1).
PROFILE_GROUPS: list[tuple[str, object, list[str]]] = [
    ("basic", _("Basic information"),
     ["name", "gender", "id_type", "id_number", "birth_date", "lunar_birthday", "mobile", "mobile2", "email",
      "address", "source"]),
    ("work", _("Work and family"),
     ["employer", "occupation", "industry", "education", "marital_status", "spouse_name", "children"]),
    ("interests", _("Interests and habits"), ["interests", "transaction_habits", "notes"]),
    ("dates", _("Important dates"), ["wedding_anniversary", "business_opened_on", "account_opened_on"]),
    ("contact", _("Contact preferences"),
     ["preferred_channel", "preferred_time", "consent_phone", "consent_sms", "consent_email", "consent_wechat",
      "do_not_disturb", "agreed_contact_days", "contact_maturities_only"]),
    ("wealth", _("Risk and assets"), ["risk_level", "risk_assessed_on", "orientation", "other_bank_assets"]),
]
assert sorted(f for _k, _l, fs in PROFILE_GROUPS for f in fs) == sorted(PROFILE_FIELDS), "every profile field grouped"

#: Numbers never sent to the browser in full: blank on the form means "unchanged".
SECRET_FIELDS = ("id_number", "mobile", "mobile2")


class ProfileForm(BanyanForm):
    """The fields of PROFILE_FIELDS, built from the model so labels and choices match; saved by
    `customer_update`, which validates (ID checksum, mobile, dates) and audits."""

    def __init__(self, *args, customer: Customer, **kwargs):
        from banyan.customers.identity import mask_id_number, mask_mobile

        self.customer = customer
        initial = {f: getattr(customer, f) for f in PROFILE_FIELDS if f not in SECRET_FIELDS}
        super().__init__(*args, initial=initial, **kwargs)
        for name in PROFILE_FIELDS:
            model_field = Customer._meta.get_field(name)
            field = model_field.formfield()
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            if name in SECRET_FIELDS:
                field.required = False
                current = getattr(customer, name)
                masked = mask_id_number(current) if name == "id_number" else mask_mobile(current)
                field.widget.attrs["placeholder"] = masked or ""
                field.help_text = _("Leave blank to keep the current number.") if current else ""
                # A number may be typed with spaces or +86: the identity check (not a length count)
                # reads it and says what is wrong, e.g. "手机号应为 11 位，已输入 12 位".
                field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
                if name == "id_number":
                    field.max_length = None
                else:
                    field.widget.input_type = "tel"  # the counter counts its digits
            if name == "other_bank_assets":
                field.widget.attrs["inputmode"] = "decimal"
            if getattr(field, "choices", None) and list(field.choices)[0][0] == "":
                field.choices = [("", "—")] + list(field.choices)[1:]
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            field.widget.attrs["class"] = css
            self.fields[name] = field
        self.apply_limits()
        self.groups = [(key, label, [self[f] for f in fields]) for key, label, fields in PROFILE_GROUPS]

    def _clean_mobile(self, name: str) -> str:
        from banyan.customers.identity import validate_mobile

        value = (self.cleaned_data.get(name) or "").strip()
        return validate_mobile(value) if value else ""

    def clean_mobile(self) -> str:
        return self._clean_mobile("mobile")

    def clean_mobile2(self) -> str:
        return self._clean_mobile("mobile2")

    def add_error(self, field, error):
        super().add_error(field, error)
        # Mark every field that now has an error (Django's own and the service's).
        for name in self.errors:
            if name in self.fields and "is-invalid" not in self.fields[name].widget.attrs.get("class", ""):
                self.fields[name].widget.attrs["class"] += " is-invalid"

    def changed_values(self) -> dict:
        """Only what the manager changed: the service re-derives birth date and gender from a new ID
        number only when they are not passed, and the audit diff stays small."""
        out = {}
        for name in PROFILE_FIELDS:
            value = self.cleaned_data.get(name)
            if name in SECRET_FIELDS:
                if value:
                    out[name] = value
                continue
            if value is None and isinstance(self.fields[name], forms.CharField):
                value = ""
            if value != getattr(self.customer, name):
                out[name] = value
        return out
