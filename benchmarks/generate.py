"""A synthetic organisation, generated fast: bulk inserts, each value encrypted once.

Every name, phone number and note is fictional and built from short word lists
with a fixed random seed, so two runs generate the same organisation. Nothing
here goes through the services (no audit entries, no per-row saves): the point
is to fill a throwaway database with 10,000 files in well under a few minutes.

Who is who (usernames and references are fixed, so a run can reuse the data):
- ``bench-sw-0001`` ... social workers, each the key worker of about 50 files
  (the typical caseload); ``bench-sw-0001`` is the "typical worker" measured;
- ``bench-everyone``: a social worker assigned to every file (the worst case);
- peer workers on about a third of the files, two coordinators, ten volunteers;
- ``BENCH-00001`` has 200 case notes and ``BENCH-00002`` none; both are in the
  typical worker's caseload.

Three years of activity up to today, for the annual report (``benchmarks.report_data``):
drop-in sessions at two sites with their visits, services and volunteer hours, houses
with their stays and bed-nights, departures and follow-ups, life plans with goals and
their changes, referrals, outreach rounds, activities and peer groups.
"""

from __future__ import annotations

import contextlib
import functools
import math
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from benchmarks import report_data
from cases import blind_index
from cases.models import Assignment, CaseNote, Participant, PathwayEntry, SearchToken
from safespace.roles import Role

REFERENCE_PREFIX = "BENCH-"
USERNAME_PREFIX = "bench-"
TYPICAL_WORKER = "bench-sw-0001"
EVERYONE_WORKER = "bench-everyone"
BUSY_FILE = "BENCH-00001"
QUIET_FILE = "BENCH-00002"
BATCH = 2000


@dataclass(frozen=True)
class Scale:
    participants: int
    notes: int  # spread over the other files, besides the busy file's
    caseload: int = 50
    busy_file_notes: int = 200
    peer_share: float = 0.3
    visits: int = 0  # past drop-in visits, about 40 a session, seven in ten by known visitors
    # for the annual report, all over the last three years (benchmarks.report_data)
    stays: int = 0  # in houses of beds_per_house beds, each with its bed-nights
    houses: int = 0
    beds_per_house: int = 8
    goals: int = 0  # on the life plans of goal_people women
    goal_people: int = 0
    referrals: int = 0
    outreach_rounds: int = 0
    activity_sessions: int = 0
    peer_groups: int = 0  # of twelve weekly sessions each


SCALES = {
    "tiny": Scale(
        participants=30, notes=30, caseload=10, busy_file_notes=20, visits=200,
        stays=9, houses=1, beds_per_house=3, goals=120, goal_people=18, referrals=3,
        outreach_rounds=5, activity_sessions=6, peer_groups=1,
    ),
    "small": Scale(
        participants=300, notes=1_500, visits=5_000,
        stays=90, houses=2, beds_per_house=4, goals=1_200, goal_people=180, referrals=12,
        outreach_rounds=15, activity_sessions=30, peer_groups=1,
    ),
    "large": Scale(
        participants=10_000, notes=50_000, visits=200_000,
        stays=3_000, houses=10, beds_per_house=8, goals=40_000, goal_people=6_000,
        referrals=400, outreach_rounds=450, activity_sessions=900, peer_groups=12,
    ),
}  # fmt: skip


@dataclass
class Organisation:
    """Handles on what the measurements need."""

    scale: str
    typical_worker: object
    everyone_worker: object
    busy_file: Participant
    quiet_file: Participant
    counts: dict = field(default_factory=dict)
    seconds: float | None = None  # generation time, None when reused


