"""The customer's topics (issue 16 §3, seeds 001 and 004: 投其所好 — choose what the customer cares
about): the few lines a manager needs to open a call or a visit warmly — interests (pets among
them), children's schooling, the last new information learned and when, the open needs (open
memos and open sales opportunities), the preferred channel and time — and, for what is still
unknown, the fields to ask next time (the completeness prompt, customers.completeness).

Set-based: `topics_prefetch` and `topics_annotations` load a page of customers' topics with a fixed
number of queries (the worklist's cards, worklists.selectors); `topics_of` reads what they loaded
and queries only for a customer loaded without them (one page: the visit brief, the call)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch, Subquery

from banyan.customers.completeness import KEY_FIELDS, _known

#: The key fields that make conversation, asked first when unknown (then the rest of the file's).
TALK_FIELDS = ("interests", "children", "preferred_time", "marital_status", "occupation", "employer")
#: How many unknown fields the prompt names: a nudge, not a questionnaire.
ASK_AT_MOST = 3
#: How many open needs are listed.
NEEDS_AT_MOST = 3


@dataclass
class Topics:
    interests: str = ""
    children: str = ""
    new_info: str = ""
    new_info_on: dt.date | None = None
    needs: list[str] = field(default_factory=list)
    preferred_channel: str = ""  # the label
    preferred_time: str = ""
    ask_next: list[str] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return bool(self.interests or self.children or self.new_info or self.needs or self.preferred_time
                    or self.preferred_channel)


def topics_annotations(customer_ref: str = "pk") -> dict:
    """Annotations for a queryset whose rows are customers (`customer_ref` "pk") or point at one
    (e.g. a task: "customer_id"): the latest new information and when it was learned."""
    from banyan.contacts.models import Interaction

    latest = Interaction.objects.filter(customer_id=OuterRef(customer_ref)).exclude(new_info="").order_by(
        "-occurred_at", "-id")
    return {"topic_new_info": Subquery(latest.values("new_info")[:1]),
            "topic_new_info_at": Subquery(latest.values("occurred_at")[:1])}


def topics_prefetch(prefix: str = "") -> list[Prefetch]:
    """The open memos and open opportunities of the customers (`prefix` "customer__" from a task)."""
    from banyan.contacts.models import OPEN_STAGES, Memo, MemoStatus, Opportunity

    return [
        Prefetch(prefix + "memos", queryset=Memo.objects.filter(status=MemoStatus.OPEN).order_by("due_date", "pk")
                 .only("pk", "customer", "text", "due_date"), to_attr="open_memos"),
        Prefetch(prefix + "opportunities", queryset=Opportunity.objects.filter(stage__in=OPEN_STAGES)
                 .order_by("due_date", "pk").only("pk", "customer", "need", "due_date"),
                 to_attr="open_opportunities"),
    ]


def ask_next(customer) -> list[str]:
    """The unknown key fields to ask next time, the ones that make conversation first."""
    labels = dict(KEY_FIELDS)
    order = [f for f in TALK_FIELDS if f in labels] + [f for f, _label in KEY_FIELDS if f not in TALK_FIELDS]
    return [str(labels[f]) for f in order if not _known(customer, f)][:ASK_AT_MOST]


def topics_of(customer) -> Topics:
    """The customer's topics from what `topics_annotations` / `topics_prefetch` loaded onto the
    customer (`topic_new_info`, `topic_new_info_at`, `open_memos`, `open_opportunities`); anything
    not loaded is queried."""
    from django.utils import timezone

    from banyan.contacts.models import OPEN_STAGES, Interaction, MemoStatus

    if hasattr(customer, "topic_new_info"):
        new_info, new_info_at = customer.topic_new_info, customer.topic_new_info_at
    else:
        last = (Interaction.objects.filter(customer=customer).exclude(new_info="").order_by("-occurred_at", "-id")
                .values_list("new_info", "occurred_at").first())
        new_info, new_info_at = last if last else ("", None)
    memos = getattr(customer, "open_memos", None)
    if memos is None:
        memos = list(customer.memos.filter(status=MemoStatus.OPEN).order_by("due_date", "pk")[:NEEDS_AT_MOST])
    opportunities = getattr(customer, "open_opportunities", None)
    if opportunities is None:
        opportunities = list(customer.opportunities.filter(stage__in=OPEN_STAGES)
                             .order_by("due_date", "pk")[:NEEDS_AT_MOST])
    needs = list(dict.fromkeys([o.need for o in opportunities if o.need] + [m.text for m in memos if m.text]))
    return Topics(
        interests=customer.interests, children=customer.children, new_info=new_info or "",
        new_info_on=timezone.localtime(new_info_at).date() if new_info_at else None,
        needs=needs[:NEEDS_AT_MOST],
        preferred_channel=str(customer.get_preferred_channel_display()) if customer.preferred_channel else "",
        preferred_time=customer.preferred_time, ask_next=ask_next(customer),
    )
