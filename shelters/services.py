"""Writes on shelters: stays begin, end and move, each with its audit entry.

A stay owns one BedNight row per night it covers, up to its expected departure, or up to
the shelter's maximum stay while no departure is planned. The database refuses a second
row for a bed-night or a person-night, so a bed can never be double-booked, whatever the
timing; the bed's and her file's rows are locked first, so two admissions wait in line and
the second is refused with a clear reason rather than an error.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from cases.models import Participant
from safespace.audit import audit_record
from shelters.models import AdmissionRequest, Bed, BedNight, Stay


class StayRefused(Exception):
    """A stay that cannot begin; ``message`` is safe to show (it names no one)."""

    message = _("This stay cannot begin.")


class BedTaken(StayRefused):
    message = _("This bed is already taken on one of these nights. Choose another bed.")


class AlreadyHoused(StayRefused):
    message = _("She already has a bed on one of these nights. End or move that stay first.")


class StayTooLong(StayRefused):
    message = _("This is longer than the shelter's maximum stay.")


class StayAlreadyEnded(Exception):
    """The stay has ended already (someone else ended or moved it)."""


def months_later(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def planned_end(bed: Bed, starts_on: date, expected_end_on: date | None) -> date:
    """The morning she is expected to leave, or the end of the shelter's maximum stay."""
    limit = months_later(starts_on, bed.room.shelter.max_stay_months)
    if expected_end_on is None:
        return limit
    if expected_end_on > limit:
        raise StayTooLong
    return expected_end_on


def _nights(stay: Stay, first: date, end: date) -> list[BedNight]:
    return [
        BedNight(stay=stay, bed_id=stay.bed_id, participant_id=stay.participant_id,
                 night=first + timedelta(days=n))
        for n in range((end - first).days)
    ]  # fmt: skip


def _nights_claim(stay: Stay, first: date, end: date) -> None:
    """Write the stay's nights; if any is taken, say whether by the bed or by her."""
    try:
        with transaction.atomic():
            BedNight.objects.bulk_create(_nights(stay, first, end), batch_size=500)
    except IntegrityError:
        nights = {"night__gte": first, "night__lt": end}
        if BedNight.objects.filter(bed_id=stay.bed_id, **nights).exists():
            raise BedTaken from None
        raise AlreadyHoused from None


@transaction.atomic
def stay_begin(
    *,
    actor,
    participant: Participant,
    bed: Bed,
    starts_on: date,
    expected_end_on: date | None = None,
    admission=None,
    moved_from: Stay | None = None,
) -> Stay:
    """Give her this bed from the night of ``starts_on``. Raises BedTaken, AlreadyHoused or
    StayTooLong (their ``message`` is for the person at the screen)."""
    # lock the bed, then her file: two admissions of the same bed or woman wait in line
    bed = Bed.objects.select_for_update().select_related("room__shelter").get(pk=bed.pk)
    Participant.objects.select_for_update().only("pk").get(pk=participant.pk)
    end = planned_end(bed, starts_on, expected_end_on)
    stay = Stay.objects.create(
        participant=participant,
        bed=bed,
        starts_on=starts_on,
        expected_end_on=expected_end_on,
        admission=admission,
        moved_from=moved_from,
        created_by=actor,
    )
    _nights_claim(stay, starts_on, end)
    if admission is not None:
        # the request she was admitted on leaves the waiting list
        admission.status = AdmissionRequest.Status.ADMITTED
        admission.decided_on = admission.decided_on or starts_on
        admission.version += 1
        admission.save(update_fields=["status", "decided_on", "version"])
    audit_record(
        action="shelter.stay_begun",
        actor=actor,
        target=stay,
        participant_id=participant.pk,
        payload={"kind": bed.room.shelter.kind} | ({"via": "move"} if moved_from else {}),
    )
    return stay


@transaction.atomic
def stay_end(
    *,
    actor,
    stay: Stay,
    ended_on: date,
    exit_destination: str,
    notes: str = "",
    moving: bool = False,
) -> Stay:
    """She leaves on the morning of ``ended_on``: the bed is free from that night. Unless
    she is ``moving`` to another bed of ours, her follow-ups are scheduled."""
    current = Stay.objects.select_for_update().get(pk=stay.pk)
    if current.ended_on is not None:
        raise StayAlreadyEnded
    current.ended_on = ended_on
    current.exit_destination = exit_destination
    if notes:
        current.notes = notes
    current.version += 1
    current.full_clean(exclude=["participant", "bed", "created_by", "moved_from", "admission"])
    current.save()
    BedNight.objects.filter(stay=current, night__gte=ended_on).delete()
    audit_record(
        action="shelter.stay_ended",
        actor=actor,
        target=current,
        participant_id=current.participant_id,
        payload={"kind": exit_destination or "unknown"},
    )
    if not moving:
        follow_ups_schedule(stay=current)
    return current


