"""Writes on participants' files. Each records its audit entry in the same transaction."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    Assignment,
    BreakGlassGrant,
    Consent,
    FileCounter,
    Participant,
    Partner,
    PathwayEntry,
    Referral,
    SearchToken,
)
from safespace.access import PARTICIPANT_SECTIONS, can_override_consent
from safespace.audit import audit_record
from safespace.fields import StrictEncryptionMixin


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


# --- Duplicates, merging, closing and reopening ---


class MergeRefused(Exception):
    """A merge that must not happen; the message is safe to show (it holds no file content)."""


# the details of her file that a merge may fill in on the file kept (never her known-as name)
MERGE_FILLABLE = tuple(name for names in PARTICIPANT_SECTIONS.values() for name in names)


def _is_blank(value) -> bool:
    return value is None or str(value) == ""


def merge_relations() -> list:
    """Every kind of row attached to a file by a foreign key (hidden ones too), as reverse
    relations; not the file's own search index, nor merge pointers between files."""
    return [
        rel
        for rel in Participant._meta.get_fields(include_hidden=True)
        if rel.auto_created
        and not rel.concrete
        and rel.one_to_many
        and rel.related_model not in (SearchToken, Participant)
    ]


def merge_plan(*, keep: Participant, merged: Participant) -> dict:
    """What a merge would do, as counts and field names only (never a value).

    "fill": details blank on keep that the merged file has; "differ": details both have,
    with different values (keep's stays). "moves": rows per kind, by verbose plural name.
    """
    fill, differ = [], []
    for name in MERGE_FILLABLE:
        ours, theirs = getattr(keep, name), getattr(merged, name)
        if _is_blank(theirs):
            continue
        if name == "date_of_birth" and keep.birth_year and theirs.year != keep.birth_year:
            differ.append(name)  # her birth year on keep stays as it is
        elif _is_blank(ours):
            fill.append(name)
        elif ours != theirs:
            differ.append(name)
    if "date_of_birth" in fill and "birth_year" in fill:
        fill.remove("birth_year")  # the date of birth sets it
    moves = {
        str(rel.related_model._meta.verbose_name_plural): rel.related_model.objects.filter(
            **{rel.field.name: merged}
        ).count()
        for rel in merge_relations()
    }
    return {"fill": fill, "differ": differ, "moves": moves}


def _merge_housing_check(keep: Participant, merged: Participant) -> None:
    """One open request for a place and one bed a night per woman: two files that both have
    one cannot become one file until a worker has settled which is right."""
    from shelters.models import AdmissionRequest, BedNight

    open_requests = AdmissionRequest.objects.filter(status__in=AdmissionRequest.OPEN_STATUSES)
    if (
        open_requests.filter(participant=keep).exists()
        and open_requests.filter(participant=merged).exists()
    ):
        raise MergeRefused(
            _("Both files have an open request for a place. Withdraw one before merging.")
        )
    nights = BedNight.objects.filter(participant=merged).values("night")
    if BedNight.objects.filter(participant=keep, night__in=nights).exists():
        raise MergeRefused(
            _("Both files have a bed on the same night. End or correct one stay before merging.")
        )


