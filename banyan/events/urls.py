from django.urls import path

from banyan.events import views

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("new/", views.event_new, name="event_new"),
    path("review/", views.period_review, name="event_period_review"),
    path("rsvp/<str:token>/", views.public_rsvp, name="event_rsvp"),
    path("<int:event_id>/", views.event_detail, name="event_detail"),
    path("<int:event_id>/action/", views.event_action, name="event_action"),
    path("<int:event_id>/edit/", views.event_edit, name="event_edit"),
    path("<int:event_id>/invite/", views.event_invite, name="event_invite"),
    path("<int:event_id>/calls/", views.event_calls, name="event_calls"),
    path("<int:event_id>/calls/<int:customer_id>/", views.event_call_record, name="event_call_record"),
    path("<int:event_id>/guests/<int:customer_id>/rsvp/", views.guest_rsvp, name="event_guest_rsvp"),
    path("<int:event_id>/guests/<int:customer_id>/invitation/", views.invitation_print, name="event_invitation"),
    path("<int:event_id>/checkin/", views.event_checkin, name="event_checkin"),
    path("<int:event_id>/sign-in.pdf", views.sign_in_sheet, name="event_sign_in_sheet"),
    path("<int:event_id>/learned/", views.event_learned, name="event_learned"),
    path("<int:event_id>/review/", views.event_review, name="event_review"),
    path("<int:event_id>/review.xlsx", views.event_review_xlsx, name="event_review_xlsx"),
]
