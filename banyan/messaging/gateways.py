"""Gateways: how a message leaves the bank. One per channel, chosen by a small registry.

Environment (read at each send, so a change needs no restart of the code that reads it):

| variable | default | what |
| --- | --- | --- |
| BANYAN_SMTP_HOST | 127.0.0.1 | the mail relay |
| BANYAN_SMTP_PORT | 25 | |
| BANYAN_SMTP_USER / BANYAN_SMTP_PASSWORD | (none) | login at the relay, when it asks for one |
| BANYAN_SMTP_FROM | banyan@localhost | the sender address customers see |
| BANYAN_SMTP_TLS | (off) | 1: STARTTLS after connecting; BANYAN_SMTP_SSL=1: TLS from the first byte |
| BANYAN_SMTP_TIMEOUT | 10 | seconds before a silent relay counts as a failure |
| BANYAN_SMS_OUTBOX | var/sms-outbox.jsonl | the file the default SMS gateway appends to |
| BANYAN_WECHAT_OUTBOX | var/wechat-outbox.jsonl | the same for WeChat |
| BANYAN_SMS_GATEWAY, BANYAN_EMAIL_GATEWAY, | the classes | "dotted.path.Class" of a bank's own |
| BANYAN_WECHAT_GATEWAY | below | gateway for the channel |

A bank plugs in its SMS platform (or enterprise WeChat) by writing a class with the `Gateway`
interface and naming it in BANYAN_SMS_GATEWAY; nothing else changes.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import uuid
from email.utils import make_msgid
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from banyan import clock

if TYPE_CHECKING:
    from banyan.messaging.models import Message

logger = logging.getLogger(__name__)

#: (ok, gateway_id, detail): whether the gateway took the message, its id there, and what it said.
Result = tuple[bool, str, str]


class Gateway:
    """The interface. `send` must not raise for a refused or undeliverable message: it answers
    (False, "", why) so that the outbox records a failure the manager can see and resend."""

    channel: str = ""

    def send(self, message: Message) -> Result:  # pragma: no cover - the interface
        raise NotImplementedError


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


class SmtpEmailGateway(Gateway):
    """Email through an SMTP relay with Django's email machinery (UTF-8 subject and body)."""

    channel = "email"

    def connection(self):
        return get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host=_env("BANYAN_SMTP_HOST", "127.0.0.1"),
            port=int(_env("BANYAN_SMTP_PORT", "25") or 25),
            username=_env("BANYAN_SMTP_USER") or None,
            password=os.environ.get("BANYAN_SMTP_PASSWORD") or None,
            use_tls=_env("BANYAN_SMTP_TLS") == "1",
            use_ssl=_env("BANYAN_SMTP_SSL") == "1",
            timeout=float(_env("BANYAN_SMTP_TIMEOUT", "10") or 10),
            fail_silently=False,
        )

    def send(self, message: Message) -> Result:
        sender = _env("BANYAN_SMTP_FROM", "banyan@localhost")
        domain = sender.rpartition("@")[2] or "localhost"
        message_id = make_msgid(domain=domain)
        email = EmailMessage(subject=message.subject, body=message.body, from_email=sender, to=[message.to],
                             headers={"Message-ID": message_id}, connection=self.connection())
        try:
            delivered = email.send()
        except (smtplib.SMTPException, OSError, ValueError) as e:
            return False, "", f"SMTP: {type(e).__name__}: {e}"[:300]
        if not delivered:
            return False, "", "SMTP: the relay accepted no recipient"
        return True, message_id, ""


class FileGateway(Gateway):
    """Appends one JSON line per message to a file that another system picks up (a bank's SMS
    platform, an enterprise-WeChat bridge). Each line is written with one O_APPEND write, so
    several workers can share the file."""

    env_var = ""
    default_name = ""

    def path(self) -> Path:
        configured = _env(self.env_var)
        return Path(configured) if configured else Path(settings.VAR_DIR) / self.default_name

    def send(self, message: Message) -> Result:
        gateway_id = uuid.uuid4().hex
        line = {
            "id": gateway_id, "message_id": message.pk, "channel": self.channel, "to": message.to,
            "body": message.body, "customer_id": message.customer_id,
            "at": clock.now().isoformat(timespec="seconds"),
        }
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
        path = self.path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        except OSError as e:
            return False, "", f"{path}: {e.strerror or e}"[:300]
        return True, gateway_id, ""


class FileSmsGateway(FileGateway):
    channel = "sms"
    env_var = "BANYAN_SMS_OUTBOX"
    default_name = "sms-outbox.jsonl"


class FileWeChatGateway(FileGateway):
    channel = "wechat"
    env_var = "BANYAN_WECHAT_OUTBOX"
    default_name = "wechat-outbox.jsonl"


DEFAULT_GATEWAYS = {
    "sms": "banyan.messaging.gateways.FileSmsGateway",
    "email": "banyan.messaging.gateways.SmtpEmailGateway",
    "wechat": "banyan.messaging.gateways.FileWeChatGateway",
}


def gateway_path(channel: str) -> str:
    return _env(f"BANYAN_{channel.upper()}_GATEWAY") or DEFAULT_GATEWAYS[channel]


def gateway_for(channel: str) -> Gateway:
    """The gateway of a channel: the bank's class when BANYAN_<CHANNEL>_GATEWAY names one."""
    path = gateway_path(channel)
    try:
        cls = import_string(path)
    except ImportError as e:
        raise ImproperlyConfigured(f"BANYAN_{channel.upper()}_GATEWAY={path}: {e}") from e
    return cls()
