"""Pages of client events: the list and the calendar, the plan, invitations and the call list, the
door (phone-sized check-in), the sign-in sheet, what was learned, the review, and the public RSVP
page (no login: the signed link is the key, and it shows the event and a greeting, nothing else)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from banyan import clock
from banyan.customers.models import Customer
from banyan.customers.selectors import visible_customers
from banyan.customers.services import customers_listed
from banyan.events import selectors, services
from banyan.events.models import (
    Answer,
    Channel,
    EventStaff,
    EventStatus,
    EventType,
    Invitation,
    Recurrence,
    StaffRole,
)
from banyan.holdings.selectors import get_product
from banyan.org.models import Role, Staff
from banyan.segments.models import Quadrant
from banyan.transitions import Conflict


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _qr_svg(text: str) -> str:
    import segno

    return segno.make(text, error="m").svg_data_uri(scale=5, border=2)


def _checkin_url(request, event, code: str) -> str:
    return request.build_absolute_uri(reverse("event_checkin", args=[event.pk]) + f"?code={code}")


def _refusal(request, e: ValidationError) -> None:
    messages.error(request, " ".join(e.messages))


# ------------------------------------------------------------------ list and plan

@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    qs = selectors.visible_events(user).select_related("branch", "organiser")
    today_start = timezone.make_aware(dt.datetime.combine(clock.today(), dt.time.min))
    upcoming = list(qs.filter(starts_at__gte=today_start).exclude(status=EventStatus.CANCELLED)
                    .order_by("starts_at")[:100])
    past = list(qs.filter(Q(starts_at__lt=today_start) | Q(status=EventStatus.CANCELLED)).order_by("-starts_at")[:50])
    return render(request, "events/list.html", {
        "nav_active": "events", "upcoming": upcoming, "past": past,
        "may_plan": user.role in services.PLANNERS and bool(user.branch_id),
        "may_compare": user.role in (Role.BRANCH_HEAD, Role.ADMIN, Role.AUDITOR)})


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role not in services.PLANNERS or not user.branch_id:
        raise Http404("Not for this role")
    errors: dict = {}
    data = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        p = request.POST
        target_filter = {k: p.get(f"f_{k}") for k in ("quadrant", "aum_min", "holds", "not_contacted_days")
                         if p.get(f"f_{k}", "").strip()}
        ids = [i for i in (_int(x) for x in p.get("target_ids", "").replace("，", ",").split(",")) if i]
        groups = {}
        for line in p.get("budget_per_group", "").splitlines():
            name, _sep, amount = line.partition(":")
            if name.strip() and amount.strip():
                groups[name.strip()] = amount.strip()
        checklist = [line.strip() for line in p.get("checklist", "").splitlines() if line.strip()]
        start = f"{p.get('date', '')} {p.get('time', '')}".strip()
        end = f"{p.get('date', '')} {p.get('end_time', '')}".strip() if p.get("end_time") else None
        try:
            event = services.event_create(
                actor=user, name=p.get("name", ""), type=p.get("type", ""), starts_at=start, ends_at=end,
                place=p.get("place", ""), capacity=_int(p.get("capacity")) if p.get("capacity") else None,
                budget=p.get("budget") or None, theme=p.get("theme", ""), method=p.get("method", ""),
                recurrence=p.get("recurrence", Recurrence.ONCE), target_filter=target_filter or None,
                target_ids=ids or None, budget_per_group=groups, checklist=checklist or None,
                follow_up_days=_int(p.get("follow_up_days"), settings.BANYAN_EVENT_FOLLOW_UP_DAYS))
        except ValidationError as e:
            errors = e.message_dict if hasattr(e, "error_dict") else {"form": e.messages}
        else:
            messages.success(request, _("The event is planned.") if event.status == EventStatus.APPROVED
                             else _("The event is planned; it waits for the branch head's approval."))
            return redirect("event_detail", event.pk)
    return render(request, "events/new.html", {
        "nav_active": "events", "errors": errors, "data": data, "types": EventType.choices,
        "recurrences": Recurrence.choices, "default_checklist": "\n".join(services.DEFAULT_CHECKLIST),
        "follow_up_days": settings.BANYAN_EVENT_FOLLOW_UP_DAYS, "today": clock.today(),
        "quadrants": Quadrant.choices})


def _plan_fields(p) -> tuple[dict, dict]:
    """The plan's fields as the form of the edit page posts them → (fields for event_update, errors)."""
    errors: dict[str, list[str]] = {}
    fields: dict = {k: p.get(k, "") for k in ("name", "type", "theme", "place", "method", "recurrence")}
    fields["starts_at"] = f"{p.get('date', '')} {p.get('time', '')}".strip()
    if p.get("end_time"):
        fields["ends_at"] = f"{p.get('date', '')} {p.get('end_time', '')}".strip()
    capacity = p.get("capacity", "").strip()
    fields["capacity"] = _int(capacity, -1) if capacity else None
    fields["budget"] = p.get("budget", "").strip() or None
    groups = {}
    for line in p.get("budget_per_group", "").splitlines():
        name, _sep, amount = line.replace("：", ":").partition(":")
        if name.strip() and amount.strip():
            groups[name.strip()] = amount.strip()
    fields["budget_per_group"] = groups
    fields["target_filter"] = {k: p.get(f"f_{k}") for k in ("quadrant", "aum_min", "holds", "not_contacted_days")
                               if p.get(f"f_{k}", "").strip()}
    fields["target_ids"] = [i for i in (_int(x) for x in p.get("target_ids", "").replace("，", ",").split(",")) if i]
    for key in ("follow_up_days", "review_days"):
        if p.get(key, "").strip():
            fields[key] = _int(p.get(key), -1)
    code = p.get("product_code", "").strip()
    fields["product"] = None
    if code:
        fields["product"] = get_product(code)
        if fields["product"] is None:
            errors["product_code"] = [_("No product has the code %(c)s.") % {"c": code}]
    return fields, errors


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    """修改计划: the plan's fields, for the organiser and the branch head, until the event is held."""
    user = request.user
    event, acc = selectors.get_event_for_user(user, event_id)
    if not acc.manage:
        raise Http404("Not the organiser")
    errors: dict = {}
    locked = event.status not in services.UPCOMING
    if request.method == "POST":
        data = request.POST
        fields, errors = _plan_fields(request.POST)
        if not errors:
            try:
                was = event.status
                event = services.event_update(actor=user, event=event, **fields)
            except Conflict as e:
                errors = {"form": e.messages}
                locked = True
            except ValidationError as e:
                errors = e.message_dict if hasattr(e, "error_dict") else {"form": e.messages}
            else:
                if event.reinform:
                    messages.warning(request, _(
                        "The time or place changed: %(n)s invited guests still count on the old one. Tell each "
                        "of them (the guests to tell are marked in the list below), then tick them off.")
                        % {"n": event.reinform})
                if was != event.status and event.status == EventStatus.DRAFT:
                    messages.info(request, _("The budget went up: the plan goes back to the branch head for "
                                             "approval."))
                messages.success(request, _("The plan is saved."))
                return redirect("event_detail", event.pk)
    else:
        start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
        f = event.target_filter or {}
        data = {"name": event.name, "type": event.type, "theme": event.theme, "date": start.strftime("%Y-%m-%d"),
                "time": start.strftime("%H:%M"), "end_time": end.strftime("%H:%M"), "place": event.place,
                "capacity": event.capacity or "", "method": event.method, "recurrence": event.recurrence,
                "follow_up_days": event.follow_up_days, "review_days": event.review_days,
                "budget": event.budget if event.budget is not None else "",
                "budget_per_group": "\n".join(f"{g}: {a}" for g, a in event.budget_per_group.items()),
                "product_code": event.product.code if event.product else "",
                "target_ids": ", ".join(str(i) for i in event.target_ids),
                **{f"f_{k}": v for k, v in f.items()}}
    c = selectors.counts(event)
    return render(request, "events/edit.html", {
        "nav_active": "events", "event": event, "errors": errors, "data": data, "types": EventType.choices,
        "recurrences": Recurrence.choices, "quadrants": Quadrant.choices, "locked": locked, "counts": c,
        "seats": services.seats_taken(event), "today": clock.today(),
        "manager_asks": user.role not in (Role.BRANCH_HEAD, Role.ADMIN)
        and event.status in (EventStatus.APPROVED, EventStatus.OPEN)}, status=422 if errors else 200)


