"""The monthly reports' pages (banyan.kpis.report_views)."""

from django.urls import path

from banyan.kpis import report_views

urlpatterns: list = [
    path("", report_views.reports_page, name="review_reports"),
    path("<int:report_id>/workbook.xlsx", report_views.report_xlsx, name="review_report_xlsx"),
    path("<int:report_id>/summary.pdf", report_views.report_pdf, name="review_report_pdf"),
]
