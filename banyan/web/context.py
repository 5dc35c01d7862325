"""Template context for every page: today's date and what the header may link to."""

from banyan import clock
from banyan.org.models import Role


def banyan_context(request):
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    return {
        "today": clock.today(),
        "nav_show_branch": role in (Role.BRANCH_HEAD, Role.ADMIN),
        "nav_show_audit": role in (Role.AUDITOR, Role.ADMIN),
        "nav_show_book": role is not None and role != Role.AUDITOR,
    }
