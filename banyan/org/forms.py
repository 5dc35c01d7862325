"""Forms of the branch head's pages: reassigning one customer, handing over a whole book (SEG-4)."""

from __future__ import annotations

from django import forms
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from banyan.forms import BanyanForm
from banyan.org.models import BOOK_ROLES, Role, Staff
from banyan.org.selectors import can_assign, managers_for


class WorkloadForm(BanyanForm):
    daily_capacity = forms.IntegerField(label=gettext_lazy("Contacts a day"), min_value=1, max_value=200)
    is_senior = forms.BooleanField(label=gettext_lazy("Senior"), required=False)
    is_private_banker = forms.BooleanField(label=gettext_lazy("Private banker"), required=False)


def assistants_for(user) -> QuerySet[Staff]:
    """Assistants the user may put on a customer: the branch's for a branch head, all for admin."""
    qs = Staff.objects.filter(role=Role.ASSISTANT, is_active=True).select_related("branch")
    if user.role == Role.ADMIN:
        return qs.order_by("branch__code", "full_name")
    if user.role == Role.BRANCH_HEAD:
        return qs.filter(branch_id=user.branch_id).order_by("full_name")
    return qs.none()


def books_for(user) -> QuerySet[Staff]:
    """Managers whose book the user may hand over — including those no longer active (a manager
    who has left is exactly whose book must move), but only when they still keep customers."""
    qs = Staff.objects.filter(role__in=BOOK_ROLES).select_related("branch")
    if user.role == Role.BRANCH_HEAD:
        qs = qs.filter(branch_id=user.branch_id)
    elif user.role != Role.ADMIN:
        return qs.none()
    return (qs.annotate(book_size=Count("book"))
            .filter(Q(book_size__gt=0) | Q(is_active=True)).order_by("branch__code", "-is_active", "full_name"))


class StaffChoiceField(forms.ModelChoiceField):
    """Staff shown by name, with the branch when the list spans branches (admin)."""

    def __init__(self, *args, show_branch: bool = False, show_book: bool = False, **kwargs):
        self.show_branch = show_branch
        self.show_book = show_book
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Staff) -> str:
        label = obj.display_name
        if self.show_branch and obj.branch_id:
            label = f"{label} · {obj.branch.name}"
        if self.show_book and getattr(obj, "book_size", None) is not None:
            label = ngettext("%(name)s (%(n)s customer)", "%(name)s (%(n)s customers)", obj.book_size) % {
                "name": label, "n": obj.book_size}
        if not obj.is_active:
            label = _("%(name)s — left") % {"name": label}
        return label


class AssignForm(BanyanForm):
    """Reassign one customer: a manager from the user's reach, and optionally an assistant."""

    rm = StaffChoiceField(label=gettext_lazy("Manager"), queryset=Staff.objects.none(),
                          empty_label=gettext_lazy("Choose a manager"))
    assistant = StaffChoiceField(label=gettext_lazy("Assistant"), queryset=Staff.objects.none(), required=False,
                                 empty_label=gettext_lazy("(no assistant)"))

    def __init__(self, *args, user, branch_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        admin = user.role == Role.ADMIN
        managers, assistants = managers_for(user), assistants_for(user)
        if branch_id is not None:  # the file page offers the customer's own branch (a bank has thousands of staff)
            managers, assistants = managers.filter(branch_id=branch_id), assistants.filter(branch_id=branch_id)
        self.fields["rm"].queryset = managers.select_related("branch").order_by("branch__code", "full_name")
        self.fields["rm"].show_branch = admin and branch_id is None
        self.fields["assistant"].queryset = assistants
        self.fields["assistant"].show_branch = admin and branch_id is None
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select form-select-sm"
        # Django's own message would be "Select a valid choice"; say what is actually wrong.
        self.fields["rm"].error_messages["invalid_choice"] = _(
            "This manager is not one you can assign customers to (another branch, or not a manager).")
        self.fields["assistant"].error_messages["invalid_choice"] = _(
            "This assistant is not one you can assign (another branch, or not an assistant).")


def assign_form_for(user, customer) -> AssignForm | None:
    """The form for the customer file's "reassign" box, or None when the user may not reassign.

    The customer must already have come through `get_customer_for_user(user, id)`. It offers the
    customer's branch: an admin of a bank with thousands of managers moves a customer across
    branches with the book hand-over page, not through a list of every manager.
    """
    if not can_assign(user):
        return None
    return AssignForm(user=user, branch_id=customer.branch_id, initial={"rm": customer.rm_id,
                                                                        "assistant": customer.assistant_id},
                      auto_id=f"id_assign_{customer.pk}_%s")


class HandOverForm(BanyanForm):
    """A whole book moves from one manager to another (a manager leaves or changes post)."""

    from_rm = StaffChoiceField(label=gettext_lazy("From manager"), queryset=Staff.objects.none(), show_book=True,
                               empty_label=gettext_lazy("Choose whose book moves"))
    to_rm = StaffChoiceField(label=gettext_lazy("To manager"), queryset=Staff.objects.none(),
                             empty_label=gettext_lazy("Choose who receives it"))
    keep_assistant = forms.BooleanField(label=gettext_lazy("Customers keep their assistant"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        admin = user.role == Role.ADMIN
        self.fields["from_rm"].queryset = books_for(user)
        self.fields["to_rm"].queryset = managers_for(user).select_related("branch").order_by("branch__code",
                                                                                             "full_name")
        for name in ("from_rm", "to_rm"):
            self.fields[name].show_branch = admin
            self.fields[name].widget.attrs["class"] = "form-select"
            self.fields[name].error_messages["invalid_choice"] = _(
                "This manager is not in your reach (another branch, or not a manager).")
        self.fields["keep_assistant"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("from_rm") and data.get("to_rm") and data["from_rm"].pk == data["to_rm"].pk:
            self.add_error("to_rm", _("Choose a different manager."))
        return data


class MyContactForm(BanyanForm):
    """One's own work mobile and WeChat ID, the number customers are given (seed 004)."""

    work_mobile = forms.CharField(label=gettext_lazy("Work mobile"), max_length=30, required=False,
                                  help_text=gettext_lazy("11 digits. Empty: customers are not given a number."),
                                  widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel",
                                                                "autocomplete": "tel"}))
    work_wechat = forms.CharField(label=gettext_lazy("Work WeChat ID"), max_length=40, required=False,
                                  widget=forms.TextInput(attrs={"class": "form-control"}))