@login_required
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    user = request.user
    event, acc = selectors.get_event_for_user(user, event_id)
    rows = list(selectors.guests(user, event, acc)[:500])
    for inv in rows:
        inv.greeting = selectors.greeting(inv.customer)
        inv.mine = inv.manager_id == user.pk or not acc.all_guests
        if inv.mine and inv.channel in (Channel.WECHAT, Channel.SMS, Channel.EMAIL) and event.status in (
                EventStatus.APPROVED, EventStatus.OPEN):
            inv.link = request.build_absolute_uri(services.rsvp_path(inv))
    if rows:
        customers_listed(actor=user, customer_ids=[i.customer_id for i in rows], via="event_guests",
                         params={"event": event.pk})
    excluded = list(event.exclusions.filter(customer__in=visible_customers(user)).select_related("customer")[:200])
    for x in excluded:
        x.words = services.RULES.get(x.rule, x.rule)
    staff = list(EventStaff.objects.filter(event=event).select_related("staff"))
    colleagues = Staff.objects.filter(branch_id=event.branch_id, is_active=True).exclude(
        role__in=(Role.AUDITOR, Role.ADMIN)).order_by("full_name") if acc.manage else []
    return render(request, "events/detail.html", {
        "nav_active": "events", "event": event, "acc": acc, "guests": rows, "excluded": excluded,
        "counts": selectors.counts(event, None if acc.all_guests else selectors.guests(user, event, acc)),
        "staff": staff, "colleagues": colleagues, "roles": StaffRole.choices,
        "channels": [c for c in Channel.choices if c[0] != Channel.WALK_IN],
        "checklist_done": sum(1 for i in event.checklist if i.get("done")),
        "may_approve": event.status == EventStatus.DRAFT and (user.role == Role.ADMIN or (
            user.role == Role.BRANCH_HEAD and user.branch_id == event.branch_id)),
        "inviting": event.status in (EventStatus.APPROVED, EventStatus.OPEN),
        "may_close": acc.manage and event.status in (EventStatus.APPROVED, EventStatus.OPEN)
        and clock.now() >= event.starts_at,
        "held": event.status in (EventStatus.HELD, EventStatus.REVIEWED),
        "may_repeat": acc.manage and event.recurrence != Recurrence.ONCE and event.status != EventStatus.DRAFT,
        "may_edit": acc.manage and event.status in services.UPCOMING,
        "to_reinform": sum(1 for i in rows if i.reinform and i.mine)})


