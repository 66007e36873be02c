"""Writes on her life plan. Each records its audit entry in the same transaction; no text she
or her worker wrote ever reaches the audit trail."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cases.models import Participant
from lifeplans.models import Goal, GoalChange, LifePlan, Review, Step, Strength
from safespace.audit import audit_record

# --- Staff side ---
# Usable by anyone allowed to write her plan: a worker, or her own account (actor).


class GoalStaleEdit(Exception):
    """Someone else changed the goal since the form was opened."""


class GoalNotAgreed(Exception):
    """A goal moves past "proposed" only once she agrees."""


class AgreementNotInPerson(Exception):
    """A worker records her agreement only when she is there to give it."""


def _is_her(actor, participant: Participant) -> bool:
    return participant.account_id is not None and actor.pk == participant.account_id


def plan_for(participant: Participant) -> LifePlan:
    """Her plan, created on first use (one per participant, whatever the timing)."""
    plan, _created = LifePlan.objects.get_or_create(participant=participant)
    return plan


@transaction.atomic
def goal_propose(
    *,
    actor,
    participant: Participant,
    horizon: str,
    domain: str,
    words: str,
    by_her: bool,
    via: str = "",
) -> Goal:
    """A new goal in her words. Hers is agreed at once; a worker's stays proposed."""
    plan = plan_for(participant)
    now = timezone.now()
    goal = Goal(
        plan=plan,
        horizon=horizon,
        domain=domain,
        words=words,
        proposed_by=Goal.Proposer.HER if by_her else Goal.Proposer.WORKER,
        proposed_by_user=actor,
        status=Goal.Status.AGREED if by_her else Goal.Status.PROPOSED,
        agreed_on=timezone.localdate() if by_her else None,
        created_at=now,
        updated_at=now,
    )
    goal.full_clean(exclude=["plan", "proposed_by_user"])
    goal.save(force_insert=True)
    GoalChange.objects.create(
        goal=goal,
        changed_by=actor,
        changed_at=now,
        fields=["created"],
        status_before="",
        status_after=goal.status,
    )
    audit_record(
        action="goal.proposed",
        actor=actor,
        target=goal,
        participant_id=participant.pk,
        payload={"kind": goal.proposed_by, "status": goal.status} | ({"via": via} if via else {}),
    )
    return goal


@transaction.atomic
def goal_agree(*, actor, goal: Goal, in_her_presence: bool) -> Goal:
    """Record her agreement to a proposed goal. A worker needs her there, in person."""
    # her file's account only: nothing of it is decrypted to check who is agreeing
    current = (
        Goal.objects.select_for_update()
        .select_related("plan__participant")
        .only(
            "status",
            "agreed_on",
            "version",
            "updated_at",
            "plan__id",
            "plan__participant__id",
            "plan__participant__account_id",
        )
        .get(pk=goal.pk)
    )
    participant = current.plan.participant
    if not _is_her(actor, participant) and not in_her_presence:
        raise AgreementNotInPerson
    if current.agreed_on is not None:
        return current
    before = current.status
    current.agreed_on = timezone.localdate()
    if current.status in (Goal.Status.PROPOSED, Goal.Status.LET_GO):
        current.status = Goal.Status.AGREED
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    GoalChange.objects.create(
        goal=current,
        changed_by=actor,
        fields=["agreed_on", "status"],
        status_before=before,
        status_after=current.status,
    )
    audit_record(
        action="goal.agreed",
        actor=actor,
        target=current,
        participant_id=participant.pk,
        payload={"via": "her" if _is_her(actor, participant) else "in_person"},
    )
    return current


GOAL_EDITABLE = ("words", "horizon", "domain", "status")


