from django.urls import path

from banyan.outreach import content_views, script_views, views

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
    path("content/", content_views.content_library, name="content_library"),
    path("content/new/", content_views.content_new, name="content_new"),
    path("content/<int:piece_id>/", content_views.content_piece, name="content_piece"),
    path("content/<int:piece_id>/edit/", content_views.content_edit, name="content_edit"),
    path("content/<int:piece_id>/approve/", content_views.content_approve, name="content_approve"),
    path("content/<int:piece_id>/version/", content_views.content_new_version, name="content_new_version"),
    path("content/<int:piece_id>/send/<int:customer_id>/", content_views.content_send_page, name="content_send"),
    path("content/plans/", content_views.content_plans, name="content_plans"),
    path("content/plans/<int:plan_id>/", content_views.content_plan, name="content_plan"),
    path("content/plans/<int:plan_id>/run/", content_views.content_plan_run_now, name="content_plan_run"),
    path("customers/<int:customer_id>/content/", content_views.customer_content, name="customer_content"),
]
