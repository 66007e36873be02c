"""A real Celery worker, on the real Redis of REDIS_URL, builds a report the page asked for."""

import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from celery.result import allow_join_result
from django.conf import settings
from django.db import connection

from reports.models import Report
from reports.services import report_request
from reports.tasks import report_generate
from safespace.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not settings.REDIS_URL, reason="REDIS_URL is not set: no Redis to run a real worker"
    ),
]


def _test_database_url() -> str:
    """The database this test writes to, for the worker (which runs outside the test)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_report_and_its_progress_reaches_the_database(dana_coordinator):
    queue = f"test-{uuid.uuid4().hex}"  # a private queue: no other worker can take the task
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "safespace", "worker", "--pool", "solo",
            "--queues", queue, "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "safespace.settings",
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": _test_database_url(),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        year = date.today().year - 1
        report = report_request(
            actor=dana_coordinator,
            start=date(year, 1, 1),
            end=date(year, 12, 31),
            language="fr",
            via="command",  # scheduled here, on the private queue, not on commit
        )
        result = report_generate.apply_async(args=[report.pk], queue=queue)
        seen = set()
        deadline = time.monotonic() + 120
        while not result.ready() and time.monotonic() < deadline:
            seen.add(Report.objects.values_list("step", flat=True).get(pk=report.pk))
            time.sleep(0.05)
        with allow_join_result():  # this test is not a task, whatever an earlier test left
            assert result.get(timeout=5) == Report.Status.READY
    finally:
        celery_app.conf.task_always_eager = previous
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert "Traceback" not in output, output
    report.refresh_from_db()
    assert report.status == Report.Status.READY and report.progress == 100
    assert sorted(report.files.values_list("kind", flat=True)) == ["csv", "pdf", "xlsx"]
    assert report.document["language"] == "fr"
    # the page polling the database saw the build go through its steps
    assert seen & {"figures", "pdf", "exports"}, seen
