"""A year of the demo organisation's two houses: an emergency shelter and a house of
transition apartments, their beds, stays, moves from one to the other, departures and the
follow-ups after them, and a short waiting list. Fictional, calm, repeatable.

Stays are written only through the services (stay_begin, stay_end, stay_move), in the order
they happened, so the demo holds the same guarantees as real use: no bed-night or
person-night twice, an audit entry for each arrival and departure.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from cases.models import Assignment, Participant
from shelters.models import AdmissionRequest, Bed, FollowUp, Room, Shelter, Stay
from shelters.services import (
    follow_up_record,
    follow_ups_mark_due,
    months_later,
    stay_begin,
    stay_end,
    stay_move,
)

SEED = 7  # the shelters issue

Kind = Shelter.Kind
Exit = Stay.ExitDestination
Urgency = AdmissionRequest.Urgency


@dataclass(frozen=True)
class House:
    name: str
    kind: str
    max_stay_months: int
    address: str
    rooms: dict  # room name -> bed labels
    staff: tuple  # demo usernames


HOUSES = (
    House(
        "Les Tilleuls",
        Kind.EMERGENCY,
        6,
        "Fictional demo address: 1 impasse Imaginaire, 00000 Nulle-Part",
        {"Room 1": ("Bed 1", "Bed 2", "Bed 3"), "Room 2": ("Bed 1", "Bed 2")},
        ("alice", "farah"),
    ),
    House(
        "Résidence Ophélie",
        Kind.TRANSITION,
        24,
        "Fictional demo address: 2 allée des Songes, 00000 Nulle-Part",
        {"Flat A": ("Bed 1", "Bed 2"), "Flat B": ("Bed 1",), "Flat C": ("Bed 1",)},
        ("bea",),
    ),
)

# where women went when they left (a move to the transition house is counted by stay_move)
EMERGENCY_EXITS = {
    Exit.OWN_HOUSING: 2,
    Exit.FAMILY: 2,
    Exit.OTHER_SERVICE: 3,
    Exit.RETURNED: 1,
    Exit.UNKNOWN: 1,
}
TRANSITION_EXITS = {Exit.OWN_HOUSING: 5, Exit.FAMILY: 1, Exit.OTHER_SERVICE: 1, Exit.UNKNOWN: 1}
DEPARTURE_NOTES = [
    "Left with the phone number of the drop-in; will come to the Thursday workshop.",
    "Handed back her keys; her things are kept in the office for a week.",
    "Said goodbye to the house; asked to keep in touch with her peer worker.",
]
FOLLOW_UP_NOTES = [
    "Phone call; settled, asked about French classes.",
    "Met at the drop-in over coffee.",
    "Short message exchange; she will call back next month.",
]
REFUSAL = "No place of the kind wished was free; referred to a partner's night shelter."


@dataclass(eq=False)
class _Plan:
    """One stay to write: in ``bed`` from ``starts_on`` to the morning of ``ends_on`` (None:
    she sleeps there tonight). ``then`` is the stay she moves on to that morning."""

    bed: Bed
    starts_on: date
    ends_on: date | None
    expected_end_on: date | None = None
    then: _Plan | None = None
    moved_in: bool = False
    participant_id: int | None = None
    by_request: bool = False
    destination: str = ""
    notes: str = ""
    stay: Stay | None = field(default=None, repr=False)

    def chain_end(self) -> date:
        last = self
        while last.then is not None:
            last = last.then
        return last.ends_on or date.max


def shelters_create(*, users: dict, today: date | None = None) -> None:
    """Two houses with a year of stays, moves, departures, follow-ups and a waiting list."""
    today = today or timezone.localdate()
    if Shelter.objects.filter(name__in=[house.name for house in HOUSES]).exists():
        return  # already there: the demo is loaded once
    rng = random.Random(SEED)  # noqa: S311 - a repeatable demo, not a secret
    emergency, transition = (_house_create(house, users) for house in HOUSES)
    plans = _emergency_plans(rng, emergency, today)
    plans += _transition_plans(rng, plans, transition, today)
    _departures_plan(rng, plans)
    key_workers = dict(
        Assignment.objects.filter(kind=Assignment.Kind.KEY_WORKER, ended_at__isnull=True)
        .order_by("participant_id")
        .values_list("participant_id", "worker_id")
    )
    women = _women(today, key_workers)
    _participants_choose(rng, plans, women)
    _stays_write(rng, plans, users, key_workers)
    departures = [plan.stay for plan in plans if plan.stay.ended_on and plan.then is None]
    _follow_ups(rng, departures, today=today, key_workers=key_workers)
    _waiting_list(rng, plans, women, users, key_workers, today)


def _house_create(house: House, users: dict) -> list[Bed]:
    shelter = Shelter.objects.create(
        name=house.name,
        kind=house.kind,
        address=house.address,
        max_stay_months=house.max_stay_months,
    )
    shelter.staff.set([users[name] for name in house.staff])
    beds = []
    for room_name, labels in house.rooms.items():
        room = Room.objects.create(shelter=shelter, name=room_name)
        beds += [Bed.objects.create(room=room, label=label) for label in labels]
    return beds


def _limit(bed: Bed, starts_on: date) -> date:
    return months_later(starts_on, bed.room.shelter.max_stay_months)


def _emergency_plans(rng, beds: list[Bed], today: date) -> list[_Plan]:
    """Each bed's year: stays of three weeks to four months with a few free nights between.
    Tonight: Bed 1 holds a stay forty days from the house's maximum, two more beds are
    taken (one with a departure planned within a fortnight), and two are free."""
    plans = []
    for index, bed in enumerate(beds):
        if index == 0:  # near the maximum stay: the warning on the home pages
            last = _Plan(bed, months_later(today, -6) + timedelta(days=40), None)
        elif index == 1:
            last = _Plan(bed, today - timedelta(days=rng.randint(20, 40)), None)
            last.expected_end_on = today + timedelta(days=rng.randint(5, 14))
        elif index == 2:
            last = _Plan(bed, today - timedelta(days=rng.randint(2, 9)), None, by_request=True)
        else:
            last = None
        cutoff = last.starts_on - timedelta(days=rng.randint(1, 6)) if last else today
        first = today - timedelta(days=365 - rng.randint(0, 20))
        plans += _bed_year(rng, bed, first, cutoff)
        if last is not None:
            plans.append(last)
    return plans


def _bed_year(rng, bed: Bed, first: date, cutoff: date) -> list[_Plan]:
    """Ended stays in one bed from ``first``, the last one ending by ``cutoff``."""
    plans = []
    starts_on = first
    while True:
        ends_on = starts_on + timedelta(days=rng.randint(21, 120))
        if ends_on > cutoff:
            break
        plan = _Plan(bed, starts_on, ends_on, by_request=rng.random() < 0.3)
        if rng.random() < 0.5:
            plan.expected_end_on = ends_on  # she left on the day planned
        plans.append(plan)
        starts_on = ends_on + timedelta(days=rng.randint(1, 18))
    return plans


def _transition_plans(rng, emergency: list[_Plan], beds: list[Bed], today: date) -> list[_Plan]:
    """Some women leaving the emergency house move on to a transition flat, when one is free;
    the last flat is kept free tonight. Two women came straight from another service."""
    taken = {bed: [] for bed in beds}  # bed -> [(first night, morning she leaves)]
    plans = []

    def free(bed, starts_on, ends_on):
        return all(ends_on <= s or (e or date.max) <= starts_on for s, e in taken[bed])

    def place(plan):
        taken[plan.bed].append((plan.starts_on, plan.ends_on))
        plans.append(plan)

    # straight from another service, early in the year: one has left, one is still there
    place(_Plan(beds[0], today - timedelta(days=350), today - timedelta(days=130), by_request=True))
    place(_Plan(beds[2], today - timedelta(days=320), None, by_request=True))
    for origin in sorted(emergency, key=lambda plan: plan.ends_on or date.max):
        if origin.ends_on is None or origin.ends_on > today - timedelta(days=10):
            continue
        if rng.random() > 0.45:
            continue
        length = timedelta(days=rng.randint(100, 420))
        ends_on = origin.ends_on + length
        for bed in beds:
            open_tonight = ends_on > today
            if bed is beds[-1] and open_tonight:
                continue  # Flat C stays free tonight
            if free(bed, origin.ends_on, ends_on if not open_tonight else date.max):
                origin.then = _Plan(bed, origin.ends_on, None if open_tonight else ends_on)
                origin.then.moved_in = True
                place(origin.then)
                break
    return plans


def _departures_plan(rng, plans: list[_Plan]) -> None:
    """Where each woman went when she left (every destination at least once), decided
    before anyone is chosen, so the shape of the year does not hang on the caseload."""
    for kind, exits in ((Kind.EMERGENCY, EMERGENCY_EXITS), (Kind.TRANSITION, TRANSITION_EXITS)):
        leaving = [
            plan
            for plan in plans
            if plan.ends_on and plan.then is None and plan.bed.room.shelter.kind == kind
        ]
        for plan in leaving:
            plan.destination = rng.choices(list(exits), list(exits.values()))[0]
            plan.notes = rng.choice(DEPARTURE_NOTES) if rng.random() < 0.4 else ""
        missing = [exit for exit in exits if exit not in {plan.destination for plan in leaving}]
        for plan, exit in zip(rng.sample(leaving, len(missing)), missing, strict=True):
            plan.destination = exit


def _women(today: date, key_workers: dict) -> list[Participant]:
    """Adult women with an open file and a key worker, in reference order."""
    adult = today.year - 18
    files = Participant.objects.filter(
        closed_on__isnull=True,
        merged_into__isnull=True,
        birth_year__lte=adult,
        pk__in=list(key_workers),
    ).order_by("reference")
    # gender is encrypted: read in Python
    return [p for p in files.only("pk", "opened_on", "gender") if p.gender != p.Gender.MAN]


def _participants_choose(rng, plans: list[_Plan], women: list[Participant]) -> None:
    """Give each stay (and the stays she moves on to) a woman whose file was open then and
    who has no other bed those nights; women housed once come first for no one."""
    busy = {woman.pk: [] for woman in women}
    for plan in sorted((p for p in plans if not p.moved_in), key=lambda p: p.starts_on):
        end = plan.chain_end()

        def available(woman, plan=plan, end=end):
            return woman.opened_on <= plan.starts_on and all(
                end <= s or e <= plan.starts_on for s, e in busy[woman.pk]
            )

        candidates = [w for w in women if available(w)]
        never = [w for w in candidates if not busy[w.pk]]
        woman = rng.choice(never or candidates)
        busy[woman.pk].append((plan.starts_on, end))
        step = plan
        while step is not None:
            step.participant_id = woman.pk
            step = step.then


def _stays_write(rng, plans: list[_Plan], users: dict, key_workers: dict) -> None:
    """Arrivals, moves and departures through the services, in the order they happened
    (on one day, departures first: the bed is free that night)."""
    workers = {user.pk: user for user in users.values()}
    events = []
    for n, plan in enumerate(plans):
        if not plan.moved_in:
            events.append((plan.starts_on, 1, n, "begin", plan))
        if plan.ends_on is not None:
            events.append((plan.ends_on, 0, n, "move" if plan.then else "end", plan))
    for day, _order, _n, what, plan in sorted(events, key=lambda event: event[:3]):
        actor = workers[key_workers[plan.participant_id]]
        if what == "begin":
            admission = None
            if plan.by_request:
                admission = AdmissionRequest.objects.create(
                    participant_id=plan.participant_id,
                    requested_by=actor,
                    requested_on=day - timedelta(days=rng.randint(0, 12)),
                    urgency=rng.choice(Urgency.values),
                    wished_kind=plan.bed.room.shelter.kind,
                )
            plan.stay = stay_begin(
                actor=actor,
                participant=Participant(pk=plan.participant_id),
                bed=plan.bed,
                starts_on=day,
                expected_end_on=plan.expected_end_on,
                admission=admission,
            )
        elif what == "move":
            plan.then.stay = stay_move(actor=actor, stay=plan.stay, bed=plan.then.bed, moved_on=day)
            plan.stay.refresh_from_db()
        else:
            plan.stay = stay_end(
                actor=actor,
                stay=plan.stay,
                ended_on=day,
                exit_destination=plan.destination,
                notes=plan.notes,
            )


def _follow_ups(rng, departures: list[Stay], *, today: date, key_workers: dict) -> None:
    """The follow-ups stay_end scheduled after each departure: those whose day has come are
    marked due, and most of the older ones are done by her key worker, with an outcome."""
    from django.contrib.auth import get_user_model

    follow_ups_mark_due(today=today)
    workers = get_user_model().objects.in_bulk(set(key_workers.values()))
    outcomes = FollowUp.Outcome
    done_by = today - timedelta(days=14)
    for follow_up in (
        FollowUp.objects.filter(stay__in=departures, due_on__lte=done_by)
        .select_related("stay")
        .order_by("due_on", "pk")
    ):
        if rng.random() >= 0.75:
            continue
        stay = follow_up.stay
        if stay.exit_destination == Exit.RETURNED:
            outcome = rng.choice([outcomes.RETURNED, outcomes.LOST_CONTACT])
        elif stay.exit_destination == Exit.UNKNOWN:
            outcome = rng.choice([outcomes.LOST_CONTACT, outcomes.NEEDS_SUPPORT])
        else:
            outcome = rng.choice([outcomes.STABLE] * 3 + [outcomes.NEEDS_SUPPORT])
        follow_up_record(
            actor=workers[key_workers[stay.participant_id]],
            follow_up=follow_up,
            outcome=outcome,
            done_on=min(follow_up.due_on + timedelta(days=rng.randint(0, 10)), today),
            notes=rng.choice(FOLLOW_UP_NOTES) if rng.random() < 0.5 else "",
        )


def _waiting_list(rng, plans, women, users, key_workers, today: date) -> None:
    """Requests not (yet) admitted: two waiting, one offered a flat, one refused."""
    housed = {plan.participant_id for plan in plans if plan.chain_end() > today}
    asked = set(AdmissionRequest.objects.values_list("participant_id", flat=True))
    free = [woman for woman in women if woman.pk not in housed | asked]
    chosen = rng.sample(free, 4)
    workers = {user.pk: user for user in users.values()}
    rows = [
        (Urgency.IMMEDIATE, Kind.EMERGENCY, 2, AdmissionRequest.Status.WAITING, None),
        (Urgency.PLANNED, Kind.TRANSITION, 25, AdmissionRequest.Status.WAITING, None),
        (Urgency.SOON, Kind.TRANSITION, 9, AdmissionRequest.Status.OFFERED, None),
        (Urgency.SOON, Kind.EMERGENCY, 40, AdmissionRequest.Status.REFUSED, 38),
    ]
    AdmissionRequest.objects.bulk_create(
        [
            AdmissionRequest(
                participant_id=woman.pk,
                requested_by=workers[key_workers[woman.pk]],
                requested_on=today - timedelta(days=days_ago),
                urgency=urgency,
                wished_kind=kind,
                status=status,
                decided_on=today - timedelta(days=decided) if decided else None,
                decision_reason=REFUSAL if status == AdmissionRequest.Status.REFUSED else "",
            )
            for woman, (urgency, kind, days_ago, status, decided) in zip(chosen, rows, strict=True)
        ]
    )
