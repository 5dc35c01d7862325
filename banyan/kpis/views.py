"""The review's pages: the manager's own month, the branch head's comparison of managers, the
admin's view of branches, and the drill-down behind every number."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse


@login_required
def review_page(request: HttpRequest) -> HttpResponse:
    raise Http404("Not yet")


@login_required
def drill_page(request: HttpRequest) -> HttpResponse:
    raise Http404("Not yet")
