"""Batch feeds from core banking (DATA-1): read a file, hand each row to the service that owns
the data (customer_create/customer_update, holding_create/holding_update, transaction_record,
nav_record), and count what happened.

Each row is written in its own transaction: a bad row never takes good rows down, and a process
killed half-way leaves only whole rows behind, so running the same file again finishes the job
(rows are keyed by their external number) without duplicating anything.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from banyan import clock
from banyan.customers.models import Customer, Education, Gender, IdType, MaritalStatus, Source
from banyan.customers.services import customer_assign, customer_create, customer_update
from banyan.feeds.columns import KEYS, KINDS, label_of, map_headers
from banyan.feeds.readers import FeedFileError, Record, read_sheet, write_rejects
from banyan.holdings.models import Holding, HoldingStatus, Product, ProductNav, ProductType, Transaction
from banyan.holdings.services import (
    holding_create,
    holding_update,
    nav_record,
    product_create,
    product_update,
    transaction_record,
)
from banyan.org.models import Branch, Staff
from banyan.wealth.services import assessment_import
from banyan.worklists.generations import previews_stale

__all__ = ["FeedFileError", "FeedResult", "feed_followups", "feed_import", "feed_open", "ignored_columns",
           "rejects_path_for"]

PROGRESS_EVERY = 1000
AUM_CHUNK = 10_000
_CUSTOMER_KINDS = ("customers", "new_cards")
_BOOLEANS = {"y": True, "yes": True, "1": True, "true": True, "是": True, "t": True,
             "n": False, "no": False, "0": False, "false": False, "否": False, "f": False}
_BOOL_FIELDS = {"consent_sms", "consent_phone", "consent_email", "consent_wechat", "do_not_disturb", "auto_rollover",
                "is_active"}
_DATE_FIELDS = {"birth_date", "risk_assessed_on", "account_opened_on", "purchase_date", "maturity_date",
                "statement_date", "payment_due_date", "date", "assessed_on", "expires_on"}
# Words bank exports use for the coded choices, beside the codes and their labels.
_SYNONYMS: dict[str, dict[str, str]] = {
    "gender": {"男": Gender.MALE, "女": Gender.FEMALE, "male": Gender.MALE, "female": Gender.FEMALE},
    "id_type": {"身份证": IdType.RESIDENT, "居民身份证": IdType.RESIDENT, "护照": IdType.PASSPORT,
                "港澳通行证": IdType.HK_MACAU, "港澳居民来往内地通行证": IdType.HK_MACAU, "台胞证": IdType.TAIWAN,
                "台湾居民来往大陆通行证": IdType.TAIWAN, "外国人永久居留身份证": IdType.FOREIGN_PR,
                "其他": IdType.OTHER},
    "education": {"初中": Education.BELOW_HIGH_SCHOOL, "初中及以下": Education.BELOW_HIGH_SCHOOL,
                  "高中": Education.HIGH_SCHOOL, "中专": Education.HIGH_SCHOOL, "大专": Education.COLLEGE,
                  "本科": Education.BACHELOR, "硕士": Education.MASTER, "研究生": Education.MASTER,
                  "博士": Education.DOCTOR},
    "marital_status": {"未婚": MaritalStatus.SINGLE, "已婚": MaritalStatus.MARRIED, "离异": MaritalStatus.DIVORCED,
                       "离婚": MaritalStatus.DIVORCED, "丧偶": MaritalStatus.WIDOWED},
    "source": {"自然到店": Source.WALK_IN, "到店": Source.WALK_IN, "转介绍": Source.REFERRAL,
               "新办卡": Source.NEW_CARD, "代发工资": Source.PAYROLL, "代发": Source.PAYROLL,
               "营销活动": Source.CAMPAIGN, "活动": Source.CAMPAIGN, "其他": Source.OTHER},
    "status": {"持有": HoldingStatus.ACTIVE, "正常": HoldingStatus.ACTIVE, "已到期": HoldingStatus.MATURED,
               "到期": HoldingStatus.MATURED, "已结清": HoldingStatus.CLOSED, "销户": HoldingStatus.CLOSED,
               "已销户": HoldingStatus.CLOSED},
}
_CHOICES = {"gender": Gender, "id_type": IdType, "education": Education, "marital_status": MaritalStatus,
            "source": Source, "status": HoldingStatus, "type": ProductType}
_DATE_RE = re.compile(r"^(\d{4})[/.\-年](\d{1,2})[/.\-月](\d{1,2})日?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class _Unchanged(Exception):
    """Raised inside a row's transaction to roll back a write that changed nothing."""


