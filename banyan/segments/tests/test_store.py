"""The recompute's two ways of storing segments (PostgreSQL: COPY and one upsert for a big book;
the ORM's batched upsert otherwise) store the very same rows, and every segment is rewritten."""

import datetime as dt

from banyan import clock
from banyan.segments import services
from banyan.segments.models import CustomerSegment

COMPARED = [c for c in services.SEGMENT_COLUMNS if c != "computed_at"]


def _rows():
    return sorted(CustomerSegment.objects.values_list(*COMPARED))


def test_both_ways_of_storing_give_the_same_segments_and_rewrite_every_one(bank, make_customer, zeng, monkeypatch):
    make_customer(bank.rm_a, name="王一", occupation="教师")
    make_customer(bank.rm_b, name="李二", birth=dt.date(1958, 2, 1), male=False)
    make_customer(bank.rm_a, name="张三", orientation="value")
    monkeypatch.setattr(services, "COPY_FROM_ROWS", 10**9)  # the ORM's upsert
    assert services.segments_recompute() == 4
    by_orm = _rows()
    assert any(row[COMPARED.index("reasons")] for row in by_orm)  # reasons are compared too
    # a stored segment that no longer holds is overwritten, whichever way it is stored
    CustomerSegment.objects.filter(customer=zeng).update(quadrant="low_low", potential_score=0, reasons=["x"],
                                                         is_priority=False, value_rank=99)
    monkeypatch.setattr(services, "COPY_FROM_ROWS", 0)  # COPY and one upsert on PostgreSQL
    before = clock.now()
    assert services.segments_recompute() == 4
    assert _rows() == by_orm
    assert not CustomerSegment.objects.filter(computed_at__lt=before).exists()
    # twice in one transaction (the temporary table does not linger)
    assert services.segments_recompute() == 4 and _rows() == by_orm
