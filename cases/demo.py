"""The demo organisation's caseload: forty invented participants and their files.

Every name, number, date and fact here is invented. The caseload is deterministic
(one ``random.Random`` with a fixed seed, dates counted back from today) and written
in bulk, so `make run` stays quick. Encrypted fields go through the ORM.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from cases.models import (
    Appointment,
    Assignment,
    CaseNote,
    Consent,
    DomainNeed,
    NeedsAssessment,
    Participant,
    Partner,
    PathwayEntry,
    Referral,
    RightsDomain,
)
from cases.services import reference_next

SEED = 4  # the participants issue
YEARS_BACK = 3

Status = PathwayEntry.Status
Admin = Participant.AdministrativeStatus
Channel = Participant.Channel
Gender = Participant.Gender
Closing = Participant.ClosingReason


@dataclass(frozen=True)
class Person:
    """One invented participant. ``story`` names her pathway (see STORIES)."""

    known_as: str
    legal_name: str
    nationality: str
    age: int
    languages: str
    status: str
    story: str
    key_worker: str = "alice"
    peer_worker: str = ""
    gender: str = Gender.WOMAN
    children: int | None = None
    children_with_her: str = ""
    channel: str = Channel.STREET_OUTREACH
    referred_by: str = ""
    closed: str = ""
    account: str = ""
    # None: an invented number is made up for her; "": she has no phone
    phone: str | None = None
    notes: str = ""
    # the other social worker followed her first, then handed her file over
    handed_over: bool = False


# Her pathway over time: leaving is cyclical, returns and lost contact are common.
STORIES = {
    "new": (Status.IN_PROSTITUTION,),
    "starting": (Status.IN_PROSTITUTION, Status.STARTING_TO_EXIT),
    "on_path": (Status.IN_PROSTITUTION, Status.STARTING_TO_EXIT, Status.ON_THE_PATH),
    "exited": (
        Status.IN_PROSTITUTION,
        Status.STARTING_TO_EXIT,
        Status.ON_THE_PATH,
        Status.EXITED,
    ),
    "returned": (
        Status.IN_PROSTITUTION,
        Status.STARTING_TO_EXIT,
        Status.EXITED,
        Status.RETURNED,
    ),
    "exited_again": (
        Status.IN_PROSTITUTION,
        Status.STARTING_TO_EXIT,
        Status.EXITED,
        Status.RETURNED,
        Status.STARTING_TO_EXIT,
        Status.ON_THE_PATH,
        Status.EXITED,
    ),
    "returned_restarting": (
        Status.IN_PROSTITUTION,
        Status.STARTING_TO_EXIT,
        Status.ON_THE_PATH,
        Status.RETURNED,
        Status.STARTING_TO_EXIT,
    ),
    "lost": (Status.IN_PROSTITUTION, Status.STARTING_TO_EXIT, Status.CONTACT_LOST),
    "lost_found": (
        Status.IN_PROSTITUTION,
        Status.CONTACT_LOST,
        Status.IN_PROSTITUTION,
        Status.STARTING_TO_EXIT,
    ),
    "protected": (Status.PROTECTED,),
}
GOING_WELL = {Status.STARTING_TO_EXIT, Status.ON_THE_PATH, Status.EXITED, Status.PROTECTED}

DOMICILIATION = "Domiciliation: c/o the association, 10 rue de l'Exemple, 75000 Paris"

PEOPLE = (
    # the four files of the first demo, Eve's with her account
    Person("Eve", "Eve Martin", "FR", 34, "French", Admin.CITIZEN, "exited_again",
           peer_worker="bea", children=1, children_with_her="all", channel=Channel.SELF,
           referred_by="A friend", account="eve", phone="+33 6 00 00 00 01",
           notes="Invented demo note: prefers appointments in the morning."),
    Person("Lune", "Amina Diallo", "GN", 27, "Pular, French", Admin.ASYLUM_SEEKER, "on_path",
           peer_worker="bea", children=1, children_with_her="all", phone="+33 6 00 00 00 02",
           referred_by="Night outreach", notes="Invented demo note: prefers appointments in "
           "the morning."),
    Person("Rose", "Ioana Popescu", "RO", 31, "Romanian, Italian, some French",
           Admin.EU_CITIZEN, "exited_again", children=2, children_with_her="none", phone="",
           notes="Invented demo note: prefers appointments in the morning."),
    Person("Nina", "Grace Okafor", "NG", 24, "English, Igbo, French (learning)",
           Admin.ASYLUM_SEEKER, "starting", channel=Channel.PARTNER,
           referred_by="Hospital social service", phone="+33 6 00 00 00 04",
           notes="Invented demo note: prefers appointments in the morning."),
    # and the rest of the caseload
    Person("Blessing", "Blessing Eze", "NG", 22, "English, Edo, some French",
           Admin.ASYLUM_SEEKER, "returned", peer_worker="bea", channel=Channel.ONLINE_OUTREACH,
           referred_by="Online outreach"),
    Person("Joy", "Osasere Igbinedion", "NG", 17, "English, Edo", Admin.ASYLUM_SEEKER,
           "protected", key_worker="farah", peer_worker="gwen", channel=Channel.PARTNER,
           referred_by="Child welfare service", notes="Minor: child welfare service informed."),
    Person("Mia", "Mihaela Ionescu", "RO", 16, "Romanian, French", Admin.EU_CITIZEN,
           "protected", channel=Channel.PARTNER, referred_by="School nurse", children=0),
    Person("Dani", "Daniela Stoica", "RO", 29, "Romanian, some English", Admin.EU_CITIZEN,
           "lost", key_worker="farah", closed=Closing.CONTACT_LOST),
    Person("Vera", "Veselina Petrova", "BG", 33, "Bulgarian, Turkish, some French",
           Admin.EU_CITIZEN, "exited_again", peer_worker="gwen", children=2,
           children_with_her="some"),
    Person("Lina", "Elena Dimitrova", "BG", 25, "Bulgarian, Romani", Admin.EU_CITIZEN, "new",
           referred_by="Night outreach"),
    Person("Ela", "Elira Hoxha", "AL", 28, "Albanian, Italian", Admin.ASYLUM_SEEKER,
           "on_path", key_worker="farah", channel=Channel.PARTNER,
           referred_by="Asylum seekers' reception centre"),
    Person("Bora", "Blerta Krasniqi", "AL", 19, "Albanian, English", Admin.RESIDENCE_PERMIT,
           "starting", peer_worker="bea", channel=Channel.ONLINE_OUTREACH,
           referred_by="Online outreach"),
    Person("Mei", "Li Xiaomei", "CN", 41, "Mandarin, Wenzhounese, a little French",
           Admin.UNDOCUMENTED, "on_path", channel=Channel.ONLINE_OUTREACH, children=1,
           children_with_her="none", notes="Strengths: sewing, cooking, patient with others."),
    Person("Lan", "Zhang Lan", "CN", 46, "Mandarin", Admin.RESIDENCE_PERMIT, "exited",
           key_worker="farah", children=2, children_with_her="none",
           closed=Closing.NO_LONGER_NEEDED),
    Person("Bia", "Beatriz Souza", "BR", 30, "Portuguese, Spanish, some French",
           Admin.RESIDENCE_PERMIT, "returned", peer_worker="gwen", gender=Gender.TRANS_WOMAN,
           referred_by="Trans health collective"),
    Person("Carla", "Carla Ferreira da Silva", "BR", 37, "Portuguese, French",
           Admin.RESIDENCE_PERMIT, "exited", key_worker="farah", children=1,
           children_with_her="all", channel=Channel.SELF),
    Person("Oksana", "Oksana Melnyk", "UA", 35, "Ukrainian, Russian, English", Admin.REFUGEE,
           "starting", children=2, children_with_her="all", channel=Channel.PARTNER,
           referred_by="Reception centre for displaced people"),
    Person("Sasha", "Oleksandra Kovalenko", "UA", 20, "Ukrainian, Russian", Admin.REFUGEE,
           "lost_found", key_worker="farah", peer_worker="gwen",
           channel=Channel.ONLINE_OUTREACH),
    Person("Julie", "Julie Lefèvre", "FR", 23, "French", Admin.CITIZEN, "exited_again",
           peer_worker="bea", channel=Channel.SELF, referred_by="Saw a leaflet at the station"),
    Person("Tom", "Thomas Bernard", "FR", 26, "French, English", Admin.CITIZEN, "starting",
           key_worker="farah", gender=Gender.MAN, channel=Channel.PARTNER,
           referred_by="Addiction care centre"),
    Person("Nadia", "Nadia Benali", "MA", 39, "Arabic (Darija), French",
           Admin.RESIDENCE_PERMIT, "exited", children=3, children_with_her="some",
           channel=Channel.SELF, handed_over=True,
           notes="Strengths: organised, good with numbers, wants to run a catering stall."),
    Person("Salma", "Salma El Idrissi", "MA", 21, "Arabic, French, Spanish",
           Admin.UNDOCUMENTED, "starting", key_worker="farah", peer_worker="gwen"),
    Person("Yasmine", "Yasmine Tazi", "MA", 15, "Arabic, French", Admin.RESIDENCE_PERMIT,
           "protected", peer_worker="bea", channel=Channel.POLICE,
           referred_by="Youth protection judge", children=0,
           notes="Minor: follow-up agreed with the youth protection service."),
    Person("Prisca", "Prisca Ngo Mbida", "CM", 32, "French, Ewondo, English",
           Admin.ASYLUM_SEEKER, "on_path", children=1, children_with_her="none"),
    Person("Manu", "Emmanuelle Fotso", "CM", 27, "French, English", Admin.RESIDENCE_PERMIT,
           "returned_restarting", key_worker="farah", gender=Gender.NON_BINARY,
           channel=Channel.ONLINE_OUTREACH),
    Person("Sandra", "Sandra Milena Rojas", "CO", 34, "Spanish", Admin.ASYLUM_SEEKER,
           "starting", peer_worker="gwen", children=2, children_with_her="all"),
    Person("Valen", "Valentina Gómez Restrepo", "CO", 25, "Spanish, some English",
           Admin.UNDOCUMENTED, "lost_found", key_worker="farah", gender=Gender.TRANS_WOMAN,
           channel=Channel.ONLINE_OUTREACH),
    Person("Thu", "Nguyễn Thị Thu", "VN", 29, "Vietnamese", Admin.UNDOCUMENTED, "starting",
           channel=Channel.POLICE, referred_by="Labour inspection operation"),
    Person("Hoa", "Trần Thị Hoa", "VN", 17, "Vietnamese, some English", Admin.OTHER,
           "protected", key_worker="farah", peer_worker="gwen", channel=Channel.PARTNER,
           referred_by="Child welfare service", children=0),
    Person("Ama", "Ama Mensah", "GH", 36, "English, Twi, French", Admin.RESIDENCE_PERMIT,
           "exited", children=1, children_with_her="all", handed_over=True),
    Person("Fatou", "Fatoumata Koné", "CI", 26, "French, Dioula", Admin.ASYLUM_SEEKER,
           "on_path", peer_worker="bea"),
    Person("Rahel", "Rahel Tesfaye", "ER", 24, "Tigrinya, Arabic, some English",
           Admin.REFUGEE, "starting", key_worker="farah", channel=Channel.PARTNER,
           referred_by="Refugee support association"),
    Person("Kata", "Katalin Balogh", "HU", 30, "Hungarian, Romani", Admin.EU_CITIZEN,
           "exited", closed=Closing.MOVED),
    Person("Ana", "Ana Lungu", "MD", 22, "Romanian, Russian", Admin.RESIDENCE_PERMIT, "new",
           peer_worker="bea", referred_by="Night outreach"),
    Person("Rocío", "Rocío Quispe Mamani", "PE", 43, "Spanish, Quechua",
           Admin.RESIDENCE_PERMIT, "exited", key_worker="farah", children=3,
           children_with_her="none", closed=Closing.TRANSFERRED),
    Person("Lola", "Laura Chevalier", "FR", 45, "French", Admin.CITIZEN, "on_path",
           channel=Channel.SELF, children=2, children_with_her="none",
           notes="Strengths: knows the neighbourhood, helps newcomers at the drop-in."),
    Person("Inès", "Inès Haddad", "DZ", 19, "Arabic, French", Admin.RESIDENCE_PERMIT,
           "starting", peer_worker="bea", channel=Channel.ONLINE_OUTREACH),
    Person("Yoli", "Yolanda Peña", "DO", 38, "Spanish", Admin.RESIDENCE_PERMIT,
           "exited_again", key_worker="farah", children=2, children_with_her="all"),
    Person("Precious", "Precious Adeyemi", "NG", 20, "English, Yoruba", Admin.ASYLUM_SEEKER,
           "lost", peer_worker="gwen"),
    Person("Maria", "Maria Dumitru", "RO", 52, "Romanian", Admin.EU_CITIZEN, "exited",
           children=4, children_with_her="none", channel=Channel.SELF,
           referred_by="Another woman from the drop-in"),
)  # fmt: skip

SAFE_CONTACTS = (
    "Text only, never call after 18:00.",
    "Do not leave voicemail. She calls back when she can.",
    "Messages only, in her language; never voice messages.",
    "Call between 10:00 and 12:00 only.",
    "Only in person at the drop-in; her phone is shared.",
    "Through her sister only, on the number she gave at the drop-in.",
    "Text first and wait for her answer before calling.",
    "Never on weekends. If a man answers, say it is a wrong number.",
)

PARTNERS = (
    ("Clinique juridique des Tilleuls", Partner.Kind.LEGAL_AID),
    ("Centre de santé Hortensia", Partner.Kind.HEALTH),
    ("Consultation psychotrauma Horizon", Partner.Kind.MENTAL_HEALTH),
    ("Foyer Les Capucines", Partner.Kind.HOUSING),
    ("Atelier boulangerie La Navette", Partner.Kind.EMPLOYMENT),
    ("Entreprise d'insertion Fil à Fil", Partner.Kind.EMPLOYMENT),
    ("École de langues Passerelle", Partner.Kind.EDUCATION),
    ("Bureau d'aide aux victimes du tribunal", Partner.Kind.POLICE_JUSTICE),
    ("Vestiaire solidaire Le Fil", Partner.Kind.OTHER),
    ("Résidence sociale Les Glycines", Partner.Kind.HOUSING),
)

# which partner kinds answer a need in each rights domain
PARTNER_KINDS_FOR = {
    RightsDomain.HOUSING: (Partner.Kind.HOUSING,),
    RightsDomain.FINANCIAL: (Partner.Kind.EMPLOYMENT, Partner.Kind.OTHER),
    RightsDomain.HEALTH: (Partner.Kind.HEALTH, Partner.Kind.MENTAL_HEALTH),
    RightsDomain.ADMINISTRATIVE: (Partner.Kind.LEGAL_AID,),
    RightsDomain.JUSTICE: (Partner.Kind.LEGAL_AID, Partner.Kind.POLICE_JUSTICE),
    RightsDomain.PARENTHOOD: (Partner.Kind.OTHER,),
    RightsDomain.INTEGRATION: (Partner.Kind.EDUCATION, Partner.Kind.EMPLOYMENT),
    RightsDomain.SOCIAL_TIES: (Partner.Kind.MENTAL_HEALTH, Partner.Kind.OTHER),
}

# one comment per domain for an urgent or important need, some need, and no need
NEED_COMMENTS = {
    RightsDomain.HOUSING: (
        "Sleeping at a friend's place; asked for a shelter bed.",
        "On the waiting list for social housing.",
        "Room in a shared flat; rent paid on time.",
    ),
    RightsDomain.FINANCIAL: (
        "No income for now; food parcels each week.",
        "Applied for the minimum income; answer expected next month.",
        "Part-time job; saving a little each month.",
    ),
    RightsDomain.HEALTH: (
        "No doctor yet; health insurance application sent.",
        "Sleeping badly; sees the psychologist every two weeks.",
        "Regular check-ups at the health centre.",
    ),
    RightsDomain.ADMINISTRATIVE: (
        "No papers; wants legal advice before any step.",
        "Application in progress; appointment at the prefecture awaited.",
        "Papers in order until next year.",
    ),
    RightsDomain.JUSTICE: (
        "Thinking about filing a complaint; no decision needed now.",
        "Complaint filed; the lawyer keeps her informed.",
        "",
    ),
    RightsDomain.PARENTHOOD: (
        "Needs a childcare place to attend French classes.",
        "Children live with their grandmother; calls them every Sunday.",
        "Children at school nearby; all well.",
    ),
    RightsDomain.INTEGRATION: (
        "Wants French classes; beginner level.",
        "Follows French classes twice a week.",
        "Started the bakery training.",
    ),
    RightsDomain.SOCIAL_TIES: (
        "Knows almost no one outside the drop-in.",
        "Joined the Thursday cooking workshop.",
        "Keeps in touch with women met in the peer group.",
    ),
}
ADMIN_NEED = {
    Admin.UNDOCUMENTED: 3,
    Admin.ASYLUM_SEEKER: 2,
    Admin.OTHER: 2,
    Admin.REFUGEE: 1,
    Admin.RESIDENCE_PERMIT: 1,
    Admin.EU_CITIZEN: 1,
    Admin.CITIZEN: 0,
}

# notes a whole support team may read, by kind; written calmly, never graphic
TEAM_NOTES = {
    CaseNote.Kind.APPOINTMENT: (
        "Review of the life plan. French classes first, housing second.",
        "Went through the housing application together; two papers still missing.",
        "Talked about the coming weeks. Tired but calm. Next step: the health centre.",
        "Filled in the health insurance form together. Sent today.",
        "Asked for help to open a bank account. Gave the list of papers needed.",
        "Talked about the bakery training; very interested, would like to visit first.",
        "Budget session: rent, phone, transport. A small amount set aside each week.",
    ),
    CaseNote.Kind.PHONE_CALL: (
        "Short call to confirm Thursday's appointment. All fine.",
        "Called back as agreed, after a text. Asked to move the appointment to next week.",
        "Called to say the prefecture appointment is confirmed.",
        "Message received: cannot come today, a child is ill. Will come next week.",
        "Asked about the food parcel days: Tuesday and Friday.",
    ),
    CaseNote.Kind.OUTREACH: (
        "Met during the evening outreach. Took a hygiene kit and the drop-in leaflet.",
        "Met at the usual place. Accepted a hot tea; might come to the drop-in on Monday.",
        "Online outreach: answered the message, gave the drop-in opening hours.",
        "Came over to the outreach van to say hello and ask about French classes.",
    ),
    CaseNote.Kind.ACCOMPANIMENT: (
        "Went together to the prefecture for the permit renewal. Receipt obtained.",
        "Accompanied to the health centre for a first check-up. Next visit in a month.",
        "Accompanied to the court for the hearing. The lawyer was there; went calmly.",
        "Visited the bakery workshop together. Start date to be agreed.",
        "Accompanied to the bank; account opened.",
        "Accompanied to the school to enrol the children.",
    ),
    CaseNote.Kind.OTHER: (
        "Came for coffee and a shower, asked about French classes.",
        "Came to the drop-in with a friend. Laundry and lunch, stayed for the cooking workshop.",
        "Took part in the art-therapy session. Stayed for the shared meal.",
        "Left word with the drop-in team: away for two weeks for family matters.",
        "Collected clothes and a food parcel.",
    ),
}
KEY_WORKER_NOTES = (
    "Spoke about a difficult period; worried about a man who keeps calling. "
    "Safety plan reviewed together.",
    "Talked about filing a complaint. Gave information on the legal clinic; no decision "
    "needed now.",
    "Feeling low at night. Agreed to see the psychologist; appointment booked.",
    "A debt to the people who organised the journey came up again. Legal advice proposed.",
)
AUTHOR_NOTES = (
    "My impression: more at ease than last month. Ask next time how the new room is going.",
    "Reminder for myself: never call on Mondays (see the safe-contact instructions).",
    "To raise gently next time: the missed appointments at the health centre.",
)
APPOINTMENT_PURPOSES = (
    "Life plan review",
    "Housing application",
    "Residence permit papers",
    "Health insurance form",
    "Budget and bank account",
    "Training options",
    "Meeting with the lawyer",
    "French classes enrolment",
    "Follow-up",
)
REFERRAL_OUTCOMES = {
    Referral.Status.COMPLETED: (
        "Support in place; she goes there every month.",
        "Done: the partner's part is over, she is satisfied.",
    ),
    Referral.Status.REFUSED: (
        "No place before the spring; looking elsewhere.",
        "She decided not to go after the first meeting.",
    ),
    Referral.Status.ACCEPTED: ("First appointment set with the partner.",),
}


@dataclass
class _File:
    """What is built for one participant before it is written."""

    person: Person
    opened_on: date
    last_day: date  # the last day anything happened: her closing day, or yesterday
    pathway: list = field(default_factory=list)  # (status, since)
    closed_on: date | None = None


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max((last - first).days, 0)))


def _plan(rng: random.Random, person: Person, today: date) -> _File:
    """Her opening date and pathway: steps spread between opening and yesterday."""
    story = STORIES[person.story]
    yesterday = today - timedelta(days=1)
    if person.story == "new":
        opened_on = today - timedelta(days=rng.randint(12, 80))
    else:
        shortest = 90 * len(story)
        longest = 365 * YEARS_BACK
        if person.age < 18:  # youth programmes take them from 13
            longest = min(longest, 365 * (person.age - 13))
        opened_on = today - timedelta(days=rng.randint(shortest, longest))
    days = (yesterday - opened_on).days
    offsets = sorted(rng.sample(range(20, days - 15), len(story) - 1))
    since = [opened_on] + [opened_on + timedelta(days=n) for n in offsets]
    plan = _File(person, opened_on, yesterday, pathway=list(zip(story, since, strict=True)))
    if person.closed:
        plan.closed_on = min(since[-1] + timedelta(days=rng.randint(30, 120)), yesterday)
        plan.last_day = plan.closed_on
    return plan


def _status_on(plan: _File, day: date) -> str:
    current = plan.pathway[0][0]
    for status, since in plan.pathway:
        if since <= day:
            current = status
    return current


def _participant(rng, plan: _File, index: int, users: dict, today: date) -> Participant:
    person = plan.person
    birth_year = today.year - person.age
    date_of_birth = None
    if rng.random() < 0.5:
        date_of_birth = date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
    phone = person.phone
    if phone is None:
        phone = f"+33 7 00 00 {index:02d} {rng.randint(10, 99)}" if rng.random() < 0.8 else ""
    participant = Participant(
        reference=reference_next(year=plan.opened_on.year),
        known_as=person.known_as,
        legal_name=person.legal_name,
        date_of_birth=date_of_birth,
        birth_year=birth_year,
        phone=phone,
        email=f"{person.known_as.lower()}.demo@example.org" if rng.random() < 0.15 else "",
        postal_address=DOMICILIATION if rng.random() < 0.4 else "",
        safe_contact=rng.choice(SAFE_CONTACTS) if rng.random() < 0.75 else "",
        administrative_status=person.status,
        languages=person.languages,
        gender=person.gender,
        children_count=person.children,
        children_with_her=person.children_with_her,
        notes=person.notes,
        nationality=person.nationality,
        first_contact_channel=person.channel,
        referral_source=person.referred_by,
        opened_on=plan.opened_on,
        closed_on=plan.closed_on,
        closing_reason=person.closed,
        account=users.get(person.account) if person.account else None,
    )
    participant.save()  # one by one: save() builds her search tokens
    return participant


def _assignments(rng, plan: _File, participant, users) -> list[Assignment]:
    person = plan.person
    rows = []
    key_since = _at(plan.opened_on, 10)
    if person.handed_over:
        other = "farah" if person.key_worker == "alice" else "alice"
        handover = _at(_between(rng, plan.opened_on + timedelta(days=30), plan.last_day), 9)
        rows.append(
            Assignment(
                participant=participant,
                worker=users[other],
                kind=Assignment.Kind.KEY_WORKER,
                started_at=key_since,
                ended_at=handover,
            )
        )
        key_since = handover
    # a closed file stays with her key worker until it is anonymised
    rows.append(
        Assignment(
            participant=participant,
            worker=users[person.key_worker],
            kind=Assignment.Kind.KEY_WORKER,
            started_at=key_since,
        )
    )
    if person.peer_worker:
        rows.append(
            Assignment(
                participant=participant,
                worker=users[person.peer_worker],
                kind=Assignment.Kind.PEER_WORKER,
                started_at=_at(plan.opened_on, 11),
                ended_at=_at(plan.closed_on, 17) if plan.closed_on else None,
            )
        )
    return rows


def _pathway(plan: _File, participant, worker) -> list[PathwayEntry]:
    return [
        PathwayEntry(
            participant=participant,
            status=status,
            since=since,
            recorded_by=worker,
            recorded_at=_at(since, 16, 30),
        )
        for status, since in plan.pathway
    ]


def _needs(rng, plan: _File, participant, worker) -> list[tuple[NeedsAssessment, list]]:
    """One to three assessments, six months or so apart; levels follow her pathway."""
    person = plan.person
    levels = {
        RightsDomain.HOUSING: rng.choice((2, 3)),
        RightsDomain.FINANCIAL: rng.choice((2, 3)),
        RightsDomain.HEALTH: rng.choice((1, 2, 2, 3)),
        RightsDomain.ADMINISTRATIVE: ADMIN_NEED.get(person.status, 1),
        RightsDomain.JUSTICE: rng.choice((0, 1, 1, 2)),
        RightsDomain.PARENTHOOD: rng.choice((1, 2, 3)) if person.children else 0,
        RightsDomain.INTEGRATION: 1 if person.languages.startswith("French") else 3,
        RightsDomain.SOCIAL_TIES: rng.choice((1, 2, 3)),
    }
    assessments = []
    day = min(plan.opened_on + timedelta(days=rng.randint(7, 21)), plan.last_day)
    while day <= plan.last_day and len(assessments) < 3:
        if assessments:
            going_well = _status_on(plan, day) in GOING_WELL
            for domain, level in levels.items():
                if going_well and level and rng.random() < 0.6:
                    levels[domain] = level - 1
                elif not going_well and level < 3 and rng.random() < 0.3:
                    levels[domain] = level + 1
        assessment = NeedsAssessment(
            participant=participant,
            assessed_on=day,
            recorded_by=worker,
            recorded_at=_at(day, 15),
        )
        domains = []
        for domain, level in levels.items():
            comment = ""
            if rng.random() < 0.4:
                comment = NEED_COMMENTS[domain][0 if level >= 2 else 1 if level == 1 else 2]
            domains.append(DomainNeed(domain=domain, level=level, comment=comment))
        assessments.append((assessment, domains))
        day += timedelta(days=rng.randint(150, 220))
    return assessments


def _notes(rng, plan: _File, participant, worker) -> list[CaseNote]:
    kinds = list(TEAM_NOTES)
    notes = []
    months = (plan.last_day - plan.opened_on).days // 30
    for _n in range(rng.randint(2, 3 + min(months // 4, 5))):
        day = _between(rng, plan.opened_on, plan.last_day)
        kind = rng.choice(kinds)
        draw = rng.random()
        if draw < 0.08:
            confidentiality, text = CaseNote.Confidentiality.AUTHOR, rng.choice(AUTHOR_NOTES)
        elif draw < 0.25:
            confidentiality = CaseNote.Confidentiality.KEY_WORKER
            text = rng.choice(KEY_WORKER_NOTES)
        else:
            confidentiality, text = CaseNote.Confidentiality.TEAM, rng.choice(TEAM_NOTES[kind])
        notes.append(
            CaseNote(
                participant=participant,
                author=worker,
                kind=kind,
                confidentiality=confidentiality,
                happened_on=day,
                text=text,
                created_at=_at(day, rng.randint(10, 17), rng.choice((0, 15, 30, 45))),
            )
        )
    return notes


def _appointments(rng, plan: _File, participant, users, today: date) -> list[Appointment]:
    person = plan.person
    worker = users[person.key_worker]
    rows = []
    for _n in range(rng.randint(1, 4)):
        day = _weekday(_between(rng, plan.opened_on, plan.last_day - timedelta(days=3)))
        with_peer = person.peer_worker and rng.random() < 0.2
        rows.append(
            Appointment(
                participant=participant,
                worker=users[person.peer_worker] if with_peer else worker,
                starts_at=_at(day, rng.randint(9, 16), rng.choice((0, 30))),
                purpose=rng.choice(APPOINTMENT_PURPOSES),
                status=rng.choices(
                    (
                        Appointment.Status.DONE,
                        Appointment.Status.MISSED,
                        Appointment.Status.CANCELLED,
                    ),
                    weights=(7, 2, 1),
                )[0],
                created_by=worker,
                created_at=_at(day - timedelta(days=7), 12),
            )
        )
    still_in_touch = _status_on(plan, today) != Status.CONTACT_LOST
    if plan.closed_on is None and still_in_touch:
        for _n in range(rng.randint(1, 2)):
            day = _weekday(today + timedelta(days=rng.randint(1, 21)))
            rows.append(
                Appointment(
                    participant=participant,
                    worker=worker,
                    starts_at=_at(day, rng.randint(9, 16), rng.choice((0, 30))),
                    purpose=rng.choice(APPOINTMENT_PURPOSES),
                    status=Appointment.Status.PLANNED,
                    created_by=worker,
                    created_at=_at(today - timedelta(days=rng.randint(1, 10)), 12),
                )
            )
    return rows


def _consents(rng, plan: _File, participant, worker) -> list[Consent]:
    """Keeping her file and statistics; photos for a few; a few withdrawals."""
    method = rng.choice((Consent.Method.ORAL, Consent.Method.WRITTEN))
    rows = [
        Consent(
            participant=participant,
            purpose=Consent.Purpose.KEEP_FILE,
            method=method,
            given_on=plan.opened_on,
            recorded_by=worker,
            recorded_at=_at(plan.opened_on, 12),
        )
    ]
    if rng.random() < 0.85:
        withdrawn = rng.random() < 0.1 and plan.last_day > plan.opened_on
        rows.append(
            Consent(
                participant=participant,
                purpose=Consent.Purpose.STATISTICS,
                method=method,
                given_on=plan.opened_on,
                recorded_by=worker,
                recorded_at=_at(plan.opened_on, 12),
                withdrawn_on=_between(rng, plan.opened_on, plan.last_day) if withdrawn else None,
                withdrawn_by=worker if withdrawn else None,
            )
        )
    if plan.person.account or rng.random() < 0.15:
        given_on = _between(rng, plan.opened_on, plan.last_day)
        rows.append(
            Consent(
                participant=participant,
                purpose=Consent.Purpose.PHOTOS,
                method=Consent.Method.WRITTEN,
                given_on=given_on,
                expires_on=given_on + timedelta(days=365) if rng.random() < 0.5 else None,
                recorded_by=worker,
                recorded_at=_at(given_on, 14),
            )
        )
    return rows


def _referral_status(rng, created_on: date, today: date) -> str:
    age = (today - created_on).days
    if age < 20:
        return rng.choice((Referral.Status.PROPOSED, Referral.Status.SENT))
    if age < 90:
        return rng.choice((Referral.Status.SENT, Referral.Status.ACCEPTED))
    return rng.choices(
        (Referral.Status.ACCEPTED, Referral.Status.COMPLETED, Referral.Status.REFUSED),
        weights=(1, 4, 2),
    )[0]


def _referrals(rng, plan: _File, participant, worker, partners, needs, today):
    """Referrals where her needs are highest, each on her consent to share with that partner.

    Returns (consents, referrals); each referral's ``consent`` is its consent object.
    """
    consents, referrals = [], []
    first_needs = {need.domain: need.level for need in needs[0][1]} if needs else {}
    most = 1 if (plan.last_day - plan.opened_on).days < 60 else 3
    wanted = sorted(first_needs, key=lambda domain: -first_needs[domain])[: rng.randint(0, most)]
    for domain in wanted:
        if first_needs[domain] < 2:
            continue
        kind = rng.choice(PARTNER_KINDS_FOR[domain])
        partner = rng.choice([p for p in partners if p.kind == kind])
        if any(consent.partner == partner for consent in consents):
            continue
        given_on = _between(rng, plan.opened_on + timedelta(days=7), plan.last_day)
        consent = Consent(
            participant=participant,
            purpose=Consent.Purpose.SHARE_PARTNER,
            partner=partner,
            method=rng.choice((Consent.Method.ORAL, Consent.Method.WRITTEN)),
            given_on=given_on,
            recorded_by=worker,
            recorded_at=_at(given_on, 11),
        )
        consents.append(consent)
        created_on = min(given_on + timedelta(days=rng.randint(0, 5)), plan.last_day)
        status = _referral_status(rng, created_on, today)
        updated_on = _between(rng, created_on, plan.last_day)
        outcomes = REFERRAL_OUTCOMES.get(status)
        referrals.append(
            Referral(
                participant=participant,
                partner=partner,
                kind=partner.kind,
                status=status,
                outcome=rng.choice(outcomes) if outcomes else "",
                consent=consent,
                created_by=worker,
                created_at=_at(created_on, 11, 30),
                updated_at=_at(updated_on, 16),
            )
        )
    return consents, referrals


def _ensure_variety(files, referrals, share_consents, users, partners, today) -> None:
    """Make sure the demo shows every referral status, a withdrawn sharing consent and
    a consent about to lapse, whatever the draw."""
    open_referrals = [r for r in referrals if r.participant.closed_on is None]
    for missing in Referral.Status.values:
        counts = Counter(referral.status for referral in referrals)
        if counts[missing]:
            continue
        spare = next(r for r in open_referrals if counts[r.status] > 1)
        spare.status = missing
        outcomes = REFERRAL_OUTCOMES.get(missing)
        spare.outcome = outcomes[0] if outcomes else ""
    # a sharing consent she withdrew (nothing rests on it)
    plan, participant = next((plan, p) for plan, p in files if p.closed_on is None)
    worker = users[plan.person.key_worker]
    used = {consent.partner for consent in share_consents if consent.participant is participant}
    partner = next(p for p in partners if p not in used)
    given_on = plan.opened_on + timedelta(days=30)
    share_consents.append(
        Consent(
            participant=participant,
            purpose=Consent.Purpose.SHARE_PARTNER,
            partner=partner,
            method=Consent.Method.ORAL,
            given_on=given_on,
            withdrawn_on=given_on + timedelta(days=60),
            withdrawn_by=worker,
            recorded_by=worker,
            recorded_at=_at(given_on, 11),
        )
    )
    # and one that lapses within the month, behind a referral still under way
    under_way = (Referral.Status.SENT, Referral.Status.ACCEPTED)
    recent = [r for r in open_referrals if r.status in under_way] or open_referrals
    recent[-1].consent.expires_on = today + timedelta(days=20)


def caseload_create(*, users: dict, today: date | None = None) -> None:
    """Write the demo caseload. ``users`` maps demo usernames to accounts."""
    today = today or timezone.localdate()
    rng = random.Random(SEED)  # noqa: S311 - a repeatable demo, not a secret
    partners = Partner.objects.bulk_create(
        [
            Partner(
                name=name,
                kind=kind,
                contact=f"01 00 00 00 {10 + n}, Monday to Friday 9:00 to 17:00",
            )
            for n, (name, kind) in enumerate(PARTNERS)
        ]
    )
    plans = [_plan(rng, person, today) for person in PEOPLE]
    # references are given in the order files were opened, as at intake
    order = sorted(range(len(plans)), key=lambda n: (plans[n].opened_on, n))
    files = []
    for index in order:
        files.append((plans[index], _participant(rng, plans[index], index + 1, users, today)))

    assignments, pathway, notes, appointments, consents = [], [], [], [], []
    share_consents, referrals, needs = [], [], []
    for plan, participant in files:
        worker = users[plan.person.key_worker]
        assignments += _assignments(rng, plan, participant, users)
        pathway += _pathway(plan, participant, worker)
        assessed = _needs(rng, plan, participant, worker)
        needs += assessed
        notes += _notes(rng, plan, participant, worker)
        appointments += _appointments(rng, plan, participant, users, today)
        consents += _consents(rng, plan, participant, worker)
        shared, referred = _referrals(rng, plan, participant, worker, partners, assessed, today)
        share_consents += shared
        referrals += referred
    _ensure_variety(files, referrals, share_consents, users, partners, today)

    Assignment.objects.bulk_create(assignments)
    PathwayEntry.objects.bulk_create(pathway)
    NeedsAssessment.objects.bulk_create([assessment for assessment, _domains in needs])
    for assessment, domains in needs:
        for need in domains:
            need.assessment = assessment
    DomainNeed.objects.bulk_create([need for _assessment, domains in needs for need in domains])
    CaseNote.objects.bulk_create(notes)
    Appointment.objects.bulk_create(appointments)
    Consent.objects.bulk_create(consents + share_consents)
    Referral.objects.bulk_create(referrals)