@dataclass
class FeedResult:
    kind: str
    path: Path
    encoding: str = ""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects: list[tuple[int, str, list[str]]] = field(default_factory=list)
    rejects_path: Path | None = None
    ignored_columns: list[str] = field(default_factory=list)
    customer_ids: set[int] = field(default_factory=set)

    @property
    def summary(self) -> str:
        return f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, rejected {self.rejected}"


def rejects_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.csv")


# --- turning a bank's cell text into what the services take ------------------------------------

def _bool(field_name: str, raw: str) -> bool:
    try:
        return _BOOLEANS[raw.strip().lower()]
    except KeyError:
        raise ValidationError({field_name: [_("Enter Y or N (also 1/0, 是/否).")]}) from None


@functools.lru_cache(maxsize=65536)
def _iso_date(raw: str) -> str:
    """YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD and 2026年1月5日 as YYYY-MM-DD; anything else as it is,
    for the service to reject with its own message. Remembered: a feed's dates repeat (a million
    customers opened their accounts on a few thousand days)."""
    text = raw.strip()
    m = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if m:
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    if " " in text and text.split(" ", 1)[1] in ("00:00:00", "00:00"):
        return text.split(" ", 1)[0]
    return text


def _choice(field_name: str, raw: str) -> str:
    return _choice_of(field_name, raw.strip())


@functools.lru_cache(maxsize=4096)
def _choice_of(field_name: str, text: str) -> str:
    """The code for a cell's text (a feed repeats the same few words a million times)."""
    choices = _CHOICES[field_name]
    lowered = text.lower()
    for value, label in choices.choices:
        if lowered in (value.lower(), str(label).lower()):
            return value
    with translation.override("zh-hans"):
        for value, label in choices.choices:
            if text == str(label):
                return value
    return _SYNONYMS.get(field_name, {}).get(text, text)


_MONEY_COLUMNS = frozenset({"amount", "other_bank_assets", "cost_price", "units", "take_profit_pct", "stop_loss_pct",
                            "credit_limit", "minimum_payment", "nav", "dividend"})


def _money(_field_name: str, raw: str) -> str:
    return raw.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()


def _as_is(_field_name: str, raw: str) -> str:
    return raw


@functools.cache
def _converter(field_name: str) -> Callable[[str, str], Any]:
    """How a column's cells are read (asked once per column, not once per cell)."""
    if field_name in _BOOL_FIELDS:
        return _bool
    if field_name in _DATE_FIELDS:
        return lambda _field_name, raw: _iso_date(raw)
    if field_name in _CHOICES:
        return _choice
    return _money if field_name in _MONEY_COLUMNS else _as_is


def _convert(values: dict[str, str]) -> dict[str, Any]:
    return {k: _converter(k)(k, v) for k, v in values.items()}


# --- one row of each kind ---------------------------------------------------------------------

