"""The WSGI application behind a reverse proxy (gunicorn.conf.py: `wsgi_app = "banyan.ops.proxy:application"`).

Behind nginx every request reaches gunicorn from the proxy, so REMOTE_ADDR is 127.0.0.1 (or empty
on a unix socket). The audit trail would name the proxy instead of the manager's PC, and the login
throttle, which also counts failures per address, would lock every user out after a handful of
typos anywhere in the bank. This wrapper puts the real client address back into REMOTE_ADDR: the
right-most address in X-Forwarded-For that is not one of our own proxies — and only when the
request really came from one of them, so a client cannot forge its address by sending the header.
(X-Forwarded-Proto is handled by Django's SECURE_PROXY_SSL_HEADER when BANYAN_HTTPS=1.)

BANYAN_TRUSTED_PROXIES  comma-separated addresses or networks of the reverse proxies
                        (default 127.0.0.1,::1; a unix-socket peer is always trusted, since only
                        the proxy can open the socket)
"""

from __future__ import annotations

import ipaddress
import os

from banyan.wsgi import application as django_application


def _networks(spec: str) -> list:
    return [ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip()]


def _parse(address: str):
    try:
        return ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None


class TrustedProxy:
    def __init__(self, app, trusted: str | None = None) -> None:
        self.app = app
        self.trusted = _networks(trusted if trusted is not None
                                 else os.environ.get("BANYAN_TRUSTED_PROXIES", "127.0.0.1,::1"))

    def is_trusted(self, address: str) -> bool:
        if not address or address.startswith("unix:") or address.startswith("/"):
            return True  # a unix socket: only the proxy can connect to it
        ip = _parse(address)
        return ip is not None and any(ip in net for net in self.trusted)

    def client_address(self, environ) -> str:
        peer = environ.get("REMOTE_ADDR", "")
        if not self.is_trusted(peer):
            return peer  # not through our proxy: its own address, whatever headers it sent
        hops = [h.strip() for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        for hop in reversed(hops):  # each proxy appends the address it saw: read from the right
            ip = _parse(hop)
            if ip is None:
                return peer
            if not self.is_trusted(str(ip)):
                return str(ip)
        first = _parse(hops[0]) if hops else None  # every hop is ours: a request from the proxy's own host
        return str(first) if first is not None else peer

    def __call__(self, environ, start_response):
        client = self.client_address(environ)
        if client != environ.get("REMOTE_ADDR"):
            environ["banyan.proxy_addr"] = environ.get("REMOTE_ADDR", "")
            environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)


application = TrustedProxy(django_application)
