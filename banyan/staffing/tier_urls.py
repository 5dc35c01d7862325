from django.urls import path

from banyan.staffing import tier_views

urlpatterns = [  # the tier pages (issue 16 §7)
    path("", tier_views.tiers_page, name="staffing_tiers"),
    path("fix/", tier_views.tier_fix, name="staffing_tier_fix"),
    path("settings/", tier_views.tier_settings, name="staffing_tier_settings"),
]
