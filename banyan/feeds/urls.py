from django.urls import path

from banyan.feeds import views

urlpatterns = [
    path("", views.feed_upload, name="feed_upload"),
    path("runs/<int:pk>/", views.feed_run, name="feed_run"),
    path("runs/<int:pk>/status", views.feed_run_status, name="feed_run_status"),
    path("runs/<int:pk>/again", views.feed_run_again, name="feed_run_again"),
    path("runs/<int:pk>/rejects", views.feed_run_rejects, name="feed_run_rejects"),
]
