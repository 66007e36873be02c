"""Period figures on the houses: what the organisation's housing provided over a period.

For the coordinator's figures page, and later the annual report (issue 8), which applies
small-count suppression before anything leaves the app: the figures here are exact, and
are shown to coordinators only. They never name a woman and never load an address.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Q
from django.utils import timezone

from shelters.models import Bed, BedNight, Shelter, Stay


@dataclass
class HouseFigures:
    """The figures of one house, or of all the houses together (``shelter_id`` None)."""

    name: str
    shelter_id: int | None = None
    stays: int = 0
    people: int = 0
    nights: int = 0
    beds: int = 0
    # nights provided / (beds in use today x nights of the period up to today, plus the
    # nights spent in beds taken out of use since); None without beds
    occupancy: float | None = None
    nights_in_beds_out_of_use: int = 0
    departures: int = 0
    average_nights: float | None = None
    median_nights: float | None = None
    # departures by exit destination, every destination present, in the choices' order
    destinations: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(Stay.ExitDestination.values, 0)
    )
    lengths: list[int] = field(default_factory=list, repr=False)

    @property
    def occupancy_percent(self) -> float | None:
        return None if self.occupancy is None else self.occupancy * 100


@dataclass
class PeriodFigures:
    start: date
    end: date
    until: date  # the last day counted: the period's end, or today if it ends later
    days: int  # nights in the period up to today
    houses: list[HouseFigures]
    total: HouseFigures


def shelter_figures(*, start: date, end: date, shelters=None, today: date | None = None):
    """The figures of the period from ``start`` to ``end`` (both included), per house and in
    total, for ``shelters`` (a queryset or list of houses; all houses when None). Days
    after today are not counted: a planned night is not provided yet. A fixed number of
    queries (at most seven), whatever the data.

    - stays: stays in the house on at least one night of the period. A move to another bed
      of the same house continues the stay; in the total, a chain of moves (``moved_from``)
      is one stay, so the total can be less than the sum of the houses.
    - people: distinct women housed on at least one night of the period (in the total,
      each woman once).
    - nights: bed-nights provided in the period, up to tonight.
    - beds: beds in use today (``Bed.active``); occupancy is nights / (beds x days).
    - departures and destinations: women who left the organisation's housing in the period
      (the morning she left, ``ended_on``, within it), by exit destination, counted in the
      house she left from; a move to another of our beds is not a departure.
    - average and median length of stay, in nights, of those departures: a chain of moves
      counts as ONE stay, from her first arrival to her final departure.
    """
    today = today or timezone.localdate()
    until = min(end, today)
    days = max((until - start).days + 1, 0)

    if shelters is None:
        shelters = Shelter.objects.all()
    elif not hasattr(shelters, "values_list"):
        shelters = Shelter.objects.filter(pk__in=[getattr(s, "pk", s) for s in shelters])
    # the name only: the address is never loaded here
    names = dict(shelters.order_by("name").values_list("pk", "name"))
    ids = list(names)
    houses = {pk: HouseFigures(name=name, shelter_id=pk) for pk, name in names.items()}
    total = HouseFigures(name="")

    in_houses = Q(bed__room__shelter__in=ids)
    for row in (
        Bed.objects.filter(active=True, room__shelter__in=ids)
        .values("room__shelter")
        .annotate(n=Count("pk"))
    ):
        houses[row["room__shelter"]].beds = row["n"]

    # stays on at least one night from start to until (ended_on is the morning she leaves)
    overlapping = Stay.objects.filter(in_houses, starts_on__lte=until).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=start)
    )
    if not days:  # a period still to come: no night of it has been spent yet
        overlapping = overlapping.none()
    # the first part of a stay to count: she arrived, came from another house, or was
    # already there when the period began
    first_in_house = (
        Q(moved_from__isnull=True)
        | Q(starts_on__lte=start)
        | ~Q(moved_from__bed__room__shelter=F("bed__room__shelter"))
    )
    for row in overlapping.values("bed__room__shelter").annotate(
        stays=Count("pk", filter=first_in_house), people=Count("participant", distinct=True)
    ):
        house = houses[row["bed__room__shelter"]]
        house.stays, house.people = row["stays"], row["people"]
    first_in_chain = (
        Q(moved_from__isnull=True)
        | Q(starts_on__lte=start)
        | ~Q(moved_from__bed__room__shelter__in=ids)
    )
    counted = overlapping.aggregate(
        stays=Count("pk", filter=first_in_chain), people=Count("participant", distinct=True)
    )
    total.stays, total.people = counted["stays"], counted["people"]

    for row in (
        BedNight.objects.filter(in_houses, night__gte=start, night__lte=until)
        .values("bed__room__shelter")
        .annotate(n=Count("pk"), out_of_use=Count("pk", filter=Q(bed__active=False)))
    ):
        houses[row["bed__room__shelter"]].nights = row["n"]
        # a bed out of use today was in use on the nights it held someone
        houses[row["bed__room__shelter"]].nights_in_beds_out_of_use = row["out_of_use"]

    # she left the organisation's housing: the last stay of a chain, ended in the period
    departures = Stay.objects.filter(
        in_houses, ended_on__gte=start, ended_on__lte=until, moved_to__isnull=True
    )
    for row in departures.values("bed__room__shelter", "exit_destination").annotate(n=Count("pk")):
        destination = row["exit_destination"] or Stay.ExitDestination.UNKNOWN
        house = houses[row["bed__room__shelter"]]
        house.destinations[destination] += row["n"]
        house.departures += row["n"]

    for house_id, length in _chain_lengths(departures, start, until, ids):
        houses[house_id].lengths.append(length)

    for house in houses.values():
        total.nights += house.nights
        total.nights_in_beds_out_of_use += house.nights_in_beds_out_of_use
        total.beds += house.beds
        total.departures += house.departures
        total.lengths += house.lengths
        for destination, n in house.destinations.items():
            total.destinations[destination] += n
    for figures in (*houses.values(), total):
        _derive(figures, days)
    return PeriodFigures(
        start=start, end=end, until=until, days=days, houses=list(houses.values()), total=total
    )


def _chain_lengths(departures, start: date, until: date, ids: list[int]):
    """(house she left from, nights from her first arrival to her final departure) for each
    departure, walking each chain of moves back to its first stay (one query: every stay
    of the women who left)."""
    rows = {
        pk: (moved_from, starts_on, ended_on, house)
        for pk, moved_from, starts_on, ended_on, house in Stay.objects.filter(
            participant__in=departures.values("participant")
        ).values_list("pk", "moved_from", "starts_on", "ended_on", "bed__room__shelter")
    }
    moved_away = {moved_from for moved_from, *_ in rows.values() if moved_from is not None}
    for pk, (_, _, ended_on, house) in rows.items():
        if pk in moved_away or ended_on is None or not start <= ended_on <= until:
            continue
        if house not in ids:
            continue
        first = pk
        while rows[first][0] is not None:
            first = rows[first][0]
        yield house, (ended_on - rows[first][1]).days


def _derive(figures: HouseFigures, days: int) -> None:
    capacity = figures.beds * days + figures.nights_in_beds_out_of_use
    if capacity:
        figures.occupancy = figures.nights / capacity
    if figures.lengths:
        figures.average_nights = statistics.fmean(figures.lengths)
        figures.median_nights = statistics.median(figures.lengths)
