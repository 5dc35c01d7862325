"""The demo's staff have the work mobile and WeChat ID customers are given (issue 16 §2): each
customer-facing login a different valid mainland mobile; the auditor and the admin none."""

from __future__ import annotations

import pytest

from banyan.customers.identity import validate_mobile
from banyan.demo.staff import BRANCHES, STAFF, work_contact


def test_every_customer_facing_demo_login_has_its_own_valid_work_mobile():
    numbers = {s.username: work_contact(s) for s in STAFF}
    mobiles = [m for m, _w in numbers.values() if m]
    assert len(mobiles) == len(set(mobiles)) == len([s for s in STAFF if s.role not in ("auditor", "admin")])
    assert all(validate_mobile(m) == m for m in mobiles)
    assert numbers["admin"] == ("", "") and numbers["zhangmin"][1] == "zhangmin_banyan"


@pytest.mark.django_db
def test_the_demo_builder_gives_the_staff_their_numbers():
    from banyan.demo.builder import _create_staff
    from banyan.org.services import branch_ensure

    made = _create_staff({code: branch_ensure(code=code, name=name) for code, name in BRANCHES})
    made["zhangmin"].refresh_from_db()
    assert made["zhangmin"].work_mobile == work_contact(next(s for s in STAFF if s.username == "zhangmin"))[0]
    assert made["zhangmin"].work_wechat == "zhangmin_banyan"
