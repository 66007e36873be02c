"""Erasure: a file anonymised, keeping only the facts the statistics need (issue 10).

What goes, everywhere it is held about her:
- every encrypted value of her file and of every record attached to it (her names, contact
  details, situation, notes, her words in her plan, reasons, outcomes...), whatever the
  model: the rows are found by following foreign keys to her file, so a record kind added
  later is covered without a change here;
- her blind-index rows (she can no longer be found by name or phone), her documents and
  dream-board images (stored encrypted in the database, never on disk), her safety plan and
  strengths, the referral source typed in clear, the visitor code of her outreach contacts;
- her account for her own space: renamed, emptied, deactivated, its sign-in methods removed;
- her file reference, replaced by a new one (a paper file may carry the old one).

What stays, linked to a file that no longer says whose it is: her birth year, nationality,
first-contact channel and the dates of her file; the dates and kinds of visits, services,
stays and bed-nights, follow-ups, pathway statuses, goals (horizon, domain, status), notes
and appointments (their date and kind, not a word of them), referrals (partner type and
status), group attendance. The annual report reads only these plain columns, so its
figures for any period are the same after an erasure; frozen reports are never touched.

The audit trail keeps that an erasure happened (``participant.anonymised``: who, when, why
in one word, how many records), never what was erased: its entries never held content.

Records shared with other people (a peer group session's notes, an outreach round's notes,
a partner's contact) are not hers alone and are not changed: a worker who wrote her name in
them must correct them by hand; the coordinator's page says so.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Participant
from safespace.audit import audit_record
from safespace.fields import StrictEncryptionMixin

ANONYMOUS_PREFIX = "ANON-"


class Reason(models.TextChoices):
    HER_REQUEST = "her_request", _("She asked for her file to be erased")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("She withdrew her consent to keeping her file")
    RETENTION = "retention", _("The retention period of a closed file has passed")


class ErasureRefused(Exception):
    """The file cannot be anonymised now (already done, under a legal hold, merged away)."""


# deleted outright: nothing in them counts in any figure
DELETED = (
    "cases.SearchToken",
    "cases.Document",  # and its content (cascade)
    "lifeplans.SafetyPlan",
    "lifeplans.Strength",
    "lifeplans.DreamItem",  # and its image (cascade)
)
# plain (unencrypted) columns that may hold something identifying, blanked on her rows
PLAIN_BLANKED = {
    "cases.Participant": ("referral_source",),
    "dropin.OutreachContact": ("visitor_code",),
}


@dataclass(frozen=True)
class Route:
    """How the rows of one model are reached from her file: a lookup such as
    ``plan__participant`` (``pk`` for the file itself)."""

    model: type[models.Model]
    lookup: str

    def rows(self, participant: Participant):
        return self.model._default_manager.filter(**{self.lookup: participant.pk})


def routes() -> list[Route]:
    """Every model whose rows belong to one file, with the shortest chain of foreign keys
    from the model to Participant (the file's own row first). Shared rows (a session, a
    group, a house) are never reached: only foreign keys that point towards her file are
    followed, never back out of it."""
    found = {Participant: "pk"}
    queue = deque([Participant])
    while queue:
        target = queue.popleft()
        for model in apps.get_models():
            if model in found:
                continue
            for field in model._meta.concrete_fields:
                if not (field.is_relation and field.many_to_one or field.one_to_one):
                    continue
                if field.related_model is not target or field.name == "merged_into":
                    continue
                prefix = found[target]
                found[model] = field.name if prefix == "pk" else f"{field.name}__{prefix}"
                queue.append(model)
                break
    return [Route(model, lookup) for model, lookup in found.items()]


def _encrypted_blanks(model) -> dict[str, object]:
    def blank(field):
        if field.null:
            return None
        return 0 if isinstance(field, models.IntegerField) else ""

    return {
        field.name: blank(field)
        for field in model._meta.concrete_fields
        if isinstance(field, StrictEncryptionMixin)
    }


def anonymised_reference() -> str:
    while True:
        reference = f"{ANONYMOUS_PREFIX}{secrets.token_hex(4).upper()}"
        if not Participant.objects.filter(reference=reference).exists():
            return reference


@transaction.atomic
def participant_anonymise(*, actor, participant: Participant, reason: str) -> int:
    """Anonymise her file (see the module). Returns how many records were erased or blanked.

    Raises ErasureRefused when it is already anonymised, under a legal hold, or merged into
    another file (erase that one). ``actor`` is None for the retention task."""
    if reason not in Reason.values:
        raise ValueError("unknown erasure reason")
    current = (
        Participant.objects.select_for_update()
        .only("pk", "anonymised_at", "legal_hold", "merged_into", "account", "opened_on")
        .get(pk=participant.pk)
    )
    if current.anonymised_at is not None:
        raise ErasureRefused(_("This file was already anonymised."))
    if current.legal_hold:
        raise ErasureRefused(_("This file is under a legal hold: lift the hold first."))
    if current.merged_into_id is not None:
        raise ErasureRefused(_("This file was merged into another: anonymise that one."))

    erased = 0
    for route in routes():
        if route.model is Participant:
            continue
        label = route.model._meta.label
        rows = route.rows(current)
        if label in DELETED:
            erased += rows.count()
            rows.delete()
            continue
        blanks = _encrypted_blanks(route.model)
        blanks.update(dict.fromkeys(PLAIN_BLANKED.get(label, ()), ""))
        if blanks:
            erased += rows.update(**blanks)

    now = timezone.now()
    # nobody is her worker any more: the file leaves every caseload and the desk
    current.assignments.filter(ended_at__isnull=True).update(ended_at=now)
    account = current.account
    fields = _encrypted_blanks(Participant)
    fields.update(dict.fromkeys(PLAIN_BLANKED["cases.Participant"], ""))
    closed = Participant.objects.filter(pk=current.pk).values_list("closed_on", flat=True)[0]
    fields.update(
        reference=anonymised_reference(),
        account=None,
        anonymised_at=now,
        closed_on=closed or max(timezone.localdate(), current.opened_on),
        version=models.F("version") + 1,
    )
    if closed is None:
        fields["closing_reason"] = Participant.ClosingReason.HER_CHOICE
    Participant.objects.filter(pk=current.pk).update(**fields)
    erased += 1
    # the duplicates once merged into hers keep only a reference: it was hers too
    for duplicate in Participant.objects.filter(merged_into=current).only("pk"):
        Participant.objects.filter(pk=duplicate.pk).update(reference=anonymised_reference())
        erased += 1
    if account is not None:
        _account_close(account)
    audit_record(
        action="participant.anonymised",
        actor=actor,
        target=current,
        participant_id=current.pk,
        payload={"kind": str(reason), "count": erased},
    )
    return erased


def _account_close(user) -> None:
    """Her account for her own space: nothing left that names her, and no way in."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from safespace.models import Invitation

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    Invitation.objects.filter(user=user).delete()
    user.username = f"anonymised-{secrets.token_hex(6)}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = False
    user.set_unusable_password()  # also ends her sessions (their hash no longer matches)
    user.save()


def shared_records_of(participant: Participant) -> dict[str, int]:
    """Records shared with others that may mention her and that erasure does not change:
    the peer-group sessions and outreach rounds she took part in (counts only)."""
    from dropin.models import OutreachRound, PeerGroupSession

    return {
        # their notes are encrypted: whether they are blank is not asked here
        "peer_group_sessions": PeerGroupSession.objects.filter(attendees=participant).count(),
        "outreach_rounds": OutreachRound.objects.filter(contacts__participant=participant).count(),
    }