class _Lookups:
    """Per-feed caches of staff, branches and products (a feed names the same few many times)."""

    def __init__(self) -> None:
        self._staff: dict[str, Staff | None] = {}
        self._branches: dict[str, Branch | None] = {}
        self._products: dict[str, Product | None] = {}

    def staff(self, username: str) -> Staff:
        if username not in self._staff:
            self._staff[username] = Staff.objects.filter(username=username).select_related("branch").first()
        found = self._staff[username]
        if found is None:
            raise ValidationError({"rm": [_("There is no staff member with the username %(u)s: create the staff "
                                            "first (banyan staff add), or give only the branch.") % {"u": username}]})
        return found

    def branch(self, code: str) -> Branch:
        if code not in self._branches:
            self._branches[code] = Branch.objects.filter(code=code).first()
        found = self._branches[code]
        if found is None:
            raise ValidationError({"branch": [_("There is no branch with the code %(c)s.") % {"c": code}]})
        return found

    def product(self, code: str) -> Product:
        if code not in self._products:
            self._products[code] = Product.objects.filter(code=code).first()
        found = self._products[code]
        if found is None:
            raise ValidationError({"product": [_("There is no product with the code %(c)s in the catalogue.")
                                               % {"c": code}]})
        return found

    def forget_product(self, code: str) -> None:
        self._products.pop(code, None)

    @staticmethod
    def customer(external_id: str) -> Customer:
        found = Customer.objects.filter(external_id=external_id).first()
        if found is None:
            raise no_such_customer(external_id)
        return found


def no_such_customer(external_id: str) -> ValidationError:
    return ValidationError({"customer": [_("There is no customer with the number %(n)s: import the "
                                           "customers first.") % {"n": external_id}]})


def _state(obj) -> dict[str, Any]:
    """The row's values (attname → value) but its stamps: what "unchanged" compares. A feed compares
    two of them for every row it updates."""
    names, values = _state_getter(type(obj))
    return dict(zip(names, values(obj), strict=True))


@functools.cache
def _state_getter(model) -> tuple[tuple[str, ...], Callable[[Any], tuple]]:
    """The attnames `_state` reads and one getter of all of them (a tuple, whatever their number)."""
    names = tuple(f.attname for f in model._meta.concrete_fields if f.attname not in ("updated_at", "created_at"))
    getter = operator.attrgetter(*names)
    return names, (getter if len(names) > 1 else lambda obj: (getter(obj),))


def _customer_row(kind: str, values: dict[str, str], look: _Lookups, actor, touched: set[int]) -> str:
    ext = values.pop("external_id")
    rm_name, branch_code = values.pop("rm", ""), values.pop("branch", "")
    rm = look.staff(rm_name) if rm_name else None
    branch = look.branch(branch_code) if branch_code else None
    fields = _convert({k: v for k, v in values.items() if v != ""})  # an empty cell leaves the file as it is
    if kind == "new_cards":
        fields["source"] = Source.NEW_CARD
    existing = Customer.objects.filter(external_id=ext).first()
    if existing is None:
        customer = customer_create(actor=actor, external_id=ext, name=fields.pop("name", ""), rm=rm,
                                   branch=None if rm else branch, **fields)
        touched.add(customer.pk)
        return "added"
    before = _state(existing)
    customer_update(actor=actor, customer=existing, **fields)
    if rm is not None and rm.pk != existing.rm_id:
        customer_assign(actor=actor, customer=existing, rm=rm)
    if _state(existing) == before:
        raise _Unchanged
    touched.add(existing.pk)
    return "updated"


def _holding_row(kind: str, values: dict[str, str], look: _Lookups, actor, touched: set[int]) -> str:
    ext = values.pop("external_id")
    customer = look.customer(values.pop("customer", ""))
    product = look.product(values.pop("product", ""))
    fields = _convert({k: v for k, v in values.items() if v != ""})
    existing = Holding.objects.filter(external_id=ext).select_related("product").first()
    if existing is None:
        holding = holding_create(actor=actor, customer=customer, product=product, amount=fields.pop("amount", None),
                                 purchase_date=fields.pop("purchase_date", None), external_id=ext, **fields)
        touched.add(holding.customer_id)
        return "added"
    before = _state(existing)
    old_customer = existing.customer_id
    holding_update(actor=actor, holding=existing, customer=customer, product=product, **fields)
    if _state(existing) == before:
        raise _Unchanged
    touched.update({old_customer, existing.customer_id})
    return "updated"


