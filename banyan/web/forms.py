"""The shell's forms (login) and the one helper every app's forms use to show a service's refusal
(`add_service_errors`). The customer's forms live in banyan.customers.forms."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from banyan.forms import ServerLimits
from banyan.org.services import login_failed, login_is_locked
from banyan.web.middleware import client_ip


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError onto the form: known fields under the field, the rest on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class LoginForm(ServerLimits, AuthenticationForm):
    """Django's login form with throttling (banyan.org.services): a locked username or address is
    refused before the password is even checked, and each failure is counted and audited."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed logins. Please try again in %(minutes)d minutes."),
    }

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        ip = client_ip(self.request) if self.request is not None else None
        if username and login_is_locked(username=username, ip=ip):
            minutes = max(1, settings.BANYAN_LOGIN_WINDOW_SECONDS // 60)
            raise ValidationError(self.error_messages["locked"], code="locked", params={"minutes": minutes})
        try:
            return super().clean()
        except ValidationError:
            if username:
                login_failed(username=username, ip=ip)
            raise
