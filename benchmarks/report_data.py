"""The rest of a synthetic organisation's years, for the annual report: houses and stays,
life plans, referrals, outreach, activities and peer groups (issue 8's benchmark).

Everything is spread over the generated history (``SPAN_DAYS`` up to today), so the last
full calendar year holds about a third of it. Rows are written in bulk, without the
services: stays own their BedNight rows (never two on a bed-night or a person-night),
goals respect ``goal_agreed_before_it_counts``, every referral rests on a coordinator's
override. Each random draw comes from this module's own generator, so the rest of the
organisation (search, case pages, the desk) stays what it was.
"""

from __future__ import annotations

import bisect
import functools
import math
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

SPAN_DAYS = 3 * 365  # the generated history: three years up to today
BATCH = 2000
NATIONALITIES = {
    "NG": 24, "RO": 14, "FR": 10, "CN": 8, "BG": 6, "BR": 5, "CM": 4, "CI": 4, "AL": 3,
    "UA": 3, "MA": 3, "DZ": 2, "CO": 2, "VE": 2, "GH": 2, "PE": 1, "EC": 1, "": 6,
}  # fmt: skip
GOAL_WORDS = [
    "Find a flat of my own",
    "Get my residence permit renewed",
    "Learn French well enough for a job interview",
    "See a doctor about my back",
    "Open a bank account",
    "Get my children back with me",
    "Start the care assistant training",
    "Stop being afraid at night",
    "Find work in a kitchen",
    "File my complaint with a lawyer",
    "Make friends outside the street",
    "Save a little money each month",
]
OVERRIDE_REASON = "Fictional: she asked for it on the phone; the consent form follows."
AREAS = ["Belleville", "Porte de la Chapelle", "Bois de Vincennes", "Saint-Denis", "Online ads"]


@functools.cache
def _noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(12)))


