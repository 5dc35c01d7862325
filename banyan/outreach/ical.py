"""An iCalendar feed (RFC 5545) of a manager's appointments, for the calendar of their phone.

Written by hand: VCALENDAR / VEVENT, times in UTC ("Z"), text escaped, lines folded at 75
octets, CRLF line endings. The feed leaves a customer's identifiers out: no ID number, no
mobile, no customer id — "约见 王先生", the place and the purpose only."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.utils.crypto import constant_time_compare

CRLF = "\r\n"
SALT = "banyan.outreach.ical"


def feed_token(user) -> str:
    """A per-user secret for the feed URL: the user id and the user's calendar key, signed with
    SECRET_KEY. A new calendar key (org.services.calendar_address_renew, and every deactivation)
    makes every earlier address useless. Before a first renewal the key is empty and the address
    is the signed id alone, as it was before keys existed, so subscriptions made then keep working."""
    value = f"{user.pk}.{user.calendar_key}" if user.calendar_key else str(user.pk)
    return signing.Signer(salt=SALT).sign(value)


def feed_owner(token: str):
    """The active staff member whose current address this is, else None."""
    from banyan.org.models import Staff

    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    user_id, _dot, key = value.partition(".")
    if not user_id.isdigit():
        return None
    user = Staff.objects.filter(pk=int(user_id), is_active=True).first()
    if user is None or not constant_time_compare(user.calendar_key, key):
        return None
    return user


def escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets (UTF-8), never inside a character;
    continuation lines start with one space."""
    out, current, size = [], "", 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += n
    out.append(current)
    return CRLF.join(out)


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(events: list[dict], *, name: str, stamp: dt.datetime, host: str = "banyan") -> str:
    """events: dicts of uid, start, end, summary, location, description."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Banyan//Outreach appointments//ZH", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(name)}", "X-WR-TIMEZONE:Asia/Shanghai"]
    for e in events:
        lines += ["BEGIN:VEVENT", f"UID:{e['uid']}@{host}", f"DTSTAMP:{utc(stamp)}", f"DTSTART:{utc(e['start'])}",
                  f"DTEND:{utc(e['end'])}", f"SUMMARY:{escape(e['summary'])}"]
        if e.get("location"):
            lines.append(f"LOCATION:{escape(e['location'])}")
        if e.get("description"):
            lines.append(f"DESCRIPTION:{escape(e['description'])}")
        if e.get("status"):
            lines.append(f"STATUS:{e['status']}")
        if e.get("status") != "CANCELLED":
            # the phone reminds the manager the day before (time to confirm, as the seed asks) and
            # an hour before (time to set out)
            for before, note in (("-P1D", "明天："), ("-PT1H", "一小时后：")):
                lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"TRIGGER:{before}",
                          f"DESCRIPTION:{escape(note + e['summary'])}", "END:VALARM"]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return CRLF.join(fold(line) for line in lines) + CRLF
