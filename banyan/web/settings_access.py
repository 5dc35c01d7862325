"""Who may open the bank's settings pages (every tab: worklist rules, risk and suitability, model
portfolios, complaint categories): an administrator edits, a branch head reads, anyone else is
told there is nothing here (404)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from banyan.org.models import Role


def settings_editable(request: HttpRequest) -> bool:
    """True for an administrator, False for a branch head (read-only); 404 for anyone else."""
    role = getattr(request.user, "role", None)
    if role == Role.ADMIN:
        return True
    if role == Role.BRANCH_HEAD:
        return False
    raise Http404("No settings here")


def settings_edit_required(request: HttpRequest) -> None:
    if not settings_editable(request):
        raise PermissionDenied(_("Only an administrator can change the settings."))