@transaction.atomic
def goal_update(*, actor, goal: Goal, version: int, changes: dict) -> list:
    """Change her words, horizon, domain or status if nobody else saved in between.

    Returns the names of changed fields; every change is kept as a GoalChange.
    """
    unknown = set(changes) - set(GOAL_EDITABLE)
    if unknown:
        raise ValueError("only words, horizon, domain and status can change")
    # lock the goal: the version check and the write happen as one
    current = Goal.objects.select_for_update().select_related("plan").get(pk=goal.pk)
    if current.version != version:
        raise GoalStaleEdit
    changed = [name for name, value in changes.items() if getattr(current, name) != value]
    if not changed:
        return []
    new_status = changes.get("status", current.status)
    if new_status not in (Goal.Status.PROPOSED, Goal.Status.LET_GO) and current.agreed_on is None:
        raise GoalNotAgreed
    before_status, before_words = current.status, current.words
    for name in changed:
        setattr(current, name, changes[name])
    current.version += 1
    current.updated_at = timezone.now()
    current.full_clean(exclude=["plan", "proposed_by_user"])
    current.save()
    GoalChange.objects.create(
        goal=current,
        changed_by=actor,
        fields=sorted(changed),
        status_before=before_status,
        status_after=current.status,
        words_before=before_words if "words" in changed else "",
    )
    audit_record(
        action="goal.updated",
        actor=actor,
        target=current,
        participant_id=current.plan.participant_id,
        payload={"fields": sorted(changed), "status": current.status},
    )
    return changed


@transaction.atomic
def step_add(*, actor, goal: Goal, words: str, owner: str, due_on=None) -> Step:
    step = Step(goal=goal, words=words, owner=owner, due_on=due_on, created_by=actor)
    step.full_clean(exclude=["goal", "created_by"])
    step.save(force_insert=True)
    audit_record(
        action="step.added",
        actor=actor,
        target=step,
        participant_id=goal.plan.participant_id,
        payload={"kind": owner},
    )
    return step


@transaction.atomic
def step_set_done(*, actor, step: Step, done: bool, via: str = "") -> Step:
    """Mark a step done (today) or not done; doing it twice changes nothing."""
    # ids and the date only: the step's and the goal's words are not decrypted
    current = (
        Step.objects.select_for_update()
        .select_related("goal__plan")
        .only("done_on", "goal__id", "goal__plan__id", "goal__plan__participant_id")
        .get(pk=step.pk)
    )
    if current.done == done:
        return current
    current.done_on = timezone.localdate() if done else None
    current.save(update_fields=["done_on"])
    audit_record(
        action="step.done" if done else "step.undone",
        actor=actor,
        target=current,
        participant_id=current.goal.plan.participant_id,
        payload={"via": via} if via else {},
    )
    return current


@transaction.atomic
def review_record(
    *,
    actor,
    participant: Participant,
    reviewed_on,
    her_reflection: str = "",
    worker_note: str = "",
    next_review_on=None,
) -> Review:
    """A dated review; it schedules the next one and clears the overdue flag."""
    plan = LifePlan.objects.select_for_update().get(pk=plan_for(participant).pk)
    review = Review(
        plan=plan,
        reviewed_on=reviewed_on,
        her_reflection=her_reflection,
        worker_note=worker_note,
        recorded_by=actor,
    )
    review.full_clean(exclude=["plan", "recorded_by"])
    review.save(force_insert=True)
    plan.next_review_on = next_review_on
    plan.review_overdue = False
    plan.save(update_fields=["next_review_on", "review_overdue"])
    audit_record(
        action="review.recorded",
        actor=actor,
        target=review,
        participant_id=participant.pk,
        payload={
            "fields": [name for name in ("her_reflection", "worker_note") if getattr(review, name)]
        },
    )
    return review


@transaction.atomic
def reviews_overdue_flag(*, today=None) -> int:
    """Flag plans whose review date has passed, clear the others. Returns how many are overdue."""
    today = today or timezone.localdate()
    LifePlan.objects.filter(review_overdue=True).exclude(next_review_on__lt=today).update(
        review_overdue=False
    )
    LifePlan.objects.filter(next_review_on__lt=today, review_overdue=False).update(
        review_overdue=True
    )
    return LifePlan.objects.filter(review_overdue=True).count()


# --- Safety plan ---


class SafetyPlanStaleEdit(Exception):
    """Someone else changed her safety plan since the form was opened."""


SAFETY_FIELDS = ("strategies", "safe_places", "trusted_contacts", "code_words")