@transaction.atomic
def participant_merge(*, actor, keep: Participant, merged: Participant) -> dict:
    """Merge a duplicate into the file kept: everything attached moves, keep's blank details
    are filled in (never overwritten), and the duplicate keeps only its reference and a
    pointer to keep. Returns the merge plan that was carried out."""
    if keep.pk == merged.pk:
        raise MergeRefused(_("A file cannot be merged into itself."))
    # lock both rows, always in the same (pk) order, so two merges cannot deadlock
    rows = Participant.objects.select_for_update().filter(pk__in=[keep.pk, merged.pk])
    locked = {row.pk: row for row in rows.order_by("pk")}
    keep, merged = locked[keep.pk], locked[merged.pk]
    if keep.merged_into_id or merged.merged_into_id:
        raise MergeRefused(_("One of these files was already merged into another."))
    if keep.account_id and merged.account_id:
        raise MergeRefused(
            _(
                "Both files have an account for her own space. Ask her which one she uses, "
                "then deactivate the other account before merging."
            )
        )
    _merge_housing_check(keep, merged)
    plan = merge_plan(keep=keep, merged=merged)
    moved = 0
    now = timezone.now()
    for rel in merge_relations():
        rows = rel.related_model.objects.filter(**{rel.field.name: merged})
        if rel.related_model is Assignment:
            # one open assignment per worker and file: end the duplicate's if keep has one
            workers = keep.assignments.filter(ended_at__isnull=True).values("worker")
            rows.filter(ended_at__isnull=True, worker__in=workers).update(ended_at=now)
        moved += rows.update(**{rel.field.name: keep})
    for name in plan["fill"]:
        setattr(keep, name, getattr(merged, name))
    account = merged.account
    # the duplicate lives on only as a pointer: its encrypted details are blanked
    for field in Participant._meta.concrete_fields:
        if isinstance(field, StrictEncryptionMixin):
            setattr(merged, field.name, None if field.null else "")
    merged.account = None
    merged.merged_into = keep
    merged.closed_on = max(timezone.localdate(), merged.opened_on)
    merged.closing_reason = Participant.ClosingReason.MERGED
    merged.version += 1
    merged.save()  # its search tokens go: a merged file keeps none
    if account is not None:
        keep.account = account
    keep.version += 1
    keep.save()  # rebuilds keep's search tokens, with the names it now has
    audit_record(
        action="participant.merged",
        actor=actor,
        target=keep,
        participant_id=keep.pk,
        payload={"count": moved, "fields": sorted(plan["fill"])},
    )
    return plan


class FileAlreadyClosed(Exception):
    """Her file was closed (or reopened) by someone else in between."""


@transaction.atomic
def participant_close(*, actor, participant: Participant, reason: str, closed_on) -> None:
    """Close her file on a date, for a reason; it stays readable and can be reopened."""
    # lock her row: two workers closing at once must not both write
    current = (
        Participant.objects.select_for_update()
        .only("pk", "closed_on", "opened_on", "version")
        .get(pk=participant.pk)
    )
    if current.closed_on is not None:
        raise FileAlreadyClosed
    Participant.objects.filter(pk=current.pk).update(
        closed_on=closed_on, closing_reason=reason, version=current.version + 1
    )
    audit_record(
        action="participant.closed",
        actor=actor,
        target=current,
        participant_id=current.pk,
        payload={"status": reason},
    )


@transaction.atomic
def participant_reopen(*, actor, participant: Participant) -> None:
    """Reopen her closed file (a merged file cannot be reopened: it is only a pointer)."""
    current = (
        Participant.objects.select_for_update()
        .only("pk", "closed_on", "version", "merged_into")
        .get(pk=participant.pk)
    )
    if current.closed_on is None or current.merged_into_id:
        raise FileAlreadyClosed
    Participant.objects.filter(pk=current.pk).update(
        closed_on=None, closing_reason="", version=current.version + 1
    )
    audit_record(
        action="participant.reopened",
        actor=actor,
        target=current,
        participant_id=current.pk,
        payload={"status": "open"},
    )


# --- Partners, consents and referrals ---


class InactivePartner(Exception):
    """The partner no longer works with us: no new consent or referral to them."""


class ConsentMissing(Exception):
    """No live consent to share with this partner, and no coordinator's override."""


PARTNER_FIELDS = ("name", "kind", "contact", "active")


@transaction.atomic
def partner_create(*, actor, data: dict):
    """Add an organisation to the partner directory."""
    partner = Partner(**{name: data[name] for name in PARTNER_FIELDS if name in data})
    partner.full_clean()
    partner.save()
    audit_record(
        action="partner.created", actor=actor, target=partner, payload={"kind": partner.kind}
    )
    return partner


@transaction.atomic
def partner_update(*, actor, partner, changes: dict) -> list:
    """Change a partner (deactivating one keeps it in history); returns the changed fields."""
    # lock the partner so a consent or referral being recorded sees the final state
    current = Partner.objects.select_for_update().get(pk=partner.pk)
    changed = [
        name
        for name, value in changes.items()
        if name in PARTNER_FIELDS and getattr(current, name) != value
    ]
    if not changed:
        return []
    for name in changed:
        setattr(current, name, changes[name])
    current.full_clean()
    current.save()
    audit_record(
        action="partner.updated",
        actor=actor,
        target=current,
        payload={"fields": sorted(changed), "status": "active" if current.active else "inactive"},
    )
    return changed


