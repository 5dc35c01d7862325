from django.urls import path

from banyan.wealth import views

urlpatterns = [
    path("customers/<int:customer_id>/assessment/", views.assessment_take, name="wealth_assessment"),
    path("customers/<int:customer_id>/risk/", views.risk_profile, name="wealth_risk_profile"),
    path("customers/<int:customer_id>/suitability/", views.sale_check, name="wealth_sale_check"),
    path("customers/<int:customer_id>/sales/<int:holding_id>/withdraw/", views.sale_withdraw_view,
         name="wealth_sale_withdraw"),
    # 设置 · 风险测评与适当性 (an administrator edits, a branch head reads)
    path("settings/", views.settings_view, name="wealth_settings"),
    path("settings/draft/", views.settings_draft_open, name="wealth_settings_draft_open"),
    path("settings/draft/save/", views.settings_draft_save, name="wealth_settings_draft_save"),
    path("settings/policy/", views.settings_policy_save, name="wealth_settings_policy_save"),
]