@transaction.atomic
def safety_plan_save(
    *, actor, participant: Participant, version: int, data: dict, via: str = ""
) -> list:
    """Write her safety plan if nobody saved in between; returns the names of changed fields."""
    from lifeplans.models import SafetyPlan

    plan = plan_for(participant)
    # lock her plan's row: the first save creates the safety plan, and only once
    LifePlan.objects.select_for_update().get(pk=plan.pk)
    current = SafetyPlan.objects.select_for_update().filter(plan=plan).first()
    if current is None:
        if version != 0:
            raise SafetyPlanStaleEdit
        current = SafetyPlan(plan=plan, updated_by=actor, version=0)
    elif current.version != version:
        raise SafetyPlanStaleEdit
    changed = [name for name in SAFETY_FIELDS if getattr(current, name) != data[name]]
    if not changed:  # nothing new (and an empty first save creates nothing)
        return []
    for name in changed:
        setattr(current, name, data[name])
    current.updated_by = actor
    current.updated_at = timezone.now()
    current.version += 1
    current.save()
    audit_record(
        action="safety_plan.updated",
        actor=actor,
        target=current,
        participant_id=participant.pk,
        payload={"fields": sorted(changed)} | ({"via": via} if via else {}),
    )
    return changed


# --- Her own space ---
# What she does herself on her phone. The views resolve every object through her own file
# (Participant.objects.visible_to), so these services trust the objects they are given.


def her_step_set_done(*, actor, step: Step, done: bool) -> Step:
    """She marks one of her steps done or not done, from her own space."""
    return step_set_done(actor=actor, step=step, done=done, via="portal")


def her_goal_propose(
    *, actor, participant: Participant, horizon: str, domain: str, words: str
) -> Goal:
    """A goal in her own words: she proposes it, so she has agreed to it today."""
    return goal_propose(
        actor=actor,
        participant=participant,
        horizon=horizon,
        domain=domain,
        words=words,
        by_her=True,
        via="portal",
    )


class NotAProposal(Exception):
    """The goal is no longer waiting for her answer (someone answered in the meantime)."""


@transaction.atomic
def her_goal_answer(*, actor, goal: Goal, agree: bool) -> Goal:
    """Her answer to a goal a worker proposed: she agrees (it counts from today) or lets it go."""
    goal = (
        Goal.objects.select_for_update()
        .select_related("plan")
        .only("status", "agreed_on", "updated_at", "version", "plan__id", "plan__participant_id")
        .get(pk=goal.pk)
    )
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
    plan = plan_for(participant)
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
        target=plan_for(participant),
        participant_id=participant.pk,
        payload={"via": "portal", "format": "pdf"},
    )


# --- Dream board ---
# Her wishes for the year, as pictures and words. A picture arrives already cleaned of its
# metadata (lifeplans.forms.DreamForm) and is kept as one Fernet token in DreamImage.

DREAMS_PER_YEAR = 60


class DreamBoardFull(Exception):
    """Her board for this year holds DREAMS_PER_YEAR items already."""


@transaction.atomic
def dream_add(
    *, actor, participant: Participant, words: str = "", picture=None, content_type="", via=""
):
    """Put a picture, words, or both on her board for this year."""
    from lifeplans.models import DreamImage, DreamItem
    from safespace.crypto import encrypt_bytes

    plan = plan_for(participant)
    # lock her plan: two uploads at once cannot both take the last place on the board
    LifePlan.objects.select_for_update().only("pk").get(pk=plan.pk)
    year = timezone.localdate().year
    if DreamItem.objects.filter(plan=plan, year=year).count() >= DREAMS_PER_YEAR:
        raise DreamBoardFull
    item = DreamItem.objects.create(
        plan=plan,
        year=year,
        words=words.strip(),
        content_type=content_type if picture else "",
        added_by=actor,
    )
    if picture:
        DreamImage.objects.create(item=item, token=encrypt_bytes(picture))
    audit_record(
        action="dream.added",
        actor=actor,
        target=item,
        participant_id=participant.pk,
        payload={"kind": "picture" if picture else "words"} | ({"via": via} if via else {}),
    )
    return item


@transaction.atomic
def dream_remove(*, actor, item, via="") -> bool:
    """Take an item off her board, picture and all. False if it was already gone."""
    from lifeplans.models import DreamItem

    locked = (
        DreamItem.objects.select_for_update()
        .only("pk", "plan_id", "content_type", "plan__participant_id")
        .select_related("plan")
        .filter(pk=item.pk)
        .first()
    )
    if locked is None:
        return False
    audit_record(
        action="dream.removed",
        actor=actor,
        target=locked,
        participant_id=locked.plan.participant_id,
        payload={"kind": "picture" if locked.content_type else "words"}
        | ({"via": via} if via else {}),
    )
    locked.delete()  # the picture goes with it (CASCADE)
    return True


