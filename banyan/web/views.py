"""The shell's pages: login and home (each role starts where its work is). The customer's pages
live with the customer (banyan.customers.views, banyan.customers.file_views)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from banyan.org.models import Role
from banyan.org.services import login_succeeded
from banyan.web.forms import LoginForm


def _reverse_or(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse(fallback)


# ------------------------------------------------------------------ login and home

class LoginView(auth_views.LoginView):
    """Django's login with throttling (LoginForm) and the success recorded for the audit trail."""

    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        login_succeeded(staff=form.get_user())
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is."""
    role = request.user.role
    if role in (Role.BRANCH_HEAD, Role.ADMIN):
        return redirect(_reverse_or("branch_overview", "customer_list"))
    if role == Role.AUDITOR:
        return redirect(_reverse_or("audit_log", "customer_list"))
    if role in (Role.RM, Role.PLANNER, Role.ASSISTANT):
        return redirect(_reverse_or("worklist_today", "customer_list"))  # 今日工作
    if role == Role.LOBBY:
        return redirect(_reverse_or("lobby_desk", "customer_list"))  # 大堂接待
    return redirect("customer_list")
