"""Branches, staff logins and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.audit.services import audit_log
from banyan.org.models import BOOK_ROLES, ApiToken, Branch, LoginFailure, Role, Staff


@transaction.atomic
def branch_ensure(*, code: str, name: str | None = None) -> Branch:
    branch, _created = Branch.objects.get_or_create(code=code.strip(), defaults={"name": name or code.strip()})
    return branch


@transaction.atomic
def staff_create(*, actor, username: str, password: str, role: str, branch: Branch | None,
                 full_name: str = "", manager: Staff | None = None, is_senior: bool = False,
                 daily_capacity: int = 20, check_password: bool = True, work_mobile: str = "",
                 work_wechat: str = "", is_private_banker: bool = False) -> Staff:
    if role not in Role.values:
        message = _("Unknown role %(r)s; one of %(all)s.") % {"r": role, "all": ", ".join(Role.values)}
        raise ValidationError({"role": [message]})
    if Staff.objects.filter(username=username).exists():
        raise ValidationError({"username": [_("This username is taken.")]})
    _check_capacity(daily_capacity)
    work_mobile, work_wechat = _work_contact(work_mobile, work_wechat)
    staff = Staff(username=username, role=role, branch=branch, full_name=full_name, manager=manager,
                  is_senior=is_senior, is_private_banker=is_private_banker, daily_capacity=daily_capacity,
                  is_staff=(role == Role.ADMIN),
                  is_superuser=(role == Role.ADMIN), work_mobile=work_mobile, work_wechat=work_wechat)
    if check_password:
        try:
            validate_password(password, staff)
        except ValidationError as e:  # a list of reasons: name the field, as every other refusal does
            raise ValidationError({"password": e.messages}) from None
    staff.set_password(password)
    staff.full_clean(exclude=["password"])
    staff.save()
    audit_log(actor=actor, action="staff.created", obj=staff, after={"username": username, "role": role,
                                                                     "branch": branch.code if branch else None})
    return staff


_WECHAT_ID = re.compile(r"[A-Za-z][-_A-Za-z0-9]{5,39}")


def _work_contact(work_mobile: str | None, work_wechat: str | None) -> tuple[str, str]:
    """A work mobile checked as a customer's is (11 digits, a mainland carrier's block) and a
    WeChat ID as WeChat allows one (6–40 letters, digits, - and _, a letter first); empty clears."""
    from banyan.customers.identity import validate_mobile

    mobile, wechat = (work_mobile or "").strip(), (work_wechat or "").strip()
    errors: dict[str, list[str]] = {}
    if mobile:
        try:
            mobile = validate_mobile(mobile)
        except ValidationError as e:
            errors["work_mobile"] = e.messages
    if wechat and not _WECHAT_ID.fullmatch(wechat):
        errors["work_wechat"] = [_("A WeChat ID has 6 to 40 letters, digits, - or _, and starts with a letter.")]
    if errors:
        raise ValidationError(errors)
    return mobile, wechat


@transaction.atomic
def staff_contact_set(*, actor, staff: Staff, work_mobile: str | None = None,
                      work_wechat: str | None = None) -> Staff:
    """The staff member's work mobile and WeChat ID, the number customers are given (seed 004);
    a value left out (None) stays as it is, an empty one clears it. Audited when it changes."""
    mobile, wechat = _work_contact(staff.work_mobile if work_mobile is None else work_mobile,
                                   staff.work_wechat if work_wechat is None else work_wechat)
    before = {"work_mobile": staff.work_mobile, "work_wechat": staff.work_wechat}
    after = {"work_mobile": mobile, "work_wechat": wechat}
    if before != after:
        Staff.objects.filter(pk=staff.pk).update(**after)
        staff.work_mobile, staff.work_wechat = mobile, wechat
        audit_log(actor=actor, action="staff.contact_changed", obj=staff, before=before, after=after)
    return staff


#: The most contacts a day's list can hold: beyond this a "list" is no longer a plan (WL-5).
CAPACITY_MAX = 200


def _check_capacity(daily_capacity: int) -> None:
    if not 1 <= daily_capacity <= CAPACITY_MAX:
        raise ValidationError({"daily_capacity": [
            _("A day's list holds 1 to %(max)d contacts.") % {"max": CAPACITY_MAX}]})


@transaction.atomic
def staff_workload_set(*, actor, staff: Staff, daily_capacity: int, is_senior: bool,
                       is_private_banker: bool | None = None) -> Staff:
    """A manager's daily contact capacity (WL-5: the worklist plans this many a day) and whether
    they are a senior manager (SEG-4: priority customers are suggested to seniors) and a private
    banker (the private-banking tier's, staffing.Tier); `is_private_banker` None leaves it as is."""
    if staff.role not in BOOK_ROLES:
        raise ValidationError({"staff": [_("%(u)s keeps no book.") % {"u": staff.username}]})
    _check_capacity(daily_capacity)
    before = {"daily_capacity": staff.daily_capacity, "is_senior": staff.is_senior}
    after = {"daily_capacity": daily_capacity, "is_senior": is_senior}
    staff.daily_capacity, staff.is_senior = daily_capacity, is_senior
    fields = ["daily_capacity", "is_senior"]
    if is_private_banker is not None and is_private_banker != staff.is_private_banker:
        before["is_private_banker"], after["is_private_banker"] = staff.is_private_banker, is_private_banker
        staff.is_private_banker = is_private_banker
        fields.append("is_private_banker")
    staff.save(update_fields=fields)  # renews the manager's planned week
    audit_log(actor=actor, action="staff.workload_changed", obj=staff, before=before, after=after)
    return staff


@transaction.atomic
def staff_deactivate(*, actor, staff: Staff) -> Staff:
    """The login stops (someone left or moved): no sign-in, no API, no calendar feed. Everything
    the login held is revoked now, not merely ignored while inactive, so that reactivating it
    later revives none of it."""
    if not Staff.objects.filter(pk=staff.pk, is_active=True).update(is_active=False):
        raise ValidationError({"staff": [_("%(u)s is already deactivated.") % {"u": staff.username}]})
    staff.is_active = False
    _revoke_credentials(staff)
    audit_log(actor=actor, action="staff.deactivated", obj=staff, before={"is_active": True},
              after={"is_active": False})
    return staff


@transaction.atomic
def staff_reactivate(*, actor, staff: Staff) -> Staff:
    """The login works again, with a password sign-in: API tokens, sessions and the calendar
    address from before are gone (revoked again here, in case the login was switched off by
    other means than staff_deactivate)."""
    if not Staff.objects.filter(pk=staff.pk, is_active=False).update(is_active=True):
        raise ValidationError({"staff": [_("%(u)s is active.") % {"u": staff.username}]})
    staff.is_active = True
    _revoke_credentials(staff)
    audit_log(actor=actor, action="staff.reactivated", obj=staff, before={"is_active": False},
              after={"is_active": True})
    return staff


@transaction.atomic
def staff_move(*, actor, staff: Staff, branch: Branch, on: dt.date) -> Staff:
    """The staff member works at `branch` from `on`: the days before count in the old branch in the
    review (a closed StaffPosting), those from `on` in the new one. A manager hands the book over
    first (customers belong to their branch); a move is dated today or later than the last one."""
    from banyan.customers.models import Customer
    from banyan.org.models import StaffPosting

    locked = Staff.objects.select_for_update().get(pk=staff.pk)
    if locked.branch_id is None or locked.branch_id == branch.pk:
        raise ValidationError({"branch": [_("%(u)s works at %(b)s already.") % {"u": staff.username, "b": branch}]})
    if Customer.objects.filter(rm_id=staff.pk).exists():
        raise ValidationError({"branch": [_("%(u)s still keeps a book of customers: hand it over first.") % {
            "u": staff.username}]})
    last = StaffPosting.objects.filter(staff=locked).order_by("-until").first()
    if last is not None and on <= last.until + dt.timedelta(days=1):
        raise ValidationError({"on": [_("%(u)s moved on %(d)s; a later move starts after it.") % {
            "u": staff.username, "d": last.until + dt.timedelta(days=1)}]})
    StaffPosting.objects.create(staff=locked, branch_id=locked.branch_id,
                                since=last.until + dt.timedelta(days=1) if last else None,
                                until=on - dt.timedelta(days=1))
    before = locked.branch.code
    Staff.objects.filter(pk=staff.pk).update(branch=branch)
    staff.branch = branch
    audit_log(actor=actor, action="staff.moved", obj=staff, before={"branch": before},
              after={"branch": branch.code, "on": on.isoformat()})
    return staff


def _revoke_credentials(staff: Staff) -> None:
    staff.api_tokens.all().delete()
    _end_sessions(staff)
    _new_calendar_key(staff)


def _end_sessions(staff: Staff) -> None:
    """Sign the staff member out everywhere (database sessions, the only engine Banyan uses)."""
    from django.contrib.sessions.models import Session

    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    mine = str(staff.pk)
    ended = [s.pk for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
             if s.get_decoded().get("_auth_user_id") == mine]
    Session.objects.filter(pk__in=ended).delete()


def _new_calendar_key(staff: Staff) -> None:
    staff.calendar_key = secrets.token_urlsafe(24)[:32]
    Staff.objects.filter(pk=staff.pk).update(calendar_key=staff.calendar_key)


@transaction.atomic
def calendar_address_renew(*, actor, staff: Staff) -> Staff:
    """A new address for the staff member's calendar feed (outreach/ical.py); the old one
    answers 404 from now on (it was shared, or a phone was lost)."""
    _new_calendar_key(staff)
    audit_log(actor=actor, action="calendar.address_renewed", obj=staff)
    return staff


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_issue(*, staff: Staff) -> str:
    """A new bearer token; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(staff=staff, digest=_digest(token),
                            expires_at=timezone.now() + dt.timedelta(days=settings.BANYAN_API_TOKEN_DAYS))
    audit_log(actor=staff, action="auth.token_issued", obj=staff)
    return token


def api_token_user(token: str) -> Staff | None:
    row = ApiToken.objects.select_related("staff").filter(digest=_digest(token), expires_at__gt=timezone.now()).first()
    if row is None or not row.staff.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.staff


def login_is_locked(*, username: str, ip: str | None) -> bool:
    since = timezone.now() - dt.timedelta(seconds=settings.BANYAN_LOGIN_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    limit = settings.BANYAN_LOGIN_MAX_FAILURES
    if recent.filter(username=username.lower()).count() >= limit:
        return True
    # An address gets more room: a branch's tablets may share one.
    return bool(ip) and recent.filter(ip=ip).count() >= limit * 4


def login_failed(*, username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username.lower(), ip=ip)
    audit_log(actor=None, action="auth.login_failed", detail=username[:100])


def login_succeeded(*, staff: Staff) -> None:
    LoginFailure.objects.filter(username=staff.username.lower()).delete()
    audit_log(actor=staff, action="auth.login", obj=staff)
