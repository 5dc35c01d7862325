"""htmx helpers shared by every app's pages."""

from __future__ import annotations

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """The request comes from htmx (a partial answer is expected), not from a plain form post."""
    return request.headers.get("HX-Request") == "true"
