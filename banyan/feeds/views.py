"""The feed upload page for admins (`/feeds/`): the same code path as `banyan import`."""

from __future__ import annotations

import re
import secrets

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from banyan.feeds.columns import KINDS
from banyan.feeds.services import FeedFileError, feed_import
from banyan.org.models import Role

KIND_LABELS = {"customers": _("Customers"), "holdings": _("Accounts and holdings"),
               "transactions": _("Transactions"), "navs": _("Product NAVs and dividends"),
               "new_cards": _("New card customers")}
_UPLOAD_NAME = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{8}\.(csv|xlsx)$")


def _uploads():
    folder = settings.VAR_DIR / "feeds"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _require_admin(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) != Role.ADMIN:
        raise Http404


class FeedUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=[(k, KIND_LABELS[k]) for k in KINDS])
    file = forms.FileField(label=_("File (CSV in UTF-8 or GBK, or XLSX)"))
    encoding = forms.ChoiceField(label=_("Encoding"), required=False,
                                 choices=[("", _("Detect")), ("utf-8", "UTF-8"), ("gb18030", "GBK / GB18030")])


@login_required
def feed_upload(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    result, error = None, ""
    if request.method == "POST":
        form = FeedUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = "xlsx" if upload.name.lower().endswith((".xlsx", ".xlsm")) else "csv"
            stored = _uploads() / f"{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.{suffix}"
            with stored.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            try:
                result = feed_import(kind=form.cleaned_data["kind"], path=stored, actor=request.user,
                                     encoding=form.cleaned_data["encoding"] or None)
            except FeedFileError as e:
                error = str(e).replace(stored.name, upload.name)
    else:
        form = FeedUploadForm()
    for f in form.fields.values():
        f.widget.attrs.setdefault("class", "form-select" if isinstance(f, forms.ChoiceField) else "form-control")
    return render(request, "feeds/upload.html", {
        "form": form, "result": result, "error": error, "nav_active": "feeds",
        "shown_rejects": result.rejects[:200] if result else [],
        "rejects_name": result.rejects_path.name.removesuffix(".rejects.csv") if result and result.rejects_path
        else "",
    })


@login_required
def feed_rejects(request: HttpRequest, name: str) -> FileResponse:
    _require_admin(request)
    if not _UPLOAD_NAME.match(name):
        raise Http404
    path = _uploads() / f"{name}.rejects.csv"
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"rejects-{name}.csv",
                        content_type="text/csv; charset=utf-8")
