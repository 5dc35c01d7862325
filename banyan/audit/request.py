"""The client address of the request being served, for the audit trail (set by middleware)."""

import contextvars

_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("banyan_ip", default=None)


def current_ip() -> str | None:
    return _ip.get()


def set_ip(ip: str | None):
    return _ip.set(ip)


def reset_ip(token) -> None:
    _ip.reset(token)
