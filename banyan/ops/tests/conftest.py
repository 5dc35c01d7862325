"""Collection fix for the schemathesis run (test_api_schema.py).

schemathesis 4.32.5 names each operation's test `test_…[POST /api/v1/…]` but, on pytest 9.2, every
one of them gets the same node id (pytest now builds it from `originalname`, without the brackets).
Run alone that only blurs the report; under pytest-xdist (`make test`) the items are scheduled by
node id, and all but the first operation were silently never run. Each item gets its operation
back in its id."""

from __future__ import annotations


def pytest_collection_modifyitems(items):
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and item.nodeid.endswith(f"::{item.originalname}"):
            item._id = item._id.with_params(label)
