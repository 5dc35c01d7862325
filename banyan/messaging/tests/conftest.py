"""Fixtures of the message tests: outbox files under tmp_path, a real SMTP server on loopback."""

from __future__ import annotations

import json
import socket
from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OutboxFile:
    def __init__(self, path):
        self.path = path

    def lines(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def gateways(tmp_path, monkeypatch):
    """SMS and WeChat land in files under tmp_path; email goes to a loopback port where nothing
    listens (a test that wants it delivered starts `smtp_server`)."""
    sms, wechat = tmp_path / "sms-outbox.jsonl", tmp_path / "wechat-outbox.jsonl"
    monkeypatch.setenv("BANYAN_SMS_OUTBOX", str(sms))
    monkeypatch.setenv("BANYAN_WECHAT_OUTBOX", str(wechat))
    monkeypatch.setenv("BANYAN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("BANYAN_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("BANYAN_SMTP_FROM", "zhangmin@banyan-bank.example")
    for name in ("BANYAN_SMS_GATEWAY", "BANYAN_EMAIL_GATEWAY", "BANYAN_WECHAT_GATEWAY", "BANYAN_SMTP_USER",
                 "BANYAN_SMTP_PASSWORD", "BANYAN_SMTP_TLS", "BANYAN_SMTP_SSL"):
        monkeypatch.delenv(name, raising=False)
    return SimpleNamespace(sms=OutboxFile(sms), wechat=OutboxFile(wechat))


class Mailbox:
    """What the SMTP server received: (envelope recipients, parsed message) per mail."""

    def __init__(self, port: int = 0):
        self.port = port
        self.received: list[tuple[list[str], object]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 at a free port, for the length of one test."""
    from aiosmtpd.controller import Controller

    port = free_port()
    mailbox = Mailbox(port)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("BANYAN_SMTP_PORT", str(port))
    try:
        yield mailbox
    finally:
        controller.stop()

