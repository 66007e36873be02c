"""Reviews due: the beat task that flags overdue reviews, and the workers' home pages."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Assignment, Participant
from lifeplans.models import LifePlan
from lifeplans.services import plan_for, review_record
from lifeplans.tasks import reviews_overdue_flag

pytestmark = pytest.mark.django_db


def _plan(participant, days_from_today, *, overdue=False):
    plan = plan_for(participant)
    plan.next_review_on = timezone.localdate() + timedelta(days=days_from_today)
    plan.review_overdue = overdue
    plan.save()
    return plan


def _file(worker, n):
    participant = Participant.objects.create(reference=f"SS-2026-{n:04d}", known_as=f"Known {n}")
    Assignment.objects.create(participant=participant, worker=worker, kind="key_worker")
    return participant


def test_the_task_flags_overdue_reviews_and_clears_the_others(alice_socialworker, eve_file):
    late = _plan(eve_file, -1)
    soon = _plan(_file(alice_socialworker, 1), 0, overdue=True)  # due today: not yet overdue
    none = plan_for(_file(alice_socialworker, 2))
    none.review_overdue = True
    none.save()
    assert reviews_overdue_flag.delay().get() == 1
    for plan in (late, soon, none):
        plan.refresh_from_db()
    assert late.review_overdue and not soon.review_overdue and not none.review_overdue


def test_a_review_clears_the_overdue_flag(alice_socialworker, eve_file):
    _plan(eve_file, -10)
    reviews_overdue_flag.delay().get()
    review_record(
        actor=alice_socialworker,
        participant=eve_file,
        reviewed_on=timezone.localdate(),
        her_reflection="Ça va mieux",
        next_review_on=timezone.localdate() + timedelta(days=60),
    )
    plan = LifePlan.objects.get()
    assert not plan.review_overdue
    assert reviews_overdue_flag.delay().get() == 0


def test_the_task_is_in_the_beat_schedule_and_takes_no_arguments():
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "lifeplans.tasks.reviews_overdue_flag"
    ]
    assert len(entries) == 1
    assert not entries[0].get("args") and not entries[0].get("kwargs")


@pytest.mark.parametrize("worker", ["alice_socialworker", "bea_peerworker"])
def test_reviews_due_on_the_workers_home_page(request, worker, eve_file, alice_socialworker):
    user = request.getfixturevalue(worker)
    _plan(eve_file, 3)
    far = _file(alice_socialworker, 1)
    _plan(far, 30)
    client = Client()
    client.force_login(user)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html.split('id="reviews-due-heading"', 1)[1].split("</section>", 1)[0]
    assert "Soleil" in section  # her known-as name
    assert "Known 1" not in section
    assert "Planted-Legalname" not in html


def test_an_overdue_review_is_marked(alice_socialworker, eve_file):
    _plan(eve_file, -5, overdue=True)
    client = Client()
    client.force_login(alice_socialworker)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html.split('id="reviews-due-heading"', 1)[1].split("</section>", 1)[0]
    assert "Soleil" in section and "overdue" in section


def test_reviews_due_cost_the_same_queries_for_one_or_fifteen(alice_socialworker, eve_file):
    client = Client()
    client.force_login(alice_socialworker)
    _plan(eve_file, 2)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    for n in range(1, 15):
        _plan(_file(alice_socialworker, n), n % 7, overdue=n % 2 == 0)
    with CaptureQueriesContext(connection) as fifteen:
        html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(fifteen.captured_queries) == len(one.captured_queries)
    assert "Known 14" in html


def test_a_volunteers_home_shows_no_reviews(chloe_volunteer, eve_file):
    _plan(eve_file, 1)
    client = Client()
    client.force_login(chloe_volunteer)
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "reviews-due-heading" not in html and "Soleil" not in html
