"""Forms of the customer-group pages (客户群, SVC-3). The services check the rest (consent date not
in the future, no promising words, …) and their refusals land under the field they are about."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from banyan import clock
from banyan.forms import BanyanForm
from banyan.service.models.groups import ConsentChannel, GroupKind

DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

#: The services' field names → the form's.
SERVICE_FIELDS = {"consent.channel": "channel", "consent.date": "date", "consent.text": None,
                  "consent.wording_version": None, "customer_id": None, "piece_id": "piece"}


class _Styled(BanyanForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect):
                continue
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            name = SERVICE_FIELDS.get(field, field)
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class GroupForm(_Styled):
    name = forms.CharField(label=_("Group name"), max_length=60,
                           error_messages={"required": _("Give the group a name, e.g. 理财沙龙 · 城东.")})
    kind = forms.ChoiceField(label=_("Kind"), choices=GroupKind.choices, initial=GroupKind.WECHAT)
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)


class ConsentForm(_Styled):
    """The consent read to the customer: the page shows the wording; the form says how and when
    the customer agreed, and that the wording was read or shown."""

    channel = forms.ChoiceField(label=_("How the customer agreed"), choices=ConsentChannel.choices,
                                widget=forms.RadioSelect, initial=ConsentChannel.IN_PERSON)
    date = forms.DateField(label=_("Consent date"), widget=DAY, required=False)
    wording_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=1_000_000)
    read_out = forms.BooleanField(
        label=_("I read or showed the customer the wording above, and the customer agreed."),
        error_messages={"required": _("The customer must hear or see the wording and agree.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = clock.today()
        self.fields["read_out"].widget.attrs["class"] = "form-check-input"


class WithdrawForm(_Styled):
    channel = forms.ChoiceField(label=_("How the customer asked to leave"), choices=ConsentChannel.choices,
                                widget=forms.RadioSelect, initial=ConsentChannel.PHONE)
    date = forms.DateField(label=_("Withdrawal date"), widget=DAY, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = clock.today()


class ShareForm(_Styled):
    # a piece of the content library (approved, still valid), or free text: the service checks which
    piece = forms.IntegerField(label=_("Share a piece of the content library"), required=False, widget=forms.Select)
    text = forms.CharField(label=_("What was shared"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           required=False)
    shared_at = forms.DateTimeField(label=_("Shared at"), widget=MOMENT, input_formats=MOMENT_FORMATS, required=False)

    def __init__(self, *args, pieces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["piece"].widget.choices = [("", _("— none: write the text below —"))] + [
            (p.pk, f"{p.get_kind_display()} · {p.title}") for p in pieces]


class WordingForm(_Styled):
    text = forms.CharField(label=_("Consent wording"), max_length=1000, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("May name {group}, {manager}, {kind} and {bank}: filled in when shown."))