def _transaction_row(kind: str, values: dict[str, str], look: _Lookups, actor, touched: set[int]) -> str:
    ext = values.pop("external_id")
    customer = look.customer(values.pop("customer", ""))
    fields = _convert(values)
    existing = Transaction.objects.filter(external_id=ext).first()
    before = _state(existing) if existing else None
    row = transaction_record(actor=actor, customer=customer, external_id=ext, occurred_on=fields.pop("date", ""),
                             amount=fields.pop("amount", ""), **fields)
    touched.add(row.customer_id)
    if before is None:
        return "added"
    if _state(row) == before:
        raise _Unchanged
    return "updated"


def _nav_row(kind: str, values: dict[str, str], look: _Lookups, actor, touched: set[int]) -> str:
    product = look.product(values.pop("product", ""))
    fields = _convert(values)
    try:
        day = dt.date.fromisoformat(fields.get("date", ""))
    except ValueError:
        day = None  # nav_record says what is wrong with it
    existing = ProductNav.objects.filter(product=product, date=day).first() if day else None
    before = _state(existing) if existing else None
    row = nav_record(actor=actor, product=product, date=fields.get("date", ""), nav=fields.get("nav", ""),
                     dividend=fields.get("dividend") or None)
    if before is None:
        return "added"
    row.refresh_from_db()
    if _state(row) == before:
        raise _Unchanged
    return "updated"


def _product_row(kind: str, values: dict[str, str], look: _Lookups, actor, touched: set[int]) -> str:
    code = values.pop("code")
    fields = _convert({k: v for k, v in values.items() if v != ""})
    if "term_days" in fields:
        try:
            fields["term_days"] = int(str(fields["term_days"]).strip())
        except ValueError:
            raise ValidationError({"term_days": [_("A term is a whole number of days.")]}) from None
    existing = Product.objects.filter(code=code).first()
    if existing is None:
        product_create(actor=actor, code=code, **fields)
        return "added"
    before = _state(existing)
    product_update(actor=actor, product=existing, **fields)
    if _state(existing) == before:
        raise _Unchanged
    look.forget_product(code)
    return "updated"


def _risk_assessment_row(kind: str, values: dict[str, str], look: _Lookups, actor, touched: set[int]) -> str:
    """An assessment taken in core banking: recorded (never refused for the daily limit: core
    banking took it), and the customer's level follows when it is the latest."""
    customer = look.customer(values.pop("customer", ""))
    fields = _convert(values)
    _assessment, outcome = assessment_import(actor=actor, customer=customer, external_id=fields.get("external_id", ""),
                                             level=fields.get("level"), assessed_on=fields.get("assessed_on"),
                                             score=fields.get("score"), expires_on=fields.get("expires_on"))
    if outcome == "unchanged":
        raise _Unchanged
    touched.add(customer.pk)
    return outcome


_HANDLERS: dict[str, Callable[..., str]] = {
    "products": _product_row, "customers": _customer_row, "new_cards": _customer_row, "holdings": _holding_row,
    "transactions": _transaction_row, "navs": _nav_row, "risk_assessments": _risk_assessment_row,
}
# Error keys a service may use that are not the feed's column names.
_ERROR_FIELDS = {"occurred_on": "date"}


def _reason(kind: str, error: ValidationError) -> str:
    parts = []
    if hasattr(error, "error_dict"):
        for key, messages in error.message_dict.items():
            key = _ERROR_FIELDS.get(key, key)
            label = "" if key == "__all__" else label_of(kind, key)
            if label == key and key not in {c.field for c in KINDS[kind]}:
                label = _model_label(key)
            text = "；".join(messages)
            parts.append(f"{label}：{text}" if label else text)
    else:
        parts.append("；".join(error.messages))
    return "；".join(parts)


def _model_label(name: str) -> str:
    for model in (Customer, Holding, Transaction, ProductNav):
        try:
            return str(model._meta.get_field(name).verbose_name)
        except Exception:  # noqa: BLE001 - not a field of this model
            continue
    return name


# --- the feed ---------------------------------------------------------------------------------

