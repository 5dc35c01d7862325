from django.urls import path

from banyan.outreach import script_views, views

urlpatterns = [
    path("", views.campaign_list, name="outreach_campaigns"),
    path("<int:campaign_id>/", views.campaign_detail, name="outreach_campaign"),
    path("<int:campaign_id>/checklist/", views.checklist_save, name="outreach_checklist"),
    path("<int:campaign_id>/call/", views.call_screen, name="outreach_call"),
    path("<int:campaign_id>/entries/<int:customer_id>/mark/", views.entry_mark, name="outreach_entry_mark"),
    path("appointments/", views.appointments, name="outreach_appointments"),
    path("appointments/<int:appointment_id>/status/", views.appointment_status, name="outreach_appointment_status"),
    path("appointments/<str:token>.ics", views.appointments_ics, name="outreach_ics"),
    path("appointments/feed/renew/", views.appointments_feed_renew, name="outreach_feed_renew"),
    path("customers/<int:customer_id>/appointments/", views.customer_appointments,
         name="outreach_customer_appointments"),
    path("progress/", views.progress, name="outreach_progress"),
    path("scripts/", script_views.script_library, name="outreach_scripts"),
    path("scripts/new/", script_views.script_new, name="outreach_script_new"),
    path("scripts/<int:script_id>/edit/", script_views.script_edit, name="outreach_script_edit"),
    path("scripts/<int:script_id>/remove/", script_views.script_remove, name="outreach_script_remove"),
]
