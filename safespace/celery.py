"""The Celery application: JSON only, late acknowledgement, tasks found per app."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safespace.settings")

app = Celery("safespace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _check_encryption_keys(**kwargs):
    """A worker with the wrong keys must not start: it would write unreadable data."""
    from safespace.crypto import canary_verify

    canary_verify()
