from django.urls import path

from banyan.org import views

urlpatterns = [
    path("", views.branch_overview, name="branch_overview"),
    path("customers/<int:customer_id>/assign/", views.customer_assign_view, name="customer_assign"),
    path("handover/", views.book_hand_over_view, name="book_hand_over"),
    path("staff/<int:staff_id>/workload/", views.staff_workload_view, name="staff_workload"),
    path("me/", views.my_contact_view, name="my_contact"),
]
