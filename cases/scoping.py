"""How a view reaches one section of her file, and records that it did.

Every view of case work starts here: the file through ``visible_to`` (out of scope is
404), the section through the access policy (not allowed is 403), and each page that
shows part of her file writes one ``participant.viewed`` entry naming the section.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cases.models import Participant
from safespace.access import participant_readable_fields, participant_writable_fields
from safespace.audit import audit_record


def file_for_section(request, pk, section: str, *, write: bool = False) -> Participant:
    """Her file if in scope (else 404), with the section readable or writable (else 403).

    Loads her reference and known-as name only."""
    participant = get_object_or_404(Participant.objects.visible_to(request.user).for_list(), pk=pk)
    allowed = participant_writable_fields if write else participant_readable_fields
    if section not in allowed(request.user):
        raise PermissionDenied
    return participant


def file_view_record(request, participant, section: str) -> bool:
    """Record a view of one section of her file; returns whether it came through break-glass."""
    via_break_glass = participant.break_glass_grants.filter(
        user=request.user, expires_at__gt=timezone.now()
    ).exists()
    audit_record(
        action="participant.viewed",
        actor=request.user,
        target=participant,
        participant_id=participant.pk,
        payload={"section": section, "via": "break_glass" if via_break_glass else "assignment"},
    )
    return via_break_glass
