"""Exactly once (DESIGN.md house style 6): a state change that two requests could race — complete
a task, record a call, settle a meeting, resend a message — is one conditional UPDATE whose row
count says who won. The request that finds the row changed already is refused and writes nothing."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet


class Conflict(ValidationError):
    """Another request changed the object first. A ValidationError, so that a page shows it as it
    shows any refusal; the API answers it 409 conflict (banyan/api.py)."""

    def __init__(self, message: str):
        super().__init__({NON_FIELD_ERRORS: [ValidationError(message, code="conflict")]})


def transition(rows: QuerySet, refusal: str, **changes) -> None:
    """Write `changes` to the one row of `rows` — filtered on the state the change starts from,
    e.g. `Task.objects.filter(pk=task.pk, status=OPEN)` — or raise Conflict(refusal) when no row
    is in that state any more.

    Call it inside the service's transaction and before anything else is written, so that the
    loser writes nothing: PostgreSQL makes a second UPDATE of the row wait for the first one's
    commit and then re-reads the condition; SQLite's immediate transactions run one at a time."""
    if rows.update(**changes) != 1:
        raise Conflict(refusal)
