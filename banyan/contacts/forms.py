"""The one appointment form (约见, OUT-4): a meeting's time, place and purpose, asked the same way
on the customer file's 约见 card, on the calling screen when a call ends in a meeting, and on
今日工作 when a task ends "已约见". Its fields render with templates/contacts/partials/
_appointment_fields.html; `appointment_create` checks the rest (a time not already passed)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from banyan.forms import BanyanForm

MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]

#: The service's names for the form's fields (the calling screen's service calls the time
#: `appointment_at`): a refusal lands under the field it is about.
SERVICE_FIELDS = {"appointment_at": "at"}


class AppointmentForm(BanyanForm):
    # Its fields sit in bigger forms (a call, a task's result) where a meeting is one outcome of
    # several: the server, not the browser, says what a meeting still needs, at the field.
    use_required_attribute = False

    at = forms.DateTimeField(label=_("Time"), widget=MOMENT, input_formats=MOMENT_FORMATS,
                             error_messages={"required": _("An appointment needs a time.")})
    place = forms.CharField(label=_("Place"), max_length=100,
                            error_messages={"required": _("Where will you meet?")})
    purpose = forms.CharField(label=_("Purpose"), max_length=200,
                              error_messages={"required": _("What is the meeting for?")})

    def __init__(self, *args, place: str = "", purpose: str = "", **kwargs):
        """`place` and `purpose` prefill an empty form (the manager's branch, the campaign's purpose
        or the task's reason); a form bound to what was posted shows what was posted."""
        kwargs["initial"] = {"place": place, "purpose": purpose, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"

    def add_service_errors(self, error: ValidationError) -> None:
        """appointment_create's (or call_outcome_record's) refusal under the field it is about."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            name = SERVICE_FIELDS.get(field, field)
            for message in messages:
                self.add_error(name if name in self.fields else None, message)

    def booking(self) -> dict:
        """The cleaned fields as appointment_create takes them."""
        return {"at": self.cleaned_data["at"], "place": self.cleaned_data["place"],
                "purpose": self.cleaned_data["purpose"]}


DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OpportunityForm(BanyanForm):
    """A sales opportunity (销售机会): the need, the product in view, the amount, the follow-up date.
    On its own on the customer file's card and the pipeline (with the source); inside a call's form
    on 今日工作, the calling screen and the file's quick log, where "有意向" opens one in the same
    step when a need is typed (`asked`). Its fields are prefixed `opp-`: they sit beside a contact's."""

    prefix = "opp"
    use_required_attribute = False  # inside a call's form the opportunity is optional

    need = forms.CharField(label=_("Need"), max_length=200,
                           error_messages={"required": _("Say what the customer needs.")})
    product = forms.ModelChoiceField(label=_("Product"), queryset=None, required=False,
                                     empty_label=_("— not decided yet —"))
    expected_amount = forms.DecimalField(label=_("Expected amount (CNY)"), required=False, min_value=0,
                                         max_digits=16, decimal_places=2)
    due_date = forms.DateField(label=_("Follow up by"), required=False, widget=DAY,
                               help_text=_("Comes back on your worklist that day; empty: in two weeks."))
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[])

    def __init__(self, *args, with_source: bool = False, **kwargs):
        from banyan.contacts.models import OpportunitySource
        from banyan.holdings.models import Product

        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("type", "risk_level", "code")
        self.fields["product"].label_from_instance = lambda p: f"{p.name} · {p.get_type_display()} · {p.risk_level}"
        if with_source:
            self.fields["source"].choices = [(v, label) for v, label in OpportunitySource.choices
                                             if v not in ("event", "diagnosis")]  # those open from their own pages
            self.fields["source"].required = True
            self.fields["source"].initial = OpportunitySource.CALL
        else:
            del self.fields["source"]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select form-select-sm" if name in ("product", "source") \
                else "form-control form-control-sm"

    @classmethod
    def asked(cls, data) -> bool:
        """Inside a call's form: the manager typed a need, so an opportunity is to be opened."""
        return bool((data.get(f"{cls.prefix}-need") or "").strip())

    def clean_due_date(self):
        from banyan import clock

        day = self.cleaned_data.get("due_date")
        if day is not None and day < clock.today():
            raise ValidationError(_("The date %(d)s has passed: follow up today or later.") % {"d": day.isoformat()})
        return day

    def opening(self) -> dict:
        """The cleaned fields as opportunity_create takes them."""
        d = self.cleaned_data
        out = {"need": d["need"], "product": d.get("product"), "expected_amount": d.get("expected_amount"),
               "due_date": d.get("due_date")}
        if "source" in self.fields:
            out["source"] = d["source"]
        return out

    def add_service_errors(self, error: ValidationError) -> None:
        """opportunity_create's refusal under the field it is about."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            name = {"product_code": "product"}.get(field, field)
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
