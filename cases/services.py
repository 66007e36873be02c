"""Writes on participants' files. Each records its audit entry in the same transaction."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.models import Assignment, BreakGlassGrant, FileCounter, Participant, PathwayEntry
from safespace.audit import audit_record


@transaction.atomic
def assignment_begin(*, actor, participant: Participant, worker, kind: str) -> Assignment:
    assignment = Assignment.objects.create(participant=participant, worker=worker, kind=kind)
    audit_record(
        action="assignment.begun",
        actor=actor,
        target=assignment,
        participant_id=participant.pk,
        payload={"kind": kind},
    )
    return assignment


@transaction.atomic
def assignment_end(*, actor, assignment: Assignment) -> None:
    """End an assignment; the worker loses access on her very next request."""
    assignment.ended_at = timezone.now()
    assignment.save(update_fields=["ended_at"])
    audit_record(
        action="assignment.ended",
        actor=actor,
        target=assignment,
        participant_id=assignment.participant_id,
    )


@transaction.atomic
def break_glass_open(*, user, participant: Participant, reason: str) -> BreakGlassGrant:
    """Open a file outside one's scope for SAFESPACE_BREAK_GLASS_HOURS, recording why."""
    now = timezone.now()
    grant = BreakGlassGrant.objects.create(
        user=user,
        participant=participant,
        reason=reason,
        created_at=now,
        expires_at=now + timedelta(hours=settings.SAFESPACE_BREAK_GLASS_HOURS),
    )
    audit_record(
        action="break_glass.opened",
        actor=user,
        target=grant,
        participant_id=participant.pk,
        payload={"grant_id": grant.pk},
    )
    return grant


@transaction.atomic
def break_glass_review(*, reviewer, grant: BreakGlassGrant) -> None:
    grant.reviewed_by = reviewer
    grant.reviewed_at = timezone.now()
    grant.save(update_fields=["reviewed_by", "reviewed_at"])
    audit_record(
        action="break_glass.reviewed",
        actor=reviewer,
        target=grant,
        participant_id=grant.participant_id,
        payload={"grant_id": grant.pk},
    )


@transaction.atomic
def participant_invite(*, actor, participant: Participant, username: str = ""):
    """Give her a one-time code to her own space, creating her account the first time.

    Returns (account, code). The code is shown once and kept nowhere.
    """
    from safespace.roles import Role
    from safespace.services import invitation_issue, user_create

    # lock her file so two workers cannot create two accounts for her
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    account = participant.account
    if account is None:
        account = user_create(username=username, role=Role.PARTICIPANT, password=None, actor=actor)
        participant.account = account
        participant.save(update_fields=["account"])
    _invitation, code = invitation_issue(actor=actor, user=account)
    return account, code


@transaction.atomic
def reference_next(*, year: int) -> str:
    # lock the year's counter so two intakes never get the same number
    counter, _created = FileCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"SS-{year}-{counter.last:04d}"


@transaction.atomic
def participant_open(*, actor, data: dict) -> Participant:
    """Intake: open her file, with the opener as her key worker."""
    today = timezone.localdate()
    participant = Participant(reference=reference_next(year=today.year), opened_on=today, **data)
    participant.full_clean()
    participant.save()
    Assignment.objects.create(
        participant=participant, worker=actor, kind=Assignment.Kind.KEY_WORKER
    )
    audit_record(
        action="participant.opened",
        actor=actor,
        target=participant,
        participant_id=participant.pk,
        payload={"fields": sorted(key for key, value in data.items() if value not in ("", None))},
    )
    return participant


class StaleEdit(Exception):
    """Someone else changed the file since the form was opened."""


