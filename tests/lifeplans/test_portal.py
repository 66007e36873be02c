"""Her own space: she sees and acts on her own plan only, in plain words, on a phone."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Appointment, Participant
from cases.services import case_note_write
from lifeplans.models import Goal, GoalChange, LifePlan, Review, SafetyPlan, Step
from lifeplans.services import (
    her_goal_answer,
    her_goal_propose,
    her_reflection_write,
    her_step_set_done,
)
from safespace.models import AuditEntry
from safespace.roles import Role
from tests.conftest import PLANTED
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CASE_NOTE = "Planted case note: she sleeps at the blue house"
WORKER_NOTE = "Planted worker note: doubts about her sister"
SAFETY = "Planted safety plan: code word pineapple"
PURPOSE = "Planted purpose: talk about the court hearing"
OTHER_GOAL = "Planted goal of another woman: leave Lyon"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def get(client, name, **kwargs):
    return client.get(reverse(name, kwargs=kwargs or None), HTTP_ACCEPT_LANGUAGE="en")


def post(client, name, data=None, **kwargs):
    return client.post(reverse(name, kwargs=kwargs or None), data or {}, HTTP_ACCEPT_LANGUAGE="en")


def goal(plan, words, *, status="agreed", horizon="short", by_worker=None, proposer=None):
    return Goal.objects.create(
        plan=plan,
        horizon=horizon,
        domain="housing",
        words=words,
        proposed_by="worker" if by_worker else "her",
        proposed_by_user=by_worker or proposer,
        status=status,
        agreed_on=None if status in ("proposed", "let_go") else timezone.localdate(),
    )


@pytest.fixture
def plan(eve_file):
    return LifePlan.objects.create(participant=eve_file)


@pytest.fixture
def mallory_file(mallory):
    """Mallory's own file, with a plan and a goal of her own."""
    participant = Participant.objects.create(reference="SS-2026-0099", account=mallory)
    other_plan = LifePlan.objects.create(participant=participant)
    goal(other_plan, OTHER_GOAL, proposer=mallory)
    return participant


@pytest.fixture
def eve_plan(plan, eve_participant, alice_socialworker):
    """Eve's plan: an agreed goal with two steps (one done), a goal Alice proposed."""
    mine = goal(plan, "Find a flat near my daughter's school", proposer=eve_participant)
    Step.objects.create(
        goal=mine,
        words="Call the housing office",
        owner="her",
        created_by=alice_socialworker,
        done_on=timezone.localdate(),
    )
    Step.objects.create(
        goal=mine, words="Fill in the form", owner="worker", created_by=alice_socialworker
    )
    goal(
        plan,
        "Take French lessons",
        status="proposed",
        horizon="medium",
        by_worker=alice_socialworker,
    )
    return plan


# --- What she sees ---


def test_her_home_is_her_space_with_goals_by_horizon_and_progress_in_words(
    eve_participant, eve_plan
):
    html = get(client_for(eve_participant), "home").content.decode()
    assert "<h1>My space</h1>" in html
    assert "Soon (the next few weeks)" in html and "Later (more than a year)" in html
    assert "Find a flat near my daughter&#x27;s school" in html
    assert "1 of 2 steps done" in html
    assert "A place to live" in html


def test_a_goal_her_worker_proposed_waits_in_its_own_list_until_she_answers(
    eve_participant, eve_plan
):
    html = get(client_for(eve_participant), "portal_home").content.decode()
    proposed, rest = html.split("Proposed to you</h2>", 1)[1].split("</section>", 1)
    assert "Take French lessons" in proposed
    assert "Take French lessons" not in rest
    assert "Yes, this is my goal" in proposed and "Not for me" in proposed


def test_a_goal_she_let_go_is_not_in_her_list(eve_participant, plan, alice_socialworker):
    goal(plan, "Move to Paris", status="let_go", by_worker=alice_socialworker)
    assert "Move to Paris" not in get(client_for(eve_participant), "portal_home").content.decode()


def test_her_next_appointment_shows_date_time_and_first_name_only(
    eve_participant, eve_file, alice_socialworker
):
    alice_socialworker.first_name = "Alice"
    alice_socialworker.last_name = "Surname-Planted"
    alice_socialworker.save()
    when = timezone.now() + timedelta(days=2)
    Appointment.objects.create(
        participant=eve_file,
        worker=alice_socialworker,
        created_by=alice_socialworker,
        starts_at=when,
        purpose=PURPOSE,
    )
    Appointment.objects.create(
        participant=eve_file,
        worker=alice_socialworker,
        created_by=alice_socialworker,
        starts_at=timezone.now() - timedelta(days=1),
    )
    html = get(client_for(eve_participant), "portal_home").content.decode()
    assert "With Alice" in html
    assert timezone.localtime(when).strftime("%Y") in html
    assert "Surname-Planted" not in html
    assert PURPOSE not in html


