urlpatterns: list = []  # the tier pages (issue 16 §7)
