"""The Celery app: `celery -A banyan worker` / `celery -A banyan beat` (issue 5, background work).

Configuration comes from Django settings under the CELERY_ namespace (see the end of
`banyan/settings.py`): the broker is CELERY_BROKER_URL or REDIS_URL. With neither set, tasks run
in-process (`task_always_eager`), so the embedded SQLite install needs no server; the very same
task functions run either way. Tasks live in each app's `tasks.py` and are found by autodiscovery.
"""

import os

from celery import Celery
from celery.signals import beat_init, celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings")

app = Celery("banyan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _require_a_broker(**_kwargs) -> None:
    """A worker or beat without a broker would wait forever for a RabbitMQ on localhost."""
    if not app.conf.broker_url:
        raise SystemExit("celery: set CELERY_BROKER_URL (or REDIS_URL), e.g. redis://127.0.0.1:6379/0. "
                         "Without a broker Banyan runs its tasks in-process and needs no worker or beat.")


celeryd_init.connect(_require_a_broker, weak=False)
beat_init.connect(_require_a_broker, weak=False)
