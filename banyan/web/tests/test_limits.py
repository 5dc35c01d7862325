"""Nothing a user typed is cut without a word (issue 10 §1): limits are the server's.

Before, a browser `maxlength` cut a 12-digit mobile to a different valid number that was saved
("档案已保存"), and a 5,000-character summary to 500; what the server said, when it spoke, was
Django's "确保该变量包含不超过 11 字符". Now every form of the app renders its limit as
`data-maxlength` (a counter, banyan.js), and the server refuses in Banyan's words at the field.
The guards enumerate every form class and every template, so a form added later is covered."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

import banyan
from banyan.contacts.services import interaction_log
from banyan.customers.forms import ContactForm, ProfileForm
from banyan.forms import ServerLimits

ROOT = Path(settings.BASE_DIR)
CUTTING = re.compile(r"(?<![\w-])(maxlength|minlength)\s*=", re.IGNORECASE)


def _banyan_form_classes() -> list[type]:
    """Every form class defined in Banyan's code (modules of forms and views imported first)."""
    for info in pkgutil.walk_packages(banyan.__path__, "banyan."):
        leaf = info.name.rsplit(".", 1)[-1]
        if ".tests" not in info.name and (leaf in ("forms", "views") or leaf.endswith(("_forms", "_views"))):
            importlib.import_module(info.name)
    seen, todo = set(), [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted((c for c in seen if c.__module__.startswith("banyan.") and ".tests" not in c.__module__),
                  key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_every_form_of_the_app_keeps_its_limits_on_the_server():
    classes = _banyan_form_classes()
    assert len(classes) >= 20  # the enumeration found the app's forms
    cutting = [f"{c.__module__}.{c.__qualname__}" for c in classes if not issubclass(c, ServerLimits)]
    assert cutting == [], "forms that would let the browser cut what is typed (derive from banyan.forms.BanyanForm)"


def test_no_template_carries_an_attribute_that_cuts_what_is_typed():
    found = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "templates").rglob("*.html"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if CUTTING.search(line)]
    assert found == [], "use data-maxlength (a counter), never maxlength (a silent cut)"


def test_a_limited_field_renders_its_limit_as_a_counter_not_a_cut(bank, zeng):
    html = ProfileForm(customer=zeng).as_div() + ContactForm().as_div()
    assert not CUTTING.search(html)
    assert 'data-maxlength="11"' in html and 'data-maxlength="500"' in html


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "最多 500 字，已输入 5000 字"),
                                                 ("en", "At most 500 characters; 5000 entered.")])
def test_a_text_too_long_is_refused_in_banyans_words_by_the_form_and_by_the_service(bank, zeng, language, words):
    with translation.override(language):
        form = ContactForm({"channel": "phone", "outcome": "reached", "summary": "好" * 5000})
        assert not form.is_valid() and form.errors["summary"] == [words]
        with pytest.raises(ValidationError) as refused:
            interaction_log(actor=bank.rm_a, customer=zeng, channel="phone", summary="好" * 5000)
        assert refused.value.message_dict == {"summary": [words]}
