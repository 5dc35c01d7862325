"""`/api/v1/docs` from vendored files. django-ninja's Swagger page loads Swagger UI from a CDN
(ninja is not in INSTALLED_APPS, so its own copies are not served): the Content-Security-Policy
(script-src 'self') blocks it and a bank's intranet has no CDN, so the page came up blank. This one
serves swagger-ui-dist from static/vendor/swagger-ui/ (README: vendored files) and starts it from
static/banyan/api-docs.js."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import Swagger


class VendoredSwagger(Swagger):
    template = "api/docs.html"
    default_settings = {**Swagger.default_settings,
                        "validatorUrl": None}  # the badge would call validator.swagger.io

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        swagger_settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"swagger_settings": swagger_settings, "api": api})