def dream_picture(item) -> bytes:
    """The decrypted picture of an item reached through her scoped plan.

    Raises DreamImage.DoesNotExist for an item of words only, and
    safespace.crypto.DecryptionError (which never holds the picture) for a wrong key."""
    from lifeplans.models import DreamImage
    from safespace.crypto import decrypt_bytes

    return decrypt_bytes(DreamImage.objects.values_list("token", flat=True).get(item=item))


def her_dream_remove(*, actor, item) -> bool:
    """She takes something off her own board, from her own space."""
    return dream_remove(actor=actor, item=item, via="portal")


# --- Strengths ---
# What she is good at, as she sees it: a few words (tags), her own words, or both.


def _strength_fields(strength: Strength) -> list:
    return [name for name in ("tags", "words") if getattr(strength, name).strip()]


@transaction.atomic
def strength_add(
    *, actor, participant: Participant, tags: str, words: str, via: str = ""
) -> Strength:
    """A strength or skill she recognises in herself, on her plan (created if needed).

    Raises ValueError when both the few words and her words are empty."""
    if not tags.strip() and not words.strip():
        raise ValueError("a strength needs a few words or her words")
    strength = Strength(
        plan=plan_for(participant),
        tags=tags.strip(),
        words=words if words.strip() else "",
        recorded_by=actor,
    )
    strength.full_clean(exclude=["plan", "recorded_by"])
    strength.save(force_insert=True)
    audit_record(
        action="strength.added",
        actor=actor,
        target=strength,
        participant_id=participant.pk,
        payload={"fields": _strength_fields(strength)} | ({"via": via} if via else {}),
    )
    return strength


@transaction.atomic
def strength_remove(*, actor, strength: Strength, via: str = "") -> bool:
    """Remove one of her strengths. False if it was already gone."""
    # lock the row so two removals do not both record one
    locked = (
        Strength.objects.select_for_update(of=("self",))
        .select_related("plan")
        .only("pk", "plan__participant")
        .filter(pk=strength.pk)
        .first()
    )
    if locked is None:
        return False
    audit_record(
        action="strength.removed",
        actor=actor,
        target=locked,
        participant_id=locked.plan.participant_id,
        payload={"via": via} if via else {},
    )
    locked.delete()
    return True


# --- Correction requests ---
# She asks, from her own space, for something in her file to be corrected; her key worker
# answers in the app. Nothing is sent by email, and neither her words nor the answer ever
# reach the audit trail, a log line or an exception message.


class CorrectionAlreadyAnswered(Exception):
    """Someone answered this request first: the first answer is the one kept."""


@transaction.atomic
def correction_ask(*, actor, participant: Participant, words: str):
    """Her request, in her words, waiting for her key worker's answer.

    Raises django.core.exceptions.ValidationError when the words are empty or too long."""
    from lifeplans.models import CorrectionRequest

    correction = CorrectionRequest(participant=participant, words=words)
    correction.full_clean(exclude=["participant"])
    correction.save(force_insert=True)
    audit_record(
        action="correction.requested",
        actor=actor,
        target=correction,
        participant_id=participant.pk,
        payload={"via": "portal"},
    )
    return correction


@transaction.atomic
def correction_answer(*, actor, correction, answer: str):
    """Answer a waiting request. The first answer wins: raises CorrectionAlreadyAnswered,
    changing nothing, when the request was answered in the meantime (whatever the timing).

    Raises ValueError when the answer is empty or longer than CORRECTION_ANSWER_MAX."""
    from lifeplans.models import CORRECTION_ANSWER_MAX, CorrectionRequest

    if not answer.strip() or len(answer) > CORRECTION_ANSWER_MAX:
        raise ValueError("an answer is between 1 and CORRECTION_ANSWER_MAX characters")
    Status = CorrectionRequest.Status
    now = timezone.now()
    # one conditional UPDATE: of two answers at once, the second finds it answered already
    # (PostgreSQL re-checks the condition once the first commits; SQLite writes one at a time)
    updated = CorrectionRequest.objects.filter(pk=correction.pk, status=Status.WAITING).update(
        status=Status.ANSWERED, answer=answer, answered_by=actor, answered_at=now
    )
    if not updated:
        raise CorrectionAlreadyAnswered
    answered = (
        CorrectionRequest.objects.only(
            "pk", "participant_id", "status", "answered_by_id", "answered_at"
        )
    ).get(pk=correction.pk)
    audit_record(
        action="correction.answered",
        actor=actor,
        target=answered,
        participant_id=answered.participant_id,
        payload={"status": answered.status},
    )
    return answered
