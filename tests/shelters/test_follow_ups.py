"""Follow-ups after a stay: scheduled when she leaves our housing, marked due by a daily
task, listed for her worker, and recorded once (with, if it says so, her pathway)."""

from datetime import date, timedelta

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from cases.models import Assignment, Participant, PathwayEntry
from safespace import config
from safespace.models import AuditEntry
from safespace.roles import role_of
from shelters.models import Bed, FollowUp, Room, Shelter
from shelters.services import (
    FollowUpAlreadyRecorded,
    follow_up_record,
    follow_ups_schedule,
    stay_begin,
    stay_end,
    stay_move,
)
from shelters.tasks import follow_ups_mark_due
from tests.test_settings import manage, production_env

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _house(name="Les Tilleuls", beds=2):
    shelter = Shelter.objects.create(name=name, kind="emergency", address="Planted address")
    room = Room.objects.create(shelter=shelter, name="1")
    return [Bed.objects.create(room=room, label=f"Bed {n}") for n in range(1, beds + 1)]


def _file(worker, n):
    participant = Participant.objects.create(reference=f"SS-2026-{n:04d}", known_as=f"Known {n}")
    Assignment.objects.create(participant=participant, worker=worker, kind="key_worker")
    return participant


def _left(actor, participant, bed, *, arrived, left, destination="own_housing"):
    stay = stay_begin(
        actor=actor, participant=participant, bed=bed, starts_on=arrived, expected_end_on=left
    )
    return stay_end(actor=actor, stay=stay, ended_on=left, exit_destination=destination)


def _due(follow_ups):
    return [(f.months_after, f.due_on) for f in follow_ups]


# --- Scheduling ---------------------------------------------------------------------------


def test_leaving_schedules_follow_ups_at_one_three_six_and_twelve_months(
    alice_socialworker, eve_file
):
    bed = _house()[0]
    stay = _left(
        alice_socialworker, eve_file, bed, arrived=date(2025, 12, 1), left=date(2026, 1, 31)
    )
    assert _due(stay.follow_ups.order_by("months_after")) == [
        (1, date(2026, 2, 28)),  # the month's last day when it has fewer days
        (3, date(2026, 4, 30)),
        (6, date(2026, 7, 31)),
        (12, date(2027, 1, 31)),
    ]
    follow_up = stay.follow_ups.first()
    assert follow_up.participant_id == eve_file.pk
    assert not follow_up.is_due and follow_up.done_on is None


def test_the_months_come_from_the_setting(settings, alice_socialworker, eve_file):
    settings.SAFESPACE_FOLLOW_UP_MONTHS = (2, 24)
    bed = _house()[0]
    stay = _left(
        alice_socialworker, eve_file, bed, arrived=date(2026, 1, 5), left=date(2026, 3, 10)
    )
    assert _due(stay.follow_ups.order_by("months_after")) == [
        (2, date(2026, 5, 10)),
        (24, date(2028, 3, 10)),
    ]


def test_scheduling_again_adds_nothing(alice_socialworker, eve_file):
    bed = _house()[0]
    stay = _left(
        alice_socialworker, eve_file, bed, arrived=date(2026, 1, 5), left=date(2026, 3, 10)
    )
    again = follow_ups_schedule(stay=stay)
    assert len(again) == 4 and FollowUp.objects.count() == 4


def test_a_move_schedules_no_follow_up_but_leaving_afterwards_does(alice_socialworker, eve_file):
    first_house, other_house = _house("Les Tilleuls")[0], _house("Les Acacias")[0]
    stay = stay_begin(
        actor=alice_socialworker,
        participant=eve_file,
        bed=first_house,
        starts_on=date(2026, 1, 5),
        expected_end_on=date(2026, 4, 1),
    )
    moved = stay_move(
        actor=alice_socialworker, stay=stay, bed=other_house, moved_on=date(2026, 2, 1)
    )
    assert not FollowUp.objects.exists()
    stay_end(
        actor=alice_socialworker, stay=moved, ended_on=date(2026, 3, 1), exit_destination="family"
    )
    assert set(FollowUp.objects.values_list("stay", flat=True)) == {moved.pk}
    assert _due(FollowUp.objects.filter(months_after=1)) == [(1, date(2026, 4, 1))]


