"""The README's test command works on a fresh machine by itself: `make test` installs the system
packages the tests need (root with apt-get) or stops at once naming the exact install line —
before, a newcomer without Chromium got a wall of browser-test errors."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "banyan" / "testing" / "system-packages.sh"


def _run_as_a_user(packages: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BANYAN_SYSTEM_PACKAGES": packages}
    command = ["sh", str(SCRIPT)]
    if os.geteuid() == 0:  # CI runs as root, where the script would install: try it as nobody instead
        command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(shutil.which("dpkg") is None or shutil.which("setpriv") is None, reason="a Debian machine")
def test_a_missing_system_package_stops_make_test_with_the_install_line():
    answer = _run_as_a_user("no-such-package-banyan chromium")
    assert answer.returncode == 1
    assert "no-such-package-banyan" in answer.stderr
    assert "apt-get install -y --no-install-recommends no-such-package-banyan" in answer.stderr
    assert "chromium" not in answer.stderr.split("first:")[1].splitlines()[0]  # installed ones not named


@pytest.mark.skipif(shutil.which("dpkg") is None or shutil.which("setpriv") is None, reason="a Debian machine")
def test_nothing_missing_lets_make_test_go_on():
    assert _run_as_a_user("chromium").returncode == 0


def test_make_test_checks_the_system_packages_first():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\ntest: system-packages setup\n" in makefile
    assert "banyan/testing/system-packages.sh" in makefile
