"""The annual report's figures, each counting rule on a small hand-built organisation.

The period is the year 2025, counted on 2026-01-15 (no night of it is still to come).
Every number asserted below was worked out by hand from this list; the tests read the
UNSUPPRESSED document (``report_figures`` alone).

Two sites, Belleville and Pantin; two houses, Les Acacias (emergency: beds A1, A2) and
Les Bouleaux (transition: bed B1). Ages are reached in 2025 (2025 - birth year).

======  ====  ===  ===============  ==========  ===========================================
name    born  nat  first contact    opened      support in 2025 (what makes her counted)
======  ====  ===  ===============  ==========  ===========================================
Ana     1990  FR   street outreach  2024-05-01  visits B1 + B2 at Belleville (meal, shower;
                                                meal), psychological support 06-10,
                                                cooking 09-09, goal agreed 12-31
Binta   2000  FR   online outreach  2025-01-01  psychological support 04-01 (her goal is
                                                agreed only in 2026)
Chiara  2009  FR   came on her own  2025-12-01  case note 12-31, first status 12-01
Dounia  1975  NG   partner          2023-01-10  appointment done 01-01 00:30, referrals,
                                                exited 2023 -> returned 04-04 -> on the path
Farah   1974  NG   police           2025-08-01  referral 08-08 (status exited since 2024)
Gloria  -     -    -                2025-03-01  stay A1 03-01 -> 03-11 (own housing),
                                                follow-up, goal achieved 03-11
Hana    2012  RO   street outreach  2024-01-01  cooking at Belleville 09-09, outing 07-14
Ines    1999  FR   partner          2024-12-31  peer group (Pantin) 10-10 and 10-17
Jade    1989  BR   other            2024-10-01  follow-ups of her 2024 stay, contact lost
Kim     2007  FR   street outreach  2024-03-01  status 02-02, goals, referrals, peer group
Lina    2013  -    online outreach  2024-06-01  a change to her goal 11-11
Pia     1995  FR   came on her own  2025-04-07  visit at Pantin (listening, meal), outing
Rosa    1960  RO   partner          2019-01-01  visit at Pantin, yoga at Pantin; exited
                                                2020 -> back in prostitution 07-01
Sofia   1992  NG   street outreach  2024-12-01  stay A2 2024-12-20, moved to B1 01-10, left
                                                02-09 (returned): 51 nights in all
Tara    1998  FR   partner          2025-12-15  stay B1 from 12-20 (still there)
Uma     1970  AL   came on her own  2025-05-20  stay A1 06-01 -> 06-21 (family)
======  ====  ===  ===============  ==========  ===========================================

Not counted: Elif (TR; appointments planned, missed, cancelled), Maya (all her support in
2024, up to 2024-12-31 23:59), Nour (all hers from 2026-01-01 00:00), Olga (merged into
Ana, with a case note and a status of exited in 2025 left behind).

So 16 people supported, 7 of them new (files opened in 2025: Binta, Chiara, Farah, Gloria,
Pia, Tara, Uma).
"""

import copy
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from encrypted_model_fields.fields import EncryptedMixin

from cases.models import Appointment, CaseNote, Participant, Partner, PathwayEntry, Referral
from dropin.catalogue import defaults_ensure
from dropin.models import (
    Activity,
    ActivityAttendance,
    ActivitySession,
    OpeningSession,
    OutreachRound,
    PeerGroup,
    PeerGroupAttendance,
    PeerGroupSession,
    Presence,
    Service,
    ServiceGiven,
    Site,
    Visit,
)
from dropin.services import visitor_code_digest
from lifeplans.models import Goal, GoalChange, LifePlan
from reports.document import SUPPRESSED, ReportDocument, is_hidden
from reports.figures import report_figures
from reports.suppression import _groups, suppress
from safespace.roles import Role
from shelters.models import Bed, FollowUp, Room, Shelter
from shelters.services import follow_up_record, stay_begin, stay_end, stay_move
from tests.factories import UserFactory

YEAR = {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}
TODAY = date(2026, 1, 15)
PEOPLE_SUPPORTED = 16


def d(year, month, day):
    return date(year, month, day)


def at(year, month, day, hour=12, minute=0, second=0):
    """A moment in the organisation's time zone (Europe/Paris)."""
    return timezone.make_aware(datetime(year, month, day, hour, minute, second))


def column(table, key):
    """{row key: cell} of one column."""
    c = next(i for i, col in enumerate(table.columns) if col.key == key)
    return {row.key: row.cells[c] for row in table.rows}


# --- the organisation ------------------------------------------------------------------

PEOPLE = {
    # name: (birth year, nationality, first contact, opened on)
    "Ana": (1990, "FR", "street_outreach", d(2024, 5, 1)),
    "Binta": (2000, "FR", "online_outreach", d(2025, 1, 1)),
    "Chiara": (2009, "FR", "self", d(2025, 12, 1)),
    "Dounia": (1975, "NG", "partner", d(2023, 1, 10)),
    "Elif": (1980, "TR", "self", d(2024, 1, 1)),
    "Farah": (1974, "NG", "police", d(2025, 8, 1)),
    "Gloria": (None, "", "", d(2025, 3, 1)),
    "Hana": (2012, "RO", "street_outreach", d(2024, 1, 1)),
    "Ines": (1999, "FR", "partner", d(2024, 12, 31)),
    "Jade": (1989, "BR", "other", d(2024, 10, 1)),
    "Kim": (2007, "FR", "street_outreach", d(2024, 3, 1)),
    "Lina": (2013, "", "online_outreach", d(2024, 6, 1)),
    "Maya": (1985, "FR", "self", d(2020, 1, 1)),
    "Nour": (1988, "FR", "self", d(2025, 11, 1)),
    "Olga": (1991, "FR", "self", d(2025, 2, 1)),
    "Pia": (1995, "FR", "self", d(2025, 4, 7)),
    "Rosa": (1960, "RO", "partner", d(2019, 1, 1)),
    "Sofia": (1992, "NG", "street_outreach", d(2024, 12, 1)),
    "Tara": (1998, "FR", "partner", d(2025, 12, 15)),
    "Uma": (1970, "AL", "self", d(2025, 5, 20)),
}


@dataclass
class Organisation:
    users: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    sites: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    beds: dict = field(default_factory=dict)
    partners: dict = field(default_factory=dict)
    activity_sessions: dict = field(default_factory=dict)
    group_sessions: dict = field(default_factory=dict)
    figures: ReportDocument | None = None
    belleville: ReportDocument | None = None
    counter: int = 100

    @property
    def alice(self):
        return self.users["alice"]

    def person(self, name="Someone", **values):
        """A new file, with no support yet."""
        self.counter += 1
        return Participant.objects.create(
            reference=f"SS-2025-{self.counter:04d}", known_as=name, **values
        )


def _participant(n, name, born, nationality, channel, opened_on):
    return Participant.objects.create(
        reference=f"SS-2025-{n:04d}",
        known_as=name,
        legal_name=f"{name} Planted-Legalname",
        notes=f"Planted note about {name}",
        birth_year=born,
        nationality=nationality,
        first_contact_channel=channel,
        opened_on=opened_on,
    )


