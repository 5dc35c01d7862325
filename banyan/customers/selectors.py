"""Reads of customer data. `visible_customers(user)` is the one gate (ARC-8): every page, API
endpoint and export starts from it, and a customer outside it answers 404."""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from banyan.customers.models import Customer
from banyan.org.models import Role


def visible_customers(user) -> QuerySet[Customer]:
    """The customers this staff member may see.

    rm / planner / lobby: their own book (and customers they assist); assistant: the book of the
    manager they work for, plus customers assigned to them; branch_head: the branch; admin: the
    bank; auditor and anyone else: nobody (the auditor reads the audit log, not customer files).
    """
    qs = Customer.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    role = user.role
    if role == Role.ADMIN:
        return qs
    if role == Role.BRANCH_HEAD:
        return qs.filter(branch_id=user.branch_id) if user.branch_id else qs.none()
    if role == Role.ASSISTANT:
        cond = Q(assistant_id=user.pk)
        if user.manager_id:
            cond |= Q(rm_id=user.manager_id)
        return qs.filter(cond)
    if role in (Role.RM, Role.PLANNER, Role.LOBBY):
        return qs.filter(Q(rm_id=user.pk) | Q(assistant_id=user.pk)) if role == Role.LOBBY else qs.filter(rm_id=user.pk)
    return qs.none()


def get_customer_for_user(user, customer_id) -> Customer:
    """The customer, or Http404 when it does not exist or is out of the user's reach (the two
    are deliberately indistinguishable)."""
    try:
        return visible_customers(user).select_related("rm", "assistant", "branch", "referrer").get(pk=int(customer_id))
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise Http404("No such customer") from None


_DIGITS = re.compile(r"^\d+$")
#: A customer number as people see it (C000003958) and type it (c000003958, C3958): letters, digits.
_CUSTOMER_NUMBER = re.compile(r"^([A-Za-z]{1,4})(\d+)$")
#: A customer number's digits are stored up to this many, zero-padded (C000003958: nine).
NUMBER_DIGITS_MAX = 20
_LETTERS = re.compile(r"^[a-z]+$")
# The character after "z": with lowercase ASCII keys, [q, q+"{") is exactly "starts with q",
# and a range is an index seek on SQLite and PostgreSQL alike (LIKE is not, on SQLite).
_AFTER_Z = "{"
_AFTER_ANY = "\U0010ffff"
_HAN = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]+$")
#: Latin letters from this length on also find a part of the pinyin (xiaoming → 王小明).
SUBSTRING_LETTERS = 3


#: A part of a name (the given name's pinyin or characters) is read up to this many matches, in
#: no order, and those are ranked richest first. Up to this many the ranking is exact; beyond it a
#: million-customer bank has thousands of 一鸣 and the whole-bank top by AUM would cost a visit to
#: every match (80,000 rows for `hao`: ~400 ms) — the searcher has to type more there anyway.
#: (An index on the AUM alone does not help: PostgreSQL then walks it hoping to meet a rare part
#: early — 185–230 ms for 5,000 matches at 1M.)
PART_SCAN = 1000


def _ranked_ids(base: QuerySet[Customer], tiers: list[tuple[Q, tuple[str, ...] | None]], limit: int) -> list[int]:
    """Matches tier by tier (e.g. initials, then full pinyin, then a part of the pinyin), each
    read in its own index's order up to what the limit leaves. One OR-ed query ordered by one key
    would gather and sort every match over a million customers (`zhang` prefixes 50,000 names).
    A tier without an order is a part of a name: see PART_SCAN."""
    ids: list[int] = []
    for cond, order in tiers:
        room = limit - len(ids)
        if room <= 0:
            break
        if order is None:
            found = base.filter(cond).order_by().values_list("pk", "aum")[:PART_SCAN]
            seen = set(ids)
            ids += [pk for pk, _aum in sorted(found, key=lambda r: (-r[1], r[0])) if pk not in seen][:room]
            continue
        found = base.filter(cond).order_by(*order).values_list("pk", flat=True)
        ids += found.exclude(pk__in=ids)[:room] if ids else found[:room]
    return ids


def _in_order(base: QuerySet[Customer], ids: list[int]) -> QuerySet[Customer]:
    if not ids:
        return base.none()
    rank = Case(*[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)], output_field=IntegerField())
    return base.filter(pk__in=ids).annotate(search_rank=rank).order_by("search_rank")


def _pinyin_of_part(text: str) -> str:
    """The pinyin of Chinese characters read inside a name (not as a surname)."""
    from pypinyin import Style, lazy_pinyin

    return "".join(s for s in lazy_pinyin(text, style=Style.NORMAL) if s.isascii() and s.isalpha()).lower()


def search_customers(user, q: str, *, limit: int = 20) -> QuerySet[Customer]:
    """The caller's visible customers matching `q`, best first (see `_matches`)."""
    base, found = _matches(user, q, limit)
    return _in_order(base, found) if isinstance(found, list) else found


def search_customer_ids(user, q: str, *, limit: int = 20) -> list[int]:
    """The ids of `search_customers`, best first, without reading the customers: a caller that
    counts the matches and reads one page of them (the API) needs no ranked query over all."""
    _base, found = _matches(user, q, limit)
    return found if isinstance(found, list) else list(found.values_list("pk", flat=True))


