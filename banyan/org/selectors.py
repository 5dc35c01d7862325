"""Reads of the organisation."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from banyan.org.models import BOOK_ROLES, Role, Staff


def managers_in_branch(branch) -> QuerySet[Staff]:
    """The branch's book-keeping managers with the size and AUM of each book."""
    return (Staff.objects.filter(branch=branch, role__in=BOOK_ROLES, is_active=True)
            .annotate(book_size=Count("book"), book_aum=Sum("book__aum")).order_by("-book_aum"))


def managers_for(user) -> QuerySet[Staff]:
    """Managers the user may assign customers to: the branch for a branch head, all for admin."""
    qs = Staff.objects.filter(role__in=BOOK_ROLES, is_active=True)
    if user.role == Role.ADMIN:
        return qs
    if user.role == Role.BRANCH_HEAD:
        return qs.filter(branch_id=user.branch_id)
    return qs.none()


def can_assign(user) -> bool:
    return user.role in (Role.BRANCH_HEAD, Role.ADMIN)


def is_auditor(user) -> bool:
    return user.role in (Role.AUDITOR, Role.ADMIN)
