"""Pages of the service app: complaints, referrals and hand-offs, customer groups."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

from banyan.service.group_urls import urlpatterns as group_urlpatterns  # noqa: E402

urlpatterns += group_urlpatterns

from banyan.service.referral_urls import urlpatterns as referral_urlpatterns  # noqa: E402

urlpatterns += referral_urlpatterns

from banyan.service.complaints_urls import urlpatterns as complaint_urlpatterns  # noqa: E402

urlpatterns += complaint_urlpatterns

from banyan.service.lobby_urls import urlpatterns as lobby_urlpatterns  # noqa: E402

urlpatterns += lobby_urlpatterns
