from django.urls import path

from banyan.feeds import views

urlpatterns = [
    path("", views.feed_upload, name="feed_upload"),
    path("rejects/<str:name>", views.feed_rejects, name="feed_rejects"),
]
