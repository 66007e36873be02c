"""The Celery application: JSON only, late acknowledgement, tasks found per app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safespace.settings")

app = Celery("safespace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