def test_a_new_stay_keeps_her_pending_follow_ups(alice_socialworker, eve_file):
    bed = _house()[0]
    _left(alice_socialworker, eve_file, bed, arrived=date(2026, 1, 5), left=date(2026, 2, 1))
    stay_begin(
        actor=alice_socialworker,
        participant=eve_file,
        bed=bed,
        starts_on=date(2026, 5, 1),
        expected_end_on=date(2026, 6, 1),
    )
    assert FollowUp.objects.filter(participant=eve_file, done_on__isnull=True).count() == 4


# --- The setting, checked at start-up ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, (1, 3, 6, 12)), ("", (1, 3, 6, 12)), ("2, 4,24", (2, 4, 24)), ("6", (6,))],
)
def test_the_follow_up_months_are_read_from_the_environment(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("SAFESPACE_FOLLOW_UP_MONTHS", raising=False)
    else:
        monkeypatch.setenv("SAFESPACE_FOLLOW_UP_MONTHS", raw)
    months = config.env_ascending_ints(
        "SAFESPACE_FOLLOW_UP_MONTHS", (1, 3, 6, 12), minimum=1, maximum=120
    )
    assert months == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1,three", "whole numbers separated by commas"),
        ("0,3", "each number must be from 1 to 120; got 0"),
        ("1,-3", "each number must be from 1 to 120; got -3"),
        ("1,240", "each number must be from 1 to 120; got 240"),
        ("6,3", "ascending order without repeats"),
        ("3,3", "ascending order without repeats"),
        (",", "whole numbers separated by commas"),
    ],
)
def test_unusable_follow_up_months_are_refused(monkeypatch, raw, message):
    monkeypatch.setenv("SAFESPACE_FOLLOW_UP_MONTHS", raw)
    with pytest.raises(ImproperlyConfigured, match=message):
        config.env_ascending_ints(
            "SAFESPACE_FOLLOW_UP_MONTHS", (1, 3, 6, 12), minimum=1, maximum=120
        )


def test_unsorted_follow_up_months_stop_start_up_with_a_clear_message(tmp_path):
    result = manage(production_env(tmp_path, SAFESPACE_FOLLOW_UP_MONTHS="12,1"), "check")
    assert result.returncode == 2
    assert "SAFESPACE_FOLLOW_UP_MONTHS must be in ascending order" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_default_follow_up_months():
    assert settings.SAFESPACE_FOLLOW_UP_MONTHS == (1, 3, 6, 12)


# --- The daily beat task ------------------------------------------------------------------


def _follow_up(stay, months, due_on, **extra):
    return FollowUp.objects.create(
        stay=stay, participant_id=stay.participant_id, months_after=months, due_on=due_on, **extra
    )


def test_the_beat_task_marks_due_the_follow_ups_whose_day_has_come(alice_socialworker, eve_file):
    bed = _house()[0]
    today = TODAY()
    stay = _left(
        alice_socialworker,
        eve_file,
        bed,
        arrived=today - timedelta(days=400),
        left=today - timedelta(days=380),
    )
    FollowUp.objects.all().delete()
    late = _follow_up(stay, 1, today - timedelta(days=3))
    on_the_day = _follow_up(stay, 3, today)
    tomorrow = _follow_up(stay, 6, today + timedelta(days=1))
    done = _follow_up(stay, 12, today - timedelta(days=1), done_on=today, outcome="stable")
    assert follow_ups_mark_due.delay().get() == 2
    for follow_up in (late, on_the_day, tomorrow, done):
        follow_up.refresh_from_db()
    assert late.is_due and on_the_day.is_due
    assert not tomorrow.is_due and not done.is_due
    assert follow_ups_mark_due.delay().get() == 0  # already marked: nothing more to do


