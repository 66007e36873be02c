"""A real Celery worker, against the real Redis of REDIS_URL, runs a task and stores its result."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery.result import allow_join_result
from django.conf import settings

from safespace.celery import app as celery_app
from safespace.tasks import ping

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.integration


def test_celery_is_configured_for_json_and_late_acknowledgement():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert "safespace.tasks.sessions_clear_expired" in {
        entry["task"] for entry in conf.beat_schedule.values()
    }
    assert "safespace.tasks.ping" in celery_app.tasks


@pytest.mark.skipif(
    not settings.REDIS_URL, reason="REDIS_URL is not set: no Redis to run a real worker against"
)
def test_a_real_worker_runs_a_task_and_its_result_is_stored():
    queue = f"test-{uuid.uuid4().hex}"  # a private queue: no other worker can take the task
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "safespace",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "safespace.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        result = ping.apply_async(args=[41], queue=queue)
        with allow_join_result():  # this test is not a task, whatever an earlier test left
            assert result.get(timeout=60) == {"pong": 41}
        stored = celery_app.AsyncResult(result.id)
        assert stored.state == "SUCCESS"
        assert stored.result == {"pong": 41}
    finally:
        celery_app.conf.task_always_eager = previous
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert "Traceback" not in output, output


def test_the_beat_task_deletes_expired_sessions_only(db):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from safespace.tasks import sessions_clear_expired

    now = timezone.now()
    hour = timedelta(hours=1)
    Session.objects.create(session_key="old", session_data="", expire_date=now - hour)
    Session.objects.create(session_key="live", session_data="", expire_date=now + hour)
    assert sessions_clear_expired.delay().get() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
