from django.urls import path

from banyan.gifts import views

urlpatterns = [  # the gift pages (issue 16 §6)
    path("", views.spend_page, name="gift_spend"),
    path("<int:gift_id>/decide/", views.gift_decide_view, name="gift_decide"),
    path("catalogue/", views.catalogue_page, name="gift_catalogue"),
]
