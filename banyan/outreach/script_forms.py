"""The form of a script of the library (OUT-2): a title, the kind, the objection it answers, and
its steps — the five fixed steps of seed 004 for an objection, one line a step for the rest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from banyan.org.models import Branch
from banyan.outreach.forms import Styled
from banyan.outreach.models import Script
from banyan.outreach.services import OBJECTION_STEPS, SPIN_STEPS

#: What each step is called on the page (seed 004's words, through the catalogue).
STEP_LABELS = {
    "empathise": _("Empathise"), "ask": _("Ask permission to ask"), "clarify": _("Clarify the real reason"),
    "restate": _("Restate the value"), "confirm": _("Confirm acceptance"),
    "situation": _("Situation"), "problem": _("Problem"), "implication": _("Implication"),
    "need_payoff": _("Need-payoff"),
}


class ScriptForm(Styled):
    title = forms.CharField(label=_("Title"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Script.Kind.choices)
    objection = forms.ChoiceField(label=_("Objection"), required=False,
                                  choices=[("", "—")] + list(Script.Objection.choices))
    step_empathise = forms.CharField(label=STEP_LABELS["empathise"], required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    step_ask = forms.CharField(label=STEP_LABELS["ask"], required=False, widget=forms.Textarea(attrs={"rows": 2}))
    step_clarify = forms.CharField(label=STEP_LABELS["clarify"], required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    step_restate = forms.CharField(label=STEP_LABELS["restate"], required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    step_confirm = forms.CharField(label=STEP_LABELS["confirm"], required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    lines = forms.CharField(label=_("The script, one line a step"), required=False,
                            widget=forms.Textarea(attrs={"rows": 6}),
                            help_text=_("For needs probing, write the four questions in the order situation, "
                                        "problem, implication, need-payoff."))
    branch = forms.ModelChoiceField(label=_("Library"), queryset=Branch.objects.all(), required=False,
                                    empty_label=_("The bank's library"))

    def __init__(self, *args, user, script: Script | None = None, **kwargs):
        if script is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(script)
        super().__init__(*args, **kwargs)
        if user.role != "admin" or script is not None:
            del self.fields["branch"]

    def step_fields(self):
        return [self[f"step_{code}"] for code in OBJECTION_STEPS]

    def steps(self) -> list[dict]:
        """The steps as the model keeps them: [{"step", "text"}, …]."""
        d = self.cleaned_data
        if d.get("kind") == Script.Kind.OBJECTION:
            return [{"step": code, "text": (d.get(f"step_{code}") or "").strip()} for code in OBJECTION_STEPS]
        lines = [ln.strip() for ln in (d.get("lines") or "").splitlines() if ln.strip()]
        codes = SPIN_STEPS if d.get("kind") == Script.Kind.PROBING else ()
        return [{"step": codes[i] if i < len(codes) else "", "text": ln} for i, ln in enumerate(lines)]


def initial_of(script: Script) -> dict:
    initial = {"title": script.title, "kind": script.kind, "objection": script.objection}
    if script.kind == Script.Kind.OBJECTION:
        by_code = {s.get("step"): s.get("text", "") for s in script.steps or []}
        initial.update({f"step_{code}": by_code.get(code, "") for code in OBJECTION_STEPS})
    else:
        initial["lines"] = "\n".join(s.get("text", "") for s in script.steps or [])
    return initial
