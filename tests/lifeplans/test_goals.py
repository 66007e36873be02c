"""Goals in her words: a goal someone proposes to her counts only once she agrees."""

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from lifeplans.models import Goal, GoalChange, LifePlan
from lifeplans.services import (
    AgreementNotInPerson,
    GoalNotAgreed,
    GoalStaleEdit,
    goal_agree,
    goal_propose,
    goal_update,
    plan_for,
    step_add,
    step_set_done,
)
from safespace.models import AuditEntry

pytestmark = pytest.mark.django_db

WORDS = "Avoir un studio à moi, avec une clé"


def _propose(actor, participant, *, by_her=False, words=WORDS, horizon="short"):
    return goal_propose(
        actor=actor,
        participant=participant,
        horizon=horizon,
        domain="housing",
        words=words,
        by_her=by_her,
    )


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_her_plan_is_created_once(eve_file):
    assert plan_for(eve_file) == plan_for(eve_file)
    assert LifePlan.objects.count() == 1


def test_a_workers_proposal_stays_proposed(alice_socialworker, eve_file):
    goal = _propose(alice_socialworker, eve_file)
    assert goal.status == Goal.Status.PROPOSED
    assert goal.proposed_by == Goal.Proposer.WORKER
    assert goal.agreed_on is None and not goal.counts
    entry = AuditEntry.objects.get(action="goal.proposed")
    assert entry.payload == {"kind": "worker", "status": "proposed"}
    assert entry.participant_id == eve_file.pk


def test_her_own_goal_is_agreed_at_once(eve_participant, eve_file):
    goal = _propose(eve_participant, eve_file, by_her=True)
    assert goal.status == Goal.Status.AGREED
    assert goal.proposed_by == Goal.Proposer.HER
    assert goal.agreed_on is not None and goal.counts


def test_a_worker_records_her_agreement_only_in_person(alice_socialworker, eve_file):
    goal = _propose(alice_socialworker, eve_file)
    with pytest.raises(AgreementNotInPerson):
        goal_agree(actor=alice_socialworker, goal=goal, in_her_presence=False)
    goal.refresh_from_db()
    assert goal.status == Goal.Status.PROPOSED
    goal = goal_agree(actor=alice_socialworker, goal=goal, in_her_presence=True)
    assert goal.status == Goal.Status.AGREED and goal.agreed_on is not None
    assert AuditEntry.objects.get(action="goal.agreed").payload == {"via": "in_person"}


def test_she_agrees_from_her_own_account(alice_socialworker, eve_participant, eve_file):
    goal = _propose(alice_socialworker, eve_file)
    goal = goal_agree(actor=eve_participant, goal=goal, in_her_presence=False)
    assert goal.status == Goal.Status.AGREED
    assert AuditEntry.objects.get(action="goal.agreed").payload == {"via": "her"}


