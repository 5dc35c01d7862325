from django.urls import path

from banyan.customers import file_views, views

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("export.csv", views.customer_export, name="customer_export"),
    path("search/", views.customer_search, name="customer_search"),
    path("search/suggest/", views.customer_search_suggest, name="customer_search_suggest"),
    path("<int:customer_id>/", file_views.customer_detail, name="customer_detail"),
    path("<int:customer_id>/edit/", file_views.customer_edit, name="customer_edit"),
    path("<int:customer_id>/sales/new/", file_views.sale_new, name="customer_sale_new"),
    path("<int:customer_id>/visit/", file_views.visit_brief, name="customer_visit"),
    path("<int:customer_id>/reveal/<str:field>/", file_views.customer_reveal_view, name="customer_reveal"),
    path("<int:customer_id>/contacts/", file_views.contact_log, name="customer_contact_log"),
    path("<int:customer_id>/memos/", file_views.memo_create_view, name="customer_memo_create"),
    path("<int:customer_id>/memos/<int:memo_id>/done/", file_views.memo_complete_view,
         name="customer_memo_complete"),
    path("<int:customer_id>/relations/", file_views.relation_add_view, name="customer_relation_add"),
]
