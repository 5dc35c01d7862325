"""The feed pages for admins (`/feeds/`): upload a file, follow its run, download its rejects.

The upload creates a FeedRun and hands it to a worker (`banyan.feeds.tasks`); the run's page
polls a small fragment every second while the run is queued or running. Without a broker the task
runs in the request and the redirect lands on a finished run: the same page. Everyone but an
admin gets 404 on every page here.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from banyan import clock
from banyan.feeds.columns import KINDS
from banyan.feeds.models import FeedRun
from banyan.feeds.tasks import feed_run_queue, feed_run_rerun
from banyan.forms import BanyanForm
from banyan.org.models import Role

KIND_LABELS = {"products": pgettext_lazy("feed kind", "Product catalogue"),
               "customers": pgettext_lazy("feed kind", "Customers"),
               "holdings": pgettext_lazy("feed kind", "Accounts and holdings"),
               "transactions": pgettext_lazy("feed kind", "Transactions"),
               "navs": pgettext_lazy("feed kind", "Product NAVs and dividends"),
               "new_cards": pgettext_lazy("feed kind", "New card customers"),
               "risk_assessments": pgettext_lazy("feed kind", "Risk assessments")}
RECENT_RUNS = 20


def _require_admin(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) != Role.ADMIN:
        raise Http404


class FeedUploadForm(BanyanForm):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=[(k, KIND_LABELS[k]) for k in KINDS])
    file = forms.FileField(label=_("File (CSV in UTF-8 or GBK, or XLSX)"))
    encoding = forms.ChoiceField(label=_("Encoding"), required=False,
                                 choices=[("", _("Detect")), ("utf-8", "UTF-8"), ("gb18030", "GBK / GB18030")])


def _run_context(run: FeedRun) -> dict:
    return {"run": run, "kind_label": KIND_LABELS.get(run.kind, run.kind), "stale": run.is_stale(clock.now()),
            "stale_minutes": settings.BANYAN_FEED_STALE_MINUTES}


@login_required
def feed_upload(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    if request.method == "POST":
        form = FeedUploadForm(request.POST, request.FILES)
        if form.is_valid():
            run = feed_run_queue(kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"],
                                 encoding=form.cleaned_data["encoding"], actor=request.user)
            return redirect("feed_run", pk=run.pk)
    else:
        form = FeedUploadForm()
    for f in form.fields.values():
        f.widget.attrs.setdefault("class", "form-select" if isinstance(f, forms.ChoiceField) else "form-control")
    now = clock.now()
    runs = [(r, KIND_LABELS.get(r.kind, r.kind), r.is_stale(now))
            for r in FeedRun.objects.select_related("actor")[:RECENT_RUNS]]
    return render(request, "feeds/upload.html", {"form": form, "runs": runs, "nav_active": "feeds"})


@login_required
def feed_run(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    run = get_object_or_404(FeedRun.objects.select_related("actor"), pk=pk)
    return render(request, "feeds/run.html", {**_run_context(run), "nav_active": "feeds"})


@login_required
def feed_run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The fragment the run's page polls; without hx-trigger once the run has finished."""
    _require_admin(request)
    run = get_object_or_404(FeedRun.objects.select_related("actor"), pk=pk)
    return render(request, "feeds/partials/_run.html", _run_context(run))


@login_required
@require_POST
def feed_run_again(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request)
    run = get_object_or_404(FeedRun, pk=pk)
    if not (run.finished or run.is_stale(clock.now())):
        return redirect("feed_run", pk=run.pk)  # still working: one run of a file at a time
    again = feed_run_rerun(run=run, actor=request.user)
    return redirect("feed_run", pk=again.pk)


@login_required
def feed_run_rejects(request: HttpRequest, pk: int) -> FileResponse:
    _require_admin(request)
    run = get_object_or_404(FeedRun, pk=pk)
    path = run.rejects_path
    if path is None or not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, content_type="text/csv; charset=utf-8",
                        filename=f"rejects-{run.pk}-{run.original_name.rsplit('.', 1)[0]}.csv")
