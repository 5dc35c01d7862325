"""{% opportunity_offer customer interaction %}: after a contact where the customer was interested
("有意向" on 今日工作's card or the file's quick log), the offer to open a sales opportunity in one
step — the need (prefilled with what was said), the product, the amount, the follow-up date."""

from __future__ import annotations

from django import template

from banyan.contacts.forms import OpportunityForm

register = template.Library()


@register.inclusion_tag("contacts/partials/_opportunity_offer.html", takes_context=True)
def opportunity_offer(context, customer, interaction=None, form=None):
    if form is None:
        summary = (getattr(interaction, "summary", "") or "").strip()
        form = OpportunityForm(initial={"need": summary[:200]} if summary else None,
                               auto_id=f"offer-{getattr(interaction, 'pk', 0) or customer.pk}-%s")
    return {"c": customer, "interaction": interaction, "form": form, "csrf_token": context.get("csrf_token"),
            "user": context.get("user")}
