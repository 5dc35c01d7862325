from django.urls import path

from banyan.segments import views

urlpatterns = [
    path("", views.segment_matrix, name="segment_matrix"),
    path("recompute/", views.segment_recompute_view, name="segment_recompute"),
    path("first-contact/", views.first_contact_plan, name="first_contact_plan"),
]
