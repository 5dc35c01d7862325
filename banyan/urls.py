from django.urls import include, path

from banyan.api import api

#: A body above DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 on every page (banyan/web/errors.py).
handler400 = "banyan.web.errors.bad_request"

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("branch/", include("banyan.org.urls")),
    path("audit/", include("banyan.audit.urls")),
    path("work/", include("banyan.worklists.urls")),
    path("segments/", include("banyan.segments.urls")),
    path("outreach/", include("banyan.outreach.urls")),
    path("opportunities/", include("banyan.contacts.urls")),
    path("messages/", include("banyan.messaging.urls")),
    path("feeds/", include("banyan.feeds.urls")),
    path("wealth/", include("banyan.wealth.urls")),
    path("service/", include("banyan.service.urls")),
    path("events/", include("banyan.events.urls")),
    path("review/", include("banyan.kpis.urls")),
    path("staffing/", include("banyan.staffing.urls")),
    path("gifts/", include("banyan.gifts.urls")),
    path("customers/", include("banyan.customers.urls")),
    path("", include("banyan.web.urls")),
]