def _active_partner_locked(partner):
    # lock the partner row: a deactivation and a new consent or referral do not cross
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if not locked.active:
        raise InactivePartner
    return locked


@transaction.atomic
def consent_record(
    *,
    actor,
    participant: Participant,
    purpose: str,
    method: str,
    given_on,
    expires_on=None,
    partner=None,
):
    """Record her consent to one purpose. A partner is named for sharing, and only then."""
    if partner is not None:
        partner = _active_partner_locked(partner)
    consent = Consent(
        participant=participant,
        purpose=purpose,
        partner=partner,
        method=method,
        given_on=given_on,
        expires_on=expires_on,
        recorded_by=actor,
    )
    consent.full_clean()
    consent.save()
    audit_record(
        action="consent.recorded",
        actor=actor,
        target=consent,
        participant_id=participant.pk,
        payload={"kind": purpose},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, actor, consent):
    """She withdraws her consent from today. Returns the consent; withdrawing twice does nothing."""
    # lock the consent: a referral checking it waits for the withdrawal, and sees it
    current = Consent.objects.select_for_update().get(pk=consent.pk)
    if current.withdrawn_on is not None:
        return current
    current.withdrawn_on = timezone.localdate()
    current.withdrawn_by = actor
    current.full_clean()
    current.save(update_fields=["withdrawn_on", "withdrawn_by"])
    audit_record(
        action="consent.withdrawn",
        actor=actor,
        target=current,
        participant_id=current.participant_id,
        payload={"kind": current.purpose},
    )
    return current


def consent_live(participant: Participant, *, purpose: str, partner=None, day=None):
    """Her consent to this purpose (with this partner, for sharing) in force on ``day``, or None.

    Her latest answer counts: a consent withdrawn or ended is not revived by an older one.
    """
    if (purpose == Consent.Purpose.SHARE_PARTNER) != (partner is not None):
        raise ValueError("a partner is named for sharing, and only then")
    day = day or timezone.localdate()
    latest = (
        Consent.objects.filter(
            participant=participant, purpose=purpose, partner=partner, given_on__lte=day
        )
        .order_by("-given_on", "-recorded_at", "-pk")
        .first()
    )
    return latest if latest is not None and latest.is_live(day) else None


@transaction.atomic
def referral_create(
    *, actor, participant: Participant, partner, kind: str = "", override_reason: str = ""
):
    """Refer her to a partner: only with her live consent to share with that partner, or a
    coordinator's override with a reason (kept encrypted on the referral, never audited)."""
    partner = _active_partner_locked(partner)
    consent = consent_live(participant, purpose=Consent.Purpose.SHARE_PARTNER, partner=partner)
    if consent is not None:
        # lock her consent and look again: a withdrawal at this very moment wins
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if not consent.is_live():
            consent = None
    override_reason = (override_reason or "").strip()
    overridden = consent is None
    if overridden and not (override_reason and can_override_consent(actor)):
        raise ConsentMissing
    now = timezone.now()
    referral = Referral(
        participant=participant,
        partner=partner,
        kind=kind or partner.kind,
        consent=consent,
        override_reason=override_reason if overridden else "",
        override_by=actor if overridden else None,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    referral.full_clean()
    referral.save()
    audit_record(
        action="referral.created",
        actor=actor,
        target=referral,
        participant_id=participant.pk,
        payload={"kind": referral.kind, "status": referral.status},
    )
    if overridden:
        audit_record(
            action="referral.consent_overridden",
            actor=actor,
            target=referral,
            participant_id=participant.pk,
        )
    return referral


@transaction.atomic
def referral_update(*, actor, referral, version: int, status: str, outcome: str) -> list:
    """Change the status or outcome if nobody else saved in between; returns changed fields."""
    # lock the referral: the version check and the write happen as one
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if current.version != version:
        raise StaleEdit
    changes = {"status": status, "outcome": outcome}
    changed = [name for name, value in changes.items() if getattr(current, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(current, name, changes[name])
    current.version += 1
    current.updated_at = timezone.now()
    current.full_clean()
    current.save()
    audit_record(
        action="referral.updated",
        actor=actor,
        target=current,
        participant_id=current.participant_id,
        payload={"fields": sorted(changed), "status": current.status},
    )
    return changed
