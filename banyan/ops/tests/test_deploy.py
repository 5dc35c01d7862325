"""The production set-up in deploy/ agrees with the code: every setting is documented, every queue
has a worker, gunicorn loads the proxy-aware app, logs keep searches out, and `check --deploy`
catches a development key."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from banyan.messaging.gateways import DEFAULT_GATEWAYS

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
_READS = re.compile(r"""(?:os\.environ\.get\(|os\.environ\[|os\.getenv\(|\b_env\()\s*["']([A-Z][A-Z0-9_]+)["']"""
                    r"""|env_var\s*=\s*["']([A-Z][A-Z0-9_]+)|\$\{([A-Z][A-Z0-9_]+)\}""")
_NOT_SETTINGS = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _env_example() -> dict[str, str]:
    names = {}
    for line in (DEPLOY / "banyan.env.example").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#?([A-Z][A-Z0-9_]+)=(.*)$", line)
        if m:
            names[m.group(1)] = m.group(2)
    return names


def test_every_setting_the_code_reads_from_the_environment_is_in_the_env_example():
    read = set()
    for path in (ROOT / "banyan").rglob("*.py"):
        if "tests" in path.parts or "testing" in path.parts:
            continue
        read |= {"".join(names) for names in _READS.findall(path.read_text(encoding="utf-8"))}
    for path in [DEPLOY / "gunicorn.conf.py", *DEPLOY.glob("*.service")]:
        read |= {"".join(names) for names in _READS.findall(path.read_text(encoding="utf-8"))}
    read |= {f"BANYAN_{channel.upper()}_GATEWAY" for channel in DEFAULT_GATEWAYS}
    read -= _NOT_SETTINGS
    assert {"DATABASE_URL", "SECRET_KEY", "CELERY_BROKER_URL", "BANYAN_BACKUP_DIR"} <= read  # the scan works
    missing = read - set(_env_example())
    assert not missing, f"add these to deploy/banyan.env.example (and docs/deployment.md): {sorted(missing)}"


def test_the_worker_unit_and_the_example_serve_every_queue_a_task_is_routed_to():
    routed = {settings.CELERY_TASK_DEFAULT_QUEUE} | {r["queue"] for r in settings.CELERY_TASK_ROUTES.values()}
    unit = (DEPLOY / "banyan-worker.service").read_text()
    unit_default = set(re.search(r"BANYAN_CELERY_QUEUES=(\S+)", unit).group(1).split(","))
    example = set(_env_example()["BANYAN_CELERY_QUEUES"].split(","))
    assert routed <= unit_default and routed <= example  # else feeds or the nightly build wait forever


def test_gunicorn_loads_its_config_and_the_proxy_aware_app():
    done = subprocess.run([sys.executable, "-m", "gunicorn", "--config", str(DEPLOY / "gunicorn.conf.py"),
                           "--check-config"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    config: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), config)
    assert config["wsgi_app"] == "banyan.ops.proxy:application"


def test_access_logs_leave_out_the_query_string_where_searches_carry_names_and_id_numbers():
    config: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(), config)
    assert "%(U)s" in config["access_log_format"]
    assert not re.search(r"%\((r|q)\)s", config["access_log_format"])
    log_format = re.search(r"log_format banyan (.*?);", (DEPLOY / "nginx.conf").read_text(), re.S).group(1)
    assert "$uri" in log_format and not re.search(r"\$(request|request_uri|args|query_string)\b", log_format)


@pytest.mark.parametrize("key, https, problem", [
    ("banyan-dev-only-key-change-me-in-production-0123456789", "1", "ops.E001"),
    ("CHANGE-ME", "1", "ops.E001"),
])
def test_check_deploy_refuses_the_development_secret_key(settings, monkeypatch, key, https, problem):
    settings.SECRET_KEY = key
    monkeypatch.setenv("BANYAN_HTTPS", https)
    with pytest.raises(SystemCheckError, match=problem):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_check_deploy_passes_a_proper_production_environment(settings, monkeypatch, capsys):
    settings.SECRET_KEY = "x7Gq" * 15
    monkeypatch.setenv("BANYAN_HTTPS", "1")
    monkeypatch.delenv("BANYAN_TODAY", raising=False)
    # the browser tests of the same worker allow Playwright's sync API in async code; production never does
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    call_command("check", "--deploy", "--fail-level", "ERROR")
    out = capsys.readouterr()
    assert "ops." not in out.out + out.err


def test_a_review_replica_url_adds_the_review_database_and_its_router():
    """BANYAN_REVIEW_DATABASE_URL (docs/deployment.md): the `review` database, mirroring the default
    one in the tests, and the router that sends the review's reads there; without it, neither (a
    router costs every foreign key set a look-up)."""
    import json
    import os

    show = ("import json, banyan.settings as s; print(json.dumps([s.DATABASE_ROUTERS if hasattr(s, 'DATABASE_ROUTERS') "
            "else [], {k: [v['HOST'], v['PORT'], v.get('TEST'), v['OPTIONS'].get('connect_timeout')] "
            "for k, v in s.DATABASES.items() if k != 'default'}]))")
    env = {k: v for k, v in os.environ.items() if k != "BANYAN_REVIEW_DATABASE_URL"}
    with_replica = {**env, "BANYAN_REVIEW_DATABASE_URL": "postgres://banyan:x@replica.example:5433/banyan"}
    answers = [json.loads(subprocess.run([sys.executable, "-c", show], env=e, cwd=ROOT, check=True,
                                         capture_output=True, text=True).stdout) for e in (env, with_replica)]
    assert answers[0] == [[], {}]
    assert answers[1] == [["banyan.replica.Router"], {"review": ["replica.example", 5433, {"MIRROR": "default"}, 3]}]
