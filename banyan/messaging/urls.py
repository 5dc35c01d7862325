from django.urls import path

from banyan.messaging import views

urlpatterns = [
    path("", views.outbox_view, name="message_outbox"),
    path("new/", views.compose, name="message_compose"),
    path("<int:message_id>/", views.message_detail, name="message_detail"),
    path("<int:message_id>/resend/", views.message_resend_view, name="message_resend"),
]
