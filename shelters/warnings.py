"""Stays near the house's maximum: a word on the home pages 60 and then 30 days ahead.

The limit of a stay is the house's maximum (Stay.limit_on), counted from her arrival in the
house (a move to another of its beds does not start it again).
Coordinators see every house's stays; a social worker those of the women she is key worker
of. Two queries whatever the number of stays; no address, no legal name.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from safespace.roles import Role, role_of
from shelters.models import Shelter, Stay
from shelters.services import months_later

NOTICE_DAYS = (30, 60)
# months_later() pins the 29th-31st to a short month's last day: a few days' slack, then exact
_SLACK = timedelta(days=4)


@dataclass(frozen=True)
class NearLimit:
    stay: Stay
    limit: date
    days_left: int
    level: str  # "30" or "60": the nearest notice the stay has passed


def _stays_for(user):
    """Open stays whose limit the user is told about, or None when she is told about none."""
    from cases.models import Assignment, Participant

    role = role_of(user)
    open_stays = Stay.objects.filter(ended_on__isnull=True)
    if role == Role.COORDINATOR:
        # coordinators run every house and may see who lives in it
        return open_stays
    if role == Role.SOCIAL_WORKER:
        key_worker_of = Participant.objects.visible_to(user).filter(
            pk__in=Assignment.objects.filter(
                worker=user, kind=Assignment.Kind.KEY_WORKER, ended_at__isnull=True
            ).values("participant_id")
        )
        return open_stays.filter(participant__in=key_worker_of.values("pk"))
    return None


def stays_near_their_limit(user, today: date | None = None) -> list[NearLimit]:
    """Open stays of this user's concern whose limit falls within the next 60 days."""
    stays = _stays_for(user)
    if stays is None:
        return []
    return near_their_limit(stays, today or timezone.localdate())


def near_their_limit(stays, today: date) -> list[NearLimit]:
    """Those of these open stays whose limit falls within the next 60 days, soonest first
    (one query for the maxima in use, one for the stays)."""
    horizon = today + timedelta(days=max(NOTICE_DAYS))
    # a stay of a house allowing m months reaches its limit by the horizon only if it began
    # about m months before it: one condition per maximum in use keeps the rows few
    maxima = Shelter.objects.values_list("max_stay_months", flat=True).distinct()
    began_early_enough = Q()
    for months in maxima:
        counted_from = months_later(horizon, -months) + _SLACK
        began_early_enough |= Q(bed__room__shelter__max_stay_months=months) & (
            Q(starts_on__lte=counted_from) | Q(limit_from__lte=counted_from)
        )
    if not began_early_enough:
        return []
    rows = (
        stays.filter(began_early_enough)
        .select_related("bed__room__shelter", "participant")
        .only(
            "pk",
            "starts_on",
            "limit_from",
            "expected_end_on",
            "participant_id",
            "participant__id",
            "participant__known_as",
            "bed__label",
            "bed__room__name",
            "bed__room__shelter__name",
            "bed__room__shelter__max_stay_months",
        )
    )
    near = []
    for stay in rows:
        limit = stay.limit_on
        days_left = (limit - today).days
        if 0 <= days_left <= max(NOTICE_DAYS):
            level = next(str(days) for days in NOTICE_DAYS if days_left <= days)
            near.append(NearLimit(stay=stay, limit=limit, days_left=days_left, level=level))
    near.sort(key=lambda row: (row.limit, row.stay.pk))
    return near


def departures_to_record(user, today: date | None = None) -> list[Stay]:
    """Open stays of this user's concern that hold no bed tonight (the expected departure or
    the house's maximum has passed and nobody recorded that she left): the bed shows free,
    so someone must say whether she left or stays longer. One query."""
    stays = _stays_for(user)
    if stays is None:
        return []
    return past_their_nights(stays, today or timezone.localdate())


def past_their_nights(stays, today: date) -> list[Stay]:
    return list(
        stays.filter(ended_on__isnull=True, starts_on__lt=today)
        .exclude(nights__night=today)
        .select_related("bed__room__shelter", "participant")
        .only(
            "pk",
            "starts_on",
            "expected_end_on",
            "participant_id",
            "participant__id",
            "participant__known_as",
            "bed__label",
            "bed__room__name",
            "bed__room__shelter__name",
        )
        .order_by("starts_on", "pk")
    )
