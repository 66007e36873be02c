"""What a worker's home page reminds her of, in the app (never by email: a mailbox may be
read by someone else). Each reminder is one query whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Window
from django.utils import timezone

from safespace.access import can_answer_corrections
from safespace.roles import Role, role_of

# a consent that ended this many days ago or less, and that nothing replaced, is still shown
CONSENT_LAPSED_SHOWN_DAYS = 14
CONSENTS_SHOWN = 100
CORRECTIONS_ON_HOME = 5


def key_worker_files(user):
    """The files she may open (visible_to) where she is the key worker (an open assignment)."""
    from cases.models import Assignment, Participant

    return Participant.objects.visible_to(user).filter(
        pk__in=Assignment.objects.filter(
            worker=user, kind=Assignment.Kind.KEY_WORKER, ended_at__isnull=True
        ).values("participant_id")
    )


@dataclass(frozen=True)
class ConsentReminder:
    consent: object  # cases.models.Consent, with its participant (known-as name) and partner
    ended: bool  # True: it ended on consent.expires_on; False: it ends then
    days_left: int


def consents_to_renew(user, today: date | None = None) -> list[ConsentReminder]:
    """Consents of the files she is the key worker of that end within the next
    SAFESPACE_CONSENT_REMINDER_DAYS days, or ended in the last CONSENT_LAPSED_SHOWN_DAYS,
    soonest first. Only her latest answer for a purpose (and partner) counts, as on her file:
    a consent withdrawn, or followed by a newer answer, is not shown. One query."""
    from cases.models import Consent

    if role_of(user) != Role.SOCIAL_WORKER:
        return []
    today = today or timezone.localdate()
    window = timedelta(days=settings.SAFESPACE_CONSENT_REMINDER_DAYS)
    same_answer = Q(participant=OuterRef("participant"), purpose=OuterRef("purpose")) & (
        Q(partner=OuterRef("partner")) | ~Q(purpose=Consent.Purpose.SHARE_PARTNER)
    )
    # her file page's order of answers: given_on, then recorded_at, then pk
    later = (
        Q(given_on__gt=OuterRef("given_on"))
        | Q(given_on=OuterRef("given_on"), recorded_at__gt=OuterRef("recorded_at"))
        | Q(
            given_on=OuterRef("given_on"),
            recorded_at=OuterRef("recorded_at"),
            pk__gt=OuterRef("pk"),
        )
    )
    newer_answer = Consent.objects.filter(same_answer, later, given_on__lte=today)
    rows = (
        Consent.objects.filter(
            participant__in=key_worker_files(user).values("pk"),
            withdrawn_on__isnull=True,
            given_on__lte=today,
            expires_on__gte=today - timedelta(days=CONSENT_LAPSED_SHOWN_DAYS),
            expires_on__lte=today + window,
        )
        .exclude(Exists(newer_answer))
        .select_related("participant", "partner")
        .only(
            "pk",
            "purpose",
            "given_on",
            "expires_on",
            "recorded_at",
            "participant__id",
            "participant__known_as",
            "partner__id",
            "partner__name",
        )
        .order_by("expires_on", "pk")[:CONSENTS_SHOWN]
    )
    # is_live: a consent is in force until the day before expires_on
    return [
        ConsentReminder(
            consent=consent,
            ended=consent.expires_on <= today,
            days_left=(consent.expires_on - today).days,
        )
        for consent in rows
    ]


def corrections_waiting(user) -> dict:
    """The correction requests waiting for this user's answer: how many, and the oldest few
    (her known-as name and the date only, never her words). One query."""
    from lifeplans.models import CorrectionRequest

    if not can_answer_corrections(user):
        return {"count": 0, "oldest": []}
    oldest = list(
        CorrectionRequest.objects.visible_to(user)
        .waiting()
        .select_related("participant")
        .only("pk", "created_at", "participant__id", "participant__known_as")
        # the count of all waiting rows rides on each row: one query, not two
        .annotate(total=Window(expression=Count("pk")))
        .order_by("created_at", "pk")[:CORRECTIONS_ON_HOME]
    )
    return {"count": oldest[0].total if oldest else 0, "oldest": oldest}