def feed_open(kind: str, path: Path | str, encoding: str | None = None):
    """The file's sheet and the field of each of its columns. Raises FeedFileError when the file
    cannot be imported at all (unknown kind, missing, not CSV/XLSX, no key or required column)."""
    if kind not in KINDS:
        raise FeedFileError(f"未知的数据类型：{kind}（可选：{'、'.join(KINDS)}）")
    path = Path(path)
    with translation.override("zh-hans"):
        sheet = read_sheet(path, encoding)
        fields = map_headers(kind, sheet.headers)
        present = {f for f in fields if f}
        missing_keys = [k for k in KEYS[kind] if k not in present]
        if missing_keys:
            names = "、".join(f"{label_of(kind, k)}（{k}）" for k in missing_keys)
            raise FeedFileError(f"{path.name}：表头没有关键列 {names}，无法按键导入。"
                                f"表头是：{'，'.join(sheet.headers)}")
        missing = [c for c in KINDS[kind] if c.required and c.field not in present]
        if missing:
            names = "、".join(f"{c.label}（{c.field}）" for c in missing)
            raise FeedFileError(f"{path.name}：表头缺少必填列 {names}。")
        if kind in _CUSTOMER_KINDS and not present & {"rm", "branch"}:
            raise FeedFileError(f"{path.name}：表头需要 客户经理（rm）或 网点（branch）列。")
    return sheet, fields


def ignored_columns(headers: list[str], fields: list[str | None]) -> list[str]:
    """The file's columns the feed does not know (listed on the run's page)."""
    return [h for h, f in zip(headers, fields, strict=True) if not f]


def feed_import(*, kind: str, path: Path | str, encoding: str | None = None, actor=None,
                progress: Callable[[int, int], None] | None = None, followups: bool = True,
                part: tuple[int, int] | None = None) -> FeedResult:
    """Import one feed file. Raises FeedFileError when the file cannot be read at all (missing,
    not CSV/XLSX, no key column); otherwise every row is added, updated, unchanged or rejected
    (with its line number and the reason in Chinese, also written to `<file>.rejects.csv`).
    Must not run inside an outer transaction when crash safety matters: each row commits alone.

    `part=(k, n)`: only the rows of part k of n (banyan.feeds.parts), while other processes import
    the other parts; the rejects go to the part's own file, for the run to merge, and `progress`
    counts this part's rows against the whole file's."""
    from banyan.feeds import bulk  # the bulk path uses this module's row judgement
    from banyan.feeds import parts as cut

    path = Path(path)
    sheet, fields = feed_open(kind, path, encoding)
    with translation.override("zh-hans"):
        result = FeedResult(kind=kind, path=path, encoding=sheet.encoding,
                            ignored_columns=ignored_columns(sheet.headers, fields))
        handler, look = _HANDLERS[kind], _Lookups()
        total, records = sheet.total, sheet.records
        if part is not None:
            if kind not in cut.PART_KINDS:
                raise ValueError(f"a {kind} feed is not imported in parts")
            records = cut.records_of_part(records, cut.key_column(fields, KEYS[kind][0]), *part)
        # What lives as long as the feed (the look-ups, the touched customers, the rejects): keep
        # the cyclic garbage collector from walking it again and again. A chunk's rows live until it
        # is written; with young collections every 700 new objects instead of every 50,000 they are
        # walked over and over (2–3 % of a feed's CPU, measured at 200k customers).
        gc.freeze()
        thresholds = gc.get_threshold()
        gc.set_threshold(50_000, 20, 20)
        try:
            if kind in bulk.BULK_KINDS:
                bulk.import_chunks(kind, records, total, sheet.headers, fields, look, actor, result, progress,
                                   shared=part is not None)
            else:
                for done, record in enumerate(records, start=1):
                    _import_record(kind, record, sheet.headers, fields, handler, look, actor, result)
                    if progress and (done % PROGRESS_EVERY == 0 or done == total):
                        progress(done, total)
        finally:
            gc.set_threshold(*thresholds)
            gc.unfreeze()
        rejects_file = rejects_path_for(path)
        if part is not None:
            rejects_file = cut.part_rejects_path(rejects_file, part[0])
        if result.rejects:
            write_rejects(rejects_file, sheet.headers, result.rejects)
            result.rejects_path = rejects_file
        elif rejects_file.exists():
            rejects_file.unlink()  # an old run's rejects would mislead
        if result.added or result.updated:
            previews_stale()
        if followups and (result.added or result.updated):
            feed_followups(kind, customer_ids=result.customer_ids, actor=actor)
    return result