@login_required
@require_POST
def event_action(request: HttpRequest, event_id: int) -> HttpResponse:
    """One form per action of the plan: approve, tick the checklist, add staff, close, cancel, review."""
    user = request.user
    event, acc = selectors.get_event_for_user(user, event_id)
    if user.role == Role.AUDITOR:
        raise PermissionDenied
    do = request.POST.get("do", "")
    try:
        if do == "approve":
            services.event_approve(actor=user, event=event)
            messages.success(request, _("Approved: invitations may go out."))
        elif do == "tick":
            services.event_checklist_tick(actor=user, event=event, index=_int(request.POST.get("index"), -1),
                                          done=request.POST.get("done") == "1")
        elif do == "checklist_add":
            services.event_checklist_add(actor=user, event=event, item=request.POST.get("item", ""))
        elif do == "staff":
            member = Staff.objects.filter(pk=_int(request.POST.get("staff"), 0), branch_id=event.branch_id).first()
            if member is None:
                raise ValidationError({"staff": [_("Choose a colleague of the event's branch.")]})
            services.event_staff_add(actor=user, event=event, staff=member, role=request.POST.get("role", ""))
        elif do == "close":
            services.event_close(actor=user, event=event)
            messages.success(request, _("The event is closed: no-shows are known and every guest's follow-up is "
                                        "on the inviting manager's list."))
        elif do == "cancel":
            services.event_cancel(actor=user, event=event, reason=request.POST.get("reason", ""))
            messages.success(request, _("The event is cancelled."))
        elif do == "repeat":
            nxt = services.event_repeat(actor=user, event=event)
            messages.success(request, _("The next one is planned for %(day)s.") % {
                "day": timezone.localtime(nxt.starts_at).strftime("%Y-%m-%d %H:%M")})
            return redirect("event_detail", nxt.pk)
        elif do == "reinformed":
            inv = selectors.my_invitation(user, event, request.POST.get("customer_id"))
            services.invitation_reinformed(actor=user, invitation=inv)
            messages.success(request, _("Noted: %(guest)s knows the new time and place.") % {
                "guest": inv.customer.name})
        elif do == "review":
            services.event_review_complete(actor=user, event=event, actual_cost=request.POST.get("actual_cost"),
                                           note=request.POST.get("note", ""))
            messages.success(request, _("The review is recorded."))
            return redirect("event_review", event.pk)
        else:
            raise ValidationError(_("Unknown action."))
    except Conflict as e:
        messages.warning(request, " ".join(e.messages))
    except ValidationError as e:
        _refusal(request, e)
    return redirect("event_detail", event.pk)


