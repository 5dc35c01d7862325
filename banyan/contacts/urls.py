from django.urls import path

from banyan.contacts import views

urlpatterns = [
    path("", views.pipeline, name="opportunity_pipeline"),
    path("<int:opportunity_id>/stage/", views.stage_move, name="opportunity_stage"),
    path("customers/<int:customer_id>/", views.customer_opportunities, name="customer_opportunities"),
]
