"""The value-uplift plans' pages (banyan.kpis.plan_views)."""

urlpatterns: list = []
