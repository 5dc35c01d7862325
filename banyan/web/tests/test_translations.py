"""Chinese first: every string the code and the templates mark for translation has a Chinese text
at run time, from the compiled catalogs that ship (a .po edited but not compiled does not count).

The strings are extracted as `make messages`' tools would: Django's makemessages over a copy of
the tree (so the real catalogs are not rewritten), then read with GNU gettext's own tools."""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

ROOT = Path(settings.BASE_DIR)


def _marked_strings(tmp: Path) -> set:
    """The catalog keys (msgid, "context\\x04msgid", (msgid, n) for plurals) of every string marked
    for translation in banyan/ and templates/, tests left out."""
    tree = tmp / "tree"
    shutil.copytree(ROOT / "banyan", tree / "banyan", ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copytree(ROOT / "templates", tree / "templates")
    env = {**os.environ, "PYTHONPATH": str(tree), "DJANGO_SETTINGS_MODULE": "banyan.settings"}
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "-i", "*/tests/*"],
                   cwd=tree, env=env, check=True, capture_output=True)
    keys: set = set()
    for po in tree.glob("banyan/**/locale/zh_Hans/LC_MESSAGES/django.po"):
        # msgen fills every msgstr with its msgid (fuzzy ones kept), so the compiled file lists every string
        english = subprocess.run(["msgen", str(po)], check=True, capture_output=True).stdout
        mo = tmp / "all.mo"
        subprocess.run(["msgfmt", "--use-fuzzy", "-o", str(mo), "-"], input=english, check=True)
        with mo.open("rb") as f:
            keys |= {k for k in gettext.GNUTranslations(f)._catalog if k != ""}
    return keys


@pytest.mark.skipif(shutil.which("msgen") is None, reason="GNU gettext is installed by .ci/run")
def test_every_marked_string_has_a_chinese_translation(tmp_path):
    keys = _marked_strings(tmp_path)
    assert len(keys) > 500  # the extraction found the tree's strings
    with translation.override("zh-hans"):
        catalog = trans_real.translation("zh-hans")._catalog
        missing = sorted(str(k) for k in keys if not catalog.get(k))
    assert missing == [], f"{len(missing)} strings without a Chinese text (add them to the app's .po, then " \
                          f"`make messages`):\n" + "\n".join(missing)
