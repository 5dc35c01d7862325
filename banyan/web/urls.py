from django.urls import path

from banyan.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.auth_views.LogoutView.as_view(), name="logout"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/export.csv", views.customer_export, name="customer_export"),
    path("customers/search/", views.customer_search, name="customer_search"),
    path("customers/search/suggest/", views.customer_search_suggest, name="customer_search_suggest"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:customer_id>/edit/", views.customer_edit, name="customer_edit"),
    path("customers/<int:customer_id>/sales/new/", views.sale_new, name="customer_sale_new"),
    path("customers/<int:customer_id>/visit/", views.visit_brief, name="customer_visit"),
    path("customers/<int:customer_id>/reveal/<str:field>/", views.customer_reveal_view, name="customer_reveal"),
    path("customers/<int:customer_id>/contacts/", views.contact_log, name="customer_contact_log"),
    path("customers/<int:customer_id>/memos/", views.memo_create_view, name="customer_memo_create"),
    path("customers/<int:customer_id>/memos/<int:memo_id>/done/", views.memo_complete_view,
         name="customer_memo_complete"),
    path("customers/<int:customer_id>/relations/", views.relation_add_view, name="customer_relation_add"),
]
