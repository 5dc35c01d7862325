"""Who may review whom (KPI): a manager his or her own figures; a branch head the branch and its
staff; an admin the bank. Anything else answers 404, as every other page of another's book does."""

from __future__ import annotations

from django.http import Http404

from banyan.kpis.figures import Scope
from banyan.kpis.periods import Period
from banyan.org.models import BOOK_ROLES, Branch, Role, Staff, StaffPosting


def _worked_at(staff: Staff, branch_id: int, period: Period) -> bool:
    """Whether the staff member works at the branch now or did during the period."""
    if staff.branch_id == branch_id:
        return True
    return StaffPosting.objects.filter(staff=staff, branch_id=branch_id, until__gte=period.start).exists()


def review_scope(user, period: Period, *, manager: str | None = None, branch: str | None = None) -> Scope:
    """The scope the caller asked for (a manager's username, a branch's code, or neither), if the
    caller may read it; Http404 otherwise (also for an unknown manager or branch)."""
    role = getattr(user, "role", None)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404("Not signed in")
    if role in BOOK_ROLES:
        if (manager and manager != user.username) or branch:
            raise Http404("Only one's own figures")
        return Scope(manager_id=user.pk)
    if role == Role.BRANCH_HEAD and user.branch_id:
        if branch and branch != user.branch.code:
            raise Http404("Another branch")
        if manager:
            staff = Staff.objects.filter(username=manager).first()
            if staff is None or not _worked_at(staff, user.branch_id, period):
                raise Http404("Not of this branch")
            return Scope(branch_id=user.branch_id, manager_id=staff.pk)
        return Scope(branch_id=user.branch_id)
    if role == Role.ADMIN:
        branch_obj = None
        if branch:
            branch_obj = Branch.objects.filter(code=branch).first()
            if branch_obj is None:
                raise Http404("No such branch")
        if manager:
            staff = Staff.objects.filter(username=manager).first()
            if staff is None:
                raise Http404("No such manager")
            return Scope(branch_id=branch_obj.pk if branch_obj else None, manager_id=staff.pk)
        return Scope(branch_id=branch_obj.pk if branch_obj else None)
    raise Http404("No review here")