def test_the_agreement_form_refuses_without_the_box_ticked(alice_socialworker, eve_file):
    goal = _propose(alice_socialworker, eve_file)
    response = _client(alice_socialworker).post(
        reverse("lifeplan_goal_agree", args=[eve_file.pk, goal.pk]), {}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "Only she can agree" in response.content.decode()
    goal.refresh_from_db()
    assert goal.status == Goal.Status.PROPOSED
    response = _client(alice_socialworker).post(
        reverse("lifeplan_goal_agree", args=[eve_file.pk, goal.pk]), {"in_her_presence": "on"}
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == Goal.Status.AGREED


def test_a_status_past_proposed_is_refused_without_her_agreement(alice_socialworker, eve_file):
    goal = _propose(alice_socialworker, eve_file)
    for status in ("agreed", "in_progress", "achieved", "paused"):
        with pytest.raises(GoalNotAgreed):
            goal_update(
                actor=alice_socialworker,
                goal=goal,
                version=goal.version,
                changes={"status": status},
            )
    goal.refresh_from_db()
    assert goal.status == Goal.Status.PROPOSED
    # letting a proposal go needs no agreement
    goal_update(
        actor=alice_socialworker, goal=goal, version=goal.version, changes={"status": "let_go"}
    )
    goal.refresh_from_db()
    assert goal.status == Goal.Status.LET_GO


def test_the_database_refuses_a_counted_status_without_agreement(alice_socialworker, eve_file):
    goal = _propose(alice_socialworker, eve_file)
    with pytest.raises(IntegrityError):
        Goal.objects.filter(pk=goal.pk).update(status="achieved")


def test_the_edit_form_says_she_has_not_agreed(alice_socialworker, eve_file):
    goal = _propose(alice_socialworker, eve_file)
    response = _client(alice_socialworker).post(
        reverse("lifeplan_goal_edit", args=[eve_file.pk, goal.pk]),
        {
            "words": "Changed words",
            "horizon": "short",
            "domain": "housing",
            "status": "in_progress",
            "version": goal.version,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "She has not agreed to this goal yet" in html
    assert "Changed words" in html  # what was typed is kept
    goal.refresh_from_db()
    assert goal.words == WORDS


def test_every_change_is_kept_in_its_history(alice_socialworker, eve_participant, eve_file):
    goal = _propose(alice_socialworker, eve_file)
    goal = goal_agree(actor=alice_socialworker, goal=goal, in_her_presence=True)
    goal_update(
        actor=eve_participant,
        goal=goal,
        version=goal.version,
        changes={"words": "Un studio près du travail", "status": "in_progress"},
    )
    goal.refresh_from_db()
    goal_update(
        actor=alice_socialworker, goal=goal, version=goal.version, changes={"horizon": "medium"}
    )
    changes = list(GoalChange.objects.filter(goal=goal))
    assert [c.fields for c in changes] == [
        ["created"],
        ["agreed_on", "status"],
        ["status", "words"],
        ["horizon"],
    ]
    assert [(c.status_before, c.status_after) for c in changes] == [
        ("", "proposed"),
        ("proposed", "agreed"),
        ("agreed", "in_progress"),
        ("in_progress", "in_progress"),
    ]
    assert changes[2].words_before == WORDS and changes[2].changed_by == eve_participant
    assert changes[3].words_before == ""
    entry = AuditEntry.objects.filter(action="goal.updated").first()
    assert entry.payload == {"fields": ["status", "words"], "status": "in_progress"}
    # the earlier words are encrypted at rest, like the goal itself
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT words_before FROM lifeplans_goalchange WHERE id = %s", [changes[2].pk]
        )
        assert WORDS not in cursor.fetchone()[0]


def test_no_text_reaches_the_audit_trail(alice_socialworker, eve_file):
    goal = _propose(alice_socialworker, eve_file, words="<script>secret-marker</script>")
    step_add(actor=alice_socialworker, goal=goal, words="secret-marker step", owner="her")
    for entry in AuditEntry.objects.all():
        assert "secret-marker" not in str(entry.payload)


def test_a_stale_edit_is_refused(alice_socialworker, bea_peerworker, eve_file):
    goal = _propose(alice_socialworker, eve_file)
    opened_version = goal.version
    goal_update(
        actor=bea_peerworker, goal=goal, version=opened_version, changes={"words": "Bea's change"}
    )
    with pytest.raises(GoalStaleEdit):
        goal_update(
            actor=alice_socialworker,
            goal=goal,
            version=opened_version,
            changes={"words": "Alice's change"},
        )
    goal.refresh_from_db()
    assert goal.words == "Bea's change"


def test_a_stale_edit_in_the_form_keeps_what_was_typed(alice_socialworker, eve_file):
    goal = _propose(alice_socialworker, eve_file)
    goal_update(
        actor=alice_socialworker, goal=goal, version=goal.version, changes={"horizon": "long"}
    )
    response = _client(alice_socialworker).post(
        reverse("lifeplan_goal_edit", args=[eve_file.pk, goal.pk]),
        {
            "words": "My late words",
            "horizon": "short",
            "domain": "housing",
            "status": "proposed",
            "version": 1,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this goal" in html and "My late words" in html


def test_steps_are_ticked_done_and_undone(alice_socialworker, eve_file):
    goal = _propose(alice_socialworker, eve_file)
    step = step_add(actor=alice_socialworker, goal=goal, words="Call the office", owner="her")
    assert AuditEntry.objects.get(action="step.added").payload == {"kind": "her"}
    client = _client(alice_socialworker)
    url = reverse("lifeplan_step_done", args=[eve_file.pk, step.pk])
    assert client.post(url, {"done": "1"}).status_code == 302
    step.refresh_from_db()
    assert step.done
    client.post(url, {"done": "0"})
    step.refresh_from_db()
    assert not step.done
    assert AuditEntry.objects.filter(action__in=["step.done", "step.undone"]).count() == 2
    step_set_done(actor=alice_socialworker, step=step, done=False)  # twice: nothing new
    assert AuditEntry.objects.filter(action="step.undone").count() == 1


@pytest.mark.parametrize(
    "words",
    ["<script>alert(1)</script>", "أريد بيتا لي ولأطفالي", "Un toit 🏠✨", "x" * 3_000, "   "],
)
def test_odd_input_gives_field_errors_or_is_kept_safely(alice_socialworker, eve_file, words):
    response = _client(alice_socialworker).post(
        reverse("lifeplan_goal_new", args=[eve_file.pk]),
        {"words": words, "horizon": "short", "domain": "housing"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    if len(words) > 2_000 or not words.strip():
        assert response.status_code == 200
        assert not Goal.objects.exists()
        assert 'class="errorlist' in response.content.decode()
        if words.strip():
            assert words in response.content.decode()  # kept for her to shorten
    else:
        assert response.status_code == 302
        goal = Goal.objects.get()
        assert goal.words == words
        html = (
            _client(alice_socialworker)
            .get(reverse("lifeplan_detail", args=[eve_file.pk]))
            .content.decode()
        )
        assert "<script>alert(1)</script>" not in html


def test_a_ten_megabyte_goal_is_refused_without_error(alice_socialworker, eve_file):
    response = _client(alice_socialworker).post(
        reverse("lifeplan_goal_new", args=[eve_file.pk]),
        {"words": "a" * (10 * 1024 * 1024), "horizon": "short", "domain": "housing"},
    )
    assert response.status_code in (200, 400, 413)
    assert not Goal.objects.exists()
