"""The monthly reports' pages (banyan.kpis.report_views)."""

urlpatterns: list = []
