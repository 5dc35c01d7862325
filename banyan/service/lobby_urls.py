"""Pages of the lobby's walk-in desk (大堂接待, issue 16 §1), under /service/."""

from django.urls import path

from banyan.service import lobby_views as views

urlpatterns = [
    path("lobby/", views.lobby_desk, name="lobby_desk"),
    path("lobby/need/", views.lobby_need, name="lobby_need"),
    path("lobby/visitor/", views.lobby_visitor, name="lobby_visitor"),
]