@login_required
@require_POST
def event_invite(request: HttpRequest, event_id: int) -> HttpResponse:
    user = request.user
    event, acc = selectors.get_event_for_user(user, event_id)
    if not acc.invite:
        raise PermissionDenied
    p = request.POST
    ids = [i for i in (_int(x) for x in p.get("customer_ids", "").replace("，", ",").split(",")) if i]
    flt = {k: p.get(f"f_{k}") for k in ("quadrant", "aum_min", "holds", "not_contacted_days")
           if p.get(f"f_{k}", "").strip()}
    try:
        invited, excluded = services.invitations_send(
            actor=user, event=event, channel=p.get("channel", ""), customer_ids=ids or None,
            filter=flt or None, base_url=request.build_absolute_uri("/"))
    except ValidationError as e:
        _refusal(request, e)
    else:
        messages.success(request, _("%(n)d invited; %(x)d left out by a contact rule (listed below).") % {
            "n": len(invited), "x": len(excluded)})
    return redirect(reverse("event_detail", args=[event.pk]) + "#guests")


@login_required
@require_POST
def guest_rsvp(request: HttpRequest, event_id: int, customer_id: int) -> HttpResponse:
    """The answer the guest gave the manager (in person, on WeChat)."""
    user = request.user
    event, _acc = selectors.get_event_for_user(user, event_id)
    inv = selectors.my_invitation(user, event, customer_id)
    try:
        inv = services.rsvp_record(invitation=inv, answer=request.POST.get("answer", ""),
                                   guests=_int(request.POST.get("guests"), 0), actor=user, via="staff")
    except ValidationError as e:
        _refusal(request, e)
    else:
        messages.success(request, _("%(who)s: %(answer)s.") % {"who": selectors.greeting(inv.customer),
                                                                 "answer": Answer(inv.answer).label})
    return redirect(request.POST.get("next") or reverse("event_detail", args=[event.pk]) + "#guests")


@login_required
def invitation_print(request: HttpRequest, event_id: int, customer_id: int) -> HttpResponse:
    """A printable invitation with the check-in QR code (the guest shows it at the door)."""
    user = request.user
    event, _acc = selectors.get_event_for_user(user, event_id)
    inv = selectors.my_invitation(user, event, customer_id)
    return render(request, "events/invitation.html", {
        "event": event, "inv": inv, "greeting": selectors.greeting(inv.customer),
        "qr": _qr_svg(_checkin_url(request, event, inv.code))})


# ------------------------------------------------------------------ the call list (phone invitations)

@login_required
def event_calls(request: HttpRequest, event_id: int) -> HttpResponse:
    user = request.user
    event, _acc = selectors.get_event_for_user(user, event_id)
    rows = list(event.invitations.filter(customer__in=visible_customers(user), channel=Channel.PHONE)
                .select_related("customer").order_by("called_at", "answer", "customer__name"))
    for inv in rows:
        inv.greeting = selectors.greeting(inv.customer)
    customers_listed(actor=user, customer_ids=[i.customer_id for i in rows], via="event_calls",
                     params={"event": event.pk})
    when = timezone.localtime(event.starts_at)
    script = _("Hello {greeting}, this is {manager} of {branch}. We are holding a {type}, “{name}”, on {date} at "
               "{time} at {place}{theme}. Seats are limited and I kept one for you — would you like to come? "
               "Will anyone come with you?")
    return render(request, "events/calls.html", {
        "nav_active": "events", "event": event, "rows": rows, "inviting": event.status in (
            EventStatus.APPROVED, EventStatus.OPEN),
        "script": script.format(greeting="{greeting}", manager=user.display_name, branch=event.branch.name,
                                type=event.get_type_display(), name=event.name, date=f"{when.month}月{when.day}日",
                                time=f"{when:%H:%M}", place=event.place,
                                theme=_(", on {theme}").format(theme=event.theme) if event.theme else "")})


