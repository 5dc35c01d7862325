"""Forms of the message pages: the outbox filters and the compose form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from banyan.forms import BanyanForm
from banyan.messaging.models import MessageChannel, MessageStatus, TemplateCode


class OutboxFilterForm(BanyanForm):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses"))] + MessageStatus.choices)
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("All channels"))] + MessageChannel.choices)
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class FillInForm(BanyanForm):
    """The fill-ins of a template that the file cannot know: the day and time, the product, the
    event or festival. Sent by GET: the page renders the template again with them."""

    date = forms.CharField(label=_("Date and time"), required=False, max_length=40,
                           help_text=_("e.g. 11月28日上午10:00"))
    product = forms.CharField(label=_("Product"), required=False, max_length=60)
    detail = forms.CharField(label=_("Event or festival"), required=False, max_length=60,
                             help_text=_("e.g. 理财沙龙, 中秋节"))


class ComposeForm(BanyanForm):
    customer = forms.IntegerField(widget=forms.HiddenInput)
    channel = forms.ChoiceField(label=_("Channel"), choices=MessageChannel.choices)
    template = forms.ChoiceField(required=False, choices=[("", "")] + TemplateCode.choices, widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=120)
    body = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    # one key per page shown: the same form posted twice (a double click, a reload) writes one message
    submission = forms.UUIDField(required=False, widget=forms.HiddenInput)
