"""The plan pages on the staff side: for the workers assigned to her, at one screen."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Assignment, Participant
from cases.services import case_note_write
from lifeplans.models import Goal, Review
from lifeplans.services import goal_propose, plan_for, review_record, step_add
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _goal(actor, participant, n=0, horizon="short"):
    goal = goal_propose(
        actor=actor,
        participant=participant,
        horizon=horizon,
        domain="health",
        words=f"Goal number {n:02d} in her words",
        by_her=False,
    )
    step_add(actor=actor, goal=goal, words=f"Step of goal {n:02d}", owner="her")
    return goal


def test_a_peer_worker_builds_her_plan_but_cannot_read_case_notes(
    alice_socialworker, bea_peerworker, eve_file
):
    case_note_write(
        actor=alice_socialworker,
        participant=eve_file,
        kind="other",
        confidentiality="team",
        happened_on=timezone.localdate(),
        text="Planted case note marker",
    )
    bea = _client(bea_peerworker)
    response = bea.post(
        reverse("lifeplan_goal_new", args=[eve_file.pk]),
        {"words": "Apprendre à conduire", "horizon": "medium", "domain": "integration"},
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert (
        bea.post(
            reverse("lifeplan_goal_agree", args=[eve_file.pk, goal.pk]), {"in_her_presence": "on"}
        ).status_code
        == 302
    )
    assert (
        bea.post(
            reverse("lifeplan_step_new", args=[eve_file.pk, goal.pk]),
            {"words": "Inscription", "owner": "her"},
        ).status_code
        == 302
    )
    assert (
        bea.post(
            reverse("lifeplan_review_new", args=[eve_file.pk]),
            {"reviewed_on": timezone.localdate().isoformat(), "her_reflection": "Ça avance"},
        ).status_code
        == 302
    )
    html = bea.get(reverse("lifeplan_detail", args=[eve_file.pk])).content.decode()
    assert "Apprendre à conduire" in html and "Inscription" in html and "Ça avance" in html
    assert "Planted case note marker" not in html
    file_html = bea.get(reverse("participant_detail", args=[eve_file.pk])).content.decode()
    assert "Planted case note marker" not in file_html
    assert "Apprendre à conduire" in file_html
    assert bea.get(reverse("participant_notes", args=[eve_file.pk])).status_code == 403


def test_a_volunteer_is_refused(chloe_volunteer, alice_socialworker, eve_file):
    goal = _goal(alice_socialworker, eve_file)
    chloe = _client(chloe_volunteer)
    for url in (
        reverse("lifeplan_detail", args=[eve_file.pk]),
        reverse("lifeplan_goal_history", args=[eve_file.pk, goal.pk]),
        reverse("lifeplan_goal_edit", args=[eve_file.pk, goal.pk]),
    ):
        assert chloe.get(url).status_code in (403, 404)
    assert chloe.post(
        reverse("lifeplan_goal_new", args=[eve_file.pk]),
        {"words": "x", "horizon": "short", "domain": "health"},
    ).status_code in (403, 404)
    assert Goal.objects.count() == 1


def test_out_of_scope_answers_404(alice_socialworker, dana_coordinator, eve_file):
    goal = _goal(alice_socialworker, eve_file)
    dana = _client(dana_coordinator)
    assert dana.get(reverse("lifeplan_detail", args=[eve_file.pk])).status_code == 404
    assert (
        dana.post(
            reverse("lifeplan_goal_agree", args=[eve_file.pk, goal.pk]), {"in_her_presence": "on"}
        ).status_code
        == 404
    )
    goal.refresh_from_db()
    assert goal.status == "proposed"


def test_a_goal_of_another_file_answers_404(alice_socialworker, eve_file):
    other = Participant.objects.create(reference="SS-2026-0099", known_as="Other")
    Assignment.objects.create(
        participant=other, worker=alice_socialworker, kind=Assignment.Kind.KEY_WORKER
    )
    goal = _goal(alice_socialworker, other)
    alice = _client(alice_socialworker)
    # her file is in scope, but the goal is not hers
    assert alice.get(reverse("lifeplan_goal_edit", args=[eve_file.pk, goal.pk])).status_code == 404
    step = goal.steps.get()
    assert (
        alice.post(
            reverse("lifeplan_step_done", args=[eve_file.pk, step.pk]), {"done": "1"}
        ).status_code
        == 404
    )


def test_the_plan_page_shows_her_words_by_horizon(alice_socialworker, eve_participant, eve_file):
    goal_propose(
        actor=eve_participant,
        participant=eve_file,
        horizon="long",
        domain="housing",
        words="Une maison avec un jardin",
        by_her=True,
    )
    _goal(alice_socialworker, eve_file, 1, horizon="short")
    html = (
        _client(alice_socialworker)
        .get(reverse("lifeplan_detail", args=[eve_file.pk]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert html.index("Short term") < html.index("Goal number 01") < html.index("Long term")
    assert html.index("Long term") < html.index("Une maison avec un jardin")
    assert "In her words" in html and "She proposed it" in html
    assert "Proposed by alice_socialworker" in html
    assert "She agrees: she is here with me" in html
    assert "Steps: 0 of 1 done" in html
    entry = AuditEntry.objects.filter(action="participant.viewed").last()
    assert entry.payload["section"] == "lifeplan"


def test_the_goal_history_page_shows_earlier_words(alice_socialworker, eve_file):
    from lifeplans.services import goal_update

    goal = _goal(alice_socialworker, eve_file)
    goal_update(
        actor=alice_socialworker, goal=goal, version=goal.version, changes={"words": "Newer words"}
    )
    html = (
        _client(alice_socialworker)
        .get(
            reverse("lifeplan_goal_history", args=[eve_file.pk, goal.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
        .content.decode()
    )
    assert "Newer words" in html and "Goal number 00 in her words" in html
    assert "Her words before:" in html


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_plan_page_costs_the_same_queries_for_one_or_fifteen_goals(
    alice_socialworker, eve_file
):
    alice = _client(alice_socialworker)
    url = reverse("lifeplan_detail", args=[eve_file.pk])
    _goal(alice_socialworker, eve_file, 0)
    review_record(
        actor=alice_socialworker,
        participant=eve_file,
        reviewed_on=timezone.localdate(),
        worker_note="n",
    )
    alice.get(url)
    one = _queries(alice, url)
    for n in range(1, 15):
        _goal(alice_socialworker, eve_file, n, horizon=("short", "medium", "long")[n % 3])
    assert Goal.objects.count() == 15
    assert _queries(alice, url) == one


def test_the_file_section_costs_the_same_queries_for_one_or_fifteen_goals(
    alice_socialworker, eve_file
):
    alice = _client(alice_socialworker)
    url = reverse("participant_detail", args=[eve_file.pk])
    _goal(alice_socialworker, eve_file, 0)
    alice.get(url)
    one = _queries(alice, url)
    for n in range(1, 15):
        _goal(alice_socialworker, eve_file, n, horizon=("short", "medium", "long")[n % 3])
    assert _queries(alice, url) == one
    html = alice.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "0 of 1 step done" in html and "Open her life plan" in html


def test_a_review_is_recorded_side_by_side_and_schedules_the_next(alice_socialworker, eve_file):
    plan = plan_for(eve_file)
    plan.review_overdue = True
    plan.save()
    next_review = timezone.localdate() + timedelta(days=90)
    response = _client(alice_socialworker).post(
        reverse("lifeplan_review_new", args=[eve_file.pk]),
        {
            "reviewed_on": timezone.localdate().isoformat(),
            "her_reflection": "J'ai trouvé un stage",
            "worker_note": "Elle a fait beaucoup de chemin",
            "next_review_on": next_review.isoformat(),
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.next_review_on == next_review and not plan.review_overdue
    review = Review.objects.get()
    assert review.her_reflection == "J'ai trouvé un stage"
    entry = AuditEntry.objects.get(action="review.recorded")
    assert entry.payload == {"fields": ["her_reflection", "worker_note"]}


KEPT = "مرحبا 🌱"


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"reviewed_on": "2999-01-01", "her_reflection": KEPT}, "This date is in the future."),
        ({"reviewed_on": "not a date", "her_reflection": KEPT}, "Enter a valid date."),
        (
            {"reviewed_on": "2025-01-01", "her_reflection": "  "},
            "Write her reflection or your note.",
        ),
        (
            {"reviewed_on": "2025-01-01", "her_reflection": KEPT, "next_review_on": "2020-01-01"},
            "The next review must come after today.",
        ),
        ({"reviewed_on": "2025-01-01", "her_reflection": "x" * 10_001}, "At most 10000 characters"),
    ],
)
def test_a_bad_review_gives_field_errors_and_keeps_the_text(
    alice_socialworker, eve_file, data, field_error
):
    response = _client(alice_socialworker).post(
        reverse("lifeplan_review_new", args=[eve_file.pk]), data, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert field_error in html
    if data["her_reflection"].strip():
        assert data["her_reflection"] in html
    assert not Review.objects.exists()
