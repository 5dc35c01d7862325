"""Pages of the service app: complaints, referrals and hand-offs, customer groups."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
