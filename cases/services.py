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


# --- Partners, consents and referrals ---
# imported here, not at the top, so the features' blocks merge apart
from cases.models import Consent, Partner, Referral  # noqa: E402
from safespace.access import can_override_consent  # noqa: E402


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
