"""The road travelled, in her own space: what happened on her goals, in plain words for her."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Participant
from lifeplans.models import Goal, GoalChange, Step
from lifeplans.portal_views import ROAD_LIMIT
from lifeplans.services import (
    goal_agree,
    goal_propose,
    goal_update,
    her_goal_answer,
    her_goal_propose,
    step_add,
    step_set_done,
)

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def road(user):
    response = client_for(user).get(reverse("portal_road"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def change(goal, *, actor, **changes):
    goal.refresh_from_db()
    return goal_update(actor=actor, goal=goal, version=goal.version, changes=changes)


def proposed_by(worker, participant, words="Take French lessons"):
    return goal_propose(
        actor=worker,
        participant=participant,
        horizon="medium",
        domain="integration",
        words=words,
        by_her=False,
    )


def in_order(html, *texts):
    """Whether the texts appear in this order in the page."""
    positions = [html.index(text) for text in texts]
    return positions == sorted(positions)


def test_she_sees_what_happened_on_her_goals_newest_first_in_plain_words(
    eve_participant, eve_file, alice_socialworker
):
    goal = proposed_by(alice_socialworker, eve_file)
    her_goal_answer(actor=eve_participant, goal=goal, agree=True)
    change(goal, actor=alice_socialworker, status="in_progress")
    change(goal, actor=alice_socialworker, status="achieved")
    html = road(eve_participant)
    assert "<h1>The road travelled</h1>" in html
    assert in_order(
        html, "Done!", "Started working on it", "You said yes", "Your worker proposed this goal"
    )
    assert "By your worker" in html
    assert "Take French lessons" in html


def test_a_goal_she_added_and_a_goal_she_let_go_are_in_her_words(
    eve_participant, eve_file, alice_socialworker
):
    her_goal_propose(
        actor=eve_participant,
        participant=eve_file,
        horizon="short",
        domain="housing",
        words="Find a flat",
    )
    declined = proposed_by(alice_socialworker, eve_file, "Move to Paris")
    her_goal_answer(actor=eve_participant, goal=declined, agree=False)
    html = road(eve_participant)
    assert "You added this goal" in html and "Find a flat" in html
    assert "You let it go" in html and "Move to Paris" in html


def test_when_the_words_change_her_earlier_words_are_shown_under_before(
    eve_participant, eve_file, alice_socialworker
):
    goal = her_goal_propose(
        actor=eve_participant, participant=eve_file, horizon="short", domain="health", words="Sleep"
    )
    change(goal, actor=eve_participant, words="Sleep eight hours")
    html = road(eve_participant)
    assert "You changed the words" in html
    before = html.split("Before:", 1)[1]
    assert "Sleep" in before.split("</li>", 1)[0]
    assert "Sleep eight hours" in html
    change(goal, actor=alice_socialworker, words="Sleep well", horizon="medium")
    html = road(eve_participant)
    assert "Your worker changed the words" in html and "Your worker changed when" in html
    assert html.count("Before:") == 2


def test_who_is_you_or_your_worker_never_a_staff_name(
    eve_participant, eve_file, alice_socialworker
):
    alice_socialworker.first_name, alice_socialworker.last_name = "Alice", "Surname-Planted"
    alice_socialworker.save()
    goal = proposed_by(alice_socialworker, eve_file)
    goal_agree(actor=alice_socialworker, goal=goal, in_her_presence=True)
    change(goal, actor=eve_participant, status="paused")
    change(goal, actor=alice_socialworker, status="in_progress")
    html = road(eve_participant)
    main = html.split('<main id="main"', 1)[1]
    assert "Put on pause" in main and "By you" in main
    assert "By your worker" in main
    # the agreement was hers, even when her worker recorded it with her
    assert "You said yes" in main
    for name in ("alice_socialworker", "Alice", "Surname-Planted", "eve_participant"):
        assert name not in main


def test_steps_she_did_are_on_the_road_by_the_day_they_were_done(
    eve_participant, eve_file, alice_socialworker
):
    goal = her_goal_propose(
        actor=eve_participant, participant=eve_file, horizon="short", domain="housing", words="Flat"
    )
    mine = step_add(
        actor=alice_socialworker, goal=goal, words="Call the housing office", owner="her"
    )
    theirs = step_add(actor=alice_socialworker, goal=goal, words="Write the letter", owner="worker")
    step_add(actor=alice_socialworker, goal=goal, words="Not done yet step", owner="her")
    step_set_done(actor=eve_participant, step=mine, done=True)
    step_set_done(actor=alice_socialworker, step=theirs, done=True)
    html = road(eve_participant)
    assert "You did:</strong> Call the housing office" in html
    assert "Done:</strong> Write the letter" in html
    assert "Not done yet step" not in html
    # the goal was written before its steps were done: newest first, it comes after them
    assert in_order(html, "Call the housing office", "You added this goal")


def test_the_road_is_grouped_by_month_newest_first(eve_participant, eve_file, alice_socialworker):
    goal = her_goal_propose(
        actor=eve_participant, participant=eve_file, horizon="short", domain="housing", words="Flat"
    )
    change(goal, actor=eve_participant, status="achieved")
    now = timezone.localtime()
    earlier = now - timedelta(days=45)
    GoalChange.objects.filter(fields=["created"]).update(changed_at=earlier)
    step = step_add(actor=alice_socialworker, goal=goal, words="Visit the flat", owner="her")
    Step.objects.filter(pk=step.pk).update(done_on=earlier.date())
    html = road(eve_participant)
    this_month = f"{now:%B %Y}</h2>"
    that_month = f"{earlier:%B %Y}</h2>"
    assert this_month in html and that_month in html
    assert in_order(html, this_month, "Done!", that_month, "Visit the flat", "You added this goal")


def test_the_month_names_speak_her_language(eve_participant, eve_file):
    her_goal_propose(
        actor=eve_participant, participant=eve_file, horizon="short", domain="housing", words="Flat"
    )
    GoalChange.objects.update(changed_at=timezone.make_aware(timezone.datetime(2026, 2, 10, 12)))
    html = client_for(eve_participant).get(reverse("portal_road")).content.decode()
    assert "Février 2026</h2>" in html


def test_she_sees_only_her_own_goals(eve_participant, eve_file, mallory, alice_socialworker):
    other = Participant.objects.create(reference="SS-2026-0099", account=mallory)
    her_goal_propose(
        actor=mallory, participant=other, horizon="short", domain="health", words="Leave Lyon"
    )
    her_goal_propose(
        actor=eve_participant, participant=eve_file, horizon="short", domain="health", words="Sleep"
    )
    assert "Leave Lyon" not in road(eve_participant)
    mallorys = road(mallory)
    assert "Leave Lyon" in mallorys and "Sleep" not in mallorys


def test_an_empty_road_says_so_calmly(eve_participant, eve_file):
    assert "Nothing here yet." in road(eve_participant)


def test_a_participant_without_a_file_and_staff_are_told_no(mallory, alice_socialworker):
    assert client_for(mallory).get(reverse("portal_road")).status_code == 404
    assert client_for(alice_socialworker).get(reverse("portal_road")).status_code == 403


def test_only_the_last_200_moments_are_shown_with_a_note(eve_participant, eve_file):
    goal = her_goal_propose(
        actor=eve_participant, participant=eve_file, horizon="short", domain="health", words="Walk"
    )
    start = timezone.now() - timedelta(days=400)
    GoalChange.objects.bulk_create(
        GoalChange(
            goal=goal,
            changed_by=eve_participant,
            changed_at=start + timedelta(days=n),
            fields=["horizon"],
            status_before="agreed",
            status_after="agreed",
        )
        for n in range(ROAD_LIMIT + 5)
    )
    html = road(eve_participant)
    assert html.count("You changed when") + html.count("You added this goal") == ROAD_LIMIT
    assert "You added this goal" in html  # the newest is kept
    assert "Only the last 200 moments are shown." in html
    assert len(html.encode()) < 200 * 1024


def test_the_road_is_linked_from_her_home(eve_participant, eve_file):
    html = client_for(eve_participant).get(reverse("portal_home")).content.decode()
    assert reverse("portal_road") in html


def _road_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("portal_road")).status_code == 200
    return len(queries)


def test_the_road_costs_the_same_queries_for_1_or_10_goals(
    eve_participant, eve_file, alice_socialworker
):
    client = client_for(eve_participant)

    def goal_with_history(n):
        goal = proposed_by(alice_socialworker, eve_file, f"goal {n}")
        her_goal_answer(actor=eve_participant, goal=goal, agree=True)
        change(goal, actor=alice_socialworker, words=f"goal {n} again", status="achieved")
        step = step_add(actor=alice_socialworker, goal=goal, words=f"step {n}", owner="her")
        step_set_done(actor=eve_participant, step=step, done=True)

    goal_with_history(0)
    one = _road_queries(client)
    for n in range(1, 10):
        goal_with_history(n)
    assert Goal.objects.count() == 10 and GoalChange.objects.count() == 30
    assert _road_queries(client) == one
