"""Goals achieved this month, across the worker's caseload, on the staff home page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Assignment, Participant
from cases.services import assignment_end
from lifeplans.models import Goal, GoalChange
from lifeplans.services import goal_propose, goal_update, plan_for
from lifeplans.views import goals_achieved_this_month
from safespace.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HER_WORDS = "Planted goal words: leave the flat on rue X"


def achieved(participant, actor, *, words=HER_WORDS, domain="housing"):
    """A goal she agreed to, then achieved now (through the services, so its history is kept)."""
    goal = goal_propose(
        actor=actor,
        participant=participant,
        horizon="short",
        domain=domain,
        words=words,
        by_her=True,
    )
    goal_update(actor=actor, goal=goal, version=goal.version, changes={"status": "achieved"})
    return goal


def start_of_month():
    return timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def achieved_at(goal, moment):
    GoalChange.objects.filter(goal=goal, status_after="achieved").update(changed_at=moment)


def a_file(worker, n, known_as):
    participant = Participant.objects.create(reference=f"SS-2026-{n:04d}", known_as=known_as)
    Assignment.objects.create(participant=participant, worker=worker, kind="key_worker")
    return participant


def home(user):
    client = Client()
    client.force_login(user)
    return client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def panel(html):
    return html.split('id="achieved-heading"', 1)[1].split("</section>", 1)[0]


def test_only_goals_achieved_this_calendar_month_count(alice_socialworker, eve_file):
    achieved(eve_file, alice_socialworker)
    last_month = achieved(eve_file, alice_socialworker)
    achieved_at(last_month, start_of_month() - timedelta(seconds=1))
    goals = goals_achieved_this_month(alice_socialworker)
    assert [goal.pk for goal in goals] == [Goal.objects.order_by("pk").first().pk]
    section = panel(home(alice_socialworker))
    assert "Soleil" in section and "1 goal achieved" in section
    assert reverse("lifeplan_detail", args=[eve_file.pk]) in section


def test_the_moment_comes_from_the_goals_history_not_its_last_update(alice_socialworker, eve_file):
    early = achieved(eve_file, alice_socialworker)
    achieved_at(early, start_of_month() - timedelta(days=3))
    # achieved last month, its words changed today: still last month's achievement
    early.refresh_from_db()
    goal_update(
        actor=alice_socialworker, goal=early, version=early.version, changes={"words": "Other"}
    )
    recent = achieved(eve_file, alice_socialworker)
    Goal.objects.filter(pk=recent.pk).update(updated_at=start_of_month() - timedelta(days=40))
    assert [goal.pk for goal in goals_achieved_this_month(alice_socialworker)] == [recent.pk]


def test_a_goal_achieved_then_reopened_does_not_count(alice_socialworker, eve_file):
    goal = achieved(eve_file, alice_socialworker)
    goal.refresh_from_db()
    goal_update(
        actor=alice_socialworker, goal=goal, version=goal.version, changes={"status": "in_progress"}
    )
    assert goals_achieved_this_month(alice_socialworker) == []


def test_only_goals_she_agreed_count(alice_socialworker, eve_file):
    proposal = goal_propose(
        actor=alice_socialworker,
        participant=eve_file,
        horizon="short",
        domain="health",
        words="x",
        by_her=False,
    )
    # a stray history row cannot make a goal she never agreed to count
    GoalChange.objects.create(
        goal=proposal,
        changed_by=alice_socialworker,
        fields=["status"],
        status_before="proposed",
        status_after="achieved",
    )
    assert goals_achieved_this_month(alice_socialworker) == []
    assert "None yet this month." in panel(home(alice_socialworker))


def test_only_her_caseload_counts(alice_socialworker, dana_coordinator, eve_file):
    other_worker = UserFactory(username="ines_socialworker", role=Role.SOCIAL_WORKER)
    someone_else = a_file(other_worker, 1, "Not mine")
    achieved(someone_else, other_worker)
    ended = a_file(alice_socialworker, 2, "Ended")
    achieved(ended, alice_socialworker)
    assignment_end(actor=dana_coordinator, assignment=ended.assignments.get())
    merged = a_file(alice_socialworker, 3, "Merged away")
    achieved(merged, alice_socialworker)
    Participant.objects.filter(pk=merged.pk).update(merged_into=eve_file)
    achieved(eve_file, alice_socialworker)
    names = {
        goal.plan.participant.known_as for goal in goals_achieved_this_month(alice_socialworker)
    }
    assert names == {"Soleil"}
    section = panel(home(alice_socialworker))
    for name in ("Not mine", "Ended", "Merged away"):
        assert name not in section


def test_counts_are_per_participant_and_her_words_stay_on_her_plan(
    alice_socialworker, bea_peerworker, eve_file
):
    achieved(eve_file, alice_socialworker)
    achieved(eve_file, alice_socialworker, domain="health")
    for user in (alice_socialworker, bea_peerworker):
        html = home(user)
        section = panel(html)
        assert "Soleil" in section and "2 goals achieved" in section
        assert HER_WORDS not in html


def test_the_function_is_one_query_and_loads_no_words(alice_socialworker, eve_file):
    achieved(eve_file, alice_socialworker)
    achieved(a_file(alice_socialworker, 5, "Lune"), alice_socialworker)
    alice_socialworker.groups.all()  # the role is read once per request, before this
    goals_achieved_this_month(alice_socialworker)
    with CaptureQueriesContext(connection) as queries:
        goals = goals_achieved_this_month(alice_socialworker)
        rows = [
            (g.plan.participant.known_as, g.plan.participant.pk, g.horizon, g.domain, g.achieved_at)
            for g in goals
        ]
    assert len(queries) == 1
    assert {row[0] for row in rows} == {"Soleil", "Lune"}
    assert '"words"' not in queries[0]["sql"]


def test_a_volunteer_home_has_no_such_panel(chloe_volunteer, alice_socialworker, eve_file):
    achieved(eve_file, alice_socialworker)
    assert "achieved-heading" not in home(chloe_volunteer)


def _home_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


@pytest.mark.parametrize("worker", ["alice_socialworker", "bea_peerworker"])
def test_the_home_page_costs_the_same_queries_for_1_or_10_goals_achieved(
    request, worker, alice_socialworker, bea_peerworker, eve_file
):
    user = request.getfixturevalue(worker)
    client = Client()
    client.force_login(user)
    achieved(eve_file, alice_socialworker)
    one = _home_queries(client)
    for n in range(1, 10):
        other = a_file(alice_socialworker, 10 + n, f"Known {n}")
        Assignment.objects.create(participant=other, worker=bea_peerworker, kind="peer_worker")
        plan_for(other)
        achieved(other, alice_socialworker)
    assert _home_queries(client) == one
    assert "Known 9" in panel(home(user))