@login_required
@require_POST
def event_call_record(request: HttpRequest, event_id: int, customer_id: int) -> HttpResponse:
    user = request.user
    event, _acc = selectors.get_event_for_user(user, event_id)
    inv = selectors.my_invitation(user, event, customer_id)
    try:
        services.invitation_call_record(actor=user, invitation=inv, reached=request.POST.get("reached") == "1",
                                        answer=request.POST.get("answer", ""),
                                        guests=_int(request.POST.get("guests"), 0),
                                        note=request.POST.get("note", ""), minutes=_int(request.POST.get("minutes"), 0))
    except ValidationError as e:
        _refusal(request, e)
    else:
        messages.success(request, _("The call is recorded."))
    return redirect("event_calls", event.pk)


# ------------------------------------------------------------------ the door (check-in)

@login_required
@require_http_methods(["GET", "POST"])
def event_checkin(request: HttpRequest, event_id: int) -> HttpResponse:
    """Phone-sized: scan a guest's QR code (it opens this page with ?code=), or find the guest by
    name or the mobile's last four digits; one tap checks in (exactly once); walk-ins are added."""
    user = request.user
    event, acc = selectors.get_event_for_user(user, event_id)
    if user.role == Role.AUDITOR:
        raise PermissionDenied
    if request.method == "POST":
        p = request.POST
        try:
            if p.get("walk_in"):
                customer = _walk_in_candidates(user, event, acc).filter(pk=_int(p.get("walk_in"), 0)).first()
                if customer is None:
                    raise Http404("No such customer")
                inv, first = services.walk_in(actor=user, event=event, customer=customer)
            else:
                inv = selectors.door_invitation(user, event, acc, p.get("customer_id"))
                inv, first = services.checkin(actor=user, event=event, invitation=inv)
        except ValidationError as e:
            _refusal(request, e)
        else:
            who = selectors.greeting(inv.customer)
            if first:
                messages.success(request, _("%(who)s is checked in. Welcome!") % {"who": who})
            else:
                messages.info(request, _("%(who)s had already checked in (counted once).") % {"who": who})
        return redirect(reverse("event_checkin", args=[event.pk]))
    code, q = request.GET.get("code", "").strip(), request.GET.get("q", "").strip()
    found, candidates = [], []
    if code:
        inv = event.invitations.select_related("customer", "manager").filter(code=code[:12]).first()
        if inv is not None and (acc.door or visible_customers(user).filter(pk=inv.customer_id).exists()):
            found = [inv]
        else:
            messages.error(request, _("This code is not an invitation to this event."))
    elif q:
        found = list(selectors.find_at_door(event, q))
        if not acc.door:
            mine = set(visible_customers(user).filter(pk__in=[i.customer_id for i in found]).values_list(
                "pk", flat=True))
            found = [i for i in found if i.customer_id in mine]
        invited = {i.customer_id for i in found}
        candidates = [c for c in _walk_in_candidates(user, event, acc, q)[:10] if c.pk not in invited]
    for inv in found:
        inv.greeting = selectors.greeting(inv.customer)
    for c in candidates:
        c.greeting = selectors.greeting(c)
    shown = [i.customer_id for i in found] + [c.pk for c in candidates]
    if shown:  # greetings and mobile tails at the door: a read of customers like the lobby's search
        customers_listed(actor=user, customer_ids=shown, via="event_door", params={"event": event.pk, "q": q,
                                                                                    "code": bool(code)})
    c = selectors.counts(event)
    return render(request, "events/checkin.html", {
        "event": event, "found": found, "candidates": candidates, "q": q, "code": code, "counts": c,
        "open": event.status in (EventStatus.APPROVED, EventStatus.OPEN), "phone": True})