@transaction.atomic
def participant_update(*, actor, participant: Participant, version: int, changes: dict) -> list:
    """Apply changes if nobody else saved in between; returns the names of changed fields."""
    # lock her row: the version check and the write happen as one
    current = Participant.objects.select_for_update().get(pk=participant.pk)
    if current.version != version:
        raise StaleEdit
    changed = [name for name, value in changes.items() if getattr(current, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(current, name, changes[name])
    current.version += 1
    current.full_clean()
    current.save()
    audit_record(
        action="participant.updated",
        actor=actor,
        target=current,
        participant_id=current.pk,
        payload={"fields": sorted(changed)},
    )
    return changed


@transaction.atomic
def pathway_record(*, actor, participant: Participant, status: str, since) -> PathwayEntry:
    """Add a dated status to her pathway; earlier entries stay as they were."""
    entry = PathwayEntry.objects.create(
        participant=participant, status=status, since=since, recorded_by=actor
    )
    audit_record(
        action="pathway.recorded",
        actor=actor,
        target=entry,
        participant_id=participant.pk,
        payload={"status": status},
    )
    return entry


def pathway_status_on(participant: Participant, day):
    """Her status on a given day: the latest entry that had started by then."""
    entry = (
        participant.pathway_entries.filter(since__lte=day)
        .order_by("-since", "-recorded_at")
        .first()
    )
    return entry.status if entry else None


# --- Needs assessments ---
@transaction.atomic
def needs_assess(*, actor, participant: Participant, assessed_on, levels: dict):
    """Record one assessment: ``levels`` maps a rights domain to (level, comment).

    Domains left out were not assessed (no row). Earlier assessments stay as they were.
    """
    from cases.models import DomainNeed, NeedsAssessment

    if not levels:
        raise ValueError("an assessment needs at least one domain")
    assessment = NeedsAssessment.objects.create(
        participant=participant, assessed_on=assessed_on, recorded_by=actor
    )
    DomainNeed.objects.bulk_create(
        [
            DomainNeed(assessment=assessment, domain=domain, level=level, comment=comment)
            for domain, (level, comment) in sorted(levels.items())
        ]
    )
    audit_record(
        action="needs.assessed",
        actor=actor,
        target=assessment,
        participant_id=participant.pk,
        payload={"count": len(levels)},
    )
    return assessment


# --- Case notes ---
@transaction.atomic
def case_note_write(
    *, actor, participant: Participant, kind: str, confidentiality: str, happened_on, text: str
):
    """Add a note to her file. Notes are never changed: a correction is a new note."""
    from cases.models import CaseNote

    note = CaseNote(
        participant=participant,
        author=actor,
        kind=kind,
        confidentiality=confidentiality,
        happened_on=happened_on,
        text=text,
    )
    note.full_clean(exclude=["participant", "author"])
    note.save(force_insert=True)
    audit_record(
        action="case_note.written",
        actor=actor,
        target=note,
        participant_id=participant.pk,
        payload={"kind": kind},
    )
    return note


# --- Appointments ---
class AppointmentNotPlanned(Exception):
    """The appointment's status was already set (by someone else, or before)."""


@transaction.atomic
def appointment_plan(*, actor, participant: Participant, worker, starts_at, purpose: str = ""):
    """Plan an appointment between her and a worker currently assigned to her."""
    from cases.models import Appointment

    if not participant.assignments.filter(worker=worker, ended_at__isnull=True).exists():
        raise ValueError("the worker is not assigned to her")
    appointment = Appointment.objects.create(
        participant=participant,
        worker=worker,
        starts_at=starts_at,
        purpose=purpose,
        created_by=actor,
    )
    audit_record(
        action="appointment.planned",
        actor=actor,
        target=appointment,
        participant_id=participant.pk,
    )
    return appointment


@transaction.atomic
def appointment_status_set(*, actor, appointment, status: str):
    """Close a planned appointment: took place, missed or cancelled. Only once."""
    from cases.models import Appointment

    if status not in Appointment.Status.values or status == Appointment.Status.PLANNED:
        raise ValueError("not a closing status")
    # lock the row so two people closing it at once cannot both win
    current = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if current.status != Appointment.Status.PLANNED:
        raise AppointmentNotPlanned
    current.status = status
    current.save(update_fields=["status"])
    audit_record(
        action="appointment.status_changed",
        actor=actor,
        target=current,
        participant_id=current.participant_id,
        payload={"status": status},
    )
    return current


# --- Documents ---


@transaction.atomic
def document_add(
    *, actor, participant: Participant, title: str, kind: str, content_type: str, content: bytes
):
    """Keep a document in her file: the title and the bytes are encrypted, nothing touches disk.

    ``content`` must already be checked (cases.forms.DocumentForm): its type decided by its
    first bytes, images cleaned of their metadata.
    """
    from cases.models import Document, DocumentContent
    from safespace.crypto import encrypt_bytes

    document = Document.objects.create(
        participant=participant,
        title=title,
        kind=kind,
        content_type=content_type,
        size=len(content),
        uploaded_by=actor,
    )
    DocumentContent.objects.create(document=document, token=encrypt_bytes(content))
    audit_record(
        action="document.added",
        actor=actor,
        target=document,
        participant_id=participant.pk,
        payload={"kind": kind, "format": content_type.rsplit("/", 1)[-1]},
    )
    return document


@transaction.atomic
def document_remove(*, actor, document) -> bool:
    """Remove a document and its content from her file. False if it was already gone."""
    from cases.models import Document

    # lock the row so two removals do not both record one
    locked = (
        Document.objects.select_for_update()
        .only("pk", "participant_id", "kind", "content_type")
        .filter(pk=document.pk)
        .first()
    )
    if locked is None:
        return False
    audit_record(
        action="document.removed",
        actor=actor,
        target=locked,
        participant_id=locked.participant_id,
        payload={"kind": locked.kind, "format": locked.content_type.rsplit("/", 1)[-1]},
    )
    # the content row goes with it (CASCADE), deleted in SQL without being loaded
    locked.delete()
    return True


def document_content(document) -> bytes:
    """The decrypted bytes of a document reached through her scoped file.

    Raises safespace.crypto.DecryptionError (which never holds the content) when no
    configured key opens it.
    """
    from cases.models import DocumentContent
    from safespace.crypto import decrypt_bytes

    token = DocumentContent.objects.filter(document=document).values_list("token", flat=True)
    return decrypt_bytes(token.get())
