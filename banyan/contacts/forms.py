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
