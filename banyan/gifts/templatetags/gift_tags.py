"""{% gift_fields customer form %}: the optional gift of the contact form (what, how many, who
delivers it), with the customer's gifts of the last twelve months against the bank's limit and the
status of the latest ones (a gift awaiting the branch head shows as such)."""

from __future__ import annotations

from django import template

from banyan import clock
from banyan.gifts.forms import GiftForm
from banyan.gifts.models import Gift
from banyan.gifts.services import gift_limit, given_in_window

register = template.Library()


@register.inclusion_tag("gifts/partials/_gift_fields.html")
def gift_fields(customer, form=None):
    form = form if form is not None else GiftForm(customer=customer)
    recent = list(Gift.objects.filter(customer=customer).select_related("item").order_by("-given_on", "-pk")[:3])
    return {"gf": form, "c": customer, "recent_gifts": recent, "given": given_in_window(customer.pk, clock.today()),
            "limit": gift_limit(), "open": form.is_bound and bool(form.errors)}