FIRST_NAMES = [
    "Aïcha", "Amina", "Ana", "Anastasia", "Angela", "Awa", "Beatriz", "Blessing", "Camille",
    "Chantal", "Chloé", "Daniela", "Diana", "Elena", "Esther", "Fatou", "Fatima", "Florence",
    "Gloria", "Hélène", "Ioana", "Irina", "Joy", "Julia", "Karima", "Katarzyna", "Lea",
    "Lina", "Loveth", "Lucia", "Mariam", "Marie", "Marta", "Mercy", "Mihaela", "Nadia",
    "Naomi", "Nathalie", "Nina", "Olga", "Patience", "Precious", "Rosa", "Ruth", "Sabrina",
    "Sandra", "Sara", "Sofia", "Stella", "Svetlana", "Tatiana", "Valentina", "Victoria",
    "Yasmine", "Zainab", "Zoé", "Élodie", "Inès", "Maëlle", "Bianca",
]  # fmt: skip
SURNAMES = [
    "Adeyemi", "Ahmed", "Alves", "Bakayoko", "Benali", "Bernard", "Bogdan", "Camara",
    "Constantin", "Coulibaly", "Da Silva", "Diallo", "Dubois", "Durand", "Eze", "Fernandes",
    "Garcia", "Georgescu", "Haddad", "Ibrahim", "Ionescu", "Kamara", "Kowalska", "Lambert",
    "Lefèvre", "Li", "Lopez", "Martin", "Mendy", "Moreau", "N'Diaye", "Nguyen", "Nowak",
    "Obi", "Okafor", "Oliveira", "Osagie", "Petit", "Popescu", "Richard", "Rodrigues",
    "Roux", "Sanchez", "Santos", "Sow", "Stan", "Sylla", "Takács", "Touré", "Traoré",
    "Vasquez", "Wang", "Wiśniewska", "Yılmaz", "Zhang", "Ogunleye", "Petrova", "Ivanova",
    "Mbappé-Kouassi", "Saint-Clair",
]  # fmt: skip
NICKNAMES = ["Lili", "Mimi", "Soleil", "Princesse", "Nana", "Bella", "Jojo", "Kiki", "Titi"]
NOTE_OPENINGS = [
    "Came to the drop-in, tired, talked about her papers",
    "Phone call: she wants to start a training course",
    "Accompanied her to the hospital appointment",
    "Met at outreach, gave a hygiene kit and our number",
    "Talked about housing options and the waiting list",
    "She asked for help with a letter from the prefecture",
    "Follow-up on the lawyer's appointment",
]


def _phone(index: int) -> str:
    """A unique French mobile number per file: +33 6 xx xx xx xx."""
    digits = f"6{(index * 7919 + 1_234_567) % 10**8:08d}"
    return f"+33 {digits[0]} {digits[1:3]} {digits[3:5]} {digits[5:7]} {digits[7:9]}"


@functools.cache
def _name_digests(name: str) -> frozenset[str]:
    # names repeat across thousands of files: hash each name's prefixes once
    return frozenset(blind_index.name_digests(name) | blind_index.fullname_digests(name))


def _tokens_for(known_as: str, legal_name: str, phone: str) -> set[str]:
    """The same digests Participant.search_tokens_rebuild stores, built without a save."""
    return (
        set(_name_digests(known_as))
        | _name_digests(legal_name)
        | blind_index.phone_digests(phone)
        | _known_as_digests(known_as)
    )


@functools.cache
def _known_as_digests(name: str) -> frozenset[str]:
    return frozenset(blind_index.known_as_digests(name))


def _bulk(model, rows) -> None:
    model.objects.bulk_create(rows, batch_size=BATCH)


def _users(prefix: str, count: int) -> list[str]:
    return [f"{USERNAME_PREFIX}{prefix}-{k:04d}" for k in range(1, count + 1)]


def _create_users(by_role: dict[Role, list[str]]) -> dict[str, object]:
    User = get_user_model()
    unusable = make_password(None)  # nobody signs in with a password here
    User.objects.bulk_create(
        [User(username=name, password=unusable) for names in by_role.values() for name in names],
        batch_size=BATCH,
    )
    users = {u.username: u for u in User.objects.filter(username__startswith=USERNAME_PREFIX)}
    through = User.groups.through
    memberships = []
    for role, names in by_role.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        memberships += [through(user_id=users[name].pk, group_id=group.pk) for name in names]
    _bulk(through, memberships)
    return users