def test_the_task_runs_daily_from_the_beat_schedule_and_takes_no_arguments():
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "shelters.tasks.follow_ups_mark_due"
    ]
    assert len(entries) == 1
    assert not entries[0].get("args") and not entries[0].get("kwargs")
    schedule = entries[0]["schedule"]
    assert isinstance(schedule, crontab)
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1  # once a day
    assert len(schedule.day_of_week) == 7 and len(schedule.day_of_month) == 31

    from safespace.celery import app

    assert "shelters.tasks.follow_ups_mark_due" in app.tasks


# --- The due list ---------------------------------------------------------------------------


def _due_follow_up(worker, participant, bed, *, due_days_ago=5):
    """A stay of hers that ended; its 1-month follow-up marked due ``due_days_ago`` days ago."""
    today = TODAY()
    left = today - timedelta(days=31 + due_days_ago)
    stay = _left(worker, participant, bed, arrived=left - timedelta(days=20), left=left)
    follow_up = stay.follow_ups.get(months_after=1)
    FollowUp.objects.filter(pk=follow_up.pk).update(due_on=today - timedelta(days=due_days_ago))
    follow_ups_mark_due()
    return follow_up


def _page(user, name="shelter_follow_ups", **kwargs):
    client = Client()
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs), HTTP_ACCEPT_LANGUAGE="en")


def test_the_due_list_shows_her_known_as_name_which_follow_up_and_since_when(
    alice_socialworker, eve_file
):
    beds = _house()
    _due_follow_up(alice_socialworker, eve_file, beds[0], due_days_ago=5)
    coming = _file(alice_socialworker, 1)
    stay = _left(
        alice_socialworker,
        coming,
        beds[1],
        arrived=TODAY() - timedelta(days=90),
        left=TODAY() - timedelta(days=70),
    )  # her 3-month follow-up is in about 20 days
    html = _page(alice_socialworker).content.decode()
    due = html.split('id="due-heading"', 1)[1].split("</section>", 1)[0]
    assert "Soleil" in due and "Follow-up at 1 month" in due
    with translation.override("en"):
        day = date_format(TODAY() - timedelta(days=5), "DATE_FORMAT")
    assert f"due since {day}" in due
    assert "Known 1" not in due
    soon = html.split('id="coming-heading"', 1)[1].split("</section>", 1)[0]
    assert "Known 1" in soon and "Follow-up at 3 months" in soon
    assert "Soleil" not in soon
    assert "Planted-Legalname" not in html and "Planted address" not in html
    assert stay.follow_ups.get(months_after=3).due_on <= TODAY() + timedelta(days=30)


def test_the_due_list_shows_only_the_women_whose_file_she_may_open(
    alice_socialworker, dana_coordinator, eve_file
):
    beds = _house()
    _due_follow_up(alice_socialworker, eve_file, beds[0])
    danas = _file(dana_coordinator, 7)
    _due_follow_up(dana_coordinator, danas, beds[1])
    alice_sees = _page(alice_socialworker).content.decode()
    dana_sees = _page(dana_coordinator).content.decode()
    assert "Soleil" in alice_sees and "Known 7" not in alice_sees
    assert "Known 7" in dana_sees and "Soleil" not in dana_sees


def test_a_follow_up_done_leaves_the_due_list(alice_socialworker, eve_file):
    follow_up = _due_follow_up(alice_socialworker, eve_file, _house()[0])
    follow_up_record(
        actor=alice_socialworker, follow_up=follow_up, outcome="stable", done_on=TODAY()
    )
    due = _page(alice_socialworker).content.decode().split('id="due-heading"', 1)[1]
    assert "Soleil" not in due.split("</section>", 1)[0]


