urlpatterns: list = []  # the capacity page (issue 16 §8)