@transaction.atomic
def stay_move(*, actor, stay: Stay, bed: Bed, moved_on: date) -> Stay:
    """Move her to another bed (or shelter) on ``moved_on``: the stay ends that morning and
    the next begins that night, keeping its expected departure if the new shelter allows."""
    current = Stay.objects.select_for_update().select_related("bed__room__shelter").get(pk=stay.pk)
    if current.ended_on is not None:
        raise StayAlreadyEnded
    expected = current.expected_end_on
    if expected is not None and expected <= moved_on:
        expected = None
    new_shelter = Bed.objects.select_related("room__shelter").get(pk=bed.pk).room.shelter
    if new_shelter.pk == current.bed.room.shelter_id:
        destination = ""  # another bed of the same house: she has not left
    elif new_shelter.kind == new_shelter.Kind.TRANSITION:
        destination = Stay.ExitDestination.TRANSITION
    else:
        destination = Stay.ExitDestination.OTHER_SERVICE
    stay_end(
        actor=actor, stay=current, ended_on=moved_on, exit_destination=destination, moving=True
    )
    return stay_begin(
        actor=actor,
        participant=current.participant,
        bed=bed,
        starts_on=moved_on,
        expected_end_on=expected,
        moved_from=current,
    )


# --- Follow-ups after a stay ------------------------------------------------------------
# When she leaves the organisation's housing (not when she moves to another of its beds),
# follow-ups fall due at SAFESPACE_FOLLOW_UP_MONTHS after her departure. A beat task marks
# them due on their day (shelters.tasks); her worker records each outcome.
# (Imports here, not at the top: this block is added to a file others also change.)
from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.models import PathwayEntry  # noqa: E402
from shelters.models import FollowUp  # noqa: E402


class FollowUpAlreadyRecorded(Exception):
    """Someone recorded this follow-up already; ``message`` is safe to show."""

    message = _("This follow-up has already been recorded.")


@transaction.atomic
def follow_ups_schedule(*, stay: Stay) -> list[FollowUp]:
    """Her follow-ups after this stay ended, one per SAFESPACE_FOLLOW_UP_MONTHS, due that
    many months after ``ended_on``. Idempotent: a follow-up already there is kept as it is.

    If she is admitted again later, the follow-ups not yet done are kept: they are still
    useful, and her worker records them (or their outcome) as she sees fit."""
    if stay.ended_on is None:
        raise ValueError("follow-ups are scheduled once the stay has ended")
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                stay_id=stay.pk,
                participant_id=stay.participant_id,
                months_after=months,
                due_on=months_later(stay.ended_on, months),
            )
            for months in settings.SAFESPACE_FOLLOW_UP_MONTHS
        ],
        # one follow-up per stay and month (a database constraint): a second call adds nothing
        ignore_conflicts=True,
    )
    return list(FollowUp.objects.filter(stay_id=stay.pk).order_by("months_after"))


def follow_ups_mark_due(*, today: date | None = None) -> int:
    """Mark due the follow-ups whose day has come and that are not done; returns how many
    were marked now."""
    today = today or timezone.localdate()
    return FollowUp.objects.filter(is_due=False, done_on__isnull=True, due_on__lte=today).update(
        is_due=True
    )


@transaction.atomic
def follow_up_record(
    *,
    actor,
    follow_up: FollowUp,
    outcome: str,
    done_on: date,
    notes: str = "",
    pathway_status: str = "",
) -> FollowUp:
    """Record how she is doing (once): the outcome, the day, optional notes (encrypted).
    With ``pathway_status`` the same day is added to her exit pathway. Raises
    FollowUpAlreadyRecorded if someone recorded it first."""
    from cases.services import pathway_record

    if outcome not in FollowUp.Outcome.values:
        raise ValueError("unknown follow-up outcome")
    if pathway_status and pathway_status not in PathwayEntry.Status.values:
        raise ValueError("unknown pathway status")
    # lock the follow-up so two workers recording at once cannot both write it
    current = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if current.done_on is not None:
        raise FollowUpAlreadyRecorded
    current.outcome = outcome
    current.done_on = done_on
    current.notes = notes
    current.done_by = actor
    current.save(update_fields=["outcome", "done_on", "notes", "done_by"])
    if pathway_status:
        pathway_record(
            actor=actor,
            participant=Participant.objects.only("pk").get(pk=current.participant_id),
            status=pathway_status,
            since=done_on,
        )
    audit_record(
        action="shelter.follow_up_recorded",
        actor=actor,
        target=current,
        participant_id=current.participant_id,
        payload={"status": outcome},
    )
    return current
