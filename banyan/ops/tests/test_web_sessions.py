"""The web's PostgreSQL sessions run without parallel query (issue 15 §5): `banyan serve` and
deploy/gunicorn.conf.py set BANYAN_DB_PARALLEL_WORKERS=0 for the web processes, and the settings
turn it into each session's max_parallel_workers_per_gather; the other processes (Celery's nightly
work, feeds, reports) keep the server's own setting."""

from __future__ import annotations

import io
import os
import runpy
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from banyan.org.management.commands import serve
from banyan.settings import parallel_workers_options

NAME = "BANYAN_DB_PARALLEL_WORKERS"
GUNICORN_CONF = Path(__file__).resolve().parents[3] / "deploy" / "gunicorn.conf.py"


@pytest.fixture
def unset(monkeypatch):
    """The variable absent for the test, and absent again afterwards whatever the code set."""
    monkeypatch.setenv(NAME, "placeholder")
    monkeypatch.delenv(NAME)


def test_the_settings_give_the_sessions_the_variable_as_their_parallel_workers():
    assert parallel_workers_options({}, "0") == {"options": "-c max_parallel_workers_per_gather=0"}
    assert parallel_workers_options({"sslmode": "require", "options": "-c search_path=bank"}, " 2 ") == {
        "sslmode": "require", "options": "-c search_path=bank -c max_parallel_workers_per_gather=2"}
    assert parallel_workers_options({"sslmode": "require"}, "") == {"sslmode": "require"}  # the server's own
    with pytest.raises(ValueError):
        parallel_workers_options({}, "few")


@pytest.mark.django_db
def test_a_session_opened_with_those_options_plans_no_parallel_workers():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's setting")
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)

    def plan(options: dict) -> str:
        """A count over a table, with parallel workers made free: planned in parallel if allowed."""
        with psycopg.connect(**{**params, **options}) as session:
            for cost in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size"):
                session.execute(f"SET {cost} = 0")
            session.execute("SET max_parallel_workers_per_gather = DEFAULT")  # the session's own, as opened
            return "\n".join(r[0] for r in session.execute("EXPLAIN SELECT count(*) FROM django_migrations"))

    assert "Gather" in plan(parallel_workers_options({}, "2"))  # the check can see a parallel plan
    assert "Gather" not in plan(parallel_workers_options({}, "0"))


@pytest.mark.django_db
def test_banyan_serve_starts_gunicorn_with_the_web_sessions_setting(unset, monkeypatch, settings):
    settings.SECRET_KEY = "a-key-only-this-test-knows-" + "x" * 30
    started: list[list[str]] = []
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: None)  # migrate, collectstatic
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: started.append(argv))
    call_command("serve", stdout=io.StringIO())
    assert len(started) == 1 and os.environ[NAME] == "0"
    monkeypatch.setenv(NAME, "2")  # the operator's own value is kept
    call_command("serve", stdout=io.StringIO())
    assert len(started) == 2 and os.environ[NAME] == "2"


def test_an_operator_s_own_value_is_kept_by_gunicorn_conf(unset, monkeypatch):
    runpy.run_path(str(GUNICORN_CONF))
    assert os.environ[NAME] == "0"  # the web's default
    monkeypatch.setenv(NAME, "2")  # the environment file says otherwise
    runpy.run_path(str(GUNICORN_CONF))
    assert os.environ[NAME] == "2"