def _build() -> Organisation:
    o = Organisation()
    defaults_ensure()
    service = {s.code: s for s in Service.objects.filter(code__isnull=False)}
    alice = UserFactory(username="alice_socialworker", role=Role.SOCIAL_WORKER, mfa=False)
    bea = UserFactory(username="bea_peerworker", role=Role.PEER_WORKER, mfa=False)
    chloe = UserFactory(username="chloe_volunteer", role=Role.VOLUNTEER, mfa=False)
    dana = UserFactory(username="dana_coordinator", role=Role.COORDINATOR, mfa=False)
    o.users = {"alice": alice, "bea": bea, "chloe": chloe, "dana": dana}
    p = o.people = {
        name: _participant(n, name, *values) for n, (name, values) in enumerate(PEOPLE.items(), 1)
    }
    Participant.objects.filter(pk=p["Olga"].pk).update(
        merged_into=p["Ana"], closed_on=d(2025, 6, 1), closing_reason="merged"
    )

    # --- drop-in: 3 sessions in 2025 (B1, B2 at Belleville; P1 at Pantin), 1 before, 1 after
    belleville, pantin = Site.objects.create(name="Belleville"), Site.objects.create(name="Pantin")
    o.sites = {"belleville": belleville, "pantin": pantin}

    def session(site, day):
        return OpeningSession.objects.create(
            site=site, date=day, opens_at=time(14), closes_at=time(18), opened_by=chloe
        )

    s = o.sessions = {
        "B0": session(belleville, d(2024, 12, 20)),
        "B1": session(belleville, d(2025, 3, 3)),
        "B2": session(belleville, d(2025, 6, 2)),
        "P1": session(pantin, d(2025, 4, 7)),
        "B9": session(belleville, d(2026, 1, 5)),
    }
    # volunteer hours: Chloe 3.5 + 4 + 2 in 2025; Alice is not a volunteer
    for key, hours in (("B0", "3"), ("B1", "3.5"), ("B2", "4"), ("P1", "2"), ("B9", "3")):
        Presence.objects.create(session=s[key], person=chloe, hours=Decimal(hours))
    Presence.objects.create(session=s["B1"], person=alice, hours=Decimal("4"))

    def visit(key, who=None, code="", services=()):
        v = Visit.objects.create(
            session=s[key],
            participant=who,
            visitor_code=visitor_code_digest(code) if code else "",
            logged_by=chloe,
        )
        for code_ in services:
            ServiceGiven.objects.create(
                service=service[code_], visit=v, given_on=s[key].date, given_by=chloe
            )
        return v

    visit("B0", p["Maya"], services=["meal"])
    visit("B0", code="etoile")
    visit("B1", p["Ana"], services=["meal", "shower"])
    visit("B1", code="lune", services=["meal", "hygiene_kit"])
    visit("B1", code="soleil")
    visit("B1")
    visit("B2", p["Ana"], services=["meal"])
    visit("B2", code="lune", services=["listening"])
    visit("P1", p["Pia"], services=["listening", "meal"])
    visit("P1", p["Rosa"])
    visit("P1")
    visit("B9", p["Nour"], services=["meal"])
    visit("B9", code="etoile")
    # individual support, outside a visit
    for who, day in (("Binta", d(2025, 4, 1)), ("Ana", d(2025, 6, 10)), ("Nour", d(2026, 1, 2))):
        ServiceGiven.objects.create(
            service=service["psychological_support"],
            participant=p[who],
            given_on=day,
            given_by=alice,
        )

    # --- individual support: case notes, appointments
    for who, day in (
        ("Chiara", d(2025, 12, 31)),
        ("Olga", d(2025, 5, 5)),
        ("Maya", d(2024, 12, 31)),
        ("Nour", d(2026, 1, 1)),
    ):
        CaseNote.objects.create(
            participant=p[who], author=alice, kind="other", happened_on=day, text="Planted text"
        )
    for who, moment, status in (
        ("Dounia", at(2025, 1, 1, 0, 30), "done"),
        ("Elif", at(2025, 7, 1), "planned"),
        ("Elif", at(2025, 7, 2), "missed"),
        ("Elif", at(2025, 7, 3), "cancelled"),
        ("Maya", at(2024, 12, 31, 23, 30), "done"),
        ("Nour", at(2026, 1, 1, 0, 0), "done"),
    ):
        Appointment.objects.create(
            participant=p[who],
            worker=alice,
            starts_at=moment,
            status=status,
            purpose="Planted purpose",
            created_by=alice,
        )

    # --- referrals
    o.partners = {
        kind: Partner.objects.create(name=f"Partner {kind}", kind=kind)
        for kind in ("legal_aid", "health", "mental_health", "housing")
    }
    for who, kind, status, moment in (
        ("Farah", "legal_aid", "accepted", at(2025, 8, 8)),
        ("Dounia", "health", "completed", at(2025, 3, 3)),
        ("Dounia", "housing", "refused", at(2025, 5, 5)),
        ("Sofia", "housing", "sent", at(2025, 1, 15)),
        ("Sofia", "mental_health", "proposed", at(2025, 12, 31, 23, 59)),
        ("Kim", "legal_aid", "completed", at(2025, 6, 1)),
        ("Kim", "legal_aid", "proposed", at(2025, 7, 1)),
        ("Maya", "legal_aid", "accepted", at(2024, 12, 31, 23, 59)),
        ("Nour", "health", "sent", at(2026, 1, 1, 0, 0)),
    ):
        _refer(o, p[who], kind, status, moment)

    # --- activities and peer groups
    cooking = Activity.objects.create(
        kind="cooking", title="Cuisine", site=belleville, created_by=bea
    )
    outing = Activity.objects.create(kind="outing", title="Sortie", site=None, created_by=bea)
    yoga = Activity.objects.create(kind="yoga", title="Yoga", site=pantin, created_by=bea)
    for key, activity, day, who, anonymous in (
        ("cooking_2024", cooking, d(2024, 12, 31), ["Maya"], 1),
        ("cooking", cooking, d(2025, 9, 9), ["Hana", "Ana"], 3),
        ("cooking_2026", cooking, d(2026, 1, 6), ["Nour"], 2),
        ("outing", outing, d(2025, 7, 14), ["Pia", "Hana"], 2),
        ("yoga", yoga, d(2025, 5, 20), ["Rosa"], 0),
    ):
        one = ActivitySession.objects.create(
            activity=activity, date=day, anonymous_count=anonymous, recorded_by=bea
        )
        for name in who:
            ActivityAttendance.objects.create(session=one, participant=p[name])
        o.activity_sessions[key] = one
    group = PeerGroup.objects.create(
        name="Groupe du mardi", site=pantin, starts_on=d(2024, 11, 1), created_by=bea
    )
    group.facilitators.set([bea])
    for key, day, who in (
        ("2024", d(2024, 12, 10), ["Maya"]),
        ("first", d(2025, 10, 10), ["Ines", "Kim"]),
        ("second", d(2025, 10, 17), ["Ines"]),
    ):
        one = PeerGroupSession.objects.create(group=group, date=day, recorded_by=bea)
        for name in who:
            PeerGroupAttendance.objects.create(session=one, participant=p[name])
        o.group_sessions[key] = one

    # --- outreach: 2 street and 1 online round in 2025
    for kind, day, contacts, new in (
        ("street", d(2025, 2, 10), 12, 5),
        ("street", d(2025, 11, 20), 8, 2),
        ("online", d(2025, 6, 6), 20, 10),
        ("street", d(2024, 12, 30), 7, 7),
        ("online", d(2026, 1, 2), 5, 1),
    ):
        OutreachRound.objects.create(
            kind=kind,
            date=day,
            area="Planted area",
            contacts_made=contacts,
            new_contacts=new,
            notes="Planted notes",
            recorded_by=bea,
        )

    # --- housing
    acacias = Shelter.objects.create(name="Les Acacias", kind="emergency", address="Planted")
    bouleaux = Shelter.objects.create(name="Les Bouleaux", kind="transition", address="Planted")
    room_a = Room.objects.create(shelter=acacias, name="1")
    o.beds = {
        "A1": Bed.objects.create(room=room_a, label="A1"),
        "A2": Bed.objects.create(room=room_a, label="A2"),
        "B1": Bed.objects.create(room=Room.objects.create(shelter=bouleaux, name="1"), label="B1"),
    }
    jade = _stay(o, p["Jade"], "A2", d(2024, 11, 1), d(2024, 12, 15), "family")
    gloria = _stay(o, p["Gloria"], "A1", d(2025, 3, 1), d(2025, 3, 11), "own_housing")
    uma = _stay(o, p["Uma"], "A1", d(2025, 6, 1), d(2025, 6, 21), "family")
    sofia = stay_begin(
        actor=alice,
        participant=p["Sofia"],
        bed=o.beds["A2"],
        starts_on=d(2024, 12, 20),
        expected_end_on=d(2025, 2, 9),
    )
    sofia = stay_move(actor=alice, stay=sofia, bed=o.beds["B1"], moved_on=d(2025, 1, 10))
    stay_end(actor=alice, stay=sofia, ended_on=d(2025, 2, 9), exit_destination="returned")
    stay_begin(
        actor=alice,
        participant=p["Tara"],
        bed=o.beds["B1"],
        starts_on=d(2025, 12, 20),
        expected_end_on=d(2026, 3, 1),
    )
    for a_stay, months, outcome, day in (
        (jade, 1, "stable", d(2025, 1, 20)),
        (jade, 3, "needs_support", d(2025, 3, 20)),
        (gloria, 1, "stable", d(2025, 4, 15)),
        (sofia, 1, "returned", d(2025, 3, 10)),
        (uma, 1, "stable", d(2026, 1, 5)),
    ):
        _follow_up(o, a_stay, months, outcome, day)

    # --- life plans
    def goal(name, horizon, domain, status, agreed_on, *changes):
        plan, _ = LifePlan.objects.get_or_create(participant=p[name])
        one = Goal.objects.create(
            plan=plan,
            horizon=horizon,
            domain=domain,
            words="Planted words",
            proposed_by="her",
            proposed_by_user=alice,
            status=status,
            agreed_on=agreed_on,
        )
        for moment, before, after in changes:
            GoalChange.objects.create(
                goal=one, changed_by=alice, changed_at=moment, status_before=before,
                status_after=after,
            )  # fmt: skip
        return one

    goal("Lina", "short", "housing", "in_progress", d(2024, 6, 1),
         (at(2025, 11, 11), "agreed", "in_progress"))  # fmt: skip
    goal("Kim", "medium", "health", "agreed", d(2025, 3, 1),
         (at(2025, 3, 1), "proposed", "agreed"))  # fmt: skip
    goal("Kim", "short", "administrative", "achieved", d(2025, 2, 1),
         (at(2025, 2, 1), "proposed", "agreed"),
         (at(2025, 9, 1), "in_progress", "achieved"),
         (at(2025, 9, 15), "achieved", "in_progress"),
         (at(2025, 10, 1), "in_progress", "achieved"))  # fmt: skip
    goal("Kim", "long", "integration", "proposed", None, (at(2025, 4, 1), "", "proposed"))
    goal("Binta", "short", "financial", "agreed", d(2026, 1, 5),
         (at(2026, 1, 5), "proposed", "agreed"))  # fmt: skip
    goal("Ana", "long", "housing", "achieved", d(2025, 12, 31),
         (at(2025, 12, 31, 23, 0), "proposed", "agreed"),
         (at(2026, 1, 5), "agreed", "achieved"))  # fmt: skip
    goal("Gloria", "short", "housing", "achieved", d(2024, 12, 1),
         (at(2025, 3, 11), "in_progress", "achieved"))  # fmt: skip
    goal("Nour", "medium", "justice", "agreed", d(2026, 1, 3),
         (at(2026, 1, 3, 0, 0), "proposed", "agreed"))  # fmt: skip

    # --- exit pathway
    for name, entries in {
        "Kim": [("in_prostitution", d(2024, 3, 1)), ("starting_to_exit", d(2025, 2, 2))],
        "Dounia": [
            ("in_prostitution", d(2023, 1, 10)),
            ("exited", d(2023, 6, 1)),
            ("returned", d(2025, 4, 4)),
            ("on_the_path", d(2025, 9, 1)),
        ],
        "Farah": [("exited", d(2024, 6, 1))],
        "Sofia": [("on_the_path", d(2024, 12, 1)), ("returned", d(2025, 2, 9))],
        "Hana": [("protected", d(2024, 1, 1))],
        "Chiara": [("starting_to_exit", d(2025, 12, 1))],
        "Tara": [("on_the_path", d(2025, 12, 20)), ("exited", d(2026, 1, 10))],
        "Pia": [("in_prostitution", d(2025, 4, 7)), ("in_prostitution", d(2025, 6, 1))],
        "Uma": [("on_the_path", d(2025, 6, 1)), ("exited", d(2025, 6, 21))],
        "Jade": [("exited", d(2024, 12, 15)), ("contact_lost", d(2025, 3, 20))],
        "Rosa": [("exited", d(2020, 1, 1)), ("in_prostitution", d(2025, 7, 1))],
        "Olga": [("exited", d(2025, 5, 5))],
        "Maya": [("in_prostitution", d(2024, 12, 31))],
        "Nour": [("starting_to_exit", d(2026, 1, 2))],
    }.items():
        for status, since in entries:
            PathwayEntry.objects.create(
                participant=p[name], status=status, since=since, recorded_by=alice
            )
    return o