def _walk_in_candidates(user, event, acc, q: str = ""):
    """Customers who may be added at the door: the caller's own book, and for the door staff any
    customer of the event's branch (as the lobby finds them)."""
    qs = Customer.objects.filter(branch_id=event.branch_id) if acc.door else visible_customers(user)
    if q:
        if q.isdigit() and len(q) == 4:
            qs = qs.filter(mobile_tail=q)
        else:
            qs = qs.filter(Q(name__contains=q) | Q(name_pinyin__icontains=q.lower()))
    return qs.order_by("name", "pk")


@login_required
def sign_in_sheet(request: HttpRequest, event_id: int) -> HttpResponse:
    """The printable sign-in sheet (签到表), Chinese, PDF: the guests who accepted, by greeting, with
    the inviting manager and a column to sign. Audited as an export."""
    from banyan.audit.services import audit_bulk_read
    from banyan.wealth.report import PdfUnavailable, render_pdf

    user = request.user
    event, acc = selectors.get_event_for_user(user, event_id)
    rows = list(selectors.guests(user, event, acc).filter(
        Q(answer__in=(Answer.ACCEPTED, Answer.MAYBE, Answer.WAITING)) | Q(checked_in_at__isnull=False)))
    for inv in rows:
        inv.greeting = selectors.greeting(inv.customer)
        inv.tail = inv.customer.mobile_tail
    html = render_to_string("events/sheet_pdf.html", {"event": event, "rows": rows, "printed": clock.now()})
    try:
        pdf = render_pdf(html)
    except PdfUnavailable:
        raise Http404("PDF not available on this server") from None
    audit_bulk_read(actor=user, action="customer.exported", via="event_sign_in_sheet",
                    customer_ids=[i.customer_id for i in rows], obj=event)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="event-{event.pk}-sign-in.pdf"'
    return response


# ------------------------------------------------------------------ after the event

@login_required
@require_http_methods(["GET", "POST"])
def event_learned(request: HttpRequest, event_id: int) -> HttpResponse:
    """Phone-sized: per guest who came, what was learned (new information, a need → an opportunity)."""
    user = request.user
    event, _acc = selectors.get_event_for_user(user, event_id)
    mine = event.invitations.filter(customer__in=visible_customers(user), checked_in_at__isnull=False)
    if request.method == "POST":
        try:
            inv = mine.select_related("customer", "interaction", "event").get(customer_id=_int(
                request.POST.get("customer_id"), 0))
        except Invitation.DoesNotExist:
            raise Http404("Not a guest of yours") from None
        try:
            services.learned_record(actor=user, invitation=inv, new_info=request.POST.get("new_info", ""),
                                    need=request.POST.get("need", ""),
                                    expected_amount=request.POST.get("amount") or None)
        except ValidationError as e:
            _refusal(request, e)
        else:
            messages.success(request, _("Saved for %(who)s.") % {"who": selectors.greeting(inv.customer)})
        return redirect(reverse("event_learned", args=[event.pk]) + f"#g{inv.customer_id}")
    rows = list(mine.select_related("customer", "interaction").order_by("customer__name"))
    from banyan.contacts.models import Opportunity

    opened = dict(Opportunity.objects.filter(event_id=event.pk, customer_id__in=[i.customer_id for i in rows])
                  .values_list("customer_id", "need"))
    for inv in rows:
        inv.greeting = selectors.greeting(inv.customer)
        inv.need = opened.get(inv.customer_id, "")
    customers_listed(actor=user, customer_ids=[i.customer_id for i in rows], via="event_learned",
                     params={"event": event.pk})
    return render(request, "events/learned.html", {"event": event, "rows": rows, "phone": True})


