"""Writes to her life plan: keyword-only services, atomic, audited in the same transaction."""

from django.db import transaction
from django.utils import timezone

from cases.models import Participant
from lifeplans.models import Goal, GoalChange, LifePlan, Review, Step
from safespace.audit import audit_record

# --- Her own space ---
# What she does herself on her phone. The views resolve every object through her own file
# (Participant.objects.visible_to), so these services trust the objects they are given.


def her_plan(participant: Participant) -> LifePlan:
    """Her one living plan, created on first use."""
    plan, _ = LifePlan.objects.get_or_create(participant=participant)
    return plan


@transaction.atomic
def her_step_set_done(*, actor, step: Step, done: bool) -> Step:
    """Mark one of her steps done (today) or not done; a repeat of the same answer is a no-op."""
    step = Step.objects.select_for_update().select_related("goal__plan").get(pk=step.pk)
    if step.done == done:
        return step
    step.done_on = timezone.localdate() if done else None
    step.save(update_fields=["done_on"])
    audit_record(
        action="lifeplan.step_done" if done else "lifeplan.step_undone",
        actor=actor,
        target=step,
        participant_id=step.goal.plan.participant_id,
        payload={"via": "portal"},
    )
    return step


@transaction.atomic
def her_goal_propose(
    *, actor, participant: Participant, horizon: str, domain: str, words: str
) -> Goal:
    """A goal in her own words: she proposes it, so she has agreed to it today."""
    plan = her_plan(participant)
    goal = Goal.objects.create(
        plan=plan,
        horizon=horizon,
        domain=domain,
        words=words,
        proposed_by=Goal.Proposer.HER,
        proposed_by_user=actor,
        status=Goal.Status.AGREED,
        agreed_on=timezone.localdate(),
    )
    GoalChange.objects.create(
        goal=goal,
        changed_by=actor,
        fields=["horizon", "domain", "words", "status"],
        status_after=goal.status,
    )
    audit_record(
        action="lifeplan.goal_added_by_her",
        actor=actor,
        target=goal,
        participant_id=participant.pk,
        payload={"via": "portal", "status": goal.status},
    )
    return goal


class NotAProposal(Exception):
    """The goal is no longer waiting for her answer (someone answered in the meantime)."""


@transaction.atomic
def her_goal_answer(*, actor, goal: Goal, agree: bool) -> Goal:
    """Her answer to a goal a worker proposed: she agrees (it counts from today) or lets it go."""
    goal = Goal.objects.select_for_update().select_related("plan").get(pk=goal.pk)
    if goal.status != Goal.Status.PROPOSED:
        raise NotAProposal
    before = goal.status
    goal.status = Goal.Status.AGREED if agree else Goal.Status.LET_GO
    if agree:
        goal.agreed_on = timezone.localdate()
    goal.updated_at = timezone.now()
    goal.version += 1
    goal.save(update_fields=["status", "agreed_on", "updated_at", "version"])
    GoalChange.objects.create(
        goal=goal,
        changed_by=actor,
        fields=["status"],
        status_before=before,
        status_after=goal.status,
    )
    audit_record(
        action="lifeplan.goal_agreed" if agree else "lifeplan.goal_let_go",
        actor=actor,
        target=goal,
        participant_id=goal.plan.participant_id,
        payload={"via": "portal", "status": goal.status},
    )
    return goal


@transaction.atomic
def her_reflection_write(*, actor, participant: Participant, words: str) -> Review:
    """Her reflection, in her words: a review row with no worker's note."""
    plan = her_plan(participant)
    review = Review.objects.create(plan=plan, her_reflection=words, recorded_by=actor)
    audit_record(
        action="lifeplan.reflection_written",
        actor=actor,
        target=review,
        participant_id=participant.pk,
        payload={"via": "portal"},
    )
    return review


@transaction.atomic
def her_plan_downloaded(*, actor, participant: Participant) -> None:
    """Record that she downloaded her plan (the PDF itself is never kept)."""
    audit_record(
        action="lifeplan.downloaded_by_her",
        actor=actor,
        target=her_plan(participant),
        participant_id=participant.pk,
        payload={"via": "portal", "format": "pdf"},
    )
