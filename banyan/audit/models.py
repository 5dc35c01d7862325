"""Who saw, revealed, exported or changed what (ARC-8)."""

from django.conf import settings
from django.db import models

from banyan import clock


class AuditEvent(models.Model):
    """One audited act. `customer_id` is a plain integer, not a foreign key: the trail must
    outlive the customer row and never cascade away."""

    at = models.DateTimeField(default=clock.now, db_index=True)  # follows BANYAN_TODAY, as the rest does
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, db_index=False)
    action = models.CharField(max_length=60)  # dotted: customer.viewed, customer.revealed …
    customer_id = models.BigIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    # What the act was about, as values, not words (a bulk read: {"via": "book", "filter": {…},
    # "count": 50}); the auditor's page renders them per action in the reader's language.
    data = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        # Each column the log is filtered by leads one index ordered as the log reads; no index of
        # its own beside (one more write per event, and an import writes an event per row).
        indexes = [models.Index(fields=["actor", "-at"]), models.Index(fields=["customer_id", "-at"]),
                   models.Index(fields=["action", "-at"], name="audit_action_time")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.customer_id or ''}"


class AuditEventCustomer(models.Model):
    """One customer a bulk read or export showed (a page of the book, a search, a CSV file, a
    book handed over): the event is written once, with its customers here, two integers a row,
    so that "who saw customer X" is one indexed lookup (the primary key leads with the customer)
    without an event per customer. Like AuditEvent.customer_id, the customer is a plain integer."""

    pk = models.CompositePrimaryKey("customer_id", "event")
    customer_id = models.BigIntegerField()
    # Indexed (Django's default for a foreign key): the customers of one event, and a purge of old
    # events does not scan the table.
    event = models.ForeignKey(AuditEvent, on_delete=models.CASCADE, related_name="customers")

    def __str__(self) -> str:
        return f"{self.event_id} {self.customer_id}"
