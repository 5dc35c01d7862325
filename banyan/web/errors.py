"""Error pages Django renders itself (handler400): a body too large for the server is a 413 page
in the app's look, for every page at once — not Django's bare "Bad Request (400)"."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults


def _limit_mb() -> str:
    return f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024:g}"


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 answer, except for a body above DATA_UPLOAD_MAX_MEMORY_SIZE: 413, on a page in
    the app's look (an API path, which ninja does not reach here, in the API's error shape)."""
    if not isinstance(exception, RequestDataTooBig):
        return defaults.bad_request(request, exception)
    message = _("The request is too large: at most %(mb)s MB.") % {"mb": _limit_mb()}
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "too_large", "message": message, "fields": {}}}, status=413,
                            json_dumps_params={"ensure_ascii": False})
    return render(request, "413.html", {"message": message}, status=413)
