from django.urls import path

from banyan.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
