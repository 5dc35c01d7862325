"""The Celery app: `celery -A banyan worker` / `celery -A banyan beat` (issue 5, background work).

Configuration comes from Django settings under the CELERY_ namespace (see the end of
`banyan/settings.py`): the broker is CELERY_BROKER_URL or REDIS_URL. With neither set, tasks run
in-process (`task_always_eager`), so the embedded SQLite install needs no server; the very same
task functions run either way. Tasks live in each app's `tasks.py` and are found by autodiscovery.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings")

app = Celery("banyan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
