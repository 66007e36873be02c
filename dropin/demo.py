"""A year of the demo organisation's drop-in: two sites, sessions three times a fortnight,
visits (some anonymous, some recognised by a visitor code), services, outreach rounds,
collective activities and a peer group. Fictional, calm, repeatable."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from cases.models import Assignment, Participant
from dropin.models import (
    Activity,
    ActivityAttendance,
    ActivitySession,
    OpeningSession,
    OutreachContact,
    OutreachRound,
    PeerGroup,
    PeerGroupAttendance,
    PeerGroupMember,
    PeerGroupSession,
    Presence,
    Service,
    ServiceGiven,
    Site,
    Visit,
)
from dropin.services import visitor_code_digest

SEED = 6
# anonymous visitors who chose a code come back under it; others stay uncounted as people
CODES = [f"{word} {n}" for word in ("rose", "lily", "sun", "river", "star") for n in range(1, 6)]
NATIONALITIES = ["NG", "RO", "CN", "BR", "FR", "CM", "BG", "MA", "CO", "AL", "CI", "UA"]
AGE_BANDS = ["under_18", "18_25", "18_25", "26_35", "26_35", "36_50", "over_50"]
# how often each service is ticked at the desk (the others now and then)
COMMON = {"meal": 8, "shower": 4, "listening": 4, "hygiene_kit": 2, "laundry": 2, "clothes": 2}
ROUND_AREAS = {
    "street": ["Boulevard de la Chapelle", "Bois de Vincennes", "Porte de Saint-Ouen"],
    "online": ["Escort websites", "Dating apps", "Social networks"],
}
GROUP_NOTES = [
    "A calm session. Two members arrived late and were welcomed.",
    "We talked about the holidays coming; the group asked to meet at the park next time.",
    "One member left early; the peer worker called her the next day.",
]


def dropin_create(*, users: dict, today: date | None = None) -> None:
    """Sessions, visits, outreach, activities and a peer group over the past year."""
    today = today or timezone.localdate()
    rng = random.Random(SEED)  # noqa: S311 - a repeatable demo, not a secret
    chloe, alice, bea = users["chloe"], users["alice"], users["bea"]
    sites = [Site.objects.create(name="Belleville"), Site.objects.create(name="Gare du Nord")]
    services = list(Service.objects.filter(active=True).order_by("position"))
    weights = [COMMON.get(service.code, 1) for service in services]
    files = list(
        Participant.objects.filter(closed_on__isnull=True, merged_into__isnull=True)
        .order_by("reference")
        .values_list("pk", flat=True)
    )
    _sessions_create(rng, today, sites, services, weights, files, [chloe, alice, bea])
    _support_create(rng, today, services, files, alice)
    _outreach_create(rng, today, files, [alice, bea, chloe])
    _activities_create(rng, today, sites[0], files, alice)
    _peer_group_create(rng, today, sites[0], alice, bea)


def _session_days(today: date):
    """Tuesdays and Thursdays at Belleville, every other Saturday at Gare du Nord."""
    for days_back in range(364, -1, -1):
        day = today - timedelta(days=days_back)
        if day.weekday() in (1, 3) or day == today:
            yield day, 0, time(14), time(18)
        if day.weekday() == 5 and (day.toordinal() // 7) % 2 == 0:
            yield day, 1, time(10), time(13)


def _sessions_create(rng, today, sites, services, weights, files, staff) -> None:
    chloe = staff[0]
    visits, given_services = [], []
    for day, site_index, opens, closes in _session_days(today):
        session = OpeningSession.objects.create(
            site=sites[site_index],
            date=day,
            opens_at=opens,
            closes_at=closes,
            opened_by=chloe,
            # today's session is still open at the desk; every earlier one is final
            closed_at=None if day == today else timezone.make_aware(datetime.combine(day, closes)),
        )
        hours = Decimal(closes.hour - opens.hour)
        Presence.objects.bulk_create(
            [Presence(session=session, person=person, hours=hours) for person in staff[:2]]
            + (
                [Presence(session=session, person=staff[2], hours=hours)]
                if rng.random() < 0.3
                else []
            )
        )
        if day == today:
            continue  # the desk is ready for today's visitors
        known = rng.sample(files, min(len(files), rng.randint(2, 7)))
        session_visits = [Visit(session=session, participant_id=pk, logged_by=chloe,
                                children_count=rng.choice([0, 0, 0, 1, 2]),
                                logged_at=_at(day, opens, rng)) for pk in known]  # fmt: skip
        for _ in range(rng.randint(1, 5)):
            code = rng.choice(CODES) if rng.random() < 0.5 else ""
            session_visits.append(
                Visit(
                    session=session,
                    nationality=rng.choice(NATIONALITIES) if rng.random() < 0.8 else "",
                    age_band=rng.choice(AGE_BANDS) if rng.random() < 0.7 else "",
                    first_visit=rng.choice([True, False, None]),
                    visitor_code=visitor_code_digest(code),
                    logged_by=chloe,
                    logged_at=_at(day, opens, rng),
                )
            )
        visits.extend(session_visits)
    Visit.objects.bulk_create(visits, batch_size=500)
    for visit in visits:
        chosen = {
            service.pk: service for service in rng.choices(services, weights, k=rng.randint(1, 3))
        }
        given_services.extend(
            ServiceGiven(service=service, visit=visit, given_on=visit.logged_at.date(),
                         given_by=chloe)
            for service in chosen.values()
        )  # fmt: skip
    ServiceGiven.objects.bulk_create(given_services, batch_size=1000)


def _at(day, opens, rng):
    minutes = rng.randint(0, 170)
    moment = datetime.combine(day, opens) + timedelta(minutes=minutes)
    return timezone.make_aware(moment)


def _support_create(rng, today, services, files, worker) -> None:
    """Services given in individual support, outside the drop-in."""
    by_code = {service.code: service for service in services}
    support = [by_code[code] for code in ("psychological_support", "paperwork", "food_parcel")]
    ServiceGiven.objects.bulk_create(
        [
            ServiceGiven(
                service=rng.choice(support),
                participant_id=rng.choice(files),
                given_on=today - timedelta(days=rng.randint(1, 360)),
                given_by=worker,
            )
            for _ in range(60)
        ]
    )


def _outreach_create(rng, today, files, team) -> None:
    contacts = []
    for week in range(52):
        for kind in ("street", "online"):
            if kind == "online" and week % 2:
                continue
            made = rng.randint(3, 15)
            new = rng.randint(0, min(made, 5))
            outreach = OutreachRound.objects.create(
                kind=kind,
                date=today - timedelta(days=7 * week + (2 if kind == "street" else 4)),
                area=rng.choice(ROUND_AREAS[kind]),
                contacts_made=made,
                new_contacts=new,
                leaflets=rng.randint(5, 30),
                hygiene_kits=rng.randint(0, 10) if kind == "street" else 0,
                food_and_drinks=rng.randint(0, 20) if kind == "street" else 0,
                notes="Cold night; several women asked about the drop-in hours."
                if kind == "street"
                else "Messages answered on two platforms; one asked for a call back.",
                recorded_by=team[0],
            )
            outreach.team.set(rng.sample(team, 2))
            for _ in range(rng.randint(0, 2)):
                linked = rng.random() < 0.3
                contacts.append(
                    OutreachContact(
                        round=outreach,
                        visitor_code=visitor_code_digest(rng.choice(CODES)),
                        nationality=rng.choice(NATIONALITIES),
                        age_band=rng.choice(AGE_BANDS),
                        first_contact=rng.random() < 0.5,
                        participant_id=rng.choice(files) if linked else None,
                    )
                )
    OutreachContact.objects.bulk_create(contacts)


ACTIVITIES = [
    ("cooking", "Thursday cooking workshop"),
    ("yoga", "Gentle yoga"),
    ("art_therapy", "Art therapy"),
    ("outing", "Outings"),
]


def _activities_create(rng, today, site, files, worker) -> None:
    attendances = []
    for n, (kind, title) in enumerate(ACTIVITIES):
        activity = Activity.objects.create(kind=kind, title=title, site=site, created_by=worker)
        every = 14 if kind != "outing" else 42
        for days_back in range(n * 3 + 7, 364, every):
            session = ActivitySession.objects.create(
                activity=activity,
                date=today - timedelta(days=days_back),
                anonymous_count=rng.randint(0, 4),
                recorded_by=worker,
            )
            attendances.extend(
                ActivityAttendance(session=session, participant_id=pk)
                for pk in rng.sample(files, min(len(files), rng.randint(2, 6)))
            )
    ActivityAttendance.objects.bulk_create(attendances)


def _peer_group_create(rng, today, site, alice, bea) -> None:
    """One closed group of twelve sessions, half-way through, facilitated by Béa and Alice."""
    starts = today - timedelta(days=7 * 7)
    group = PeerGroup.objects.create(
        name="Thursday circle", site=site, planned_sessions=12, starts_on=starts, created_by=alice
    )
    group.facilitators.set([bea, alice])
    # members come after individual support: women with a key worker
    supported = list(
        Assignment.objects.filter(kind=Assignment.Kind.KEY_WORKER, ended_at__isnull=True)
        .order_by("participant_id")
        .values_list("participant_id", flat=True)
        .distinct()
    )
    members = rng.sample(supported, min(len(supported), 8))
    PeerGroupMember.objects.bulk_create(
        [
            PeerGroupMember(group=group, participant_id=pk, enrolled_on=starts, enrolled_by=alice)
            for pk in members
        ]
    )
    for week in range(7):
        session = PeerGroupSession.objects.create(
            group=group,
            date=starts + timedelta(days=7 * week),
            facilitator_notes=rng.choice(GROUP_NOTES),
            recorded_by=bea,
        )
        PeerGroupAttendance.objects.bulk_create(
            [
                PeerGroupAttendance(session=session, participant_id=pk)
                for pk in members
                if rng.random() < 0.8
            ]
        )
