"""The RBAC matrix (banyan/ops/tests/test_rbac_matrix.py) over the complaint routes alone: every
role, with the complaints of another manager's customer and of another branch — 0 leaks, no 5xx."""

from __future__ import annotations

import pytest

from banyan.ops.tests.test_rbac_matrix import ROLES, _caller, _users, run_matrix, worlds  # noqa: F401
from banyan.testing import rbac

pytestmark = pytest.mark.django_db


def test_no_role_reaches_another_managers_or_another_branchs_complaint(bank, worlds):  # noqa: F811
    routes = [r for r in rbac.discover()[0] if "complaint" in r.template and r.object_slots]
    names = {r.name for r in routes}
    assert {"/api/v1/complaints/{id}", "/api/v1/complaints/{id}/actions", "/api/v1/complaints/{id}/extend",
            "/api/v1/complaints/{id}/resolve", "/api/v1/complaints/{id}/pause", "/api/v1/complaints/{id}/resume",
            "complaint_detail", "complaint_resolve", "complaint_extend", "complaint_new"} <= names, names
    users = _users(bank)
    result = run_matrix(routes, {role: _caller(users[role]) for role in ROLES}, worlds)
    assert sum(result.sent.values()) > 200
    assert not result.errors_5xx, "\n".join(result.errors_5xx[:50])
    assert not result.leaks, "\n".join(result.leaks[:80])
