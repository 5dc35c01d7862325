from django.urls import path, re_path

from banyan.worklists import settings_views, views

urlpatterns = [
    path("", views.worklist_today, name="worklist_today"),
    re_path(r"^(?P<day>\d{4}-\d{2}-\d{2})/$", views.worklist_today, name="worklist_day"),
    path("week/", views.worklist_week, name="worklist_week"),
    path("festival-greetings/", views.festival_greetings_view, name="festival_greetings"),
    path("tasks/<int:task_id>/complete/", views.task_complete_view, name="task_complete"),
    path("tasks/<int:task_id>/part/", views.task_part_view, name="task_part"),
    path("tasks/<int:task_id>/skip/", views.task_skip_view, name="task_skip"),
    path("tasks/<int:task_id>/move/", views.task_move_view, name="task_move"),
    path("branch/", views.worklist_branch, name="worklist_branch"),
    path("branch/<int:manager_id>/", views.worklist_branch_manager, name="worklist_branch_manager"),
    # 设置: the bank's worklist settings (an administrator edits, a branch head reads).
    path("settings/", settings_views.settings_rules, name="settings_rules"),
    path("settings/rules/<str:code>/", settings_views.settings_rule_save, name="settings_rule_save"),
    path("settings/policy/", settings_views.settings_policy_save, name="settings_policy_save"),
    path("settings/mix/", settings_views.settings_mix_save, name="settings_mix_save"),
    path("settings/talking-points/", settings_views.settings_talking_points, name="settings_talking_points"),
    path("settings/talking-points/save/", settings_views.settings_talking_point_save,
         name="settings_talking_point_save"),
    path("settings/talking-points/preview/", settings_views.settings_talking_point_preview,
         name="settings_talking_point_preview"),
    path("settings/holidays/", settings_views.settings_holidays, name="settings_holidays"),
    path("settings/holidays/add/", settings_views.settings_holiday_add, name="settings_holiday_add"),
    path("settings/holidays/<int:override_id>/delete/", settings_views.settings_holiday_delete,
         name="settings_holiday_delete"),
]
