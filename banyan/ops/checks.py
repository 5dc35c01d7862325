"""Deployment checks, run by `banyan check --deploy` (docs/deployment.md, step "check").

Django's own --deploy checks do not recognise Banyan's development SECRET_KEY (it is long and
varied), nor know that BANYAN_HTTPS is what turns on secure cookies and the proxy header, nor that
BANYAN_TODAY must never pin the date of a production system."""

import os

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from banyan.secret_key import is_development_key


@register(Tags.security, deploy=True)
def production_settings(app_configs, **kwargs):
    problems = []
    if is_development_key(settings.SECRET_KEY):
        problems.append(Error("SECRET_KEY is the development key (or the example's placeholder).",
                              hint='Set SECRET_KEY in /etc/banyan/banyan.env: python3 -c "import secrets; '
                                   'print(secrets.token_urlsafe(50))"', id="ops.E001"))
    if os.environ.get("BANYAN_HTTPS", "") != "1":
        problems.append(Warning("BANYAN_HTTPS is not 1: session cookies are not Secure and X-Forwarded-Proto "
                                "from the proxy is ignored.",
                                hint="Serve Banyan over TLS (deploy/nginx.conf) and set BANYAN_HTTPS=1.",
                                id="ops.W001"))
    if os.environ.get("BANYAN_TODAY"):
        problems.append(Warning(f"BANYAN_TODAY={os.environ['BANYAN_TODAY']} pins the date: worklists, birthdays "
                                "and maturities follow it, not the calendar.",
                                hint="Only for training and demo systems: remove it from the environment.",
                                id="ops.W002"))
    return problems
