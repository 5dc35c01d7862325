"""Complaint pages (SVC-1) under /service/."""

from django.urls import path

from banyan.service import complaint_settings_views as sv
from banyan.service import complaint_views as v

urlpatterns = [
    path("complaints/", v.complaint_list, name="complaint_list"),
    path("complaints/branch/", v.complaint_branch, name="complaint_branch"),
    path("complaints/branch/export.xlsx", v.complaint_branch_export, name="complaint_branch_export"),
    path("complaints/new/<int:customer_id>/", v.complaint_new, name="complaint_new"),
    path("complaints/<int:complaint_id>/", v.complaint_detail, name="complaint_detail"),
    # one pattern per step (no free slug: every route names only objects)
    *[path(f"complaints/<int:complaint_id>/{step}/", v.complaint_step, {"step": step}, name=f"complaint_{step}")
      for step in ("action", "extend", "pause", "resume", "facts", "reassign", "resolve")],
    # 设置 · 投诉分类与分派 (an administrator edits, a branch head reads)
    path("settings/complaints/", sv.complaint_settings, name="complaint_settings"),
    path("settings/complaints/categories/", sv.complaint_category_add_view, name="complaint_category_add"),
    path("settings/complaints/categories/<int:category_id>/", sv.complaint_category_save_view,
         name="complaint_category_save"),
    path("settings/complaints/routes/", sv.complaint_route_save_view, name="complaint_route_save"),
    path("settings/complaints/routes/<int:route_id>/delete/", sv.complaint_route_delete_view,
         name="complaint_route_delete"),
]
