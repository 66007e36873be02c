"""Writes on shelters: stays begin, end and move, each with its audit entry.

A stay owns one BedNight row per night it covers, up to its expected departure, or up to
the shelter's maximum stay while no departure is planned. The database refuses a second
row for a bed-night or a person-night, so a bed can never be double-booked, whatever the
timing; the bed's and her file's rows are locked first, so two admissions wait in line and
the second is refused with a clear reason rather than an error.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Participant
from safespace.audit import audit_record
from shelters.dates import months_later  # noqa: F401 - used here and by the app
from shelters.models import AdmissionRequest, Bed, BedNight, Room, Shelter, Stay


class StayRefused(Exception):
    """A stay that cannot begin; ``message`` is safe to show (it names no one)."""

    message = _("This stay cannot begin.")


class BedTaken(StayRefused):
    message = _("This bed is already taken on one of these nights. Choose another bed.")


class AlreadyHoused(StayRefused):
    message = _("She already has a bed on one of these nights. End or move that stay first.")


class StayTooLong(StayRefused):
    message = _("This is longer than the house's maximum stay.")


class BedOutOfUse(StayRefused):
    message = _("This bed is not in use, or its house is closed. Choose another bed.")


class RequestNoLongerOpen(StayRefused):
    message = _(
        "This request for a place was decided or withdrawn meanwhile. Look at it again before "
        "giving her a place."
    )


class StayAlreadyEnded(Exception):
    """The stay has ended already (someone else ended or moved it)."""


# --- Houses, rooms and beds (coordinators) ---

SHELTER_FIELDS = ("name", "kind", "max_stay_months", "active")


class NameTaken(Exception):
    """Another house, room or bed already has this name."""


class BedStillHeld(Exception):
    """A stay holds this bed tonight or later: move her before taking the bed out of use."""


class ShelterStaleEdit(Exception):
    """Someone else changed the house since the form was opened."""


def _save_named(obj) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise NameTaken from None


@transaction.atomic
def shelter_save(
    *, actor, shelter: Shelter | None, data: dict, address: str = "", staff=None, version=None
) -> Shelter:
    """Create a house, or change one. The address is written only when a new one is given
    (it is never shown in a form); the audit entry names the fields, never their values."""
    if shelter is None:
        current, changed = Shelter(), ["address", *SHELTER_FIELDS]
    else:
        current = Shelter.objects.select_for_update().get(pk=shelter.pk)
        if version is not None and current.version != version:
            raise ShelterStaleEdit
        changed = [name for name in SHELTER_FIELDS if getattr(current, name) != data[name]]
        if address:
            changed.append("address")
    for name in SHELTER_FIELDS:
        setattr(current, name, data[name])
    if address:
        current.address = address
    if shelter is not None and (changed or staff is not None):
        current.version += 1
    current.full_clean(validate_unique=False, validate_constraints=False)
    _save_named(current)
    if staff is not None:
        before = set(current.staff.values_list("pk", flat=True))
        if before != {user.pk for user in staff}:
            current.staff.set(staff)
            changed.append("staff")
    if changed:
        audit_record(
            action="shelter.created" if shelter is None else "shelter.changed",
            actor=actor,
            target=current,
            payload={"fields": sorted(changed)},
        )
    return current


def _named_add(*, actor, obj, parent: str, action: str):
    obj.full_clean(exclude=[parent], validate_unique=False, validate_constraints=False)
    _save_named(obj)
    audit_record(action=action, actor=actor, target=obj, payload={})
    return obj


@transaction.atomic
def room_add(*, actor, shelter: Shelter, name: str) -> Room:
    room = Room(shelter=shelter, name=name)
    return _named_add(actor=actor, obj=room, parent="shelter", action="shelter.room_added")


@transaction.atomic
def bed_add(*, actor, room: Room, label: str) -> Bed:
    bed = Bed(room=room, label=label)
    return _named_add(actor=actor, obj=bed, parent="room", action="shelter.bed_added")


@transaction.atomic
def bed_set_active(*, actor, bed: Bed, active: bool, today: date) -> Bed:
    """Take a bed out of use (never while a stay holds it tonight or later), or back in."""
    current = Bed.objects.select_for_update().get(pk=bed.pk)
    if current.active == active:
        return current
    if not active and BedNight.objects.filter(bed=current, night__gte=today).exists():
        raise BedStillHeld
    current.active = active
    current.save(update_fields=["active"])
    audit_record(
        action="shelter.bed_changed",
        actor=actor,
        target=current,
        payload={"status": "in_use" if active else "out_of_use"},
    )
    return current


def planned_end(
    bed: Bed, starts_on: date, expected_end_on: date | None, limit_from: date | None = None
) -> date:
    """The morning she is expected to leave, or the end of the shelter's maximum stay
    (counted from ``limit_from``, her arrival in the house, when she moved within it)."""
    limit = months_later(limit_from or starts_on, bed.room.shelter.max_stay_months)
    if limit <= starts_on:
        raise StayTooLong
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
    limit_from: date | None = None,
) -> Stay:
    """Give her this bed from the night of ``starts_on``. Raises BedTaken, AlreadyHoused or
    StayTooLong (their ``message`` is for the person at the screen). ``limit_from``: the day
    the house's maximum stay counts from, when it is not ``starts_on`` (a move within it)."""
    # lock the bed, then her file: two admissions of the same bed or woman wait in line
    # (of the bed's row alone: PostgreSQL would also lock the joined room and house rows)
    bed = Bed.objects.select_for_update(of=("self",)).select_related("room__shelter").get(pk=bed.pk)
    if not (bed.active and bed.room.shelter.active):
        raise BedOutOfUse  # taken out of use since the form was shown
    Participant.objects.select_for_update().only("pk").get(pk=participant.pk)
    if admission is not None:
        # re-read the request under lock: it may have been refused or withdrawn meanwhile
        admission = AdmissionRequest.objects.select_for_update().get(pk=admission.pk)
        if admission.participant_id != participant.pk or not admission.is_open:
            raise RequestNoLongerOpen
    end = planned_end(bed, starts_on, expected_end_on, limit_from)
    stay = Stay.objects.create(
        participant=participant,
        bed=bed,
        starts_on=starts_on,
        limit_from=limit_from,
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
    # every row lock before the audit entry (whose lock is global): her file, for follow-ups
    Participant.objects.select_for_update().only("pk").get(pk=current.participant_id)
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
    current = (
        Stay.objects.select_for_update(of=("self",))
        .select_related("bed__room__shelter")
        .get(pk=stay.pk)
    )
    if current.ended_on is not None:
        raise StayAlreadyEnded
    # every row lock before the first audit entry (its lock is global): both beds in one
    # order, so two moves swapping beds wait in line instead of deadlocking, then her file
    list(
        Bed.objects.select_for_update()
        .filter(pk__in={current.bed_id, bed.pk})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Participant.objects.select_for_update().only("pk").get(pk=current.participant_id)
    expected = current.expected_end_on
    if expected is not None and expected <= moved_on:
        expected = None
    new_shelter = Bed.objects.select_related("room__shelter").get(pk=bed.pk).room.shelter
    limit_from = None
    if new_shelter.pk == current.bed.room.shelter_id:
        destination = ""  # another bed of the same house: she has not left
        # and the house's maximum still counts from her arrival in it
        limit_from = current.limit_from or current.starts_on
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
        limit_from=limit_from,
    )


@transaction.atomic
def stay_change_departure(*, actor, stay: Stay, version: int, expected_end_on: date | None) -> Stay:
    """Bring her expected departure forward or push it back (no date: up to the house's
    maximum). The nights follow: those after the new date are freed, the extra ones claimed
    (BedTaken, AlreadyHoused or StayTooLong if they cannot be). StaleEdit if someone changed
    the stay since ``version``."""
    from cases.services import StaleEdit

    current = Stay.objects.select_for_update(of=("self",)).get(pk=stay.pk)
    if current.ended_on is not None:
        raise StayAlreadyEnded
    if current.version != version:
        raise StaleEdit
    # the order of every housing write: the stay, its bed, her file; then the audit entry
    bed = (
        Bed.objects.select_for_update(of=("self",))
        .select_related("room__shelter")
        .get(pk=current.bed_id)
    )
    Participant.objects.select_for_update().only("pk").get(pk=current.participant_id)
    if expected_end_on is not None and expected_end_on <= current.starts_on:
        raise StayTooLong
    end = planned_end(bed, current.starts_on, expected_end_on, current.limit_from)
    current.nights.filter(night__gte=end).delete()
    last = current.nights.order_by("-night").values_list("night", flat=True).first()
    first_missing = last + timedelta(days=1) if last else current.starts_on
    if first_missing < end:
        _nights_claim(current, first_missing, end)
    current.expected_end_on = expected_end_on
    current.version += 1
    current.save(update_fields=["expected_end_on", "version"])
    audit_record(
        action="shelter.stay_changed",
        actor=actor,
        target=current,
        participant_id=current.participant_id,
        payload={"fields": ["expected_end_on"]},
    )
    return current


# --- Admission requests (the waiting list) ------------------------------------------------
# A worker asks for a place for her; coordinators offer one, refuse (with a reason) or put an
# offer back to waiting; the request can be withdrawn. Admitting her is stay_begin(admission=).
# She has at most one open request (waiting, or offered a place): the database refuses a second.


class AdmissionStaleEdit(Exception):
    """Someone else decided on this request since the page was opened."""


class OpenRequestExists(Exception):
    """She already has an open request; ``message`` is safe to show."""

    message = _(
        "She already has an open request for a place (waiting, or offered one). "
        "Follow that one, or withdraw it before asking again."
    )


class AdmissionClosed(Exception):
    """The request is decided (admitted, refused or withdrawn): it no longer changes."""


class AdmissionReasonMissing(ValueError):
    """A refusal needs a reason."""


# the decisions an open request can take, from each open status
ADMISSION_DECISIONS = {
    AdmissionRequest.Status.WAITING: (
        AdmissionRequest.Status.OFFERED,
        AdmissionRequest.Status.REFUSED,
        AdmissionRequest.Status.WITHDRAWN,
    ),
    AdmissionRequest.Status.OFFERED: (
        AdmissionRequest.Status.WAITING,
        AdmissionRequest.Status.REFUSED,
        AdmissionRequest.Status.WITHDRAWN,
    ),
}


@transaction.atomic
def admission_request_make(
    *,
    actor,
    participant: Participant,
    urgency: str,
    wished_kind: str = "",
    requested_on: date | None = None,
) -> AdmissionRequest:
    """Put her on the waiting list. Raises OpenRequestExists if she already is."""
    # lock her file: two workers asking for her at once wait in line
    Participant.objects.select_for_update().only("pk").get(pk=participant.pk)
    if AdmissionRequest.objects.open().filter(participant_id=participant.pk).exists():
        raise OpenRequestExists
    admission = AdmissionRequest(
        participant=participant,
        requested_by=actor,
        requested_on=requested_on or timezone.localdate(),
        urgency=urgency,
        wished_kind=wished_kind,
    )
    admission.full_clean(exclude=["participant", "requested_by"])
    try:
        with transaction.atomic():
            admission.save()
    except IntegrityError:  # the constraint, when the row lock is not enough (SQLite)
        raise OpenRequestExists from None
    audit_record(
        action="shelter.request_made",
        actor=actor,
        target=admission,
        participant_id=participant.pk,
        payload={"status": admission.status, "kind": urgency},
    )
    return admission


@transaction.atomic
def admission_request_decide(
    *, actor, request: AdmissionRequest, status: str, reason: str = "", version: int
) -> AdmissionRequest:
    """Offer a place, refuse (a reason is needed), withdraw, or put an offer back to waiting,
    if nobody else decided in between. The reason is kept encrypted, never in the audit."""
    # lock the request: the version check and the decision happen as one
    current = AdmissionRequest.objects.select_for_update().get(pk=request.pk)
    if current.version != version:
        raise AdmissionStaleEdit
    if not current.is_open:
        raise AdmissionClosed
    if status not in ADMISSION_DECISIONS[current.status]:
        raise ValueError(f"no decision {status!r} from {current.status!r}")
    reason = reason.strip()
    if status == AdmissionRequest.Status.REFUSED and not reason:
        raise AdmissionReasonMissing
    current.status = status
    current.decided_on = None if status == AdmissionRequest.Status.WAITING else timezone.localdate()
    current.decision_reason = reason
    current.version += 1
    current.save(update_fields=["status", "decided_on", "decision_reason", "version"])
    audit_record(
        action="shelter.request_decided",
        actor=actor,
        target=current,
        participant_id=current.participant_id,
        payload={"status": status, "kind": current.urgency},
    )
    return current


# --- Stays from the screen: ending and moving a stay the form showed at ``version`` ---


def _stay_unchanged(stay: Stay, version: int) -> Stay:
    """The stay, locked, if it is still open and nobody changed it since ``version``."""
    from cases.services import StaleEdit

    current = Stay.objects.select_for_update().get(pk=stay.pk)
    if current.ended_on is not None:
        raise StayAlreadyEnded
    if current.version != version:
        raise StaleEdit
    return current


@transaction.atomic
def stay_end_unless_changed(
    *, actor, stay: Stay, version: int, ended_on: date, exit_destination: str, notes: str = ""
) -> Stay:
    """stay_end, unless someone changed the stay since the form was opened (StaleEdit)."""
    current = _stay_unchanged(stay, version)
    return stay_end(
        actor=actor,
        stay=current,
        ended_on=ended_on,
        exit_destination=exit_destination,
        notes=notes,
    )


@transaction.atomic
def stay_move_unless_changed(*, actor, stay: Stay, version: int, bed: Bed, moved_on: date) -> Stay:
    """stay_move, unless someone changed the stay since the form was opened (StaleEdit)."""
    current = _stay_unchanged(stay, version)
    return stay_move(actor=actor, stay=current, bed=bed, moved_on=moved_on)


# --- Follow-ups after a stay ------------------------------------------------------------
# When she leaves the organisation's housing (not when she moves to another of its beds),
# follow-ups fall due at SAFESPACE_FOLLOW_UP_MONTHS after her departure. A beat task marks
# them due on their day (shelters.tasks); her worker records each outcome.
# (Imports here, not at the top: this block is added to a file others also change.)
from django.conf import settings  # noqa: E402

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
