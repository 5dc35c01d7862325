"""The gift given at a contact (赠礼): one optional group of fields inside the contact form of the
customer file — what, how many, who hands it over, in person or picked up. Its fields are prefixed
`gift-`: they sit beside the contact's. Left empty, no gift is recorded."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from banyan.forms import BanyanForm
from banyan.gifts.models import Delivery
from banyan.gifts.selectors import catalogue
from banyan.gifts.services import QUANTITY_MAX, gift_give
from banyan.org.models import Staff

#: The service's names for the form's fields.
SERVICE_FIELDS = {"item_id": "item"}


class GiftRefused(ValidationError):
    """The gift was refused (its errors are on the gift form): the contact with it is not saved."""


class GiftForm(BanyanForm):
    prefix = "gift"
    use_required_attribute = False  # inside a contact's form the gift is optional

    item = forms.ModelChoiceField(label=_("Gift given"), queryset=None, required=False,
                                  empty_label=_("— no gift —"))
    quantity = forms.IntegerField(label=_("Quantity"), required=False, initial=1,
                                  error_messages={"invalid": _("Enter how many, a whole number.")})
    delivered_by = forms.ModelChoiceField(label=_("Delivered by"), queryset=None, required=False,
                                          empty_label=_("— me —"))
    delivery = forms.ChoiceField(label=_("Delivery"), choices=Delivery.choices, initial=Delivery.IN_PERSON,
                                 required=False)

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = catalogue()
        self.fields["item"].label_from_instance = lambda i: f"{i.name} · ¥{i.unit_cost:,.2f}"
        self.fields["delivered_by"].queryset = Staff.objects.filter(
            is_active=True, branch_id=getattr(customer, "branch_id", None)).order_by("username")
        self.fields["delivered_by"].label_from_instance = lambda s: s.display_name
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control form-control-sm" if name == "quantity" \
                else "form-select form-select-sm"
        self.fields["quantity"].widget.attrs.update({"min": "1", "max": str(QUANTITY_MAX)})

    @classmethod
    def asked(cls, data) -> bool:
        """The manager chose a gift: one is to be recorded with the contact."""
        return bool((data.get(f"{cls.prefix}-item") or "").strip())

    def clean(self):
        data = super().clean()
        if self.cleaned_data.get("item") is not None and "quantity" not in self.errors:
            quantity = data.get("quantity")
            if quantity is None or not 1 <= quantity <= QUANTITY_MAX:
                self.add_error("quantity", _("Give between 1 and %(most)d.") % {"most": QUANTITY_MAX})
        return data

    def give(self, *, actor, customer, interaction):
        """Record the gift on the contact; a refusal lands under its field and is raised as
        GiftRefused, so that the caller's transaction leaves the contact unsaved too."""
        d = self.cleaned_data
        try:
            return gift_give(actor=actor, customer=customer, item=d["item"], quantity=d["quantity"],
                             delivered_by=d.get("delivered_by"), delivery=d.get("delivery") or "",
                             interaction=interaction)
        except ValidationError as e:
            for field, messages in (e.message_dict.items() if hasattr(e, "error_dict") else [(None, e.messages)]):
                name = SERVICE_FIELDS.get(field, field)
                for message in messages:
                    self.add_error(name if name in self.fields else None, message)
            raise GiftRefused(e.messages) from None
