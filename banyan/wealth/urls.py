from django.urls import path

from banyan.wealth import diagnosis_views, offer_views, views

urlpatterns = [
    path("customers/<int:customer_id>/assessment/", views.assessment_take, name="wealth_assessment"),
    path("customers/<int:customer_id>/risk/", views.risk_profile, name="wealth_risk_profile"),
    path("customers/<int:customer_id>/suitability/", views.sale_check, name="wealth_sale_check"),
    # 为您推荐 (WEA-4) and the sales maintenance messages (WEA-3): a card of the file, or a page
    path("customers/<int:customer_id>/offers/", offer_views.customer_offers, name="wealth_offers"),
    path("customers/<int:customer_id>/sales/<int:holding_id>/withdraw/", views.sale_withdraw_view,
         name="wealth_sale_withdraw"),
    # 设置 · 风险测评与适当性 (an administrator edits, a branch head reads)
    path("settings/", views.settings_view, name="wealth_settings"),
    path("settings/draft/", views.settings_draft_open, name="wealth_settings_draft_open"),
    path("settings/draft/save/", views.settings_draft_save, name="wealth_settings_draft_save"),
    path("settings/policy/", views.settings_policy_save, name="wealth_settings_policy_save"),
    # 财富诊断 (WEA-2): the page, the customer's PDF, the batch of priority customers, the model portfolios
    path("customers/<int:customer_id>/diagnosis/", diagnosis_views.diagnosis_page, name="wealth_diagnosis"),
    path("customers/<int:customer_id>/diagnosis/spending/", diagnosis_views.diagnosis_spending,
         name="wealth_diagnosis_spending"),
    path("customers/<int:customer_id>/diagnosis.pdf", diagnosis_views.diagnosis_pdf_view, name="wealth_diagnosis_pdf"),
    path("diagnosis/batches/", diagnosis_views.diagnosis_batches, name="wealth_diagnosis_batches"),
    path("diagnosis/batches/<int:batch_id>/", diagnosis_views.diagnosis_batch, name="wealth_diagnosis_batch"),
    path("diagnosis/batches/<int:batch_id>/status/", diagnosis_views.diagnosis_batch_status,
         name="wealth_diagnosis_batch_status"),
    path("diagnosis/batches/<int:batch_id>/download/", diagnosis_views.diagnosis_batch_download,
         name="wealth_diagnosis_batch_download"),
    path("settings/model-portfolios/", diagnosis_views.model_portfolios, name="wealth_model_portfolios"),
    path("settings/model-portfolios/<int:portfolio_id>/", diagnosis_views.model_portfolio_save,
         name="wealth_model_portfolio_save"),
]
