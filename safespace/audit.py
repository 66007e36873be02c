"""The append-only, hash-chained audit trail.

``audit_record`` is the only writer. Payloads are checked structurally so that
free text cannot slip in: keys from a fixed list, values that are numbers,
booleans or short identifiers (field names, section names, formats).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safespace.models import AuditEntry

GENESIS = "0" * 64
ALLOWED_PAYLOAD_KEYS = frozenset(
    {"fields", "section", "count", "role", "format", "kind", "via", "grant_id", "status"}
)
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_.:\-]{0,64}$")
# an arbitrary constant: the advisory lock that serialises writers of the chain
_CHAIN_LOCK = 7_246_001


class AuditPayloadError(ValueError):
    """A payload held something other than identifiers: refused, and not echoed."""


def _check_value(key: str, value) -> None:
    if isinstance(value, bool | int) or value is None:
        return
    if isinstance(value, str) and _IDENTIFIER.match(value):
        return
    if isinstance(value, list | tuple) and len(value) <= 200:
        for item in value:
            if not (isinstance(item, str) and _IDENTIFIER.match(item)):
                raise AuditPayloadError(f"payload key {key!r} holds a list with a non-identifier")
        return
    raise AuditPayloadError(f"payload key {key!r} holds something that is not an identifier")


def _check_payload(payload: dict) -> dict:
    unknown = set(payload) - ALLOWED_PAYLOAD_KEYS
    if unknown:
        raise AuditPayloadError(f"payload keys not allowed in the audit trail: {sorted(unknown)}")
    for key, value in payload.items():
        _check_value(key, value)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in payload.items()}


def entry_digest(
    *, prev_hash, created_at, actor_id, action, target_type, target_id, participant_id, payload
) -> str:
    canonical = json.dumps(
        {
            "prev": prev_hash,
            "at": created_at.isoformat(),
            "actor": actor_id,
            "action": action,
            "target": [target_type, target_id],
            "participant": participant_id,
            "payload": payload,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _digest_of(entry: AuditEntry) -> str:
    return entry_digest(
        prev_hash=entry.prev_hash,
        created_at=entry.created_at,
        actor_id=entry.actor_id,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        participant_id=entry.participant_id,
        payload=entry.payload,
    )


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
    # SQLite: transactions here BEGIN IMMEDIATE, which already serialises writers


@transaction.atomic
def audit_record(
    *,
    action: str,
    actor=None,
    target=None,
    participant_id: int | None = None,
    payload: dict | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction.

    ``target`` is a model instance (its type and primary key are kept, nothing else).
    """
    if not _IDENTIFIER.match(action) or not action:
        raise AuditPayloadError("the action must be a short identifier")
    clean = _check_payload(payload or {})
    target_type = target._meta.label_lower if target is not None else ""
    target_id = str(target.pk) if target is not None else ""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None

    _lock_chain()
    last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    prev_hash = last or GENESIS
    created_at = timezone.now()
    entry = AuditEntry(
        created_at=created_at,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        participant_id=participant_id,
        payload=clean,
        prev_hash=prev_hash,
    )
    entry.hash = _digest_of(entry)
    entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None  # id of the first entry that does not hold
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def audit_verify(*, chunk_size: int = 2000) -> ChainReport:
    """Walk the whole chain in order; report the first entry whose link or hash fails."""
    expected_prev = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.id, "its link to the previous entry is broken")
        if _digest_of(entry) != entry.hash:
            return ChainReport(checked, entry.id, "its content does not match its hash")
        expected_prev = entry.hash
        checked += 1
    return ChainReport(checked, None)