def _refer(o, participant, kind, status, moment):
    return Referral.objects.create(
        participant=participant,
        partner=o.partners[kind],
        kind=kind,
        status=status,
        outcome="Planted outcome",
        override_by=o.users["dana"],
        override_reason="Planted reason",
        created_by=o.alice,
        created_at=moment,
    )


def _stay(o, participant, bed, starts_on, ended_on, destination):
    """A stay through the services (so its nights and follow-ups exist), ended."""
    stay = stay_begin(
        actor=o.alice,
        participant=participant,
        bed=o.beds[bed],
        starts_on=starts_on,
        expected_end_on=ended_on,
    )
    return stay_end(actor=o.alice, stay=stay, ended_on=ended_on, exit_destination=destination)


def _follow_up(o, stay, months, outcome, day):
    follow_up = FollowUp.objects.get(stay=stay, months_after=months)
    return follow_up_record(actor=o.alice, follow_up=follow_up, outcome=outcome, done_on=day)


@pytest.fixture(scope="module")
def org(django_db_setup, django_db_blocker):
    """The organisation above, built once for the module in a transaction rolled back at
    its end; each test that writes runs in a savepoint inside it (``db``)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            o = _build()
            o.figures = report_figures(**YEAR, organisation="Safespace", today=TODAY)
            o.belleville = report_figures(**YEAR, site=o.sites["belleville"], today=TODAY)
        except BaseException as error:
            outer.__exit__(type(error), error, error.__traceback__)
            raise
    yield o
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def more(org, db):
    """The organisation, to add one thing to in a test (rolled back after it)."""
    return org


def supported(**values):
    document = report_figures(**YEAR, today=TODAY, **values)
    return document.table("people.overview").cell("total", "people")


# --- people supported: each source of support --------------------------------------------


def test_the_organisation_supported_sixteen_people(org):
    assert org.figures.table("people.overview").cell("total", "people") == PEOPLE_SUPPORTED


def test_a_drop_in_visit_is_support(more):
    her = more.person()
    Visit.objects.create(session=more.sessions["P1"], participant=her, logged_by=more.alice)
    assert supported() == PEOPLE_SUPPORTED + 1


def test_an_anonymous_visit_adds_a_visit_but_no_one_to_the_people_supported(more):
    Visit.objects.create(session=more.sessions["P1"], logged_by=more.alice)
    document = report_figures(**YEAR, today=TODAY)
    assert document.table("people.overview").cell("total", "people") == PEOPLE_SUPPORTED
    assert document.table("dropin.activity").cell("visits", "count") == 9 + 1


def test_an_individual_service_is_support(more):
    ServiceGiven.objects.create(
        service=Service.objects.get(code="paperwork"),
        participant=more.person(),
        given_on=d(2025, 2, 2),
        given_by=more.alice,
    )
    assert supported() == PEOPLE_SUPPORTED + 1


def test_a_case_note_is_support(more):
    CaseNote.objects.create(
        participant=more.person(), author=more.alice, kind="phone_call",
        happened_on=d(2025, 7, 7), text="Planted text",
    )  # fmt: skip
    assert supported() == PEOPLE_SUPPORTED + 1


def _appointment(more, status, moment=None):
    Appointment.objects.create(
        participant=more.person(), worker=more.alice, created_by=more.alice,
        starts_at=moment or at(2025, 7, 7, 10), status=status,
    )  # fmt: skip


def test_an_appointment_that_took_place_is_support(more):
    _appointment(more, Appointment.Status.DONE)
    assert supported() == PEOPLE_SUPPORTED + 1


@pytest.mark.parametrize("status", ["planned", "missed", "cancelled"])
def test_a_planned_appointment_is_not_support_nor_a_missed_or_cancelled_one(more, status):
    _appointment(more, status)
    assert supported() == PEOPLE_SUPPORTED


def test_a_referral_is_support(more):
    _refer(more, more.person(), "health", "proposed", at(2025, 10, 1))
    assert supported() == PEOPLE_SUPPORTED + 1


def test_a_night_in_our_housing_is_support(more):
    _stay(more, more.person(), "A1", d(2025, 8, 1), d(2025, 8, 3), "family")
    assert supported() == PEOPLE_SUPPORTED + 1


def test_attending_an_activity_is_support(more):
    session = more.activity_sessions["yoga"]
    ActivityAttendance.objects.create(session=session, participant=more.person())
    assert supported() == PEOPLE_SUPPORTED + 1


def test_attending_a_peer_group_session_is_support(more):
    session = more.group_sessions["second"]
    PeerGroupAttendance.objects.create(session=session, participant=more.person())
    assert supported() == PEOPLE_SUPPORTED + 1


def test_a_follow_up_done_is_support_and_one_only_scheduled_is_not(more):
    # both stays ended in 2024: their nights are not in the period
    done, scheduled = more.person(), more.person()
    _stay(more, done, "A1", d(2024, 6, 1), d(2024, 6, 10), "family")
    _stay(more, scheduled, "A1", d(2024, 7, 1), d(2024, 7, 10), "family")
    _follow_up(more, done.stays.get(), 12, "stable", d(2025, 6, 12))
    # due in 2025 at 6 and 12 months, never done
    assert FollowUp.objects.filter(participant=scheduled, due_on__year=2025).count() == 2
    assert supported() == PEOPLE_SUPPORTED + 1


def test_a_new_status_on_her_exit_pathway_is_support(more):
    PathwayEntry.objects.create(
        participant=more.person(), status="on_the_path", since=d(2025, 5, 1),
        recorded_by=more.alice,
    )  # fmt: skip
    assert supported() == PEOPLE_SUPPORTED + 1


def test_a_change_to_her_life_plan_is_support(more):
    plan = LifePlan.objects.create(participant=more.person())
    goal = Goal.objects.create(
        plan=plan, horizon="short", domain="health", words="Planted words", proposed_by="her",
        proposed_by_user=more.alice, status="agreed", agreed_on=d(2024, 5, 1),
    )  # fmt: skip
    GoalChange.objects.create(
        goal=goal, changed_by=more.alice, changed_at=at(2025, 5, 5), fields=["steps"]
    )
    assert supported() == PEOPLE_SUPPORTED + 1


def _every_kind_of_support(more, her, *, day, moment, stay):
    """A visit, a service, a note, a done appointment, a referral, nights, an activity, a
    peer group, a status, a goal change: all on ``day`` (or at ``moment``)."""
    site = more.sites["belleville"]
    session = OpeningSession.objects.create(
        site=site, date=day, opens_at=time(9), closes_at=time(11), opened_by=more.alice
    )
    Visit.objects.create(session=session, participant=her, logged_by=more.alice)
    ServiceGiven.objects.create(
        service=Service.objects.get(code="paperwork"), participant=her, given_on=day,
        given_by=more.alice,
    )  # fmt: skip
    CaseNote.objects.create(participant=her, author=more.alice, kind="other", happened_on=day,
                            text="Planted text")  # fmt: skip
    Appointment.objects.create(participant=her, worker=more.alice, created_by=more.alice,
                               starts_at=moment, status="done")  # fmt: skip
    _refer(more, her, "health", "sent", moment)
    _stay(more, her, "A1", *stay, "family")
    activity = ActivitySession.objects.create(
        activity=Activity.objects.get(title="Cuisine"), date=day, recorded_by=more.alice
    )
    ActivityAttendance.objects.create(session=activity, participant=her)
    group = PeerGroupSession.objects.create(
        group=PeerGroup.objects.get(), date=day, recorded_by=more.alice
    )
    PeerGroupAttendance.objects.create(session=group, participant=her)
    PathwayEntry.objects.create(participant=her, status="exited", since=day,
                                recorded_by=more.alice)  # fmt: skip
    goal = Goal.objects.create(
        plan=LifePlan.objects.create(participant=her), horizon="short", domain="health",
        words="Planted words", proposed_by="her", proposed_by_user=more.alice,
    )  # fmt: skip
    GoalChange.objects.create(goal=goal, changed_by=more.alice, changed_at=moment,
                              status_after="proposed")  # fmt: skip


def test_support_before_the_period_does_not_count(more):
    # up to the last second of 2024, and her last night in our housing on 2024-12-31 (she
    # leaves the morning of 2025-01-01)
    _every_kind_of_support(
        more, more.person(), day=d(2024, 12, 31), moment=at(2024, 12, 31, 23, 59, 59),
        stay=(d(2024, 12, 25), d(2025, 1, 1)),
    )  # fmt: skip
    assert supported() == PEOPLE_SUPPORTED


def test_support_after_the_period_does_not_count(more):
    _every_kind_of_support(
        more, more.person(), day=d(2026, 1, 1), moment=at(2026, 1, 1, 0, 0),
        stay=(d(2026, 1, 1), d(2026, 1, 5)),
    )  # fmt: skip
    assert supported() == PEOPLE_SUPPORTED


def test_support_on_the_first_and_on_the_last_day_counts(more):
    _appointment(more, "done", at(2025, 1, 1, 0, 0))
    _refer(more, more.person(), "health", "sent", at(2025, 12, 31, 23, 59, 59))
    CaseNote.objects.create(participant=more.person(), author=more.alice, kind="other",
                            happened_on=d(2025, 12, 31), text="Planted text")  # fmt: skip
    assert supported() == PEOPLE_SUPPORTED + 3


def test_a_file_merged_into_another_is_not_counted(more):
    kept = more.person("Kept")
    merged = more.person("Merged", merged_into=kept)
    CaseNote.objects.create(participant=merged, author=more.alice, kind="other",
                            happened_on=d(2025, 7, 7), text="Planted text")  # fmt: skip
    assert supported() == PEOPLE_SUPPORTED
    # nor was Olga, merged into Ana: FR counts 7 people, not 8, and 2 have exited, not 3


def test_each_person_counts_once_however_much_support_she_received(more):
    _every_kind_of_support(
        more, more.person(), day=d(2025, 8, 20), moment=at(2025, 8, 20, 10),
        stay=(d(2025, 8, 20), d(2025, 8, 25)),
    )  # fmt: skip
    assert supported() == PEOPLE_SUPPORTED + 1


# --- who they are ------------------------------------------------------------------------


def test_people_supported_are_new_or_continuing_by_the_day_her_file_was_opened(org):
    # new: Binta (opened on 2025-01-01), Chiara, Farah, Gloria, Pia, Tara, Uma; Ines (opened
    # 2024-12-31) continues; Nour's file was opened in 2025 but she was not supported in it
    assert column(org.figures.table("people.overview"), "people") == {
        "new": 7,
        "continuing": 9,
        "total": 16,
    }


def test_age_is_reached_in_the_year_the_period_ends_with_minors_apart(org):
    assert column(org.figures.table("people.age"), "people") == {
        "under_18": 3,  # Chiara 16, Hana 13, Lina 12
        "18_25": 2,  # Kim 18, Binta 25
        "26_35": 5,  # Ines 26, Tara 27, Pia 30, Sofia 33, Ana 35
        "36_50": 2,  # Jade 36, Dounia 50
        "over_50": 3,  # Farah 51, Uma 55, Rosa 65
        "unknown": 1,  # Gloria
        "total": 16,
    }


def test_young_people_are_those_aged_13_to_25(org):
    # Hana 13, Chiara 16, Kim 18, Binta 25; not Lina (12) nor Ines (26)
    assert org.figures.table("people.youth").cell("13_25", "people") == 4


def test_nationalities_are_counted_and_only_the_frequent_ones_listed_by_name(org):
    # FR 7 (Ana, Binta, Chiara, Ines, Kim, Pia, Tara), NG 3, RO 2, BR 1, AL 1, none 2
    # (Gloria, Lina); Olga (FR), Elif (TR), Maya and Nour (FR) are not counted
    assert org.figures.table("people.nationality_count").cell("distinct", "count") == 5
    assert column(org.figures.table("people.nationality"), "people") == {
        "FR": 7,
        "other": 7,
        "unknown": 2,
        "total": 16,
    }


def test_the_nationalities_listed_by_name_follow_the_threshold(more):
    document = report_figures(**YEAR, today=TODAY, threshold=3)
    assert column(document.table("people.nationality"), "people") == {
        "FR": 7,
        "NG": 3,
        "other": 4,
        "unknown": 2,
        "total": 16,
    }


def test_at_most_ten_nationalities_are_listed_by_name_the_most_frequent_first(more):
    # nine more nationalities of two people each (a case note each): with threshold 2,
    # twelve are frequent enough; FR 7 and NG 3 first, then those of 2 by code (BE ... RO),
    # and SN, UA go with the others (AL 1, BR 1)
    codes = ["BE", "CH", "DE", "ES", "IT", "MA", "PT", "SN", "UA"]
    for code in codes * 2:
        her = more.person(nationality=code)
        CaseNote.objects.create(participant=her, author=more.alice, kind="other",
                                happened_on=d(2025, 3, 3), text="Planted")  # fmt: skip
    document = report_figures(**YEAR, today=TODAY, threshold=2)
    assert document.table("people.nationality_count").cell("distinct", "count") == 5 + 9
    assert column(document.table("people.nationality"), "people") == {
        "FR": 7, "NG": 3, "BE": 2, "CH": 2, "DE": 2, "ES": 2, "IT": 2, "MA": 2, "PT": 2,
        "RO": 2, "other": 6, "unknown": 2, "total": 16 + 18,
    }  # fmt: skip
    assert list(column(document.table("people.nationality"), "people"))[:3] == ["FR", "NG", "BE"]


def test_the_first_contact_as_recorded_in_her_file(org):
    assert column(org.figures.table("people.channel"), "people") == {
        "street_outreach": 4,  # Ana, Hana, Kim, Sofia
        "online_outreach": 2,  # Binta, Lina
        "self": 3,  # Chiara, Pia, Uma
        "partner": 4,  # Dounia, Ines, Rosa, Tara
        "police": 1,  # Farah
        "other": 1,  # Jade
        "unknown": 1,  # Gloria
        "total": 16,
    }


# --- drop-in -----------------------------------------------------------------------------


def test_the_drop_in_counts_sessions_visits_and_known_and_recognised_visitors(org):
    assert column(org.figures.table("dropin.activity"), "count") == {
        "sessions": 3,  # B1, B2, P1 (not B0 in 2024, nor B9 in 2026)
        "visits": 9,  # B1: 4, B2: 2, P1: 3
        "known_people": 3,  # Ana (twice), Pia, Rosa
        "anonymous_visits": 5,  # B1: lune, soleil, no code; B2: lune; P1: no code
        "recognised_anonymous": 2,  # lune and soleil; "etoile" came only outside 2025
        "volunteer_hours": 9.5,  # Chloe's 3.5 + 4 + 2; not Alice's 4 (a social worker)
    }


def test_volunteer_hours_count_only_the_presences_of_volunteers(more):
    Presence.objects.create(session=more.sessions["P1"], person=more.users["dana"], hours=5)
    Presence.objects.create(session=more.sessions["P1"], person=more.users["bea"], hours=5)
    volunteer = UserFactory(username="vera_volunteer", role=Role.VOLUNTEER, mfa=False)
    Presence.objects.create(session=more.sessions["P1"], person=volunteer, hours=Decimal("1.5"))
    document = report_figures(**YEAR, today=TODAY)
    # a coordinator and a peer worker were there too, for 5 hours each: not counted
    assert document.table("dropin.activity").cell("volunteer_hours", "count") == 9.5 + 1.5


def test_a_session_planned_after_today_is_not_held_yet(more):
    # counted on 2025-06-15: B1, P1 and B2 (06-02) were held; a session planned for 06-20,
    # its opener's hours with it, was not (yet)
    planned = OpeningSession.objects.create(
        site=more.sites["pantin"], date=d(2025, 6, 20), opens_at=time(14), closes_at=time(18),
        opened_by=more.users["chloe"],
    )  # fmt: skip
    Presence.objects.create(session=planned, person=more.users["chloe"], hours=4)
    document = report_figures(**YEAR, today=d(2025, 6, 15))
    assert document.table("dropin.activity").cell("sessions", "count") == 3
    assert document.table("dropin.activity").cell("volunteer_hours", "count") == 9.5


def test_services_count_times_given_and_people_with_their_share_of_people_supported(org):
    services = org.figures.table("dropin.services")
    # food: meals to Ana (B1, B2), to "lune" (B1), to Pia (P1): 4 times, 2 people
    # hygiene: Ana's shower, lune's kit; listening: lune (B2), Pia (P1)
    # psychological: Binta and Ana in individual support (Nour's is in 2026)
    assert column(services, "times") == {
        "food": 4, "hygiene": 2, "listening": 2, "psychological": 2, "rights": 0,
        "learning": 0, "health": 0, "children": 0, "other": 0,
    }  # fmt: skip
    assert column(services, "people") == {
        "food": 2, "hygiene": 1, "listening": 1, "psychological": 2, "rights": 0,
        "learning": 0, "health": 0, "children": 0, "other": 0,
    }  # fmt: skip
    share = column(services, "share")
    assert share["food"] == pytest.approx(2 / 16)
    assert share["hygiene"] == pytest.approx(1 / 16)
    assert share["psychological"] == pytest.approx(2 / 16)
    assert share["children"] == 0


def test_outreach_sums_the_rounds_and_contacts_of_the_period(org):
    outreach = org.figures.table("outreach")
    assert column(outreach, "rounds") == {"street": 2, "online": 1, "total": 3}
    assert column(outreach, "contacts") == {"street": 20, "online": 20, "total": 40}
    assert column(outreach, "new") == {"street": 7, "online": 10, "total": 17}


# --- activities and peer groups ------------------------------------------------------------


def test_activity_attendance_includes_the_people_present_without_a_file(org):
    groups = org.figures.table("groups")
    # cooking 09-09: Hana, Ana + 3; outing: Pia, Hana + 2; yoga: Rosa
    assert column(groups, "sessions")["activities"] == 3
    assert column(groups, "attendance")["activities"] == 10
    assert column(groups, "people")["activities"] == 4  # Hana, Ana, Pia, Rosa


def test_peer_groups_count_sessions_attendance_and_distinct_members(org):
    groups = org.figures.table("groups")
    # 10-10: Ines, Kim; 10-17: Ines (Maya's session was in 2024)
    assert groups.rows[1].key == "peer_groups"
    assert groups.rows[1].cells == [2, 3, 2]


# --- housing -----------------------------------------------------------------------------


def test_housing_counts_stays_people_nights_and_departures(org):
    # Gloria 10 nights, Uma 20, Sofia 9 + 30 (her move continues the stay), Tara 12 (to
    # 12-31); Jade's stay ended in 2024
    assert column(org.figures.table("housing"), "value") == {
        "stays": 4,
        "people": 4,
        "nights": 81,
        "departures": 3,  # Gloria, Sofia, Uma; Sofia's move to B1 is not one
    }


def test_occupancy_and_length_of_stay(org):
    rates = org.figures.table("housing.rates")
    assert rates.cell("all", "departures") == 3
    assert rates.cell("all", "occupancy") == pytest.approx(81 / (3 * 365))
    # Gloria 10, Uma 20, Sofia 51 (from her first arrival, 2024-12-20)
    assert rates.cell("all", "average") == 27.0
    assert rates.cell("all", "median") == 20.0


def test_departures_by_destination(org):
    assert column(org.figures.table("housing.destinations"), "people") == {
        "family": 1,  # Uma
        "own_housing": 1,  # Gloria
        "transition": 0,  # Sofia's move to Les Bouleaux is not a departure
        "other_service": 0,
        "returned": 1,  # Sofia
        "unknown": 0,
        "total": 3,
    }


def test_follow_ups_done_in_the_period_by_outcome(org):
    # Jade stable (01-20) and needs support (03-20), Gloria stable, Sofia returned; Uma's
    # was done in 2026; the others are only scheduled
    assert column(org.figures.table("housing.follow_ups"), "people") == {
        "stable": 2,
        "needs_support": 1,
        "returned": 1,
        "lost_contact": 0,
        "total": 4,
    }


# --- life plans --------------------------------------------------------------------------


def test_people_with_a_life_plan_have_a_goal_they_agreed_to_by_the_end(org):
    # Lina (2024), Kim, Ana (12-31), Gloria (2024); not Binta (agreed in 2026), nor Nour
    assert org.figures.table("lifeplans.people").cell("with_plan", "people") == 4


def test_goals_set_are_those_agreed_in_the_period_and_a_proposed_goal_is_not_counted(org):
    # Kim's medium-term health and short-term administrative goals, Ana's long-term
    # housing goal (12-31); Kim's proposed goal, Lina's and Gloria's (2024), Binta's (2026): no
    horizon = org.figures.table("lifeplans.horizon")
    assert column(horizon, "set") == {"short": 1, "medium": 1, "long": 1, "total": 3}
    domain = org.figures.table("lifeplans.domain")
    assert {k: v for k, v in column(domain, "set").items() if v} == {
        "housing": 1,
        "health": 1,
        "administrative": 1,
        "total": 3,
    }


def test_goals_achieved_in_the_period_count_each_goal_once(org):
    # Kim's administrative goal, achieved twice (09-01, 10-01): once; Gloria's (03-11);
    # Ana's was achieved in 2026
    horizon = org.figures.table("lifeplans.horizon")
    assert column(horizon, "achieved") == {"short": 2, "medium": 0, "long": 0, "total": 2}
    domain = org.figures.table("lifeplans.domain")
    assert {k: v for k, v in column(domain, "achieved").items() if v} == {
        "housing": 1,
        "administrative": 1,
        "total": 2,
    }


# --- exit pathway ------------------------------------------------------------------------


def test_the_status_at_the_end_is_the_last_one_dated_by_then(org):
    assert column(org.figures.table("pathway.status"), "people") == {
        "in_prostitution": 2,  # Rosa, Pia
        "starting_to_exit": 2,  # Kim, Chiara
        "on_the_path": 2,  # Dounia, Tara (her exit is dated 2026)
        "exited": 2,  # Farah, Uma (not Olga, merged)
        "protected": 1,  # Hana
        "returned": 1,  # Sofia
        "contact_lost": 1,  # Jade
        "none": 5,  # Ana, Binta, Gloria, Ines, Lina
        "total": 16,
    }


def test_moves_count_people_by_the_status_they_moved_to(org):
    # a first status is no move (Chiara, Tara, Uma's first), nor the same status again (Pia)
    moves = column(org.figures.table("pathway.moves"), "people")
    assert moves == {
        "in_prostitution": 1,  # Rosa
        "starting_to_exit": 1,  # Kim
        "on_the_path": 1,  # Dounia
        "exited": 1,  # Uma
        "protected": 0,
        "returned": 2,  # Dounia, Sofia
        "contact_lost": 1,  # Jade
        "returned_after_exit": 2,  # Dounia (exited 2023), Rosa (exited 2020)
        "any": 6,  # Rosa, Kim, Dounia (twice), Uma, Sofia, Jade
    }


def test_a_return_without_an_earlier_exit_is_not_a_return_after_exit(more):
    her = more.person()
    for status, since in (("in_prostitution", d(2024, 1, 1)), ("on_the_path", d(2024, 6, 1)),
                          ("returned", d(2025, 3, 1))):  # fmt: skip
        PathwayEntry.objects.create(participant=her, status=status, since=since,
                                    recorded_by=more.alice)  # fmt: skip
    moves = report_figures(**YEAR, today=TODAY).table("pathway.moves")
    assert moves.cell("returned", "people") == 2 + 1
    assert moves.cell("returned_after_exit", "people") == 2


def _pathway(more, her, *entries):
    for status, since in entries:
        PathwayEntry.objects.create(
            participant=her, status=status, since=since, recorded_by=more.alice
        )


def test_a_return_after_exit_within_the_period_is_counted(more):
    her = more.person()
    _pathway(more, her, ("on_the_path", d(2024, 6, 1)), ("exited", d(2025, 2, 1)),
             ("returned", d(2025, 9, 1)))  # fmt: skip
    moves = report_figures(**YEAR, today=TODAY).table("pathway.moves")
    assert moves.cell("exited", "people") == 1 + 1
    assert moves.cell("returned_after_exit", "people") == 2 + 1


def test_a_return_recorded_again_is_not_a_second_return_after_exit(more):
    # she went back in 2024; in 2025 her worker records "in prostitution" instead of
    # "returned": a change of status, but not a return during the period
    her = more.person()
    _pathway(more, her, ("exited", d(2023, 1, 1)), ("returned", d(2024, 6, 1)),
             ("in_prostitution", d(2025, 3, 1)))  # fmt: skip
    moves = report_figures(**YEAR, today=TODAY).table("pathway.moves")
    assert moves.cell("in_prostitution", "people") == 1 + 1
    assert moves.cell("any", "people") == 6 + 1
    assert moves.cell("returned_after_exit", "people") == 2


# --- referrals ---------------------------------------------------------------------------


def test_referrals_by_partner_type_and_status_with_totals(org):
    referrals = org.figures.table("referrals")
    rows = {row.key: row.cells for row in referrals.rows}
    # columns: proposed, sent, accepted, completed, refused, all
    assert rows == {
        "legal_aid": [1, 0, 1, 1, 0, 3],  # Kim proposed and completed, Farah accepted
        "health": [0, 0, 0, 1, 0, 1],  # Dounia
        "mental_health": [1, 0, 0, 0, 0, 1],  # Sofia, 12-31 23:59
        "housing": [0, 1, 0, 0, 1, 2],  # Sofia sent, Dounia refused
        "employment": [0] * 6,
        "education": [0] * 6,
        "police_justice": [0] * 6,
        "other": [0] * 6,
        "total": [2, 1, 1, 2, 1, 7],  # not Maya's (2024-12-31 23:59) nor Nour's (2026)
    }


# --- one site ----------------------------------------------------------------------------


def test_a_site_report_counts_the_people_seen_at_the_site(org):
    # Belleville: Ana (visits, cooking), Hana (cooking); both files opened before 2025
    site = org.belleville
    assert site.site == "Belleville"
    assert column(site.table("people.overview"), "people") == {
        "new": 0,
        "continuing": 2,
        "total": 2,
    }
    assert site.table("people.age").cell("under_18", "people") == 1
    assert site.table("people.age").cell("26_35", "people") == 1
    assert column(site.table("pathway.status"), "people")["protected"] == 1
    assert column(site.table("pathway.status"), "people")["none"] == 1
    assert site.table("lifeplans.people").cell("with_plan", "people") == 1  # Ana
    assert site.table("lifeplans.horizon").cell("total", "set") == 1
    assert site.table("referrals").cell("total", "total") == 0


def test_a_site_report_counts_only_that_sites_sessions_activities_and_groups(org):
    site = org.belleville
    assert column(site.table("dropin.activity"), "count") == {
        "sessions": 2,
        "visits": 6,
        "known_people": 1,
        "anonymous_visits": 4,
        "recognised_anonymous": 2,
        "volunteer_hours": 7.5,
    }
    services = site.table("dropin.services")
    # at Belleville's visits only: no individual support, nothing from Pantin
    assert {k: v for k, v in column(services, "times").items() if v} == {
        "food": 3,
        "hygiene": 2,
        "listening": 1,
    }
    assert {k: v for k, v in column(services, "people").items() if v} == {"food": 1, "hygiene": 1}
    assert column(services, "share")["food"] == pytest.approx(1 / 2)
    groups = {row.key: row.cells for row in site.table("groups").rows}
    # the cooking workshop of 09-09: Hana, Ana + 3; the peer group meets at Pantin
    assert groups == {"activities": [1, 5, 2], "peer_groups": [0, 0, 0]}


def test_a_site_report_has_no_housing_nor_outreach(org):
    keys = [section.key for section in org.belleville.sections]
    assert keys == ["people", "dropin", "groups", "lifeplans", "pathway", "referrals"]
    assert "housing" not in {h.key for h in org.belleville.headlines}
    assert not {rule.key for rule in org.belleville.rules} & {
        "outreach",
        "housing",
        "housing.destinations",
        "housing.follow_ups",
    }
    whole = [section.key for section in org.figures.sections]
    assert whole == [
        "people",
        "dropin",
        "outreach",
        "groups",
        "housing",
        "lifeplans",
        "pathway",
        "referrals",
    ]


# --- the document --------------------------------------------------------------------------


def test_the_headlines_are_copies_of_their_cells(org):
    assert {h.key: h.value for h in org.figures.headlines} == {
        "people": 16,
        "new": 7,
        "visits": 9,
        "nights": 81,
        "exited": 2,
        "achieved": 2,
    }
    assert (org.figures.organisation, org.figures.start, org.figures.end) == (
        "Safespace",
        "2025-01-01",
        "2025-12-31",
    )


def test_every_table_names_rules_the_appendix_explains(org):
    for document in (org.figures, org.belleville):
        rules = {rule.key: rule for rule in document.rules}
        assert "suppression" in rules
        for table in document.tables():
            assert table.rules, table.key
            assert set(table.rules) <= set(rules), table.key
        for rule in document.rules:
            assert rule.title.strip() and len(rule.text.strip()) > 40, rule.key
        # no rule printed for a table the report does not have
        used = {key for table in document.tables() for key in table.rules} | {"suppression"}
        assert set(rules) == used


def test_the_document_survives_its_json(org):
    document = org.figures
    assert ReportDocument.from_json(document.as_json()) == document


def test_the_suppressed_report_leaves_no_small_count_and_no_lone_hidden_cell(org):
    for exact in (org.figures, org.belleville):
        document = suppress(copy.deepcopy(exact), threshold=5)
        for before, after in zip(exact.tables(), document.tables(), strict=True):
            counted = [
                c
                for c, col in enumerate(after.columns)
                if col.protected and col.derived_from is None
            ]
            hidden = {
                (r, c)
                for r, row in enumerate(after.rows)
                for c, cell in enumerate(row.cells)
                if is_hidden(cell)
            }
            for r, row in enumerate(before.rows):
                for c in counted:
                    value = row.cells[c]
                    if row.protected and isinstance(value, int) and 0 < value < 5:
                        assert (r, c) in hidden, (after.key, row.key)
            for group in _groups(after, counted):
                assert sum(cell in hidden for cell in group) != 1, (after.key, group)
        assert (document.suppressed, document.threshold) == (True, 5)
    # the headlines follow their cells: 16 people and 7 new are shown, 2 exited is hidden
    document = suppress(copy.deepcopy(org.figures), threshold=5)
    values = {h.key: h.value for h in document.headlines}
    assert (values["people"], values["new"], values["exited"]) == (16, 7, SUPPRESSED)


# --- how it is computed ------------------------------------------------------------------


def _more_of_everything(o, n):
    """``n`` more people, each with a visit and a service, a note, a referral, a stay, an
    activity, a group session, two statuses and an achieved goal."""
    shelter = Shelter.objects.create(name="Les Cèdres", kind="long_term", address="Planted")
    room = Room.objects.create(shelter=shelter, name="1")
    cooking = o.activity_sessions["cooking"]
    group = o.group_sessions["first"]
    meal = Service.objects.get(code="meal")
    for i in range(n):
        her = o.person(f"More {i}", birth_year=1980 + i % 30, nationality="ES",
                       first_contact_channel="self")  # fmt: skip
        visit = Visit.objects.create(session=o.sessions["B2"], participant=her, logged_by=o.alice)
        ServiceGiven.objects.create(service=meal, visit=visit, given_on=d(2025, 6, 2),
                                    given_by=o.alice)  # fmt: skip
        CaseNote.objects.create(participant=her, author=o.alice, kind="other",
                                happened_on=d(2025, 5, 1), text="Planted text")  # fmt: skip
        _refer(o, her, "housing", "sent", at(2025, 5, 1))
        bed = Bed.objects.create(room=room, label=f"C{i}")
        stay = stay_begin(actor=o.alice, participant=her, bed=bed, starts_on=d(2025, 4, 1),
                          expected_end_on=d(2025, 4, 20))  # fmt: skip
        stay_end(actor=o.alice, stay=stay, ended_on=d(2025, 4, 20), exit_destination="family")
        ActivityAttendance.objects.create(session=cooking, participant=her)
        PeerGroupAttendance.objects.create(session=group, participant=her)
        for status, since in (("in_prostitution", d(2024, 1, 1)), ("exited", d(2025, 9, 1))):
            PathwayEntry.objects.create(participant=her, status=status, since=since,
                                        recorded_by=o.alice)  # fmt: skip
        goal = Goal.objects.create(
            plan=LifePlan.objects.create(participant=her), horizon="medium", domain="justice",
            words="Planted words", proposed_by="her", proposed_by_user=o.alice,
            status="achieved", agreed_on=d(2025, 2, 1),
        )  # fmt: skip
        GoalChange.objects.create(goal=goal, changed_by=o.alice, changed_at=at(2025, 9, 1),
                                  status_before="agreed", status_after="achieved")  # fmt: skip


def _queries(**values):
    with CaptureQueriesContext(connection) as queries:
        document = report_figures(**YEAR, today=TODAY, **values)
    return document, queries.captured_queries


def test_the_figures_take_the_same_number_of_queries_whatever_the_data(more):
    belleville = more.sites["belleville"]
    small, small_queries = _queries()
    small_site, small_site_queries = _queries(site=belleville)
    _more_of_everything(more, 60)
    large, large_queries = _queries()
    large_site, large_site_queries = _queries(site=belleville)
    assert large.table("people.overview").cell("total", "people") == 16 + 60
    assert large.table("housing").cell("stays", "value") == 4 + 60
    assert large.table("lifeplans.horizon").cell("total", "achieved") == 2 + 60
    assert large_site.table("people.overview").cell("total", "people") == 2 + 60
    assert len(small_queries) == len(large_queries) == 23
    assert len(small_site_queries) == len(large_site_queries) == 14


ENCRYPTED = {
    (model._meta.db_table, f.column)
    for model in apps.get_models()
    for f in model._meta.concrete_fields
    if isinstance(f, EncryptedMixin)
}
# "table" or "table" alias or "table" AS "alias" after FROM or JOIN
TABLE = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"(?:\s+(?:AS\s+)?"?([A-Z]+\d+)"?)?')
COLUMN = re.compile(r'(?:"(\w+)"|\b([A-Z]+\d+))\."(\w+)"')


def _columns_read(sql):
    """(table, column) of every qualified column reference of one SQL statement; an alias
    (U0, T5) used for several tables in its subqueries stands for each of them."""
    aliases = {}
    for table, alias in TABLE.findall(sql):
        aliases.setdefault(table, set()).add(table)
        if alias:
            aliases.setdefault(alias, set()).add(table)
    return {
        (table, col)
        for quoted, alias, col in COLUMN.findall(sql)
        for table in aliases.get(quoted or alias, {quoted or alias})
    }


def test_the_figures_never_read_an_encrypted_column(more, monkeypatch):
    assert ("cases_participant", "known_as") in ENCRYPTED
    assert ("cases_referral", "outcome") in ENCRYPTED
    assert ("shelters_followup", "outcome") not in ENCRYPTED  # counted, and plain

    def no_decryption(*args, **kwargs):
        raise AssertionError("the figures decrypted a value")

    monkeypatch.setattr("safespace.fields.decrypt_text", no_decryption)
    read = set()
    for values in ({}, {"site": more.sites["belleville"]}):
        _document, queries = _queries(**values)
        for query in queries:
            sql = query["sql"]
            read |= _columns_read(sql)
    # the parsing found what the figures do read...
    assert {("cases_participant", "birth_year"), ("shelters_followup", "outcome")} <= read
    assert ("dropin_visit", "visitor_code") in read
    assert ("cases_casenote", "happened_on") in read  # in a subquery, as U0."happened_on"
    # ... and not one encrypted column, in a select list or anywhere else
    assert not read & ENCRYPTED, read & ENCRYPTED