def test_the_due_list_costs_the_same_queries_for_one_or_five_women(alice_socialworker, eve_file):
    beds = _house(beds=5)
    _due_follow_up(alice_socialworker, eve_file, beds[0])
    client = Client()
    client.force_login(alice_socialworker)
    client.get(reverse("shelter_follow_ups"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("shelter_follow_ups"))
    for n in range(1, 5):
        _due_follow_up(alice_socialworker, _file(alice_socialworker, n), beds[n], due_days_ago=n)
    with CaptureQueriesContext(connection) as five:
        html = client.get(reverse("shelter_follow_ups")).content.decode()
    assert len(five.captured_queries) == len(one.captured_queries)
    assert "Known 4" in html


def test_the_social_workers_home_page_counts_the_follow_ups_due(
    alice_socialworker, eve_file, django_assert_num_queries
):
    from shelters.follow_up_views import follow_ups_due_count

    beds = _house()
    _due_follow_up(alice_socialworker, eve_file, beds[0])
    _due_follow_up(alice_socialworker, _file(alice_socialworker, 1), beds[1])
    role_of(alice_socialworker)  # known already when the home page asks
    with django_assert_num_queries(1):
        assert follow_ups_due_count(alice_socialworker) == 2
    html = _page(alice_socialworker, "home").content.decode()
    section = html.split('id="follow-ups-due-heading"', 1)[1].split("</section>", 1)[0]
    assert "2 follow-ups are due." in section
    assert reverse("shelter_follow_ups") in section
    assert "Soleil" not in section  # a count, not names


# --- Recording ------------------------------------------------------------------------------


def _post(user, follow_up, **data):
    client = Client()
    client.force_login(user)
    return client.post(
        reverse("shelter_follow_up_record", kwargs={"follow_up_pk": follow_up.pk}),
        data,
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )


def test_recording_a_stable_outcome_leaves_her_pathway_as_it_is(alice_socialworker, eve_file):
    follow_up = _due_follow_up(alice_socialworker, eve_file, _house()[0])
    response = _post(
        alice_socialworker,
        follow_up,
        outcome="stable",
        done_on=TODAY().isoformat(),
        notes="Planted note: she has a job at the bakery",
    )
    assert response.redirect_chain[-1][0] == reverse("shelter_follow_ups")
    assert "The follow-up is recorded." in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.outcome == "stable" and follow_up.done_on == TODAY()
    assert follow_up.done_by == alice_socialworker
    assert follow_up.notes == "Planted note: she has a job at the bakery"
    assert not PathwayEntry.objects.exists()
    entry = AuditEntry.objects.get(action="shelter.follow_up_recorded")
    assert entry.payload == {"status": "stable"}
    assert entry.participant_id == eve_file.pk and entry.actor == alice_socialworker
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM shelters_followup WHERE id = %s", [follow_up.pk])
        assert "bakery" not in cursor.fetchone()[0]  # encrypted in the database


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("returned", PathwayEntry.Status.RETURNED),
        ("lost_contact", PathwayEntry.Status.CONTACT_LOST),
    ],
)
def test_recording_with_the_box_ticked_adds_to_her_pathway(
    alice_socialworker, eve_file, outcome, status
):
    follow_up = _due_follow_up(alice_socialworker, eve_file, _house()[0])
    done_on = TODAY() - timedelta(days=1)
    response = _post(
        alice_socialworker,
        follow_up,
        outcome=outcome,
        done_on=done_on.isoformat(),
        record_on_pathway="on",
    )
    assert "her pathway updated" in response.content.decode()
    entry = PathwayEntry.objects.get(participant=eve_file)
    assert entry.status == status and entry.since == done_on
    assert entry.recorded_by == alice_socialworker
    assert AuditEntry.objects.filter(action="pathway.recorded", participant_id=eve_file.pk).exists()
    assert AuditEntry.objects.get(action="shelter.follow_up_recorded").payload == {
        "status": outcome
    }


