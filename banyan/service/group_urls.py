"""Pages of customer groups (客户群, SVC-3), under /service/ (banyan/service/urls.py adds them)."""

from django.urls import path

from banyan.service import group_views

urlpatterns = [
    path("groups/", group_views.group_list, name="group_list"),
    path("groups/wording/", group_views.group_wording, name="group_wording"),
    path("groups/<int:group_id>/", group_views.group_detail, name="group_detail"),
    path("groups/<int:group_id>/members/<int:customer_id>/add/", group_views.group_member_add_view,
         name="group_member_add"),
    path("groups/<int:group_id>/members/<int:customer_id>/withdraw/", group_views.group_member_withdraw_view,
         name="group_member_withdraw"),
    path("groups/<int:group_id>/shares/", group_views.group_share_view, name="group_share"),
    # 所在客户群: a card of the customer file, or a page
    path("customers/<int:customer_id>/groups/", group_views.customer_groups, name="customer_groups"),
]
