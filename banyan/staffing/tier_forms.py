"""Forms of the tiers' pages (issue 16 §7): the branch head's fix of the out-of-place customers,
the administrator's tiers."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from banyan.forms import BanyanForm
from banyan.org.forms import assistants_for
from banyan.org.selectors import managers_for
from banyan.staffing.models import Coverage, Tier

REASON_MAX = 200
#: The highest threshold a tier may have (¥99,999,999,999): far above any customer, below the
#: column's own limit.
MIN_AUM_MAX = Decimal("99999999999")


class _StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        marks = [str(m) for m, on in ((_("private banker"), getattr(obj, "is_private_banker", False)),
                                      (_("senior"), getattr(obj, "is_senior", False))) if on]
        return obj.display_name + (f"（{'、'.join(marks)}）" if marks else "")


class TierFixForm(BanyanForm):
    """What to do with the chosen customers: move them to a manager, or give them to an assistant.
    The choices are the actor's branch's (a manager or assistant elsewhere is "not a valid
    choice", as one that does not exist)."""

    action = forms.ChoiceField(label=gettext_lazy("Fix"), initial="move", choices=[
        ("move", gettext_lazy("Move to a manager")), ("assistant", gettext_lazy("Give to an assistant"))])
    to_rm = _StaffChoice(label=gettext_lazy("Manager"), queryset=None, required=False,
                         empty_label=gettext_lazy("— choose a manager —"))
    assistant = _StaffChoice(label=gettext_lazy("Assistant"), queryset=None, required=False,
                             empty_label=gettext_lazy("— choose an assistant —"))
    reason = forms.CharField(label=gettext_lazy("Note"), max_length=REASON_MAX, required=False)

    def __init__(self, *args, user, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_rm"].queryset = managers_for(user).filter(branch=branch).order_by(
            "-is_private_banker", "-is_senior", "full_name", "username")
        self.fields["assistant"].queryset = assistants_for(user).filter(branch=branch)

    def clean(self):
        data = super().clean()
        if data.get("action") == "move" and not data.get("to_rm") and "to_rm" not in self.errors:
            self.add_error("to_rm", _("Choose the manager who takes them."))
        if data.get("action") == "assistant" and not data.get("assistant") and "assistant" not in self.errors:
            self.add_error("assistant", _("Choose the assistant who serves them."))
        return data


def _plain(amount: Decimal) -> str:
    """6000000.00 → "6000000" (never "6E+6"); 1234.50 → "1234.50"."""
    return str(int(amount)) if amount == amount.to_integral_value() else f"{amount:f}"


class TierSettingsForm(BanyanForm):
    """Every tier in one form (the thresholds hang together), plus one new tier."""

    def __init__(self, *args, tiers: list[Tier], **kwargs):
        super().__init__(*args, **kwargs)
        self.tiers = tiers
        for t in tiers:
            self._row(t.code, t)
            self.fields[f"delete_{t.code}"] = forms.BooleanField(label=gettext_lazy("Delete"), required=False)
        self.fields["new_code"] = forms.SlugField(label=gettext_lazy("Code"), max_length=20, required=False)
        self._row("new", None)
        for f in self.fields.values():
            w = f.widget
            w.attrs["class"] = ("form-check-input" if isinstance(w, forms.CheckboxInput) else
                                "form-select form-select-sm" if isinstance(w, forms.Select) else
                                "form-control form-control-sm")
        self.apply_limits()

    def _row(self, prefix: str, tier: Tier | None) -> None:
        required = tier is not None
        self.fields[f"name_{prefix}"] = forms.CharField(label=gettext_lazy("Tier name"), max_length=40,
                                                        required=required, initial=tier.name if tier else "")
        self.fields[f"name_en_{prefix}"] = forms.CharField(label=gettext_lazy("English name"), max_length=40,
                                                           required=False, initial=tier.name_en if tier else "")
        self.fields[f"min_aum_{prefix}"] = forms.DecimalField(
            label=gettext_lazy("From AUM (¥)"), min_value=0, max_value=MIN_AUM_MAX, decimal_places=2,
            required=required, initial=_plain(tier.min_aum) if tier else None)
        self.fields[f"coverage_{prefix}"] = forms.ChoiceField(
            label=gettext_lazy("Who covers"), choices=([] if required else [("", "—")]) + list(Coverage.choices),
            required=required, initial=tier.coverage if tier else "")
        self.fields[f"sort_order_{prefix}"] = forms.IntegerField(
            label=gettext_lazy("Order"), min_value=0, max_value=999, required=False,
            initial=tier.sort_order if tier else None)

    def clean(self):
        data = super().clean()
        code = data.get("new_code")
        if code:
            if code in {t.code for t in self.tiers}:
                self.add_error("new_code", _("A tier with this code exists."))
            for f in ("name_new", "min_aum_new", "coverage_new"):
                if data.get(f) in (None, "") and f not in self.errors:
                    self.add_error(f, _("Needed for a new tier."))
        return data

    def rows(self) -> list[dict]:
        d = self.cleaned_data
        out = [{"code": t.code, "name": d[f"name_{t.code}"], "name_en": d.get(f"name_en_{t.code}") or "",
                "min_aum": d[f"min_aum_{t.code}"], "coverage": d[f"coverage_{t.code}"],
                "sort_order": d.get(f"sort_order_{t.code}") or 0, "delete": d.get(f"delete_{t.code}", False)}
               for t in self.tiers]
        if d.get("new_code"):
            out.append({"code": d["new_code"], "name": d["name_new"], "name_en": d.get("name_en_new") or "",
                        "min_aum": d["min_aum_new"], "coverage": d["coverage_new"],
                        "sort_order": d.get("sort_order_new") or 0, "delete": False})
        return out

    def row_fields(self):
        """(tier or None for the new row, [its bound fields in the columns' order], the delete box
        or the new code) for the template."""
        names = ("name", "name_en", "min_aum", "coverage", "sort_order")
        rows = [(t, [self[f"{n}_{t.code}"] for n in names], self[f"delete_{t.code}"]) for t in self.tiers]
        rows.append((None, [self[f"{n}_new"] for n in names], self["new_code"]))
        return rows