def _enrol(user) -> None:
    """Staff reach nothing without an authenticator (StaffMFAEnrolmentMiddleware)."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())


@contextlib.contextmanager
def _encrypt_once():
    """Encrypt each distinct value once (names, goals and blank fields repeat across
    thousands of rows): the rows then share a ciphertext, which decrypts as usual."""
    from safespace import fields

    original = fields.encrypt_text
    fields.encrypt_text = functools.cache(original)
    try:
        yield
    finally:
        fields.encrypt_text = original


@transaction.atomic
def generate(scale: str = "small", *, seed: int = 20261123) -> Organisation:
    """Fill the configured database with a fictional organisation of this scale."""
    with _encrypt_once():
        return _generate(scale, seed)


def _generate(scale: str, seed: int) -> Organisation:
    started = time.perf_counter()
    size = SCALES[scale]
    rng = random.Random(seed)  # noqa: S311 - fictional data, reproducible on purpose
    n = size.participants
    today = timezone.localdate()
    now = timezone.now()

    social_workers = _users("sw", math.ceil(n / size.caseload))
    peer_workers = _users("peer", max(1, n // 100))
    users = _create_users(
        {
            Role.SOCIAL_WORKER: [*social_workers, EVERYONE_WORKER],
            Role.PEER_WORKER: peer_workers,
            Role.COORDINATOR: _users("coord", 2),
            Role.VOLUNTEER: _users("vol", 10),
        }
    )
    typical, everyone = users[TYPICAL_WORKER], users[EVERYONE_WORKER]
    for user in (typical, everyone):
        _enrol(user)

    # participants: one encryption per value, in bulk
    people = []
    for i in range(n):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        people.append(
            Participant(
                reference=f"{REFERENCE_PREFIX}{i + 1:05d}",
                known_as=first if rng.random() < 0.8 else rng.choice(NICKNAMES),
                legal_name=f"{first} {last}",
                phone=_phone(i),
                birth_year=rng.randint(1965, 2011),
                first_contact_channel=rng.choice(Participant.Channel.values),
                opened_on=today - timedelta(days=rng.randint(0, 3 * 365)),
            )
        )
    # the report's draws come from their own generator: the rest stays as it was
    more = random.Random(seed + 1)  # noqa: S311 - fictional data, reproducible on purpose
    report_data.nationalities_assign(more, people)
    _bulk(Participant, people)
    ids = dict(
        Participant.objects.filter(reference__startswith=REFERENCE_PREFIX).values_list(
            "reference", "pk"
        )
    )
    for person in people:
        person.pk = ids[person.reference]

    tokens = [
        SearchToken(participant_id=person.pk, digest=value)
        for person in people
        for value in sorted(_tokens_for(person.known_as, person.legal_name, person.phone))
    ]
    _bulk(SearchToken, tokens)

    # assignments: one key worker per file (caseloads of ~50), a peer worker on some,
    # and one worker who is assigned to everything
    key_worker_of = {}
    assignments = []
    for i, person in enumerate(people):
        worker = users[social_workers[i // size.caseload]]
        key_worker_of[person.pk] = worker
        assignments.append(
            Assignment(participant_id=person.pk, worker=worker, kind=Assignment.Kind.KEY_WORKER)
        )
        assignments.append(
            Assignment(participant_id=person.pk, worker=everyone, kind=Assignment.Kind.SUPPORT)
        )
        if rng.random() < size.peer_share:
            assignments.append(
                Assignment(
                    participant_id=person.pk,
                    worker=users[rng.choice(peer_workers)],
                    kind=Assignment.Kind.PEER_WORKER,
                )
            )
    _bulk(Assignment, assignments)

    # her exit pathway: one to three dated statuses
    statuses = PathwayEntry.Status.values
    entries = []
    for person in people:
        since = person.opened_on
        for _ in range(rng.randint(1, 3)):
            entries.append(
                PathwayEntry(
                    participant_id=person.pk,
                    status=rng.choice(statuses),
                    since=since,
                    recorded_by=key_worker_of[person.pk],
                    recorded_at=now,
                )
            )
            since = min(today, since + timedelta(days=rng.randint(20, 200)))
    _bulk(PathwayEntry, entries)

    # case notes: many on the busy file, none on the quiet one, the rest spread out
    busy = people[0]  # people[1] is the quiet file: no notes
    noted = [busy] * size.busy_file_notes + [rng.choice(people[2:]) for _ in range(size.notes)]
    notes = [
        CaseNote(
            participant_id=person.pk,
            author=key_worker_of[person.pk],
            kind=rng.choice(CaseNote.Kind.values),
            confidentiality=rng.choices(CaseNote.Confidentiality.values, weights=[8, 1, 1])[0],
            # on or after the day her file was opened (the report counts new files)
            happened_on=person.opened_on
            + timedelta(days=rng.randint(0, max((today - person.opened_on).days, 0))),
            text=f"{rng.choice(NOTE_OPENINGS)}. Next step agreed with her ({k}).",
            created_at=now,
        )
        for k, person in enumerate(noted)
    ]
    _bulk(CaseNote, notes)

    volunteers = [users[name] for name in _users("vol", 10)]
    _visits_generate(rng, more, size, people, users[TYPICAL_WORKER], volunteers, today)
    # the two measured files take no part in the rest: their case pages differ by their
    # notes alone (a stay or a life plan adds sections, and queries, to a case page)
    others = people[2:]
    _individual_services_generate(more, size, others, key_worker_of, today)
    coordinator = users[_users("coord", 2)[0]]
    report_data.report_data_generate(more, size, others, key_worker_of, coordinator, today)

    # fresh statistics, or the planner guesses from an empty database's
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    organisation = organisation_load(scale)
    organisation.seconds = time.perf_counter() - started
    return organisation


VISITS_PER_SESSION = 40
DESK_SITE = "Bench drop-in"
SITES = (DESK_SITE, "Bench drop-in east")
# (site, opens, closes): up to six sessions a day over the two sites
SLOTS = [(0, 14, 18), (1, 14, 18), (0, 10, 13), (1, 10, 13), (0, 19, 22), (1, 19, 22)]
DESK_SERVICES = {
    "meal": 40, "shower": 20, "listening": 15, "hygiene_kit": 8, "laundry": 5, "clothes": 5,
    "food_parcel": 4, "locker": 2, "childcare": 1,
}  # fmt: skip
SUPPORT_SERVICES = [
    "psychological_support", "paperwork", "legal_information", "rights_information",
    "referral", "health", "language_class", "computer_cv",
]  # fmt: skip
VISITOR_CODES = [f"{word} {n}" for word in ("Rose", "Lune", "Mer", "Soleil") for n in range(50)]


def _visits_generate(rng, more, size, people, logged_by, volunteers, today) -> None:
    """Past drop-in sessions (closed) at two sites over the last three years, their
    visits (known visitors have a file open by then), the services given at most of
    them, and a volunteer's hours at each."""
    from datetime import time as clock

    from dropin.catalogue import defaults_ensure
    from dropin.models import OpeningSession, Presence, Service, ServiceGiven, Site, Visit
    from dropin.services import visitor_code_digest

    if not size.visits:
        return
    sites = [Site.objects.create(name=name) for name in SITES]
    closed = timezone.now()
    count = math.ceil(size.visits / VISITS_PER_SESSION)
    sessions, per_day = [], {}
    for k in range(count):
        day = today - timedelta(days=1 + k * report_data.SPAN_DAYS // count)
        slot = per_day[day] = per_day.get(day, -1) + 1
        site, opens, closes = SLOTS[slot]
        sessions.append(
            OpeningSession(site=sites[site], date=day, opens_at=clock(opens),
                           closes_at=clock(closes), opened_by=logged_by, closed_at=closed)
        )  # fmt: skip
    _bulk(OpeningSession, sessions)
    sessions.sort(key=lambda session: (session.date, session.opens_at, session.site_id))
    eligible = report_data._Eligible(people)
    codes = [visitor_code_digest(code) for code in VISITOR_CODES]
    nationalities = [code for code in report_data.NATIONALITIES if code]
    known = round(VISITS_PER_SESSION * 0.7)
    visits, left = [], size.visits
    for session in sessions:
        count = min(left, VISITS_PER_SESSION)
        left -= count
        chosen = eligible.sample(rng, session.date, min(count, known))
        for person in chosen:
            visits.append(Visit(session=session, participant_id=person.pk, logged_by=logged_by))
        for _ in range(count - len(chosen)):
            visits.append(
                Visit(session=session, nationality=more.choice(nationalities),
                      visitor_code=more.choice(codes) if more.random() < 0.5 else "",
                      logged_by=logged_by)
            )  # fmt: skip
    _bulk(Visit, visits)
    _bulk(Presence, report_data.presences(more, sessions, volunteers))

    defaults_ensure()
    services = dict(Service.objects.filter(code__in=DESK_SERVICES).values_list("code", "pk"))
    codes, weights = list(DESK_SERVICES), list(DESK_SERVICES.values())
    given = []
    for visit in visits:
        if more.random() < 0.15:  # came for a coffee and a chat: nothing recorded
            continue
        for code in set(more.choices(codes, weights=weights, k=more.randint(1, 2))):
            given.append(ServiceGiven(service_id=services[code], visit_id=visit.pk,
                                      given_on=visit.session.date, given_by=logged_by))  # fmt: skip
        if len(given) >= BATCH * 5:
            _bulk(ServiceGiven, given)
            given = []
    _bulk(ServiceGiven, given)


def _individual_services_generate(rng, size, people, key_worker_of, today) -> None:
    """Services given in individual support, outside any visit (one per 20 visits)."""
    from dropin.models import Service, ServiceGiven

    services = list(Service.objects.filter(code__in=SUPPORT_SERVICES).values_list("pk", flat=True))
    given = []
    for _ in range(size.visits // 20 if services else 0):
        person = rng.choice(people)
        room = max((today - person.opened_on).days, 0)
        given.append(
            ServiceGiven(service_id=rng.choice(services), participant_id=person.pk,
                         given_on=person.opened_on + timedelta(days=rng.randint(0, room)),
                         given_by=key_worker_of[person.pk])
        )  # fmt: skip
    _bulk(ServiceGiven, given)


def organisation_load(scale: str) -> Organisation:
    """Handles on an organisation generated earlier (for --reuse and after generate)."""
    User = get_user_model()
    typical = User.objects.get(username=TYPICAL_WORKER)
    everyone = User.objects.get(username=EVERYONE_WORKER)
    _enrol(typical)
    _enrol(everyone)
    participants = Participant.objects.filter(reference__startswith=REFERENCE_PREFIX)
    return Organisation(
        scale=scale,
        typical_worker=typical,
        everyone_worker=everyone,
        busy_file=participants.get(reference=BUSY_FILE),
        quiet_file=participants.get(reference=QUIET_FILE),
        counts={
            "participants": participants.count(),
            "search tokens": SearchToken.objects.count(),
            "staff": User.objects.filter(username__startswith=USERNAME_PREFIX).count(),
            "assignments": Assignment.objects.filter(ended_at__isnull=True).count(),
            "pathway entries": PathwayEntry.objects.count(),
            "case notes": CaseNote.objects.count(),
            **_activity_counts(),
        },
    )


def foreign_participants_exist() -> bool:
    """True when the database holds files this generator did not make."""
    return Participant.objects.exclude(reference__startswith=REFERENCE_PREFIX).exists()


def _activity_counts() -> dict[str, int]:
    from cases.models import Referral
    from dropin.models import ActivitySession, OutreachRound, ServiceGiven, Visit
    from lifeplans.models import Goal, GoalChange
    from shelters.models import BedNight, FollowUp, Stay

    return {
        "drop-in visits": Visit.objects.count(),
        "services given": ServiceGiven.objects.count(),
        "stays": Stay.objects.count(),
        "bed-nights": BedNight.objects.count(),
        "follow-ups": FollowUp.objects.count(),
        "goals": Goal.objects.count(),
        "goal changes": GoalChange.objects.count(),
        "referrals": Referral.objects.count(),
        "outreach rounds": OutreachRound.objects.count(),
        "activity sessions": ActivitySession.objects.count(),
    }
