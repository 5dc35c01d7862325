"""Helpers for the browser tests: Playwright driving Debian's chromium against `live_server`."""

from __future__ import annotations

import contextlib
import os

from django.conf import settings

from banyan.conftest import PASSWORD

SHOTS = settings.BASE_DIR / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# No sandbox as root; no background networking, which this machine's closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def chromium(playwright):
    """A headless chromium; Django's async-safety check is lifted for Playwright's sync API."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    SHOTS.mkdir(exist_ok=True)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


def login(context, base_url: str, username: str):
    """A new page of `context`, logged in as `username` (the test password)."""
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def open_menu(page) -> None:
    """Open the collapsed main menu (a narrow window or a phone) and wait until it has finished
    opening: a link clicked while Bootstrap's collapse still slides moves under the pointer, and
    the click lands beside it (the longer the menu, the likelier)."""
    from playwright.sync_api import expect

    page.locator(".navbar-toggler").click()
    expect(page.locator("#main-nav.show:not(.collapsing)")).to_be_visible()
    page.wait_for_function("!document.querySelector('#main-nav').classList.contains('collapsing')")
