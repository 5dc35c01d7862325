from django.urls import path

from banyan.audit import views

urlpatterns = [
    path("", views.audit_log_view, name="audit_log"),
    path("export.csv", views.audit_log_export, name="audit_log_export"),
]
