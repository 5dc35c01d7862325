"""Gift models (issue 16 §6)."""

from django.db import models  # noqa: F401
