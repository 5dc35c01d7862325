"""The site's URLs plus the feed page, until the root urls.py includes `banyan.feeds.urls`."""

from django.urls import include, path

from banyan.urls import urlpatterns as site

urlpatterns = [path("feeds/", include("banyan.feeds.urls")), *site]