def _review_rows(event, figures) -> list[tuple[str, object]]:
    rate = figures["contact_achievement_rate"]
    return [
        (_("Invited"), figures["invited"]), (pgettext("rsvp", "Accepted"), figures["accepted"]),
        (_("Attended"), figures["attended"]), (_("Walk-ins"), figures["walk_ins"]),
        (_("No-shows"), figures["no_show"]), (_("Contacted after the event"), figures["contacted_after"]),
        (_("Contact achievement rate"), f"{rate * 100:.1f}%" if rate is not None else "—"),
        (_("New information acquired"), figures["new_info"]), (_("Opportunities opened"), figures["opportunities"]),
        (_("Sales within %(n)d days") % {"n": figures["review_days"]}, figures["sales"]),
        (_("Sales amount"), figures["sales_amount"]),
        (_("Cost (budget)") if figures["cost_is_budget"] else _("Cost"), figures["cost"]),
        (_("Cost per attendee"), figures["cost_per_attendee"]),
        (_("Cost per opportunity"), figures["cost_per_opportunity"]),
        (_("AUM change per attendee"), figures["aum_change_attended"]),
        (_("AUM change per invited who did not come"), figures["aum_change_invited_absent"]),
    ]


@login_required
def event_review(request: HttpRequest, event_id: int) -> HttpResponse:
    user = request.user
    event, acc = selectors.get_event_for_user(user, event_id)
    figures = selectors.review(event, None if acc.all_guests else selectors.guests(user, event, acc))
    chart = {
        "funnel": {"labels": [str(_("Invited")), pgettext("rsvp", "Accepted"), str(_("Attended")),
                              str(_("Contacted after")), str(_("Opportunities")), str(_("Sales"))],
                   "values": [figures["invited"], figures["accepted"], figures["attended"],
                              figures["contacted_after"], figures["opportunities"], figures["sales"]]},
        "aum": {"labels": [str(_("Attended")), str(_("Invited, did not come"))],
                "values": [str(figures["aum_change_attended"] or 0), str(figures["aum_change_invited_absent"] or 0)]},
    }
    return render(request, "events/review.html", {
        "nav_active": "events", "event": event, "acc": acc, "f": figures,
        "rows": [(label, value, isinstance(value, Decimal)) for label, value in _review_rows(event, figures)],
        "chart": chart, "may_review": acc.manage and event.status in (EventStatus.HELD, EventStatus.REVIEWED)})


