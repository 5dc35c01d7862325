"""Issue 10 §5: /api/v1/docs serves Swagger UI from vendored static files (it loaded them from a CDN,
which the app's own Content-Security-Policy blocks: a blank page, and bank intranets have no CDN)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django.test import Client

from banyan.testing.browser import SHOTS, chromium


def _assets(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)


@pytest.mark.django_db
def test_the_docs_page_loads_only_local_static_files_and_they_are_served():
    """Before: the page asked cdn.jsdelivr.net for swagger-ui-bundle.js and showed nothing."""
    client = Client()
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = [a for a in _assets(html) if not a.startswith("data:")]
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets
    assert "/static/vendor/swagger-ui/swagger-ui.css" in assets
    assert all(not urlparse(a).netloc and a.startswith("/static/") for a in assets), assets
    assert "<script>" not in html  # no inline script: script-src 'self' would refuse it
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content if served.streaming else [served.content])
    # the settings name the document Swagger UI reads, and it is there
    assert '"url": "/api/v1/openapi.json"' in html
    assert client.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.browser
def test_the_docs_page_shows_the_operations_in_a_browser(live_server):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p, chromium(p) as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        problems: list[str] = []
        elsewhere: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith((live_server.url, "data:"))
                else None)
        page.goto(f"{live_server.url}/api/v1/docs")
        expect(page.locator(".opblock").first).to_be_visible()
        expect(page.locator(".opblock-summary-path", has_text="/api/v1/auth/token").first).to_be_visible()
        assert page.locator(".opblock").count() > 20
        page.screenshot(path=SHOTS / "api-docs.png")
        assert problems == [] and elsewhere == []
