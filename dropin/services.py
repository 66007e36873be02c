"""Writes of the drop-in: opening sessions, presences, visits and the services given.

Each writes its audit entry in the same transaction. A visitor code never reaches the
database in clear: it is kept as a keyed hash, so the same person is counted once.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Participant
from dropin.models import (
    OpeningSession,
    OutreachContact,
    OutreachRound,
    Presence,
    Service,
    ServiceGiven,
    Site,
    Visit,
)
from safespace.audit import audit_record


class SessionClosed(Exception):
    """The session is closed: its visits can no longer be logged, corrected or removed."""


class AlreadyLogged(Exception):
    """She already has a visit in this session: correct that one instead."""

    def __init__(self, visit_id: int):
        super().__init__("a visit of this person is already logged in this session")
        self.visit_id = visit_id


class VisitStaleEdit(Exception):
    """Someone else corrected the visit since the form was opened."""


def visitor_code_digest(code: str) -> str:
    """The keyed hash of an anonymous visitor's code ("" for no code): case, accents and
    spaces do not matter, so "Rose 12" and "rose12" are the same visitor."""
    from cases import blind_index

    folded = "".join(blind_index.words(code or ""))
    return blind_index.digest("visitor", folded) if folded else ""


# --- Sites and sessions ---


class SessionTaken(Exception):
    """A session of this site already opens at this time (someone opened it just now)."""


@transaction.atomic
def session_open(*, actor, site: Site, date, opens_at, closes_at) -> OpeningSession:
    """Open a session of a site; the person opening it is present for its hours."""
    session = OpeningSession(
        site=site, date=date, opens_at=opens_at, closes_at=closes_at, opened_by=actor
    )
    session.full_clean(exclude=["opened_by", "site"])
    try:
        with transaction.atomic():
            session.save(force_insert=True)
    except IntegrityError:
        raise SessionTaken from None
    audit_record(action="dropin.session_opened", actor=actor, target=session)
    presence_set(actor=actor, session=session, person=actor, hours=session_hours(session))
    return session


def session_hours(session: OpeningSession) -> Decimal:
    """The length of the session in hours, to two decimals."""
    start = session.opens_at.hour * 60 + session.opens_at.minute
    end = session.closes_at.hour * 60 + session.closes_at.minute
    return (Decimal(end - start) / Decimal(60)).quantize(Decimal("0.01"))


@transaction.atomic
def session_close(*, actor, session: OpeningSession) -> bool:
    """Close the session: its visits are final. False if it was closed already."""
    current = OpeningSession.objects.select_for_update().get(pk=session.pk)
    if current.closed_at is not None:
        return False
    current.closed_at = timezone.now()
    current.save(update_fields=["closed_at"])
    audit_record(
        action="dropin.session_closed",
        actor=actor,
        target=current,
        payload={"count": current.visits.count()},
    )
    return True


@transaction.atomic
def presence_set(*, actor, session: OpeningSession, person, hours: Decimal) -> Presence:
    """Record that someone was present, and for how long (set again: the hours change)."""
    presence, _created = Presence.objects.update_or_create(
        session=session, person=person, defaults={"hours": hours}
    )
    audit_record(action="dropin.presence_recorded", actor=actor, target=presence)
    return presence


@transaction.atomic
def presence_remove(*, actor, presence: Presence) -> None:
    audit_record(action="dropin.presence_removed", actor=actor, target=presence)
    presence.delete()


# --- Visits ---


def _open_session_locked(session: OpeningSession) -> OpeningSession:
    # lock the session row: a visit is never added to a session being closed
    current = OpeningSession.objects.select_for_update().get(pk=session.pk)
    if current.closed_at is not None:
        raise SessionClosed
    return current


def _services_set(*, visit: Visit, services, actor, day) -> None:
    visit.services_given.all().delete()
    ServiceGiven.objects.bulk_create(
        [
            ServiceGiven(service=service, visit=visit, given_on=day, given_by=actor)
            for service in services
        ]
    )


@transaction.atomic
def visit_log(
    *,
    actor,
    session: OpeningSession,
    participant: Participant | None = None,
    services=(),
    children_count: int = 0,
    nationality: str = "",
    age_band: str = "",
    first_visit: bool | None = None,
    visitor_code: str = "",
) -> Visit:
    """Log a visit in an open session: a known visitor (her file), or an anonymous one.

    Raises SessionClosed, or AlreadyLogged when she already has a visit in this session.
    """
    current = _open_session_locked(session)
    if participant is not None:
        existing = (
            Visit.objects.filter(session=current, participant=participant)
            .values_list("pk", flat=True)
            .first()
        )
        if existing:
            raise AlreadyLogged(existing)
    visit = Visit(
        session=current,
        participant=participant,
        children_count=children_count,
        logged_by=actor,
    )
    if participant is None:
        visit.nationality = nationality
        visit.age_band = age_band
        visit.first_visit = first_visit
        visit.visitor_code = visitor_code_digest(visitor_code)
    # the session row is locked: no other desk can log her in between (and should one
    # still, the constraint refuses it and the caller's IntegrityError undoes it all)
    visit.save(force_insert=True)
    services = list(services)
    ServiceGiven.objects.bulk_create(
        [
            ServiceGiven(service=service, visit=visit, given_on=current.date, given_by=actor)
            for service in services
        ]
    )
    audit_record(
        action="dropin.visit_logged",
        actor=actor,
        target=visit,
        participant_id=participant.pk if participant else None,
        payload={"kind": "anonymous" if participant is None else "known", "count": len(services)},
    )
    return visit


@transaction.atomic
def visit_correct(
    *,
    actor,
    visit: Visit,
    version: int,
    services=(),
    children_count: int = 0,
    nationality: str = "",
    age_band: str = "",
    first_visit: bool | None = None,
    visitor_code: str | None = None,
) -> Visit:
    """Correct a visit while its session is open (who she is does not change: remove the
    visit and log it again). A visitor code of None keeps the one recorded."""
    _open_session_locked(visit.session)
    current = Visit.objects.select_for_update().select_related("session").get(pk=visit.pk)
    if current.version != version:
        raise VisitStaleEdit
    current.children_count = children_count
    if current.participant_id is None:
        current.nationality = nationality
        current.age_band = age_band
        current.first_visit = first_visit
        if visitor_code is not None:
            current.visitor_code = visitor_code_digest(visitor_code)
    current.version += 1
    current.save()
    services = list(services)
    _services_set(visit=current, services=services, actor=actor, day=current.session.date)
    audit_record(
        action="dropin.visit_corrected",
        actor=actor,
        target=current,
        participant_id=current.participant_id,
        payload={"count": len(services)},
    )
    return current


@transaction.atomic
def visit_remove(*, actor, visit: Visit) -> bool:
    """Remove a visit logged by mistake, while its session is open. False if already gone."""
    _open_session_locked(visit.session)
    current = Visit.objects.select_for_update().filter(pk=visit.pk).first()
    if current is None:
        return False
    audit_record(
        action="dropin.visit_removed",
        actor=actor,
        target=current,
        participant_id=current.participant_id,
    )
    current.delete()  # its services go with it
    return True


# --- Services given outside a visit (individual support) ---


@transaction.atomic
def service_give(*, actor, participant: Participant, service: Service, day) -> ServiceGiven:
    """A service given to her in individual support, outside any drop-in visit."""
    given = ServiceGiven.objects.create(
        service=service, participant=participant, given_on=day, given_by=actor
    )
    audit_record(
        action="dropin.service_given",
        actor=actor,
        target=given,
        participant_id=participant.pk,
        payload={"kind": service.category},
    )
    return given


# --- Outreach: street and online rounds, contacts worth following, linking to her file ---

OUTREACH_ROUND_FIELDS = (
    "kind",
    "date",
    "area",
    "contacts_made",
    "new_contacts",
    "leaflets",
    "hygiene_kits",
    "food_and_drinks",
    "other_material",
    "notes",
)


@transaction.atomic
def outreach_round_record(
    *,
    actor,
    kind: str,
    date,
    area: str,
    team,
    contacts_made: int,
    new_contacts: int,
    leaflets: int = 0,
    hygiene_kits: int = 0,
    food_and_drinks: int = 0,
    other_material: int = 0,
    notes: str = "",
) -> OutreachRound:
    """Record a street or online round: where in broad terms, how many contacts (new ones
    among them), the material handed out, and notes kept encrypted."""
    outreach_round = OutreachRound(
        kind=kind,
        date=date,
        area=area,
        contacts_made=contacts_made,
        new_contacts=new_contacts,
        leaflets=leaflets,
        hygiene_kits=hygiene_kits,
        food_and_drinks=food_and_drinks,
        other_material=other_material,
        notes=notes,
        recorded_by=actor,
    )
    outreach_round.full_clean(exclude=["recorded_by", "team"])
    outreach_round.save(force_insert=True)
    outreach_round.team.set(list(team))
    audit_record(
        action="outreach.round_recorded",
        actor=actor,
        target=outreach_round,
        payload={"kind": kind, "count": contacts_made},
    )
    return outreach_round


@transaction.atomic
def outreach_round_correct(*, actor, outreach_round: OutreachRound, team, **values) -> list[str]:
    """Correct a recorded round (the keyword arguments of outreach_round_record, all given).

    Returns the names of the fields that changed; nothing changed, nothing is written."""
    unknown = set(values) - set(OUTREACH_ROUND_FIELDS)
    if unknown:
        raise TypeError(f"not fields of an outreach round: {sorted(unknown)}")
    # lock the round: two corrections at once are applied one after the other
    current = OutreachRound.objects.select_for_update().get(pk=outreach_round.pk)
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    for name in changed:
        setattr(current, name, values[name])
    team = list(team)
    team_changed = {user.pk for user in team} != set(current.team.values_list("pk", flat=True))
    if not changed and not team_changed:
        return []
    if changed:
        current.full_clean(exclude=["recorded_by", "team"])
        current.save(update_fields=changed)
    if team_changed:
        current.team.set(team)
        changed.append("team")
    audit_record(
        action="outreach.round_corrected",
        actor=actor,
        target=current,
        payload={"fields": changed},
    )
    return changed


@transaction.atomic
def outreach_contact_add(
    *,
    actor,
    outreach_round: OutreachRound,
    visitor_code: str = "",
    nationality: str = "",
    age_band: str = "",
    first_contact: bool = True,
) -> OutreachContact:
    """A contact worth following, met on a round: never a name; a visitor code she chose
    (kept as a keyed hash, the same as at the drop-in desk) lets her be recognised."""
    contact = OutreachContact(
        round=outreach_round,
        visitor_code=visitor_code_digest(visitor_code),
        nationality=nationality,
        age_band=age_band,
        first_contact=first_contact,
    )
    contact.full_clean(exclude=["round", "participant"])
    contact.save(force_insert=True)
    audit_record(action="outreach.contact_added", actor=actor, target=contact)
    return contact


@transaction.atomic
def outreach_contacts_link(*, actor, participant: Participant, visitor_code: str) -> int:
    """Link to her file every outreach contact not yet linked that carries her visitor code.

    Returns how many were linked. Drop-in visits stay anonymous: a visit holds either her
    file or anonymous details, never both (see Visit's constraints)."""
    digest = visitor_code_digest(visitor_code)
    linked = 0
    if digest:
        # one UPDATE: a contact linked meanwhile by someone else is not taken from her file
        linked = OutreachContact.objects.filter(
            visitor_code=digest, participant__isnull=True
        ).update(participant=participant)
    audit_record(
        action="outreach.contacts_linked",
        actor=actor,
        target=participant,
        participant_id=participant.pk,
        payload={"count": linked},
    )
    return linked


# --- Sites and the services catalogue (coordinators) ---

SITE_FIELDS = ("name", "active")
SERVICE_FIELDS = ("name", "category", "active", "position")


class SiteNameTaken(Exception):
    """Another site already has this name (two coordinators added it at once)."""


@transaction.atomic
def site_create(*, actor, name: str) -> Site:
    """Add a site where sessions and activities are held; it is in use from now."""
    site = Site(name=name)
    site.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            site.save(force_insert=True)
    except IntegrityError:
        raise SiteNameTaken from None
    audit_record(
        action="dropin.site_created", actor=actor, target=site, payload={"fields": ["name"]}
    )
    return site


@transaction.atomic
def site_update(*, actor, site: Site, changes: dict) -> list[str]:
    """Rename a site, or say it is no longer in use (a site is never deleted: its sessions
    keep it). Returns the fields that changed, and audits nothing when none did."""
    current = Site.objects.select_for_update().get(pk=site.pk)
    changed = sorted(
        name
        for name, value in changes.items()
        if name in SITE_FIELDS and getattr(current, name) != value
    )
    if not changed:
        return []
    for name in changed:
        setattr(current, name, changes[name])
    current.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            current.save(update_fields=changed)
    except IntegrityError:
        raise SiteNameTaken from None
    audit_record(
        action="dropin.site_updated", actor=actor, target=current, payload={"fields": changed}
    )
    return changed


@transaction.atomic
def service_create(*, actor, name: str, category: str, position: int = 100) -> Service:
    """Add a service of the organisation's own to the catalogue, named as written."""
    service = Service(name=name, category=category, position=position)
    service.full_clean()
    service.save(force_insert=True)
    audit_record(
        action="dropin.service_created",
        actor=actor,
        target=service,
        payload={"fields": ["category", "name", "position"]},
    )
    return service


@transaction.atomic
def service_update(*, actor, service: Service, changes: dict) -> list[str]:
    """Change a service of the catalogue; returns the fields that changed.

    A default service (one with a code) keeps its name, which follows the reader's
    language. A service is never deleted once given: it is "no longer offered"."""
    current = Service.objects.select_for_update().get(pk=service.pk)
    allowed = [name for name in SERVICE_FIELDS if not (current.code and name == "name")]
    changed = sorted(
        name
        for name, value in changes.items()
        if name in allowed and getattr(current, name) != value
    )
    if not changed:
        return []
    for name in changed:
        setattr(current, name, changes[name])
    current.full_clean()
    current.save(update_fields=changed)
    audit_record(
        action="dropin.service_updated", actor=actor, target=current, payload={"fields": changed}
    )
    return changed


# --- Collective activities and peer groups ---
# An activity's session counts known participants (by their file) plus a head count of
# others. A peer group is closed: members are enrolled, sessions record who came and the
# facilitators' notes (encrypted); what members say is never recorded.


class GroupClosed(Exception):
    """The peer group is closed: no new member, no new session."""


class AlreadyMember(Exception):
    """She is already a member of this group."""


class NoIndividualSupport(Exception):
    """She has had no individual support yet: enrolling her needs a confirmation."""


class NotAMember(Exception):
    """Someone marked present is not a current member of the group."""


def individual_support_exists(participant_ref="pk"):
    """True for a file with individual support: an appointment that took place, a case
    note (never read: only its existence), or an open key-worker assignment. One EXISTS
    condition, usable in filter() or annotate() against `participant_ref`."""
    from django.db.models import Exists, OuterRef

    from cases.models import Appointment, Assignment, CaseNote

    her = OuterRef(participant_ref)
    return (
        Exists(
            Appointment.objects.filter(participant=her, status=Appointment.Status.DONE).values("pk")
        )
        | Exists(CaseNote.objects.filter(participant=her).values("pk"))
        | Exists(
            Assignment.objects.filter(
                participant=her, kind=Assignment.Kind.KEY_WORKER, ended_at__isnull=True
            ).values("pk")
        )
    )


def has_individual_support(participant: Participant) -> bool:
    """Whether she has had individual support yet, in one query."""
    return (
        Participant.objects.filter(pk=participant.pk).filter(individual_support_exists()).exists()
    )


@transaction.atomic
def activity_create(*, actor, kind: str, title: str, site: Site | None = None):
    """A new collective activity (a cooking workshop, yoga, an outing)."""
    from dropin.models import Activity

    activity = Activity(kind=kind, title=title, site=site, created_by=actor)
    activity.full_clean(exclude=["created_by", "site"])
    activity.save(force_insert=True)
    audit_record(action="activity.created", actor=actor, target=activity, payload={"kind": kind})
    return activity


def _attendance_set(session, through, participants) -> int:
    """Replace who attended a session; returns how many known people attended."""
    through.objects.filter(session=session).delete()
    unique = {participant.pk: participant for participant in participants}
    through.objects.bulk_create(
        [through(session=session, participant_id=pk) for pk in sorted(unique)]
    )
    return len(unique)


@transaction.atomic
def activity_session_record(*, actor, activity, date, participants=(), anonymous_count: int = 0):
    """One meeting of an activity: the known participants present and a head count of others."""
    from dropin.models import ActivityAttendance, ActivitySession

    session = ActivitySession.objects.create(
        activity=activity, date=date, anonymous_count=anonymous_count, recorded_by=actor
    )
    known = _attendance_set(session, ActivityAttendance, participants)
    audit_record(
        action="activity.session_recorded",
        actor=actor,
        target=session,
        payload={"count": known + anonymous_count},
    )
    return session


@transaction.atomic
def activity_session_correct(*, actor, session, date, participants=(), anonymous_count: int = 0):
    """Correct a session's date and attendance (the last correction wins)."""
    from dropin.models import ActivityAttendance, ActivitySession

    # lock the row: two corrections at once do not mix their attendance lists
    current = ActivitySession.objects.select_for_update().get(pk=session.pk)
    current.date = date
    current.anonymous_count = anonymous_count
    current.save(update_fields=["date", "anonymous_count"])
    known = _attendance_set(current, ActivityAttendance, participants)
    audit_record(
        action="activity.session_corrected",
        actor=actor,
        target=current,
        payload={"count": known + anonymous_count},
    )
    return current


@transaction.atomic
def peer_group_create(
    *, actor, name: str, site: Site | None, planned_sessions: int, starts_on, facilitators
):
    """A new closed peer group, with its facilitators (peer workers and staff)."""
    from dropin.models import PeerGroup

    group = PeerGroup(
        name=name,
        site=site,
        planned_sessions=planned_sessions,
        starts_on=starts_on,
        created_by=actor,
    )
    group.full_clean(exclude=["created_by", "site"])
    group.save(force_insert=True)
    facilitators = list(facilitators)
    group.facilitators.set(facilitators)
    audit_record(
        action="peer_group.created",
        actor=actor,
        target=group,
        payload={"count": len(facilitators)},
    )
    return group


def _open_group_locked(group):
    from dropin.models import PeerGroup

    # lock the group row: nothing is added to a group being closed
    current = PeerGroup.objects.select_for_update().get(pk=group.pk)
    if current.closed_on is not None:
        raise GroupClosed
    return current


@transaction.atomic
def peer_group_member_enrol(
    *, actor, group, participant: Participant, on=None, without_individual_support: bool = False
):
    """Enrol her in a group (again, if she had left it).

    Raises GroupClosed, AlreadyMember, or NoIndividualSupport when she has had no
    individual support yet and `without_individual_support` does not confirm it."""
    from dropin.models import PeerGroupMember

    current = _open_group_locked(group)
    on = on or timezone.localdate()
    supported = has_individual_support(participant)
    if not supported and not without_individual_support:
        raise NoIndividualSupport
    member = (
        PeerGroupMember.objects.select_for_update()
        .filter(group=current, participant=participant)
        .first()
    )
    if member is not None and member.left_on is None:
        raise AlreadyMember
    if member is not None:  # she comes back after leaving
        member.left_on = None
        member.enrolled_on = on
        member.enrolled_by = actor
        member.save(update_fields=["left_on", "enrolled_on", "enrolled_by"])
    else:
        try:
            with transaction.atomic():
                member = PeerGroupMember.objects.create(
                    group=current, participant=participant, enrolled_on=on, enrolled_by=actor
                )
        except IntegrityError:
            # someone else enrolled her at the same moment
            raise AlreadyMember from None
    audit_record(
        action="peer_group.member_enrolled",
        actor=actor,
        target=member,
        participant_id=participant.pk,
        payload={} if supported else {"status": "without_individual_support"},
    )
    return member


@transaction.atomic
def peer_group_member_leave(*, actor, member, on=None) -> bool:
    """She leaves the group (her attendance stays). False if she had left already."""
    from dropin.models import PeerGroupMember

    current = PeerGroupMember.objects.select_for_update().get(pk=member.pk)
    if current.left_on is not None:
        return False
    current.left_on = max(on or timezone.localdate(), current.enrolled_on)
    current.save(update_fields=["left_on"])
    audit_record(
        action="peer_group.member_left",
        actor=actor,
        target=current,
        participant_id=current.participant_id,
    )
    return True


@transaction.atomic
def peer_group_session_record(*, actor, group, date, attendees=(), facilitator_notes: str = ""):
    """One meeting of the group: who came (current members only) and the facilitators'
    notes, encrypted. Sessions beyond the planned number are allowed.

    Raises GroupClosed, or NotAMember for someone who is not a current member."""
    from dropin.models import PeerGroupAttendance, PeerGroupSession

    current = _open_group_locked(group)
    attendees = list(attendees)
    members = set(
        current.members.filter(left_on__isnull=True).values_list("participant_id", flat=True)
    )
    if any(participant.pk not in members for participant in attendees):
        raise NotAMember
    session = PeerGroupSession.objects.create(
        group=current, date=date, facilitator_notes=facilitator_notes, recorded_by=actor
    )
    count = _attendance_set(session, PeerGroupAttendance, attendees)
    audit_record(
        action="peer_group.session_recorded",
        actor=actor,
        target=session,
        payload={"count": count},
    )
    return session


@transaction.atomic
def peer_group_close(*, actor, group, on=None) -> bool:
    """Close the group: no new member or session. False if it was closed already."""
    from dropin.models import PeerGroup

    current = PeerGroup.objects.select_for_update().get(pk=group.pk)
    if current.closed_on is not None:
        return False
    current.closed_on = on or timezone.localdate()
    current.save(update_fields=["closed_on"])
    audit_record(
        action="peer_group.closed",
        actor=actor,
        target=current,
        payload={"count": current.sessions.count()},
    )
    return True