def _bulk(model, rows) -> list:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def _weighted(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _Eligible:
    """People whose file was open on a given day (sorted by opening date), for drawing
    who took part in something that day; anyone when no file was open yet."""

    def __init__(self, people):
        self.people = sorted(people, key=lambda p: (p.opened_on, p.pk))
        self.opened = [p.opened_on for p in self.people]

    def count(self, day: date) -> int:
        return bisect.bisect_right(self.opened, day) or len(self.people)

    def sample(self, rng, day: date, k: int) -> list:
        m = self.count(day)
        return [self.people[i] for i in rng.sample(range(m), min(k, m))]

    def one(self, rng, day: date):
        return self.people[rng.randrange(self.count(day))]


def nationalities_assign(rng, people) -> None:
    """A plain nationality on each file (reports count them; nothing encrypted)."""
    codes, weights = list(NATIONALITIES), list(NATIONALITIES.values())
    drawn = rng.choices(codes, weights=weights, k=len(people))
    for person, code in zip(people, drawn, strict=True):
        person.nationality = code


def report_data_generate(rng, size, people, key_worker_of, coordinator, today: date) -> None:
    """Houses, life plans, referrals, outreach, activities and peer groups."""
    eligible = _Eligible(people)
    start = today - timedelta(days=SPAN_DAYS)
    _housing_generate(rng, size, eligible, key_worker_of, coordinator, start, today)
    _lifeplans_generate(rng, size, people, key_worker_of, today)
    _referrals_generate(rng, size, eligible, key_worker_of, coordinator, start, today)
    _outreach_generate(rng, size, coordinator, start, today)
    _groups_generate(rng, size, eligible, coordinator, start, today)


# --- housing ---------------------------------------------------------------------------

HOUSE_KINDS = ("emergency", "emergency", "long_term", "transition", "emergency")
MAX_STAY_MONTHS = {"emergency": 6, "long_term": 12, "transition": 24}
EXITS = {
    "own_housing": 30, "family": 12, "transition": 10, "other_service": 25, "returned": 8,
    "unknown": 15,
}  # fmt: skip
FOLLOW_UP_OUTCOMES = {"stable": 50, "needs_support": 25, "returned": 8, "lost_contact": 17}


def _housing_generate(rng, size, eligible, key_worker_of, coordinator, start, today) -> None:
    """``size.houses`` houses of ``size.beds_per_house`` beds, ``size.stays`` stays over the
    history with their nights, departures with a destination, and their follow-ups."""
    from shelters.dates import months_later
    from shelters.models import Bed, BedNight, FollowUp, Room, Shelter, Stay

    if not size.stays:
        return
    houses = []
    for h in range(size.houses):
        kind = HOUSE_KINDS[h % len(HOUSE_KINDS)]
        houses.append(
            Shelter(
                name=f"Bench house {h + 1:02d}",
                kind=kind,
                address=f"Fictional bench address {h + 1}, 00000 Nulle-Part",
                max_stay_months=MAX_STAY_MONTHS[kind],
            )
        )
    _bulk(Shelter, houses)
    rooms = [
        Room(shelter=house, name=f"Room {r + 1}")
        for house in houses
        for r in range(math.ceil(size.beds_per_house / 2))
    ]
    _bulk(Room, rooms)
    by_house = {}
    beds = []
    for room in rooms:
        taken = by_house.setdefault(room.shelter_id, 0)
        for label in range(min(2, size.beds_per_house - taken)):
            beds.append(Bed(room=room, label=f"Bed {label + 1}"))
        by_house[room.shelter_id] = taken + 2
    _bulk(Bed, beds)
    house_of = {room.pk: room.shelter for room in rooms}

    # each bed's history: its share of the stays, one after the other, in slots of about
    # equal length; the last one is still going on tonight in most beds
    plans = []  # (bed, starts_on, ends_on or None, expected_end_on)
    per_bed = [size.stays // len(beds) + (b < size.stays % len(beds)) for b in range(len(beds))]
    for bed, count in zip(beds, per_bed, strict=True):
        if not count:
            continue
        house = house_of[bed.room_id]
        slot = SPAN_DAYS / count
        day = start + timedelta(days=rng.randint(0, max(0, int(slot * 0.2))))
        for k in range(count):
            slot_end = start + timedelta(days=round((k + 1) * slot))
            limit = months_later(day, house.max_stay_months)
            if k == count - 1 and rng.random() < 0.85:  # she sleeps there tonight
                day = min(day, today - timedelta(days=1))
                limit = months_later(day, house.max_stay_months)
                if limit <= today:  # a long slot: she arrived more recently
                    day = today - timedelta(days=rng.randint(1, 60))
                    limit = months_later(day, house.max_stay_months)
                expected = min(limit, today + timedelta(days=rng.randint(7, 120)))
                plans.append((bed, day, None, expected if expected > day else None))
                break
            ends = min(slot_end, limit, today)
            if ends <= day:
                ends = day + timedelta(days=1)
            plans.append((bed, day, ends, None))
            day = ends + timedelta(days=rng.randint(0, max(0, int(slot * 0.15))))
            if day >= today:
                break

    # who: a woman whose file was open, not housed on those nights; some come back
    plans.sort(key=lambda plan: plan[1])
    free_from: dict[int, date] = {}  # the first night she can be housed again
    used: set[int] = set()
    left: list[int] = []
    stays = []
    for bed, starts_on, ended_on, expected in plans:
        participant_id = None
        if left and rng.random() < 0.15:
            candidate = left[rng.randrange(len(left))]
            if free_from[candidate] <= starts_on:
                participant_id = candidate
        for attempt in range(100):
            if participant_id is not None:
                break
            # a file open by then, else (early in the history) anyone's
            pick = eligible.one(rng, starts_on) if attempt < 50 else rng.choice(eligible.people)
            if pick.pk not in used:
                participant_id = pick.pk
        if participant_id is None:  # a small organisation: anyone free that night
            free = [pk for pk, day in free_from.items() if day <= starts_on]
            if not free:
                continue
            participant_id = rng.choice(free)
        used.add(participant_id)
        free_from[participant_id] = ended_on or date.max
        if ended_on is not None:
            left.append(participant_id)
        stays.append(
            Stay(
                participant_id=participant_id,
                bed=bed,
                starts_on=starts_on,
                ended_on=ended_on,
                expected_end_on=expected,
                exit_destination=_weighted(rng, EXITS) if ended_on else "",
                created_by=key_worker_of.get(participant_id, coordinator),
                created_at=_noon(starts_on),
            )
        )
    _bulk(Stay, stays)

    nights = []
    for stay in stays:
        house = house_of[stay.bed.room_id]
        end = (
            stay.ended_on
            or stay.expected_end_on
            or months_later(stay.starts_on, house.max_stay_months)
        )
        for n in range((end - stay.starts_on).days):
            nights.append(
                BedNight(stay_id=stay.pk, bed_id=stay.bed_id, participant_id=stay.participant_id,
                         night=stay.starts_on + timedelta(days=n))
            )  # fmt: skip
        if len(nights) >= BATCH * 10:
            _bulk(BedNight, nights)
            nights = []
    _bulk(BedNight, nights)

    follow_ups = []
    for stay in stays:
        if stay.ended_on is None:
            continue
        for months in settings.SAFESPACE_FOLLOW_UP_MONTHS:
            due_on = months_later(stay.ended_on, months)
            done_on = None
            if due_on <= today and rng.random() < 0.65:
                done_on = min(today, due_on + timedelta(days=rng.randint(0, 20)))
            follow_ups.append(
                FollowUp(
                    stay_id=stay.pk,
                    participant_id=stay.participant_id,
                    months_after=months,
                    due_on=due_on,
                    is_due=due_on <= today,
                    done_on=done_on,
                    outcome=_weighted(rng, FOLLOW_UP_OUTCOMES) if done_on else "",
                    done_by=stay.created_by if done_on else None,
                )
            )
    _bulk(FollowUp, follow_ups)


# --- life plans ------------------------------------------------------------------------

GOAL_STATUSES = {
    "proposed": 10, "agreed": 18, "in_progress": 30, "achieved": 27, "paused": 8, "let_go": 7,
}  # fmt: skip


def _lifeplans_generate(rng, size, people, key_worker_of, today) -> None:
    """A plan for ``size.goal_people`` women and ``size.goals`` goals on them, each with the
    changes of status that brought it where it is (agreed, in progress, achieved...)."""
    from cases.models import RightsDomain
    from lifeplans.models import Goal, GoalChange, LifePlan

    if not size.goals:
        return
    planned = rng.sample(people, min(size.goal_people, len(people)))
    plans = [
        LifePlan(participant_id=person.pk, created_at=_noon(person.opened_on)) for person in planned
    ]
    _bulk(LifePlan, plans)
    person_of = {plan.pk: person for plan, person in zip(plans, planned, strict=True)}
    horizons, domains = Goal.Horizon.values, RightsDomain.values
    goals, paths = [], []
    for _ in range(size.goals):
        plan = plans[rng.randrange(len(plans))]
        person = person_of[plan.pk]
        room = max((today - person.opened_on).days, 0)
        proposed = person.opened_on + timedelta(days=rng.randint(0, room))
        status = _weighted(rng, GOAL_STATUSES)
        path = [("", "proposed", proposed)]
        agreed_on = None
        if status != "proposed" and not (status == "let_go" and rng.random() < 0.5):
            agreed_on = min(today, proposed + timedelta(days=rng.randint(0, 30)))
            path.append(("proposed", "agreed", agreed_on))
            day = agreed_on
            if status in ("in_progress", "achieved", "paused"):
                day = min(today, day + timedelta(days=rng.randint(1, 60)))
                path.append(("agreed", "in_progress", day))
            if status in ("achieved", "paused"):
                day = min(today, day + timedelta(days=rng.randint(10, 300)))
                path.append(("in_progress", status, day))
        if status == "let_go":
            day = min(today, path[-1][2] + timedelta(days=rng.randint(5, 200)))
            path.append((path[-1][1], "let_go", day))
        goals.append(
            Goal(
                plan=plan,
                horizon=rng.choice(horizons),
                domain=rng.choice(domains),
                words=rng.choice(GOAL_WORDS),
                proposed_by=rng.choice(("her", "worker")),
                proposed_by_user=key_worker_of[person.pk],
                status=status,
                agreed_on=agreed_on,
                created_at=_noon(proposed),
                updated_at=_noon(path[-1][2]),
            )
        )
        paths.append(path)
    _bulk(Goal, goals)
    changes = []
    for goal, path in zip(goals, paths, strict=True):
        worker = goal.proposed_by_user
        for before, after, day in path[1:]:
            changes.append(
                GoalChange(goal_id=goal.pk, changed_by=worker, changed_at=_noon(day),
                           fields=["status"], status_before=before, status_after=after)
            )  # fmt: skip
        if len(changes) >= BATCH * 10:
            _bulk(GoalChange, changes)
            changes = []
    _bulk(GoalChange, changes)


# --- referrals -------------------------------------------------------------------------

REFERRAL_STATUSES = {"proposed": 10, "sent": 25, "accepted": 25, "completed": 30, "refused": 10}


def _referrals_generate(rng, size, eligible, key_worker_of, coordinator, start, today) -> None:
    from cases.models import Partner, Referral

    if not size.referrals:
        return
    partners = _bulk(
        Partner,
        [Partner(name=f"Bench partner: {name}", kind=kind) for kind, name in Partner.Kind.choices],
    )
    referrals = []
    for _ in range(size.referrals):
        day = start + timedelta(days=rng.randint(0, SPAN_DAYS))
        person = eligible.one(rng, day)
        day = max(day, person.opened_on)
        partner = rng.choice(partners)
        referrals.append(
            Referral(
                participant_id=person.pk,
                partner=partner,
                kind=partner.kind,
                status=_weighted(rng, REFERRAL_STATUSES),
                override_by=coordinator,
                override_reason=OVERRIDE_REASON,
                created_by=key_worker_of[person.pk],
                created_at=_noon(day),
                updated_at=_noon(day),
            )
        )
    _bulk(Referral, referrals)


# --- outreach, activities and peer groups ----------------------------------------------


def _outreach_generate(rng, size, recorded_by, start, today) -> None:
    from dropin.models import OutreachRound

    rounds = []
    for k in range(size.outreach_rounds):
        contacts = rng.randint(0, 25)
        rounds.append(
            OutreachRound(
                kind="street" if rng.random() < 0.7 else "online",
                date=start + timedelta(days=k * SPAN_DAYS // max(size.outreach_rounds, 1)),
                area=rng.choice(AREAS),
                contacts_made=contacts,
                new_contacts=rng.randint(0, contacts),
                leaflets=rng.randint(0, 40),
                hygiene_kits=rng.randint(0, 15),
                food_and_drinks=rng.randint(0, 30),
                recorded_by=recorded_by,
            )
        )
    _bulk(OutreachRound, rounds)


ACTIVITIES = [
    ("cooking", "Cooking workshop"),
    ("yoga", "Gentle yoga"),
    ("art_therapy", "Art therapy"),
    ("shared_meal", "Friday meal"),
    ("outing", "Museum outing"),
    ("dance", "Dance class"),
]


def _groups_generate(rng, size, eligible, recorded_by, start, today) -> None:
    from dropin.models import (
        Activity,
        ActivityAttendance,
        ActivitySession,
        PeerGroup,
        PeerGroupAttendance,
        PeerGroupMember,
        PeerGroupSession,
        Site,
    )

    sites = list(Site.objects.filter(name__startswith="Bench drop-in").order_by("name"))
    if size.activity_sessions:
        activities = _bulk(
            Activity,
            [
                Activity(kind=kind, title=title, site=sites[k % len(sites)] if sites else None,
                         created_by=recorded_by)
                for k, (kind, title) in enumerate(ACTIVITIES)
            ],
        )  # fmt: skip
        sessions = _bulk(
            ActivitySession,
            [
                ActivitySession(
                    activity=activities[k % len(activities)],
                    date=start + timedelta(days=1 + k * SPAN_DAYS // size.activity_sessions),
                    anonymous_count=rng.randint(0, 5),
                    recorded_by=recorded_by,
                )
                for k in range(size.activity_sessions)
            ],
        )
        _bulk(
            ActivityAttendance,
            [
                ActivityAttendance(session_id=session.pk, participant_id=person.pk)
                for session in sessions
                for person in eligible.sample(rng, session.date, rng.randint(2, 10))
            ],
        )
    if not size.peer_groups:
        return
    step = SPAN_DAYS // size.peer_groups
    groups = _bulk(
        PeerGroup,
        [
            PeerGroup(
                name=f"Bench peer group {g + 1:02d}",
                site=sites[g % len(sites)] if sites else None,
                planned_sessions=12,
                starts_on=start + timedelta(days=g * step),
                closed_on=_closed(start + timedelta(days=g * step + 12 * 7), today),
                created_by=recorded_by,
            )
            for g in range(size.peer_groups)
        ],
    )
    members, sessions, attending = [], [], []
    for group in groups:
        people = eligible.sample(rng, group.starts_on, rng.randint(6, 10))
        members += [
            PeerGroupMember(group=group, participant_id=person.pk, enrolled_on=group.starts_on,
                            enrolled_by=recorded_by)
            for person in people
        ]  # fmt: skip
        for week in range(12):
            day = group.starts_on + timedelta(days=7 * week)
            if day > today:
                break
            sessions.append(PeerGroupSession(group=group, date=day, recorded_by=recorded_by))
            attending.append([p for p in people if rng.random() < 0.75])
    _bulk(PeerGroupMember, members)
    _bulk(PeerGroupSession, sessions)
    _bulk(
        PeerGroupAttendance,
        [
            PeerGroupAttendance(session_id=session.pk, participant_id=person.pk)
            for session, people in zip(sessions, attending, strict=True)
            for person in people
        ],
    )


def _closed(day: date, today: date) -> date | None:
    return day if day <= today else None


def presences(rng, sessions, volunteers) -> list:
    """A volunteer's hours at each drop-in session (the report's volunteer hours)."""
    from dropin.models import Presence

    return [
        Presence(session_id=session.pk, person=rng.choice(volunteers),
                 hours=Decimal(rng.choice(("3.00", "3.50", "4.00"))))
        for session in sessions
    ]  # fmt: skip
