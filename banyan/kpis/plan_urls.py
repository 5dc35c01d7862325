"""The value-uplift plans' pages (banyan.kpis.plan_views), under /review/plans/. The plan's id is
`uplift_id` (the RBAC matrix's object `uplift`: `plan` names a content plan there)."""

from django.urls import path

from banyan.kpis import plan_views

urlpatterns: list = [
    path("", plan_views.plan_list, name="plan_list"),
    path("new/", plan_views.plan_new, name="plan_new"),
    path("<int:uplift_id>/", plan_views.plan_detail, name="plan_detail"),
    path("<int:uplift_id>/edit/", plan_views.plan_edit, name="plan_edit"),
    path("<int:uplift_id>/action/", plan_views.plan_action, name="plan_action"),
]