def test_recording_returned_without_the_box_leaves_her_pathway(alice_socialworker, eve_file):
    follow_up = _due_follow_up(alice_socialworker, eve_file, _house()[0])
    _post(alice_socialworker, follow_up, outcome="returned", done_on=TODAY().isoformat())
    follow_up.refresh_from_db()
    assert follow_up.outcome == "returned" and not PathwayEntry.objects.exists()


def test_the_form_offers_the_pathway_box_unticked_and_records_the_view(
    alice_socialworker, eve_file
):
    follow_up = _due_follow_up(alice_socialworker, eve_file, _house()[0])
    response = _page(alice_socialworker, "shelter_follow_up_record", follow_up_pk=follow_up.pk)
    html = response.content.decode()
    assert (
        'name="record_on_pathway"' in html
        and "checked" not in html.split('name="record_on_pathway"', 1)[1].split(">", 1)[0]
    )
    assert 'data-pathway-outcomes="returned lost_contact"' in html
    assert "js/follow-ups.js" in html
    assert f'value="{TODAY().isoformat()}"' in html  # done today, by default
    viewed = AuditEntry.objects.get(action="participant.viewed")
    assert viewed.payload["section"] == "housing" and viewed.participant_id == eve_file.pk


def test_a_stable_outcome_with_the_box_ticked_is_explained_next_to_the_box(
    alice_socialworker, eve_file
):
    follow_up = _due_follow_up(alice_socialworker, eve_file, _house()[0])
    response = _post(
        alice_socialworker,
        follow_up,
        outcome="stable",
        done_on=TODAY().isoformat(),
        notes="Kept as typed",
        record_on_pathway="on",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Only “returned” and “contact lost” change her pathway status" in html
    assert "Kept as typed" in html
    follow_up.refresh_from_db()
    assert follow_up.done_on is None and not PathwayEntry.objects.exists()


@pytest.mark.parametrize(
    ("days", "message"),
    [(1, "This date is in the future."), (-400, "She left the house after this date.")],
)
def test_a_follow_up_date_in_the_future_or_before_she_left_is_refused(
    alice_socialworker, eve_file, days, message
):
    follow_up = _due_follow_up(alice_socialworker, eve_file, _house()[0])
    response = _post(
        alice_socialworker,
        follow_up,
        outcome="stable",
        done_on=(TODAY() + timedelta(days=days)).isoformat(),
    )
    assert message in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.done_on is None


def test_recording_twice_says_so_without_an_error(alice_socialworker, eve_file):
    follow_up = _due_follow_up(alice_socialworker, eve_file, _house()[0])
    _post(alice_socialworker, follow_up, outcome="needs_support", done_on=TODAY().isoformat())
    response = _post(alice_socialworker, follow_up, outcome="stable", done_on=TODAY().isoformat())
    assert response.status_code == 200
    html = response.content.decode()
    assert "This follow-up has already been recorded." in html
    assert "Needs support" in html  # what was recorded first is shown
    follow_up.refresh_from_db()
    assert follow_up.outcome == "needs_support"
    assert AuditEntry.objects.filter(action="shelter.follow_up_recorded").count() == 1
    with pytest.raises(FollowUpAlreadyRecorded):
        follow_up_record(
            actor=alice_socialworker, follow_up=follow_up, outcome="stable", done_on=TODAY()
        )


def test_a_coordinator_not_assigned_to_her_gets_404_on_her_follow_up(
    alice_socialworker, dana_coordinator, eve_file
):
    follow_up = _due_follow_up(alice_socialworker, eve_file, _house()[0])
    response = _page(dana_coordinator, "shelter_follow_up_record", follow_up_pk=follow_up.pk)
    assert response.status_code == 404
    response = _post(dana_coordinator, follow_up, outcome="stable", done_on=TODAY().isoformat())
    assert response.status_code == 404
    follow_up.refresh_from_db()
    assert follow_up.done_on is None
