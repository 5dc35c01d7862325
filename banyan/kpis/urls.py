from django.urls import include, path

from banyan.kpis import views

urlpatterns = [
    path("", views.review_page, name="review"),
    path("drill/", views.drill_page, name="review_drill"),
    path("export.xlsx", views.export_view, name="review_export"),
    path("plans/", include("banyan.kpis.plan_urls")),
    path("reports/", include("banyan.kpis.report_urls")),
]
