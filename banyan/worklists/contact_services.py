"""What a contact or a meeting booked elsewhere does to the day's task (WL-9).

The worklist's own "done" is `task_complete`. Two more ways reach a task: a contact recorded on
the customer's file completes the customer's open task of today, and "已约见" on a task card books
the meeting as the calling screen does. Both live here, above contacts.services (which knows
nothing of tasks) and next to worklists.services, whose `task_complete` is the one way a task is
done — exactly once: a task closed by another request meanwhile is not closed twice."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from banyan import clock
from banyan.contacts.models import Appointment, Interaction, Outcome, is_real_contact
from banyan.contacts.services import appointment_create, interaction_log
from banyan.customers.models import Customer
from banyan.transitions import Conflict
from banyan.worklists.models import Task, TaskStatus
from banyan.worklists.services import task_complete

#: The fields of a contact that task_complete records as the task's contact.
_TASK_CONTACT_FIELDS = ("channel", "outcome", "summary", "purpose", "rejection_reason", "new_info", "next_step",
                        "next_contact_on", "minutes")


@transaction.atomic
def contact_log_completing_task(*, actor, customer: Customer, channel: str, outcome: str = "",
                                occurred_at: Any = None, **contact: Any) -> tuple[Interaction, Task | None]:
    """Record a contact from the customer's file. A real contact (the customer reached) made today
    completes the customer's open task of today with the contact's result: the task's contact is
    this one, recorded once. Returns the contact and the task it completed (None: there was none,
    the customer was not reached, or the task was closed meanwhile)."""
    moment_given = occurred_at not in (None, "")
    if is_real_contact(channel, outcome) and not moment_given:
        task = (Task.objects.filter(customer=customer, date=clock.today(), status=TaskStatus.OPEN)
                .order_by("pk").first())
        if task is not None:
            task.customer = customer  # the caller's instance follows the new last contact
            fields = {k: v for k, v in contact.items() if k in _TASK_CONTACT_FIELDS}
            try:
                with transaction.atomic():  # a task closed by another request meanwhile: the contact alone
                    task = task_complete(actor=actor, task=task, channel=channel, outcome=outcome, **fields)
            except Conflict:
                pass
            else:
                return task.interaction, task
    interaction = interaction_log(actor=actor, customer=customer, channel=channel, outcome=outcome,
                                  occurred_at=occurred_at, **contact)
    return interaction, None


@transaction.atomic
def task_complete_with_appointment(*, actor, task: Task, at: Any, place: str, purpose: str,
                                   **contact: Any) -> tuple[Task, Appointment, list[str]]:
    """"已约见" on a task card: the task is done with the result "appointment made" and the meeting
    is booked (time, place, purpose), as the calling screen does — both or neither: a meeting
    refused (a time already passed) leaves the task open. Returns the task, the meeting and the
    service's guidance for the manager (e.g. few contacts so far)."""
    task = task_complete(actor=actor, task=task, outcome=Outcome.APPOINTMENT, **contact)
    appointment, guidance = appointment_create(actor=actor, customer=task.customer, at=at, place=place,
                                               purpose=purpose)
    return task, appointment, guidance
