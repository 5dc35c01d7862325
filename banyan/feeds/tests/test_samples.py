"""The sample files import cleanly into the demo bank, and a second run changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from banyan.demo.builder import build_demo
from banyan.feeds.services import feed_import

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "feeds"


@pytest.mark.django_db
def test_the_samples_import_cleanly_into_the_demo_bank(tmp_path):
    # given a small demo bank, and copies of the samples (the rejects file goes next to the input)
    build_demo(customers=30, log=lambda _msg: None)
    copies = {}
    for kind in ("products", "customers", "new_cards", "holdings", "transactions", "navs", "risk_assessments"):
        copies[kind] = tmp_path / f"{kind}.csv"
        copies[kind].write_bytes((SAMPLES / f"{kind}.csv").read_bytes())

    # when
    first = {kind: feed_import(kind=kind, path=path, followups=False) for kind, path in copies.items()}
    second = {kind: feed_import(kind=kind, path=path, followups=False) for kind, path in copies.items()}

    # then
    for kind in copies:
        assert first[kind].rejected == 0, first[kind].rejects
        assert first[kind].added + first[kind].updated > 0
        assert second[kind].summary.startswith("added 0, updated 0, unchanged ")
        assert second[kind].rejected == 0
