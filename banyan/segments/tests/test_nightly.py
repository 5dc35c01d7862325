from django.db import connection

from banyan.segments.models import CustomerSegment
from banyan.segments.services import nightly_refresh


def test_the_nightly_refresh_gives_the_planner_statistics_and_segments_everyone(bank, make_customer):
    for name in ("王一", "王二", "李三"):
        make_customer(bank.rm_a, name=name)
    assert nightly_refresh() == 3
    assert CustomerSegment.objects.count() == 3
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'customers_customer'")
            assert cursor.fetchone()[0] > 0
