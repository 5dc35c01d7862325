"""Customer groups (客户群, SVC-3): reads. `visible_groups(user)` is the gate to groups, as
`visible_customers()` is to customers: a group out of reach answers 404, like one that does not
exist.

Who sees a group: the manager who runs it and that manager's assistant (an assistant sees the
manager's book, customers/selectors.py), the branch head of its branch, the auditor (read only:
the consents are what an audit of the groups checks) and the administrator. Another manager or
another branch: nothing."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from banyan.customers.models import Customer
from banyan.customers.selectors import visible_customers
from banyan.org.models import Role
from banyan.service.models.groups import CustomerGroup, GroupConsentWording, GroupMembership, GroupShare

#: Who may run a group (and so create one): a manager of a book, or a branch head for the branch.
#: An assistant creates one for the manager he or she works for.
RUNNER_ROLES = (Role.RM, Role.PLANNER, Role.BRANCH_HEAD)


def visible_groups(user) -> QuerySet[CustomerGroup]:
    qs = CustomerGroup.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    role = user.role
    if role in (Role.ADMIN, Role.AUDITOR):
        return qs
    if role == Role.BRANCH_HEAD:
        return qs.filter(branch_id=user.branch_id) if user.branch_id else qs.none()
    if role == Role.ASSISTANT:
        return qs.filter(manager_id=user.manager_id) if user.manager_id else qs.none()
    if role in (Role.RM, Role.PLANNER):
        return qs.filter(manager_id=user.pk)
    return qs.none()


def can_change_group(user, group: CustomerGroup) -> bool:
    """Record members, withdrawals and shares: the runner, the runner's assistant, the branch head
    of the group's branch and the administrator. The auditor reads."""
    role = user.role
    if role == Role.ADMIN:
        return True
    if role == Role.BRANCH_HEAD:
        return group.branch_id == user.branch_id
    if role == Role.ASSISTANT:
        return bool(user.manager_id) and group.manager_id == user.manager_id
    return role in (Role.RM, Role.PLANNER) and group.manager_id == user.pk


def get_group_for_user(user, group_id) -> tuple[CustomerGroup, bool]:
    """(the group, whether the user may change it), or Http404 when it does not exist or is out of
    reach (indistinguishable on purpose)."""
    try:
        group = visible_groups(user).select_related("manager", "branch").get(pk=int(group_id))
    except (CustomerGroup.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such group") from None
    return group, can_change_group(user, group)


def groups_listed(user) -> QuerySet[CustomerGroup]:
    """The caller's groups with how many members each has now, newest first."""
    return (visible_groups(user).select_related("manager", "branch")
            .annotate(member_count=Count("memberships", filter=Q(memberships__withdrawn_at__isnull=True)))
            .order_by("-created_on", "-pk"))


def group_pool(group: CustomerGroup) -> QuerySet[Customer]:
    """The customers who may belong to the group: the runner's book, or the branch for a branch
    head's group."""
    if group.manager.role == Role.BRANCH_HEAD:
        return Customer.objects.filter(branch_id=group.branch_id)
    return Customer.objects.filter(rm_id=group.manager_id)


def addable_customers(user, group: CustomerGroup) -> QuerySet[Customer]:
    """Whom `user` may add to `group`: of the group's pool, and visible to the user."""
    return visible_customers(user).filter(pk__in=group_pool(group).values("pk"))


def current_members(group: CustomerGroup) -> QuerySet[GroupMembership]:
    return (group.memberships.filter(withdrawn_at__isnull=True).select_related("customer", "recorded_by",
                                                                               "consent_wording")
            .order_by("customer__name", "pk"))


def past_members(group: CustomerGroup) -> QuerySet[GroupMembership]:
    """Withdrawn memberships, most recent withdrawal first: kept as the history."""
    return (group.memberships.filter(withdrawn_at__isnull=False)
            .select_related("customer", "recorded_by", "withdrawn_by", "consent_wording")
            .order_by("-withdrawn_at", "-pk"))


def shares_of(group: CustomerGroup) -> QuerySet[GroupShare]:
    return (group.shares.select_related("shared_by", "content_ref").annotate(reached=Count("recipients"))
            .order_by("-shared_at", "-pk"))


def shareable_pieces(user) -> list:
    """The content library's pieces the user may share in a group now: approved, still valid, in
    reach (the bank's and the own branch's), newest first."""
    from banyan import clock
    from banyan.outreach.content_models import ContentStatus
    from banyan.outreach.content_selectors import visible_pieces

    return list(visible_pieces(user).filter(status=ContentStatus.APPROVED, valid_until__gte=clock.today())
                .order_by("-approved_at", "-pk")[:200])


def memberships_of_customer(customer: Customer, user) -> list[GroupMembership]:
    """The customer's groups as the file shows them (所在客户群): current ones first, then the ones
    left; only groups the user may see."""
    qs = (GroupMembership.objects.filter(customer=customer, group__in=visible_groups(user))
          .select_related("group", "group__manager").order_by("withdrawn_at", "-consent_on", "-pk"))
    return sorted(qs, key=lambda m: (m.withdrawn_at is not None, m.group.name))


def current_wording() -> GroupConsentWording | None:
    return GroupConsentWording.objects.order_by("-version").first()

