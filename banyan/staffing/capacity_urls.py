from django.urls import path

from banyan.staffing import capacity_views

urlpatterns = [  # the capacity page (issue 16 §8)
    path("", capacity_views.capacity_page, name="capacity"),
    path("accept/", capacity_views.capacity_accept_view, name="capacity_accept"),
]
