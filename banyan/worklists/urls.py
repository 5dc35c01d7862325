from django.urls import path, re_path

from banyan.worklists import views

urlpatterns = [
    path("", views.worklist_today, name="worklist_today"),
    re_path(r"^(?P<day>\d{4}-\d{2}-\d{2})/$", views.worklist_today, name="worklist_day"),
    path("tasks/<int:task_id>/complete/", views.task_complete_view, name="task_complete"),
    path("tasks/<int:task_id>/skip/", views.task_skip_view, name="task_skip"),
    path("tasks/<int:task_id>/move/", views.task_move_view, name="task_move"),
    path("branch/", views.worklist_branch, name="worklist_branch"),
    path("branch/<int:manager_id>/", views.worklist_branch_manager, name="worklist_branch_manager"),
]
