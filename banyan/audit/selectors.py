"""Reads of the audit trail, for the auditor's page and its CSV export (ARC-8).

Every filter maps onto an index of AuditEvent: actor → (actor, -at), customer → (customer_id, -at)
and the primary key of AuditEventCustomer (customer, event) for the bulk reads that showed the
customer, action → action, dates → at. Nothing here loops over events issuing queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from banyan.audit.models import AuditEvent, AuditEventCustomer
from banyan.customers.models import Customer
from banyan.org.models import Branch, Staff

#: The dotted actions in the words an auditor uses. An action missing here is shown as its code.
ACTION_LABELS = {
    "auth.login": _("Logged in"),
    "auth.login_failed": _("Failed login"),
    "auth.token_issued": _("API token issued"),
    "staff.contact_changed": _("Changed a staff member's work mobile or WeChat ID"),
    "staff.created": _("Staff login created"),
    "staff.deactivated": _("Deactivated a staff login"),
    "staff.moved": _("Moved a staff member to another branch"),
    "review.read": _("Read the review's figures"),
    "capacity.read": _("Read a branch's capacity plan"),
    "staff.reactivated": _("Reactivated a staff login"),
    "calendar.address_renewed": _("Renewed the calendar address"),
    "customer.created": _("Created a customer"),
    "customer.viewed": _("Viewed the customer file"),
    "customer.revealed": _("Revealed a full number"),
    "customer.exported": _("Exported customers"),
    "customer.listed": _("Listed customers"),
    "customer.updated": _("Changed the file"),
    "customer.assigned": _("Assigned the customer"),
    "customer.relation_added": _("Added a relation"),
    "customer.relation_removed": _("Removed a relation"),
    "book.handed_over": _("Handed over a whole book"),
    "customers.reassigned": _("Moved chosen customers to another manager"),
    "customers.given_to_assistant": _("Gave chosen customers to an assistant"),
    "tiers.changed": _("Changed the customer tiers"),
    "holding.created": _("Recorded a holding"),
    "holding.updated": _("Changed a holding"),
    "product.created": _("Created a product"),
    "product.updated": _("Changed a product"),
    "staff.workload_changed": _("Changed a manager's workload"),
    "backup.made": _("Made a backup"),
    "backup.restored": _("Restored a backup"),
    "feed.queued": _("Uploaded a feed file"),
    "feed.rerun": _("Ran a feed file again"),
    "feed.imported": _("Imported a feed file"),
    "feed.failed": _("A feed import failed"),
    "campaign.checklist_ticked": _("Ticked the campaign checklist"),
    "appointment.status_set": _("Set an appointment's outcome"),
    "script.created": _("Added a call script"),
    "script.updated": _("Changed a call script"),
    "script.deactivated": _("Removed a call script"),
    "messages.festival_queued": _("Queued festival greetings"),
    "interaction.logged": _("Logged a contact"),
    "memo.created": _("Created a memo"),
    "memo.completed": _("Completed a memo"),
    "opportunity.opened": _("Opened a sales opportunity"),
    "opportunity.stage_changed": _("Moved a sales opportunity"),
    "gift.given": _("Recorded a gift given to a customer"),
    "gift.approved": _("Approved a gift above the limit"),
    "gift.rejected": _("Rejected a gift above the limit"),
    "gift.catalogue_changed": _("Changed the gift catalogue"),
    "gift.budgets_set": _("Set a branch's gift budgets"),
    "group.created": _("Created a customer group"),
    "group.member_added": _("Added a customer to a group, with consent"),
    "group.member_withdrawn": _("Recorded a customer's withdrawal from a group"),
    "group.shared": _("Recorded a share in a customer group"),
    "group.wording_changed": _("Changed the customer groups' consent wording"),
    "complaint.received": _("Registered a complaint"),
    "complaint.repeat_merged": _("Merged a repeated complaint into the open one"),
    "complaint.action": _("Recorded an action on a complaint"),
    "complaint.extended": _("Extended a complaint's deadline"),
    "complaint.paused": _("Paused a complaint's clock for an appraisal"),
    "complaint.resumed": _("Resumed a complaint's clock"),
    "complaint.new_facts": _("Recorded new facts of a complaint (clock restarted)"),
    "complaint.reassigned": _("Reassigned a complaint"),
    "complaint.resolved": _("Decided a complaint, with its root cause"),
    "complaint.rated": _("Recorded the customer's satisfaction with a complaint's handling"),
    "complaint.read": _("Opened a complaint"),
    "complaints.listed": _("Listed complaints"),
    "complaints.branch_viewed": _("Viewed the branch's complaint statistics"),
    "complaints.exported": _("Exported the complaint statistics"),
    "complaint_category.added": _("Added a complaint category"),
    "complaint_category.changed": _("Changed a complaint category"),
    "complaint_category.deactivated": _("Deactivated a complaint category"),
    "complaint_category.reactivated": _("Reactivated a complaint category"),
    "complaint_category.deleted": _("Deleted an unused complaint category"),
    "complaint_route.saved": _("Set a complaint routing rule"),
    "complaint_route.deleted": _("Removed a complaint routing rule"),
    "referral.sent": _("Sent a referral or hand-off"),
    "referral.accepted": _("Accepted a referral"),
    "referral.declined": _("Declined a referral"),
    "referral.timed_out": _("A referral was not answered in time"),
    "referral.closed": _("Recorded a referral's outcome"),
    "referral.converted": _("A referral converted"),
    "referral.merged": _("Merged a referred prospect into the customer on file"),
    "content.created": _("Wrote a content piece"),
    "content.updated": _("Changed a draft content piece"),
    "content.approved": _("Approved a content piece"),
    "content.versioned": _("Opened a new version of a content piece"),
    "content.sent": _("Sent a content piece to a customer"),
    "content.plan_created": _("Created a content plan"),
    "content.plan_run": _("Ran a content plan"),
    "content.recipients_read": _("Viewed who received a content piece"),
    "uplift_plan.set": _("Set a manager's value-uplift plan"),
    "uplift_plan.proposed": _("Proposed a value-uplift plan"),
    "uplift_plan.updated": _("Changed a value-uplift plan's targets"),
    "uplift_plan.approved": _("Approved a value-uplift plan"),
    "uplift_plan.returned": _("Returned a value-uplift plan for changes"),
    "uplift_plan.commented": _("Commented on a value-uplift plan"),
    "uplift_plan.customers_added": _("Named customers in a value-uplift plan"),
    "uplift_plan.customer_removed": _("Took a customer off a value-uplift plan"),
    "event.created": _("Planned a client event"),
    "event.updated": _("Changed a client event"),
    "event.guest_reinformed": _("Told a guest of an event's new time or place"),
    "event.approved": _("Approved a client event"),
    "event.cancelled": _("Cancelled a client event"),
    "event.staff_added": _("Added staff to a client event"),
    "event.checklist_added": _("Added to an event's checklist"),
    "event.checklist_ticked": _("Ticked an event's checklist"),
    "event.invited": _("Invited customers to an event"),
    "event.invitation_called": _("Recorded an invitation call"),
    "event.rsvp": _("Recorded an answer to an invitation"),
    "event.checked_in": _("Checked a guest in at an event"),
    "event.closed": _("Closed a client event"),
    "event.learned": _("Recorded what was learned from a guest at an event"),
    "event.cost_recorded": _("Recorded an event's cost"),
    "event.reviewed": _("Reviewed a client event"),
    "event.repeated": _("Planned the next occurrence of a recurring event"),
    "event.review_exported": _("Exported an event's review"),
    "kpis.exported": _("Exported the review (Excel or PDF)"),
    "kpis.report_built": _("Built a branch's monthly review report"),
    "kpis.report_sent": _("Emailed a monthly review report to the branch heads"),
    "audit.exported": _("Exported the audit log"),
    "risk_assessment.recorded": _("Recorded a risk assessment"),
    "questionnaire.draft_opened": _("Opened a new version of the risk questionnaire"),
    "questionnaire.draft_saved": _("Edited the draft risk questionnaire"),
    "questionnaire.draft_discarded": _("Discarded the draft risk questionnaire"),
    "questionnaire.published": _("Published a version of the risk questionnaire"),
    "settings.suitability_changed": _("Changed the suitability settings"),
    "sale.recorded": _("Recorded a sale (suitability checked)"),
    "sale.withdrawn": _("Recorded a withdrawal in the cooling-off period"),
    "customer.spending_recorded": _("Recorded the monthly spending"),
    "settings.model_portfolio_changed": _("Changed a model portfolio"),
    "diagnosis.batch_queued": _("Started the diagnosis PDFs of the priority customers"),
    "demo.built": _("Built the demo bank"),
    "segments.recomputed": _("Recomputed the segments"),
    "worklists.built": _("Built the worklists"),
    "task.completed": _("Completed a worklist task"),
    "task.skipped": _("Skipped a worklist task"),
    "task.moved": _("Moved a worklist task"),
    "settings.reason_rule_changed": _("Changed a contact rule"),
    "settings.talking_point_changed": _("Changed a talking point"),
    "settings.holiday_changed": _("Changed the holiday table"),
    "settings.policy_changed": _("Changed the segmentation policy"),
    "settings.mix_rule_changed": _("Changed the reasons that do not mix in one call"),
    "campaign.created": _("Created a campaign"),
    "campaign.call_recorded": _("Recorded a campaign call"),
    "campaign.entry_marked": _("Marked a visit or sale"),
    "appointment.created": _("Booked an appointment"),
    "message.queued": _("Queued a message"),
    "message.sent": _("Sent a message"),
    "message.blocked": _("A message was blocked"),
    "message.failed": _("A message failed"),
}

#: Field names that appear in details and before/after diffs, in words (a context of their own, so
#: the wording here does not hang on other catalogues). Other customer fields use their verbose name.
FIELD_LABELS = {
    "id_number": pgettext_lazy("audit field", "ID number"),
    "mobile": pgettext_lazy("audit field", "mobile number"),
    "mobile2": pgettext_lazy("audit field", "second mobile number"),
    "rm": pgettext_lazy("audit field", "manager"),
    "assistant": pgettext_lazy("audit field", "assistant"),
    "branch": pgettext_lazy("audit field", "branch"),
    # counts kept by a hand-over, the demo builder and a backup
    "customers": pgettext_lazy("audit field", "customers"),
    "tasks": pgettext_lazy("audit field", "worklist tasks"),
    "appointments": pgettext_lazy("audit field", "appointments"),
    "meetings": pgettext_lazy("audit field", "meetings"),
    "calls": pgettext_lazy("audit field", "campaign calls"),
    "branches": pgettext_lazy("audit field", "branches"),
    "staff": pgettext_lazy("audit field", "staff"),
    "products": pgettext_lazy("audit field", "products"),
    "holdings": pgettext_lazy("audit field", "holdings"),
    "interactions": pgettext_lazy("audit field", "contacts"),
    "memos": pgettext_lazy("audit field", "memos"),
    "relations": pgettext_lazy("audit field", "relations"),
    "snapshots": pgettext_lazy("audit field", "AUM snapshots"),
    "transactions": pgettext_lazy("audit field", "transactions"),
    "opportunities": pgettext_lazy("audit field", "sales opportunities"),
    "file": pgettext_lazy("audit field", "file"),
    "size": pgettext_lazy("audit field", "size (bytes)"),
}


def _model_field(name: str, object_type: str):
    model = {m._meta.model_name: m for m in apps.get_models()}.get(object_type or "customer")
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if hasattr(field, "verbose_name") else None  # reverse relations have none


def field_label(name: str, object_type: str = "customer") -> str:
    """A field of an audited object in words: our own label, else the verbose name of that field
    on the event's model (object_type is the model's lowercase name), else the name itself."""
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    field = _model_field(name, object_type)
    return str(field.verbose_name) if field is not None else name


def field_value_label(name: str, object_type: str, value):
    """A stored choice ("resident", "married") in words; any other value unchanged."""
    field = _model_field(name, object_type)
    if field is not None and field.choices and isinstance(value, str):
        return str(dict(field.flatchoices).get(value, value))
    return value


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@dataclass(frozen=True)
class AuditFilters:
    """What the auditor asked for; every part is optional."""

    actor: str = ""  # a username
    action: str = ""
    customer_id: int | None = None  # the internal id; the auditor types the customer number
    customer_number: str = ""  # what the auditor typed (C000003958), kept in the export's event
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive

    def as_data(self) -> dict:
        """The filter as values, kept in the audit event of an export (the page renders them)."""
        return {k: str(v) for k, v in (("actor", self.actor), ("action", self.action),
                                       ("customer", self.customer_number or self.customer_id),
                                       ("from", self.date_from), ("to", self.date_to)) if v not in ("", None)}


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events(filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Events matching the filters, newest first, with the actor joined in.

    Filtering by actor also finds failed logins typed with that username: they have no actor
    (nobody was authenticated) and keep the username as their detail.
    """
    qs = AuditEvent.objects.select_related("actor")
    if filters.actor:
        username = filters.actor.strip()
        actor_ids = list(Staff.objects.filter(username__iexact=username).values_list("pk", flat=True))
        qs = qs.filter(Q(actor_id__in=actor_ids) | Q(action="auth.login_failed", detail__iexact=username))
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.customer_id is not None:
        qs = qs.filter(pk__in=event_ids_about_customer(filters.customer_id))
    if filters.date_from:
        qs = qs.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(at__lt=_start_of(filters.date_to + dt.timedelta(days=1)))
    return qs.order_by("-at", "-id")