def _reject(result: FeedResult, record: Record, reason: str) -> None:
    result.rejected += 1
    result.rejects.append((record.line, f"第 {record.line} 行：{reason}", record.cells))


@functools.cache
def _required(kind: str) -> tuple[tuple[str, Any], ...]:
    """(field, label) of the columns a row of `kind` must fill: the required ones and the keys."""
    return tuple((c.field, c.label) for c in KINDS[kind] if c.required or c.field in KEYS[kind])


def _precheck(kind: str, record: Record, headers, fields, result: FeedResult) -> dict[str, str] | None:
    """The row's cells by field, or None when the row is rejected before any service sees it
    (wrong encoding, wrong number of columns, a required cell empty)."""
    if record.bad_encoding:
        _reject(result, record, f"这一行的文字不是 {result.encoding} 编码（可能混入了 GBK 编码的内容），请重新导出。")
        return None
    if len(record.cells) != len(headers):
        _reject(result, record, f"列数不对：表头有 {len(headers)} 列，这一行有 {len(record.cells)} 列。")
        return None
    values = {f: cell for f, cell in zip(fields, record.cells, strict=True) if f}
    missing = [label for field, label in _required(kind) if not values.get(field)]
    if missing:
        _reject(result, record, "；".join(f"{label}：必填。" for label in missing))
        return None
    return values


def _import_record(kind, record: Record, headers, fields, handler, look, actor, result: FeedResult) -> None:
    values = _precheck(kind, record, headers, fields, result)
    if values is None:
        return None
    touched: set[int] = set()
    try:
        with transaction.atomic():
            outcome = handler(kind, values, look, actor, touched)
    except _Unchanged:
        result.unchanged += 1
        return None
    except ValidationError as e:
        return _reject(result, record, _reason(kind, e))
    except DatabaseError as e:  # a constraint the services do not check; the row is rolled back
        return _reject(result, record, f"数据库拒绝了这一行：{e}")
    setattr(result, outcome, getattr(result, outcome) + 1)
    result.customer_ids.update(touched)
    return None


def feed_followups(kind: str, *, customer_ids=None, actor=None) -> None:
    """What follows a feed (and what a background task calls after one): the touched customers'
    AUM, then segments and the next list to be made — the coming working day's (today's when
    today is a working day). A nightly feed lands in the small hours of the day its lists are
    for; one uploaded during the day finds today's lists made (left as they are) and the new data
    reaches tomorrow's with the nightly build. A list is never made before its day begins: made at
    14:00 for tomorrow it would retire today's open tasks of its customers in the middle of the
    day and miss the afternoon's contacts."""
    from banyan.calendars.workdays import coming_working_day
    from banyan.holdings.services import customers_refresh_aum
    from banyan.segments.services import nightly_refresh
    from banyan.worklists.services import worklists_build

    if kind == "products":  # the catalogue weighs on no customer's AUM, segment or list
        return
    if kind in ("holdings", "navs") and customer_ids is not None:
        ids = sorted(customer_ids)
        for start in range(0, len(ids), AUM_CHUNK):  # one UPDATE per slice, whatever the feed's size
            customers_refresh_aum(customer_ids=ids[start:start + AUM_CHUNK])
    elif kind in ("holdings", "navs"):
        customers_refresh_aum()
    nightly_refresh(actor=actor)
    worklists_build(day=coming_working_day(clock.today()), actor=actor)