def search_customer_ids_in(base: QuerySet[Customer], q: str, *, limit: int = 20) -> list[int]:
    """`search_customer_ids` over another set than the caller's visible customers — the lobby's
    walk-in desk looks up any customer of its branch (banyan.service.lobby), showing a limited card
    only. The same matching, the same indexes."""
    _base, found = _matches(None, q, limit, base=base)
    return found if isinstance(found, list) else list(found.values_list("pk", flat=True))


def customer_numbers(prefix: str, digits: str) -> list[str]:
    """The stored forms a typed customer number stands for: the letters as typed or in upper case,
    the digits as typed or zero-padded to any width (c3958 → C000003958). A teller copies the
    number from a statement or hears it on the phone ("C 三九五八"); both are an index lookup
    on the unique number, a few dozen keys at most."""
    core = digits.lstrip("0") or "0"
    forms = {digits} | {core.zfill(width) for width in range(len(core), NUMBER_DIGITS_MAX + 1)}
    return sorted(p + d for p in {prefix, prefix.upper()} for d in forms)


def _matches(user, q: str, limit: int, *, base: QuerySet[Customer] | None = None,
             ) -> tuple[QuerySet[Customer], QuerySet[Customer] | list[int]]:
    """Search the caller's visible customers the way a branch works (ARC-7):

    - a customer number as people see it (C000003958), in any case and without the leading
      zeros (c3958);
    - 4 digits: the last four of a mobile, an ID number or an account or card number (尾号);
    - 11 digits starting with 1: a full mobile; 15/18 characters: a full ID number;
    - other digit strings (≥ 5): an account or card number, whole or its tail; from 6 digits a
      customer number without its letters (banks whose numbers are digits only);
    - Latin letters: pinyin initials, then full pinyin, by prefix (wxm, wangxiaoming); from three
      letters on, then a part of the full pinyin (xiaoming finds 王小明);
    - anything else: the name, by prefix (王, 王小); two or more Chinese characters then also
      find names containing them (小明 finds 王小明).
    Every branch is an indexed equality or range — the parts go through the trigram index on
    the pinyin on PostgreSQL (migration customers 0003) —; the visibility gate is applied on top.
    Returns the visible customers and the matches: an ordered queryset, or for the searches made
    tier by tier their ids in rank order."""
    from banyan.holdings.selectors import customer_ids_by_account  # search spans the apps

    q = "".join((q or "").split())
    base = visible_customers(user) if base is None else base
    if not q:
        return base, base.none()
    if len(q) > 4 and _DIGITS.match(q.replace("-", "")):
        q = q.replace("-", "")  # a card number copied as 6222-0202-…
    number = _CUSTOMER_NUMBER.match(q)
    if number:
        return base, base.filter(external_id__in=customer_numbers(*number.groups())).order_by("-aum")[:limit]
    if _DIGITS.match(q):
        if len(q) < 4:
            return base, base.none()
        # the accounts first, as a list of ids: an OR with a subquery would have the database
        # read every customer; an OR of index lookups stays one (a bitmap OR on PostgreSQL)
        accounts = customer_ids_by_account(q)
        cond = Q(pk__in=sorted(accounts)) if accounts else Q()
        if len(q) == 4:
            cond |= Q(mobile_tail=q) | Q(id_tail=q)
        elif len(q) == 11 and q.startswith("1"):
            cond |= Q(mobile=q) | Q(mobile2=q)
        elif len(q) in (15, 18):
            cond |= Q(id_number=q)
        if len(q) >= 6:
            cond |= Q(external_id__in=customer_numbers("", q))
        if not cond:
            return base, base.none()
        return base, base.filter(cond).order_by("-aum")[:limit]
    if len(q) == 18 and _DIGITS.match(q[:17]) and q[17] in "xX":
        return base, base.filter(id_number=q.upper())[:limit]
    lower = q.lower()
    if _LETTERS.match(lower):
        tiers = [(Q(name_initials__gte=lower, name_initials__lt=lower + _AFTER_Z), ("name_initials", "-aum")),
                 (Q(name_pinyin__gte=lower, name_pinyin__lt=lower + _AFTER_Z), ("name_pinyin", "-aum"))]
        if len(lower) >= SUBSTRING_LETTERS:
            # a part of the full pinyin (the given name): the trigram index on PostgreSQL, read
            # in no order and ranked richest first (PART_SCAN)
            tiers.append((Q(name_pinyin__contains=lower), None))
        return base, _ranked_ids(base, tiers, limit)
    prefix = Q(name__gte=q, name__lt=q + _AFTER_ANY)
    if len(q) >= 2 and _HAN.match(q):
        # names containing the characters: the pinyin narrows by the trigram index (C collation:
        # pg_trgm sees no Chinese), the name itself decides
        part = Q(name__contains=q)
        pinyin = _pinyin_of_part(q)
        if pinyin:
            part &= Q(name_pinyin__contains=pinyin)
        return base, _ranked_ids(base, [(prefix, ("name", "-aum")), (part, None)], limit)
    return base, base.filter(prefix).order_by("name", "-aum")[:limit]