def test_a_participant_without_a_file_sees_an_empty_space(mallory):
    response = get(client_for(mallory), "portal_home")
    assert response.status_code == 200
    assert "Your space is not ready yet" in response.content.decode()


def test_staff_are_told_no_on_her_space(alice_socialworker, eve_plan):
    assert get(client_for(alice_socialworker), "portal_home").status_code == 403


def test_her_space_never_shows_staff_notes_worker_notes_safety_plan_or_other_women(
    eve_participant, eve_file, eve_plan, alice_socialworker, mallory_file
):
    case_note_write(
        actor=alice_socialworker,
        participant=eve_file,
        kind="phone_call",
        confidentiality="team",
        happened_on=timezone.localdate(),
        text=CASE_NOTE,
    )
    Review.objects.create(
        plan=eve_plan,
        her_reflection="I feel stronger",
        worker_note=WORKER_NOTE,
        recorded_by=alice_socialworker,
    )
    SafetyPlan.objects.create(plan=eve_plan, strategies=SAFETY, updated_by=alice_socialworker)
    client = client_for(eve_participant)
    pages = [
        get(client, name).content.decode()
        for name in ("home", "portal_home", "portal_goal_new", "portal_reflection")
    ]
    assert "I feel stronger" in pages[3]
    for html in pages:
        for secret in (CASE_NOTE, WORKER_NOTE, SAFETY, OTHER_GOAL, *PLANTED.values()):
            assert secret not in html


# --- What she does ---


def test_she_marks_a_step_done_then_not_done(eve_participant, eve_plan):
    step = Step.objects.get(done_on__isnull=True)
    client = client_for(eve_participant)
    response = post(client, "portal_step_done", {"done": "1"}, step_pk=step.pk)
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.done_on == timezone.localdate()
    entry = AuditEntry.objects.filter(action="step.done").get()
    assert entry.actor == eve_participant and entry.participant_id == eve_plan.participant_id
    assert entry.target_id == str(step.pk) or entry.target_id == step.pk
    post(client, "portal_step_done", {"done": "0"}, step_pk=step.pk)
    step.refresh_from_db()
    assert step.done_on is None
    assert AuditEntry.objects.filter(action="step.undone").count() == 1


def test_the_same_answer_twice_changes_nothing(eve_participant, eve_plan):
    step = Step.objects.get(done_on__isnull=False)
    her_step_set_done(actor=eve_participant, step=step, done=True)
    assert not AuditEntry.objects.filter(action="step.done").exists()


def test_she_adds_a_goal_in_her_words_and_it_counts_from_today(eve_participant, eve_file):
    response = post(
        client_for(eve_participant),
        "portal_goal_new",
        {"horizon": "long", "domain": "integration", "words": "Become a baker 🥖"},
    )
    assert response.status_code == 302
    added = Goal.objects.get(plan__participant=eve_file)
    assert added.words == "Become a baker 🥖"
    assert added.proposed_by == "her" and added.proposed_by_user == eve_participant
    assert added.status == "agreed" and added.agreed_on == timezone.localdate()
    change = GoalChange.objects.get(goal=added)
    assert change.status_after == "agreed" and change.changed_by == eve_participant
    entry = AuditEntry.objects.get(action="goal.proposed")
    assert entry.payload == {"kind": "her", "status": "agreed", "via": "portal"}
    assert "baker" not in str(entry.payload)


def test_she_agrees_to_a_proposed_goal_and_the_change_is_kept(eve_participant, eve_plan):
    proposed = Goal.objects.get(status="proposed")
    post(client_for(eve_participant), "portal_goal_agree", goal_pk=proposed.pk)
    proposed.refresh_from_db()
    assert proposed.status == "agreed" and proposed.agreed_on == timezone.localdate()
    change = GoalChange.objects.get(goal=proposed)
    assert (change.status_before, change.status_after) == ("proposed", "agreed")
    assert AuditEntry.objects.filter(action="lifeplan.goal_agreed").count() == 1


def test_she_says_not_for_me_and_the_goal_is_let_go(eve_participant, eve_plan):
    proposed = Goal.objects.get(status="proposed")
    post(client_for(eve_participant), "portal_goal_let_go", goal_pk=proposed.pk)
    proposed.refresh_from_db()
    assert proposed.status == "let_go" and proposed.agreed_on is None
    assert GoalChange.objects.get(goal=proposed).status_after == "let_go"
    assert AuditEntry.objects.filter(action="lifeplan.goal_let_go").count() == 1


