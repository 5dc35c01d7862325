"""Banyan — customer relationship management and maintenance for retail banks."""

# The Celery app is loaded with Django so that `@shared_task` binds to it (the standard pattern).
from banyan.celery import app as celery_app

__all__ = ("celery_app",)
