"""Who sleeps where: beds tonight, arrivals and departures, and the month bed by bed.

Each function issues a fixed number of queries whatever the number of beds and stays. A
woman's name is given only when the reader may see the house's residents or her file
(``names_for``); otherwise a bed is just "taken".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from cases.models import Participant
from safespace.access import can_see_residents
from shelters.models import Bed, BedNight, Shelter, Stay
from shelters.services import months_later
from shelters.warnings import near_their_limit, past_their_nights

AHEAD_DAYS = 30


def with_beds_tonight(shelters, day: date):
    """The houses, each with ``beds_count`` (beds in use) and ``taken_count`` (tonight)."""

    def counted(queryset):
        return Coalesce(
            Subquery(
                queryset.values("room__shelter" if queryset.model is Bed else "bed__room__shelter")
                .annotate(n=Count("pk"))
                .values("n")[:1],
                output_field=IntegerField(),
            ),
            0,
        )

    return shelters.annotate(
        beds_count=counted(Bed.objects.filter(room__shelter=OuterRef("pk"), active=True)),
        taken_count=counted(BedNight.objects.filter(bed__room__shelter=OuterRef("pk"), night=day)),
    )


def names_for(user, shelter: Shelter, participant_ids) -> dict[int, str]:
    """Known-as names the reader may see among these women (one query at most)."""
    ids = set(participant_ids)
    if not ids:
        return {}
    files = Participant.objects.filter(pk__in=ids)
    if not can_see_residents(user, shelter):
        files = Participant.objects.visible_to(user).filter(pk__in=ids)
    return dict(files.values_list("pk", "known_as"))


@dataclass
class BedTonight:
    bed: Bed
    stay: Stay | None
    name: str = ""


def beds_tonight(shelter: Shelter, day: date) -> list[BedTonight]:
    """Every bed of the house in use (or held tonight), with tonight's stay if any."""
    beds = list(
        Bed.objects.filter(room__shelter=shelter)
        .select_related("room")
        .order_by("room__name", "label")
    )
    tonight = {
        night.bed_id: night.stay
        for night in BedNight.objects.filter(bed__room__shelter=shelter, night=day).select_related(
            "stay"
        )
    }
    return [BedTonight(bed, tonight.get(bed.pk)) for bed in beds if bed.active or bed.pk in tonight]


def _stays_of(shelter: Shelter):
    return Stay.objects.filter(bed__room__shelter=shelter).select_related("bed__room")


def arrivals(shelter: Shelter, day: date, days: int = AHEAD_DAYS) -> list[Stay]:
    """Stays beginning from today to ``days`` ahead, moves within the house left out."""
    return list(
        _stays_of(shelter)
        .filter(starts_on__gte=day, starts_on__lte=day + timedelta(days=days))
        .exclude(moved_from__bed__room__shelter=shelter)
        .order_by("starts_on", "pk")
    )


def departures(shelter: Shelter, day: date, days: int = AHEAD_DAYS) -> list[Stay]:
    """Stays ending (planned or recorded) from today to ``days`` ahead."""
    window = {"gte": day, "lte": day + timedelta(days=days)}
    return list(
        _stays_of(shelter)
        .filter(
            Q(ended_on__isnull=True, expected_end_on__gte=window["gte"])
            & Q(expected_end_on__lte=window["lte"])
            | Q(ended_on__gte=window["gte"], ended_on__lte=window["lte"])
        )
        # a move to another bed of the house is not a departure from it
        .exclude(moved_to__bed__room__shelter=shelter)
        .order_by("ended_on", "expected_end_on", "pk")
    )


def near_limit(shelter: Shelter, day: date) -> list[Stay]:
    """Open stays of the house whose maximum falls within 60 days (shelters.warnings)."""
    found = []
    for row in near_their_limit(_stays_of(shelter).filter(ended_on__isnull=True), day):
        row.stay.limit_on_day, row.stay.days_left = row.limit, row.days_left
        found.append(row.stay)
    return found


def to_record(shelter: Shelter, day: date) -> list[Stay]:
    """Open stays of the house that hold no bed tonight: a departure to record, or a stay
    to extend."""
    return past_their_nights(_stays_of(shelter), day)


@dataclass
class Run:
    """Consecutive nights of one stay (or free nights) in a bed, as one calendar cell."""

    nights: int
    stay_id: int | None = None
    name: str = ""
    starts: date | None = None


def month_by_bed(user, shelter: Shelter, year: int, month: int) -> dict:
    """The month as rows of beds and runs of nights: who held each bed, night after night."""
    first = date(year, month, 1)
    days = calendar.monthrange(year, month)[1]
    end = first + timedelta(days=days)
    beds = list(
        Bed.objects.filter(room__shelter=shelter)
        .select_related("room")
        .order_by("room__name", "label")
    )
    nights = list(
        BedNight.objects.filter(bed__room__shelter=shelter, night__gte=first, night__lt=end)
        .order_by("bed_id", "night")
        .values_list("bed_id", "night", "stay_id", "participant_id")
    )
    names = names_for(user, shelter, {participant for *_rest, participant in nights})
    held = {(bed, night): (stay, participant) for bed, night, stay, participant in nights}
    rows = []
    for bed in beds:
        runs: list[Run] = []
        for offset in range(days):
            night = first + timedelta(days=offset)
            stay, participant = held.get((bed.pk, night), (None, None))
            if runs and runs[-1].stay_id == stay:
                runs[-1].nights += 1
            else:
                runs.append(Run(1, stay, names.get(participant, ""), night))
        if bed.active or any(run.stay_id for run in runs):
            rows.append({"bed": bed, "runs": runs})
    taken = len(nights)
    capacity = sum(1 for bed in beds if bed.active) * days
    return {
        "first": first,
        "days": [first + timedelta(days=n) for n in range(days)],
        "rows": rows,
        "taken": taken,
        "rate": round(100 * taken / capacity) if capacity else None,
        "previous": months_later(first, -1),
        "next": months_later(first, 1),
    }
