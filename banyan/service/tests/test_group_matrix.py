"""The RBAC matrix (banyan/ops/tests/test_rbac_matrix.py) over the customer-group routes alone: every
role, with the groups and customers of another manager and of another branch — 0 leaks, no 5xx.
The whole matrix runs them too; this one is quick, and proves the routes are discovered."""

from __future__ import annotations

import pytest

from banyan.ops.tests.test_rbac_matrix import ROLES, _caller, _users, run_matrix, worlds  # noqa: F401
from banyan.testing import rbac

pytestmark = pytest.mark.django_db


def test_no_role_reaches_another_managers_or_another_branchs_group(bank, worlds):  # noqa: F811
    routes = [r for r in rbac.discover()[0] if "group" in r.template and r.object_slots]
    names = {r.name for r in routes}
    assert {"/api/v1/groups/{id}", "/api/v1/groups/{id}/members", "/api/v1/groups/{id}/members/{customer_id}/withdraw",
            "/api/v1/groups/{id}/shares", "group_detail", "group_member_add", "group_member_withdraw", "group_share",
            "customer_groups"} <= names, names
    users = _users(bank)
    result = run_matrix(routes, {role: _caller(users[role]) for role in ROLES}, worlds)
    assert sum(result.sent.values()) > 500
    assert not result.errors_5xx, "\n".join(result.errors_5xx[:50])
    assert not result.leaks, "\n".join(result.leaks[:80])
    assert set(result.statuses) <= {403, 404, 405, 422}, result.statuses
