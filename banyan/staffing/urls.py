from django.urls import include, path

urlpatterns = [
    path("tiers/", include("banyan.staffing.tier_urls")),
    path("capacity/", include("banyan.staffing.capacity_urls")),
]
