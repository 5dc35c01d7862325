"""The generations of the coming-week previews (banyan.worklists.preview): a save that changes a
manager's plan renews the manager's generation, one that changes everybody's plans renews the
bank's, and a renewed generation makes a new cache key. A leaf module — every app's services may
call `previews_stale` without importing the worklist engine."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

BANK_GENERATION = "wl-preview:gen:bank"


def manager_generation(manager_id: int) -> str:
    return f"wl-preview:gen:m{manager_id}"


def enabled() -> bool:
    return settings.BANYAN_PREVIEW_CACHE_SECONDS > 0


def _renew(keys: list[str]) -> None:
    stamp = time.time_ns()
    transaction.on_commit(lambda: cache.set_many({k: stamp for k in keys}, timeout=None))


def previews_stale(manager_ids=None) -> None:
    """The previews of these managers (None: of every manager) no longer hold."""
    if not enabled():
        return
    if manager_ids is None:
        _renew([BANK_GENERATION])
    else:
        ids = {m for m in manager_ids if m}
        if ids:
            _renew([manager_generation(m) for m in ids])


# ------------------------------------------------------------------ what renews a generation

#: Saved one at a time by the services: a row of one customer, hence of one manager's book.
CUSTOMER_ROWS = {("contacts", "interaction"), ("contacts", "appointment"), ("contacts", "memo"),
                 ("holdings", "holding"), ("holdings", "transaction"), ("segments", "customersegment")}
#: What weighs on every manager's plan.
BANK_ROWS = {("worklists", "reasonrule"), ("worklists", "holidayoverride"), ("segments", "segmentpolicy"),
             ("holdings", "product"), ("holdings", "productnav")}


def _on_change(sender, instance, **kwargs) -> None:
    if not enabled():
        return
    what = (sender._meta.app_label, sender._meta.model_name)
    if what in BANK_ROWS:
        previews_stale()
    elif what == ("customers", "customer"):
        previews_stale([instance.rm_id])  # the manager who lost a customer: customer_assign says so
    elif what == ("worklists", "task"):
        previews_stale([instance.manager_id])
    elif what == ("org", "staff"):
        if set(kwargs.get("update_fields") or ()) != {"last_login"}:  # every login saves last_login
            previews_stale([instance.pk])
    elif what in CUSTOMER_ROWS:
        customer = instance._state.fields_cache.get("customer")  # the services pass the customer: no query
        if customer is not None:
            previews_stale([customer.rm_id])
        else:
            from banyan.customers.models import Customer

            previews_stale(Customer.objects.filter(pk=instance.customer_id).values_list("rm_id", flat=True))


def connect() -> None:
    post_save.connect(_on_change, dispatch_uid="wl-preview-save")
    post_delete.connect(_on_change, dispatch_uid="wl-preview-delete")
