"""Pages of referrals and hand-offs (SVC-2), under /service/."""

from django.urls import path

from banyan.service import referral_views as views

urlpatterns = [
    path("referrals/", views.referral_inbox, name="referral_inbox"),
    path("referrals/board/", views.referral_board_page, name="referral_board"),
    path("referrals/<int:referral_id>/customer/", views.referral_customer, name="referral_customer"),
    *[path(f"referrals/<int:referral_id>/{action}/", views.referral_answer, {"action": action},
           name=f"referral_{action}") for action in ("accept", "decline", "outcome", "account")],
    path("referrals/customers/<int:customer_id>/", views.customer_refer, name="customer_refer"),
]
