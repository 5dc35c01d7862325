"""The schema keeps no index another one already serves: every index is one more write for each
row a feed stores (a million customers a night)."""

from django.apps import apps
from django.db import connection


def _plain_indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, table)
    # btree on PostgreSQL ("idx" on SQLite); a `_like` index (varchar_pattern_ops, for LIKE) or a
    # trigram index serves other lookups than a plain one over the same column; a partial index
    # (WHERE …) holds only its own few rows, which no whole index finds as cheaply
    return {name: c for name, c in found.items()
            if c["index"] and c["type"] in ("btree", "idx") and not name.endswith("_like")
            and name not in _partial(table)}


def _partial(table: str) -> set[str]:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s::regclass "
                        "AND indpred IS NOT NULL", [table])
        else:
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                        "AND sql LIKE '% WHERE %'", [table])
        return {row[0] for row in cur.fetchall()}


def test_no_index_only_repeats_the_leading_columns_of_another(db):
    redundant = []
    for model in apps.get_models():
        if not model.__module__.startswith("banyan."):
            continue
        indexes = _plain_indexes(model._meta.db_table)
        for name, index in indexes.items():
            if index["unique"] or index["primary_key"]:
                continue
            cols = index["columns"]
            for other_name, other in indexes.items():
                if other_name != name and other["columns"][:len(cols)] == cols and (
                        len(other["columns"]) > len(cols) or other_name < name):
                    redundant.append(f"{model._meta.db_table}.{name} {cols} ⊂ {other_name} {other['columns']}")
                    break
    assert redundant == [], "\n".join(redundant)


def test_the_feeds_external_numbers_have_one_unique_index_and_no_like_one(db):
    """A customer, holding or transaction number is looked up whole (a feed's upsert); `unique=True`
    on PostgreSQL would add a varchar_pattern_ops index for LIKE beside the unique one."""
    from banyan.customers.models import Customer
    from banyan.holdings.models import Holding, Transaction

    for model in (Customer, Holding, Transaction):
        with connection.cursor() as cur:
            found = connection.introspection.get_constraints(cur, model._meta.db_table)
        on_number = sorted(name for name, c in found.items() if c["columns"] == ["external_id"])
        assert on_number == [f"{model._meta.model_name}_external_id_unique"], on_number
        assert found[on_number[0]]["unique"]