# What coordinators read in the audit browser; unknown actions show their identifier.
ACTION_LABELS = {
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Failed sign-in"),
    "auth.password_changed": _("Changed password"),
    "auth.password_reset": _("Reset password"),
    "mfa.added": _("Added a sign-in method"),
    "mfa.removed": _("Removed a sign-in method"),
    "mfa.reset": _("Reset recovery codes"),
    "mfa.failed": _("Wrong sign-in code"),
    "account.created": _("Account created"),
    "account.role_changed": _("Role changed"),
    "account.deactivated": _("Account deactivated"),
    "account.reactivated": _("Account reactivated"),
    "invitation.issued": _("Invitation given"),
    "invitation.redeemed": _("Invitation used"),
    "assignment.begun": _("Assigned to a participant"),
    "assignment.ended": _("Assignment ended"),
    "participant.viewed": _("Opened a file"),
    "participant.contact_revealed": _("Showed a contact detail"),
    "safety_plan.updated": _("Changed a safety plan"),
    "break_glass.opened": _("Opened a file outside caseload"),
    "break_glass.reviewed": _("Reviewed an opening"),
    # needs, case notes and appointments
    "needs.assessed": _("Assessed her needs"),
    "case_note.written": _("Wrote a note"),
    "appointment.planned": _("Planned an appointment"),
    "appointment.status_changed": _("Changed an appointment's status"),
    # documents in her file
    "document.added": _("Added a document"),
    "document.downloaded": _("Downloaded a document"),
    "document.removed": _("Removed a document"),
    # duplicates, merging, closing and reopening
    "participant.duplicate_warned": _("Warned of a possible duplicate file"),
    "participant.merged": _("Merged a duplicate file into this one"),
    "participant.closed": _("Closed a file"),
    "participant.reopened": _("Reopened a file"),
    # --- Her rights (issue 10): erasure and legal hold ---
    "participant.anonymised": _("Anonymised a file"),
    "participant.legal_hold_set": _("Placed a file under a legal hold"),
    "participant.legal_hold_lifted": _("Lifted a legal hold"),
    "participant.data_exported": _("Exported all her data"),
    "lifeplan.words_downloaded_by_her": _("Downloaded her own words"),
    # partners, consents and referrals
    "partner.created": _("Added a partner"),
    "partner.updated": _("Changed a partner"),
    "consent.recorded": _("Recorded a consent"),
    "consent.withdrawn": _("Recorded a consent withdrawal"),
    "referral.created": _("Recorded a referral"),
    "referral.consent_overridden": _("Referred without her consent"),
    "referral.updated": _("Updated a referral"),
    # --- Life plan (staff side) ---
    "goal.proposed": _("Proposed a goal"),
    "goal.agreed": _("Recorded her agreement to a goal"),
    "goal.updated": _("Changed a goal"),
    "step.added": _("Added a step"),
    "step.done": _("Marked a step done"),
    "step.undone": _("Marked a step not done"),
    "review.recorded": _("Recorded a review of her plan"),
    # her own space: what she does herself on her phone
    "lifeplan.goal_agreed": _("Agreed to a proposed goal"),
    "lifeplan.goal_let_go": _("Let go of a proposed goal"),
    "lifeplan.reflection_written": _("Wrote a reflection"),
    "lifeplan.downloaded_by_her": _("Downloaded her plan"),
    # --- Dream board ---
    "dream.added": _("Added to a dream board"),
    "dream.removed": _("Removed from a dream board"),
    # strengths and skills she recognises in herself
    "strength.added": _("Added a strength"),
    "strength.removed": _("Removed a strength"),
    # --- Correction requests: she asks from her space, her key worker answers ---
    "correction.requested": _("Asked for a correction to her file"),
    "correction.answered": _("Answered a request for a correction"),
    # --- Drop-in ---
    "dropin.session_opened": _("Opened a drop-in session"),
    "dropin.session_closed": _("Closed a drop-in session"),
    "dropin.presence_recorded": _("Recorded a presence at a session"),
    "dropin.presence_removed": _("Removed a presence at a session"),
    "dropin.visit_logged": _("Logged a visit"),
    "dropin.visit_corrected": _("Corrected a visit"),
    "dropin.visit_removed": _("Removed a visit"),
    "dropin.service_given": _("Recorded a service given"),
    # --- Shelters ---
    "shelter.stay_begun": _("Began a stay"),
    "shelter.stay_ended": _("Ended a stay"),
    "shelter.stay_changed": _("Changed the expected departure of a stay"),
    "shelter.created": _("Opened a house"),
    "shelter.changed": _("Changed a house"),
    "shelter.room_added": _("Added a room"),
    "shelter.bed_added": _("Added a bed"),
    "shelter.bed_changed": _("Changed a bed"),
    "shelter.address_revealed": _("Revealed a house's address"),
    "shelter.request_made": _("Asked for a place (waiting list)"),
    "shelter.request_decided": _("Decided on a request for a place"),
    "shelter.follow_up_recorded": _("Recorded a follow-up after a stay"),
    # --- Outreach ---
    "outreach.round_recorded": _("Recorded an outreach round"),
    "outreach.round_corrected": _("Corrected an outreach round"),
    "outreach.contact_added": _("Added a contact from outreach"),
    "outreach.contacts_linked": _("Linked contacts from outreach to her file"),
    # --- Drop-in: sites and the services catalogue ---
    "dropin.site_created": _("Added a drop-in site"),
    "dropin.site_updated": _("Changed a drop-in site"),
    "dropin.service_created": _("Added a service to the catalogue"),
    "dropin.service_updated": _("Changed a service of the catalogue"),
    # --- Collective activities and peer groups ---
    "activity.created": _("Created an activity"),
    "activity.session_recorded": _("Recorded an activity session"),
    "activity.session_corrected": _("Corrected an activity session"),
    "peer_group.created": _("Created a peer group"),
    "peer_group.member_enrolled": _("Enrolled a member in a peer group"),
    "peer_group.member_left": _("Recorded that a member left a peer group"),
    "peer_group.session_recorded": _("Recorded a peer group session"),
    "peer_group.closed": _("Closed a peer group"),
    # --- Reports ---
    "report.requested": _("Asked for a report"),
    "report.suppression_off": _("Asked for a report showing small numbers (internal use)"),
    "report.downloaded": _("Downloaded a report"),
    # --- Backups (manage.py backup): a copy of everything, made from the command line ---
    "backup.made": _("Made a backup of the database"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