def _workbook(sheets: list[tuple[str, list[str], list[list]]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, head, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append(head)
        for row in rows:
            ws.append([float(v) if hasattr(v, "quantize") else v for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _xlsx(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def event_review_xlsx(request: HttpRequest, event_id: int) -> HttpResponse:
    """The review as an Excel workbook: the figures, and the caller's guests with their answer and
    attendance (by greeting). Audited as an export."""
    from banyan.audit.services import audit_bulk_read

    user = request.user
    event, acc = selectors.get_event_for_user(user, event_id)
    figures = selectors.review(event, None if acc.all_guests else selectors.guests(user, event, acc))
    guests_rows = list(selectors.guests(user, event, acc))
    body = _workbook([
        (str(_("Review")), [str(_("Figure")), str(_("Value"))],
         [[str(k), v if v is not None else ""] for k, v in _review_rows(event, figures)]),
        (str(_("Guests")), [str(_("Guest")), str(_("Manager")), str(_("Channel")), str(_("Answer")),
                            str(_("Guests coming along")), str(_("Checked in"))],
         [[selectors.greeting(i.customer), i.manager.display_name, i.get_channel_display(), i.get_answer_display(),
           i.guests, "✓" if i.checked_in_at else ""] for i in guests_rows]),
    ])
    audit_bulk_read(actor=user, action="customer.exported", via="event_review_xlsx",
                    customer_ids=[i.customer_id for i in guests_rows], obj=event)
    return _xlsx(body, f"event-{event.pk}-review.xlsx")


def _period(request) -> tuple[dt.date, dt.date]:
    today = clock.today()
    try:
        first = dt.date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        first = today - dt.timedelta(days=90)  # the last quarter by default
    try:
        last = dt.date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        last = today
    return first, max(first, last)


@login_required
def period_review(request: HttpRequest) -> HttpResponse:
    """The branch head compares the events of a period side by side (EVT-4)."""
    user = request.user
    if user.role not in (Role.BRANCH_HEAD, Role.ADMIN, Role.AUDITOR, Role.RM, Role.PLANNER):
        raise Http404("Not for this role")
    first, last = _period(request)
    rows = []
    for event in selectors.period_events(user, first, last):  # a handful of events: a few queries each
        acc = selectors.access(user, event)
        rows.append((event, selectors.review(event, None if acc.all_guests else selectors.guests(user, event, acc))))
    chart = {"labels": [e.name for e, _f in rows],
             "attended": [f["attended"] for _e, f in rows], "opportunities": [f["opportunities"] for _e, f in rows],
             "cost_per_attendee": [str(f["cost_per_attendee"] or 0) for _e, f in rows]}
    if request.GET.get("format") == "xlsx":
        from banyan.audit.services import audit_log

        head = [str(_("Event")), str(_("Date")), str(_("Type")), str(_("Invited")), str(_("Accepted")),
                str(_("Attended")), str(_("No-shows")), str(_("Contact achievement rate")),
                str(_("New information acquired")), str(_("Opportunities opened")), str(_("Sales")),
                str(_("Sales amount")), str(_("Cost")), str(_("Cost per attendee")), str(_("Cost per opportunity")),
                str(_("AUM change per attendee")), str(_("AUM change per invited who did not come"))]
        body = _workbook([(str(_("Events")), head, [[
            e.name, timezone.localdate(e.starts_at).isoformat(), e.get_type_display(), f["invited"], f["accepted"],
            f["attended"], f["no_show"], f["contact_achievement_rate"], f["new_info"], f["opportunities"],
            f["sales"], f["sales_amount"], f["cost"], f["cost_per_attendee"], f["cost_per_opportunity"],
            f["aum_change_attended"], f["aum_change_invited_absent"]] for e, f in rows])])
        audit_log(actor=user, action="event.review_exported", data={
            "via": "event_period_xlsx", "from": first.isoformat(), "to": last.isoformat(), "events": len(rows)})
        return _xlsx(body, f"events-{first}-{last}.xlsx")
    return render(request, "events/period.html", {"nav_active": "events", "rows": rows, "first": first,
                                                  "last": last, "chart": chart})


# ------------------------------------------------------------------ the public RSVP page

_REFUSALS = {
    "invalid": (404, "这个链接无效", "链接可能不完整或已被修改。请联系您的客户经理，或直接回复邀请短信。"),
    "expired": (410, "这个链接已过期", "请联系您的客户经理确认是否参加。"),
    "closed": (410, "本场活动的报名已结束", "活动已举办或已取消。感谢您的关注，期待下次与您相见。"),
    "paused": (409, "活动安排正在调整", "主办方正在调整本场活动的安排，请稍后再打开此链接答复，或联系您的客户经理。"),
}


@require_http_methods(["GET", "POST"])
def public_rsvp(request: HttpRequest, token: str) -> HttpResponse:
    """No login: the signed, expiring link is the key. Shows the event and a greeting (王先生) —
    nothing else about the customer — and takes yes / no / maybe and the number of guests."""
    try:
        inv = services.invitation_of_token(token)
    except services.RsvpRefused as e:
        status, title, text = _REFUSALS[e.reason]
        return render(request, "events/rsvp.html", {"refused": True, "title": title, "text": text}, status=status)
    saved = None
    if request.method == "POST":
        try:
            inv = services.rsvp_record(invitation=inv, answer=request.POST.get("answer", ""),
                                       guests=_int(request.POST.get("guests"), 0), via="public",
                                       base_url=request.build_absolute_uri("/"))
            saved = inv.answer
        except ValidationError as e:
            return render(request, "events/rsvp.html", {"refused": True, "title": "未能保存您的答复",
                                                        "text": " ".join(e.messages)}, status=422)
    event = inv.event
    when = timezone.localtime(event.starts_at)
    qr = _qr_svg(_checkin_url(request, event, inv.code)) if inv.answer == Answer.ACCEPTED else None
    response = render(request, "events/rsvp.html", {
        "greeting": selectors.greeting(inv.customer), "event": event, "when": when, "answer": inv.answer,
        "guests": inv.guests, "saved": saved, "qr": qr, "code": inv.code if qr else "",
        "end": timezone.localtime(event.ends_at)})
    response["Cache-Control"] = "no-store"
    # the token never leaves in a Referer ("no-referrer" would also null the form's Origin: CSRF refuses it)
    response["Referrer-Policy"] = "same-origin"
    return response
