"""设置 · 投诉分类与分派: the bank's complaint categories and routing rules (SVC-1), as an
administrator edits them. Every change is audited (`complaint_category.*`, `complaint_route.*`),
all-or-nothing (transaction.atomic), and refused at the field it is about (ValidationError).

A category in use is never deleted: the complaints keep it; deactivated, it is no longer offered at
intake (the page's form and the API take only active categories). A routing rule names a category,
a branch or the whole bank, and either a role (the customer's branch's head or lobby manager, or the
head office) or a named person. Whether that person is one the complaint is about is decided when a
complaint is routed (banyan.service.complaints.route_owner), never here."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from banyan.audit.services import audit_log
from banyan.org.models import Branch, Role, Staff
from banyan.service.complaints import DEFAULT_CATEGORIES
from banyan.service.models import Complaint, ComplaintCategory, ComplaintRoute

#: API.md's category codes: callers of the API may send them, so they are deactivated, never deleted.
STANDARD_CODES = frozenset(code for code, _name in DEFAULT_CATEGORIES)
CATEGORY_FIELDS = ("name", "name_en", "position", "active")


def _clean_names(name: str, name_en: str) -> tuple[str, str, dict]:
    name, name_en = (name or "").strip(), (name_en or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the category its Chinese name.")]
    if not name_en:
        errors["name_en"] = [_("Give the category its English name.")]
    return name, name_en, errors


@transaction.atomic
def complaint_category_add(*, actor, code: str, name: str, name_en: str, position: int) -> ComplaintCategory:
    """A new category, active at once. Its code is the API's (`POST /complaints` `category`): lower
    case letters, digits, _ and -, unique, never changed afterwards."""
    code = (code or "").strip().lower()
    name, name_en, errors = _clean_names(name, name_en)
    if not code:
        errors["code"] = [_("Give the category a code.")]
    elif ComplaintCategory.objects.filter(code=code).exists():
        errors["code"] = [_("The code %(code)s is taken by another category.") % {"code": code}]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            category = ComplaintCategory.objects.create(code=code, name=name, name_en=name_en, position=position)
    except IntegrityError:  # the same code added by another request meanwhile
        raise ValidationError({"code": [_("The code %(code)s is taken by another category.") % {"code": code}]}) \
            from None
    audit_log(actor=actor, action="complaint_category.added", obj=category,
              after={"code": code, "name": name, "name_en": name_en, "position": position})
    return category


@transaction.atomic
def complaint_category_update(*, actor, category: ComplaintCategory, name: str, name_en: str, position: int,
                              active: bool) -> ComplaintCategory:
    """Rename, reorder, deactivate or reactivate a category. The complaints keep it whatever its
    state; the last active category cannot be deactivated (intake would offer nothing)."""
    row = ComplaintCategory.objects.select_for_update().get(pk=category.pk)
    name, name_en, errors = _clean_names(name, name_en)
    if row.active and not active and not ComplaintCategory.objects.filter(active=True).exclude(pk=row.pk).exists():
        errors["active"] = [_("At least one category stays active: intake offers only active ones.")]
    if errors:
        raise ValidationError(errors)
    after = {"name": name, "name_en": name_en, "position": position, "active": active}
    before = {k: getattr(row, k) for k in CATEGORY_FIELDS}
    changed = {k: v for k, v in after.items() if before[k] != v}
    if not changed:
        return row
    for k, v in changed.items():
        setattr(row, k, v)
    row.save(update_fields=list(changed))
    action = ("complaint_category.deactivated" if changed.get("active") is False
              else "complaint_category.reactivated" if changed.get("active") is True
              else "complaint_category.changed")
    audit_log(actor=actor, action=action, obj=row, detail=row.code,
              before={k: before[k] for k in changed}, after=changed)
    return row


@transaction.atomic
def complaint_category_delete(*, actor, category: ComplaintCategory) -> None:
    """Delete a category the bank added and no complaint has ever used (a mistake just made); one in
    use, or one of API.md's list, is refused: deactivate it instead."""
    row = ComplaintCategory.objects.select_for_update().filter(pk=category.pk).first()
    if row is None:
        return
    if Complaint.objects.filter(category=row).exists():
        raise ValidationError({"active": [_("Complaints use this category: deactivate it instead; it is never "
                                            "deleted.")]})
    if row.code in STANDARD_CODES:
        raise ValidationError({"active": [_("A category of the API's list is never deleted: deactivate it instead.")]})
    if ComplaintCategory.objects.filter(active=True).exclude(pk=row.pk).count() == 0:
        raise ValidationError({"active": [_("At least one category stays active: intake offers only active ones.")]})
    before = {"code": row.code, "name": row.name, "name_en": row.name_en, "routes": row.routes.count()}
    row.delete()  # its routing rules with it
    audit_log(actor=actor, action="complaint_category.deleted", detail=before["code"], before=before)


def _route_snapshot(route: ComplaintRoute) -> dict:
    return {"category": route.category.code, "branch": route.branch.code if route.branch_id else None,
            "owner": route.owner.username if route.owner_id else None, "owner_role": route.owner_role or None}


@transaction.atomic
def complaint_route_save(*, actor, category: ComplaintCategory | None, branch: Branch | None,
                         owner_role: str = "", owner: Staff | None = None) -> ComplaintRoute:
    """Set the rule for a category at a branch (None: every branch without a rule of its own): to
    the holders of a role or to a named person (exactly one). A rule already there for the same
    category and branch is replaced. A named person is an active member of staff who may own
    complaints: of that branch, or of the head office (an administrator) for a rule of every branch."""
    errors: dict[str, list[str]] = {}
    if category is None:
        errors["category"] = [_("Pick a category.")]
    if bool(owner_role) == (owner is not None):
        errors["owner"] = [_("Route either to a role or to a named person, one of the two.")]
    elif owner_role and owner_role not in ComplaintRoute.ROLES:
        errors["owner"] = [_("Pick a role that may own complaints.")]
    elif owner is not None:
        if not owner.is_active or owner.role == Role.AUDITOR:
            errors["owner"] = [_("Pick an active member of staff who may own complaints.")]
        elif owner.role != Role.ADMIN and (branch is None or owner.branch_id != branch.pk):
            errors["owner"] = [_("A named person owns the complaints of their own branch: pick their branch, or "
                                 "someone of the head office for every branch.")]
    if errors:
        raise ValidationError(errors)
    # the category's row locked: two saves of the rule for the same branch write one rule
    ComplaintCategory.objects.select_for_update().filter(pk=category.pk).first()
    route = ComplaintRoute.objects.filter(category=category, branch=branch).select_related(
        "category", "branch", "owner").first()
    before = _route_snapshot(route) if route is not None else None
    if route is None:
        route = ComplaintRoute(category=category, branch=branch)
    route.owner, route.owner_role = owner, owner_role if owner is None else ""
    route.save()
    after = _route_snapshot(route)
    if before != after:
        audit_log(actor=actor, action="complaint_route.saved", obj=route, before=before, after=after)
    return route


@transaction.atomic
def complaint_route_delete(*, actor, route: ComplaintRoute) -> None:
    """Remove a rule: the category's complaints go to the next rule, else to the branch head."""
    row = ComplaintRoute.objects.select_for_update().filter(pk=route.pk).first()
    if row is None:  # removed meanwhile
        return
    before = _route_snapshot(row)
    row.delete()
    audit_log(actor=actor, action="complaint_route.deleted", detail=before["category"], before=before)
