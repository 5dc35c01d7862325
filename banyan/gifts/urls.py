urlpatterns: list = []  # the gift pages (issue 16 §6)