def event_ids_about_customer(customer_id: int):
    """The ids of the events about a customer, as a subquery: those on the customer alone (a file
    viewed, a number revealed, a change) and the bulk reads, exports and hand-overs that included
    the customer. Each half is an index-only lookup; the union (no OR across two tables) lets the
    database join the few events found, not scan the log."""
    listed = AuditEventCustomer.objects.filter(customer_id=customer_id).values("event_id").order_by()
    alone = AuditEvent.objects.filter(customer_id=customer_id).values("pk").order_by()
    return listed.union(alone, all=True)


def events_about_customer(customer_id: int) -> QuerySet[AuditEvent]:
    """Who saw, revealed, exported or changed this customer: every event that names the customer,
    alone or among others, newest first."""
    return AuditEvent.objects.filter(pk__in=event_ids_about_customer(customer_id)).order_by("-at", "-id")


def customer_by_number(number: str) -> int | None:
    """The internal id of the customer with this customer number (C000003958), as people see it;
    "#123" names an internal id (a customer since deleted, whose number is gone). None if unknown.

    Like `customer_names`, this bypasses `visible_customers`: the auditor has no book."""
    number = number.strip()
    if number.startswith("#") and number[1:].isdigit():
        return int(number[1:])
    for candidate in dict.fromkeys((number, number.upper())):
        pk = Customer.objects.filter(external_id=candidate).values_list("pk", flat=True).first()
        if pk is not None:
            return pk
    return None


def audit_actions() -> list[str]:
    """The dotted actions present in the log (for the filter's select); read off the action index."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def customer_names(customer_ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    """(customer number, name) of the customers events point at, in one query.

    This deliberately bypasses `visible_customers`: the auditor sees no customer files, but must
    be able to tell whose file an event touched. Only the number people see and the name are read,
    never the ID or mobile numbers.
    """
    ids = {cid for cid in customer_ids if cid is not None}
    if not ids:
        return {}
    return {pk: (number, name) for pk, number, name in
            Customer.objects.filter(pk__in=ids).values_list("pk", "external_id", "name")}


def staff_names(staff_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of staff referred to in before/after diffs (rm, assistant), in one query."""
    ids = {sid for sid in staff_ids if isinstance(sid, int)}
    if not ids:
        return {}
    return {pk: full or username for pk, full, username in
            Staff.objects.filter(pk__in=ids).values_list("pk", "full_name", "username")}


def branch_names(branch_ids: Iterable[int | None]) -> dict[int, str]:
    """Branch names referred to in before/after diffs, in one query."""
    ids = {bid for bid in branch_ids if isinstance(bid, int)}
    if not ids:
        return {}
    return dict(Branch.objects.filter(pk__in=ids).values_list("pk", "name"))
