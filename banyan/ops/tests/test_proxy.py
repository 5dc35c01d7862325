"""Behind nginx the manager's own address, not the proxy's, reaches the audit trail and the login
throttle (banyan.ops.proxy, the WSGI app gunicorn.conf.py serves)."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from banyan.audit.models import AuditEvent
from banyan.conftest import PASSWORD
from banyan.ops.proxy import TrustedProxy, application


def _seen_address(environ: dict, trusted: str = "127.0.0.1,::1") -> str:
    seen = {}

    def app(env, start_response):
        seen["addr"] = env["REMOTE_ADDR"]
        return [b""]

    TrustedProxy(app, trusted)(environ, lambda *a: None)
    return seen["addr"]


@pytest.mark.parametrize("peer, forwarded, trusted, expected", [
    ("127.0.0.1", "10.1.2.3", "127.0.0.1,::1", "10.1.2.3"),  # nginx on the same host
    ("", "10.1.2.3", "127.0.0.1", "10.1.2.3"),  # gunicorn on a unix socket
    ("127.0.0.1", "6.6.6.6, 10.1.2.3", "127.0.0.1", "10.1.2.3"),  # a forged header is to the left of nginx's
    ("10.9.9.9", "6.6.6.6", "127.0.0.1", "10.9.9.9"),  # straight to gunicorn: headers not believed
    ("127.0.0.1", "10.1.2.3, 172.16.0.2", "127.0.0.1,172.16.0.0/12", "10.1.2.3"),  # two proxies of ours
    ("127.0.0.1", "", "127.0.0.1", "127.0.0.1"),  # no header: the proxy's host itself
    ("127.0.0.1", "not-an-address", "127.0.0.1", "127.0.0.1"),
])
def test_the_client_address_is_the_last_hop_before_our_own_proxies(peer, forwarded, trusted, expected):
    environ = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded}
    assert _seen_address(environ, trusted) == expected


@pytest.fixture
def _connection_kept():
    """As Django's test client does: the request's end must not close the test's database
    connection (its transaction holds the fixtures)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _call(environ: dict) -> tuple[str, dict, str]:
    status_headers = {}

    def start_response(status, headers, exc_info=None):
        status_headers["status"], status_headers["headers"] = status, headers

    body = b"".join(application(environ, start_response)).decode()
    return status_headers["status"], status_headers["headers"], body


def _environ(method: str, path: str, *, forwarded: str, cookie: str = "", body: bytes = b"") -> dict:
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "testserver",
            "SERVER_PORT": "80", "HTTP_HOST": "testserver", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_X_FORWARDED_FOR": forwarded, "HTTP_COOKIE": cookie, "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(), "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "wsgi.version": (1, 0),
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False}


def _login(pc: str, username: str, password: str = "wrong-password") -> str:
    status, headers, page = _call(_environ("GET", "/login/", forwarded=pc))
    cookie = "; ".join(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password}).encode()
    status, _headers, page = _call(_environ("POST", "/login/", forwarded=pc, cookie=cookie, body=form))
    return status


def test_typos_on_many_pcs_behind_the_proxy_do_not_lock_a_colleague_out(bank, _connection_kept):
    # given managers on different PCs each mistype their password once: more than one address may
    pcs = [f"10.20.0.{n}" for n in range(1, settings.BANYAN_LOGIN_MAX_FAILURES * 4 + 2)]
    for pc in pcs:
        assert _login(pc, f"typo{pc[-2:]}").startswith("200")
    # then the audit trail names each PC, not the proxy
    assert set(AuditEvent.objects.filter(action="auth.login_failed").values_list("ip", flat=True)) >= set(pcs[:3])
    assert not AuditEvent.objects.filter(action="auth.login_failed", ip="127.0.0.1").exists()
    # and a colleague on another PC logs in (were they all "127.0.0.1", its limit would lock everyone)
    assert _login("10.30.0.7", "lihua", PASSWORD).startswith("302")
