"""The offers card (为您推荐 · 下一步最佳产品, WEA-4) and the sales maintenance messages (WEA-3) of a
customer: 表7-1 (held / wanted / can offer), the next best offers with their reasons, and the
messages suggested for holdings at the customer's line. The customer file loads the card with htmx;
without JavaScript the same address is a page of its own."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from banyan.customers.selectors import get_customer_for_user
from banyan.customers.services import customer_viewed
from banyan.wealth.maintenance import suggestions_for_customer
from banyan.wealth.offers import offers_for
from banyan.web.htmx import is_htmx


@login_required
@require_GET
def customer_offers(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_customer_for_user(request.user, customer_id)
    context = {"c": customer, "o": offers_for(customer),
               "maintenance": suggestions_for_customer(customer, actor=request.user)}
    if is_htmx(request):  # a card of the file, which recorded the look
        return render(request, "wealth/partials/_offers_card.html", context)
    customer_viewed(actor=request.user, customer=customer, via="offers")
    return render(request, "wealth/offers.html", {**context, "nav_active": "book"})