def test_a_goal_already_answered_cannot_be_answered_again(eve_participant, eve_plan):
    proposed = Goal.objects.get(status="proposed")
    her_goal_answer(actor=eve_participant, goal=proposed, agree=False)
    response = post(client_for(eve_participant), "portal_goal_agree", goal_pk=proposed.pk)
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == "let_go"


def test_a_review_with_only_a_worker_note_is_not_an_empty_entry_in_her_words(
    eve_participant, plan, alice_socialworker
):
    Review.objects.create(plan=plan, worker_note=WORKER_NOTE, recorded_by=alice_socialworker)
    html = get(client_for(eve_participant), "portal_reflection").content.decode()
    assert "What you wrote before" not in html
    assert WORKER_NOTE not in html


def test_she_writes_a_reflection_with_no_worker_note(eve_participant, eve_file):
    response = post(
        client_for(eve_participant),
        "portal_reflection",
        {"words": "مرحبا — I slept well this week"},
    )
    assert response.status_code == 302
    review = Review.objects.get(plan__participant=eve_file)
    assert review.her_reflection == "مرحبا — I slept well this week"
    assert review.worker_note == "" and review.recorded_by == eve_participant
    assert AuditEntry.objects.get(action="lifeplan.reflection_written").payload == {"via": "portal"}


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        (
            "portal_goal_new",
            {"horizon": "short", "domain": "health", "words": "   "},
            "Write a few words.",
        ),
        (
            "portal_goal_new",
            {"horizon": "someday", "domain": "health", "words": "<script>x</script>"},
            "Select a valid choice",
        ),
        (
            "portal_goal_new",
            {"horizon": "short", "domain": "health", "words": "a" * 10_000_000},
            "at most 2000",
        ),
        ("portal_reflection", {"words": "b" * 10_000_000}, "at most 5000"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_never_fails(
    eve_participant, eve_file, name, data, error
):
    response = post(client_for(eve_participant), name, data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Goal.objects.exists() and not Review.objects.exists()


@pytest.mark.parametrize("name", ["portal_goal_new", "portal_reflection"])
def test_an_empty_form_sent_says_what_is_missing(eve_participant, eve_file, name):
    html = post(client_for(eve_participant), name).content.decode()
    assert "Write a few words." in html


def test_what_she_typed_is_kept_when_the_form_comes_back(eve_participant, eve_file):
    html = post(
        client_for(eve_participant),
        "portal_goal_new",
        {"horizon": "", "domain": "health", "words": "<script>alert(1)</script> rêve"},
    ).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; rêve" in html
    assert "<script>alert(1)" not in html


# --- Only her own plan ---


def test_another_participants_ids_answer_404_to_mallory(mallory, mallory_file, eve_plan):
    client = client_for(mallory)
    step = Step.objects.get(goal__plan=eve_plan, done_on__isnull=True)
    proposed = Goal.objects.get(plan=eve_plan, status="proposed")
    assert post(client, "portal_step_done", {"done": "1"}, step_pk=step.pk).status_code == 404
    assert post(client, "portal_goal_agree", goal_pk=proposed.pk).status_code == 404
    assert post(client, "portal_goal_let_go", goal_pk=proposed.pk).status_code == 404
    step.refresh_from_db()
    proposed.refresh_from_db()
    assert step.done_on is None and proposed.status == "proposed"
    html = get(client, "portal_home").content.decode()
    assert OTHER_GOAL in html
    assert "Find a flat" not in html and "Take French lessons" not in html


def test_a_step_of_a_goal_still_proposed_cannot_be_marked_done(
    eve_participant, eve_plan, alice_socialworker
):
    proposed = Goal.objects.get(status="proposed")
    step = Step.objects.create(
        goal=proposed, words="Go to class", owner="her", created_by=alice_socialworker
    )
    response = post(client_for(eve_participant), "portal_step_done", {"done": "1"}, step_pk=step.pk)
    assert response.status_code == 404


# --- Light, safe pages on a phone ---


PORTAL_PAGES = (
    "home",
    "portal_home",
    "portal_goal_new",
    "portal_reflection",
    "portal_safety",
    "portal_safety_edit",
    "portal_dreams",
    "portal_dream_new",
    "portal_strengths",
    "portal_road",
)


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_every_page_of_her_space_is_light_discreet_and_has_the_emergency_exit(
    eve_participant, eve_plan, settings, name
):
    response = get(client_for(eve_participant), name)
    html = response.content.decode()
    assert len(response.content) < 200 * 1024
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title == "My space"
    for word in ("prostitution", "shelter", "life plan", "Safespace"):
        assert word.lower() not in title.lower()
    assert f'data-exit-url="{settings.SAFESPACE_EXIT_URL}"' in html
    assert "Emergency exit" in html
    assert reverse("account_logout") in html
    assert "style=" not in html and "<script>" not in html


def test_her_home_is_light_with_many_goals(eve_participant, plan, alice_socialworker):
    for n in range(30):
        g = goal(plan, "word " * 300 + str(n), proposer=eve_participant)
        Step.objects.bulk_create(
            [
                Step(goal=g, words="step " * 50, owner="her", created_by=alice_socialworker)
                for _ in range(5)
            ]
        )
    response = get(client_for(eve_participant), "portal_home")
    assert len(response.content) < 200 * 1024


@pytest.mark.parametrize("name", PORTAL_PAGES)
def test_her_space_speaks_french_by_default(eve_participant, eve_plan, name):
    response = client_for(eve_participant).get(reverse(name))
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


def _home_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert get(client, "portal_home").status_code == 200
    return len(queries)


def test_her_home_issues_the_same_number_of_queries_with_1_or_10_goals(
    eve_participant, plan, alice_socialworker
):
    client = client_for(eve_participant)
    first = goal(plan, "goal 0", proposer=eve_participant)
    Step.objects.create(goal=first, words="s", owner="her", created_by=alice_socialworker)
    one = _home_queries(client)
    for n in range(1, 10):
        g = goal(
            plan, f"goal {n}", proposer=eve_participant, horizon=["short", "medium", "long"][n % 3]
        )
        Step.objects.create(goal=g, words="s", owner="her", created_by=alice_socialworker)
        goal(plan, f"proposed {n}", status="proposed", by_worker=alice_socialworker)
    assert _home_queries(client) == one


# --- Her plan as a PDF ---


def test_she_downloads_her_plan_as_a_pdf_with_her_words_only(
    eve_participant, eve_plan, alice_socialworker, tmp_path
):
    Review.objects.create(
        plan=eve_plan,
        her_reflection="I feel stronger",
        worker_note=WORKER_NOTE,
        recorded_by=alice_socialworker,
    )
    response = get(client_for(eve_participant), "portal_plan_pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == 'attachment; filename="my-plan.pdf"'
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="lifeplan.downloaded_by_her")
    assert entry.payload == {"via": "portal", "format": "pdf"}
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "plan.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())
    assert "Find a flat near my daughter's school" in text
    assert "Call the housing office" in text
    assert "I feel stronger" in text
    assert WORKER_NOTE not in text
    assert "Take French lessons" not in text  # still only a proposal


def test_the_pdf_reads_nothing_from_the_network(eve_participant, eve_plan, monkeypatch):
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("the PDF tried to reach the network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    assert get(client_for(eve_participant), "portal_plan_pdf").content.startswith(b"%PDF")


def test_her_services_write_their_audit_entries_and_make_her_plan_once(eve_participant, eve_file):
    g = her_goal_propose(
        actor=eve_participant, participant=eve_file, horizon="short", domain="health", words="Sleep"
    )
    her_reflection_write(actor=eve_participant, participant=eve_file, words="Good week")
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["goal.proposed", "lifeplan.reflection_written"]
    assert LifePlan.objects.filter(participant=eve_file).count() == 1
    assert g.counts


def test_a_staff_account_cannot_reach_her_actions(alice_socialworker, eve_plan):
    client = client_for(alice_socialworker)
    step = Step.objects.first()
    assert post(client, "portal_step_done", {"done": "1"}, step_pk=step.pk).status_code == 403
    assert post(client, "portal_goal_new", {}).status_code == 403
    assert get(client, "portal_plan_pdf").status_code == 403


def test_a_new_participant_account_has_no_plan_until_her_file_exists():
    account = UserFactory(username="newcomer", role=Role.PARTICIPANT)
    assert get(client_for(account), "portal_goal_new").status_code == 404


def test_she_reads_her_safety_plan_on_its_own_page_and_only_hers(
    eve_participant, eve_plan, alice_socialworker, mallory, mallory_file
):
    SafetyPlan.objects.create(plan=eve_plan, strategies=SAFETY, updated_by=alice_socialworker)
    html = get(client_for(eve_participant), "portal_safety").content.decode()
    assert SAFETY in html
    # the home page only links to it: the plan itself is read on purpose
    assert SAFETY not in get(client_for(eve_participant), "portal_home").content.decode()
    other = get(client_for(mallory), "portal_safety")
    assert other.status_code == 200 and SAFETY not in other.content.decode()
    assert "no safety plan yet" in other.content.decode()
