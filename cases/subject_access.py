"""Her right of access and to portability (GDPR articles 15 and 20): everything the
organisation holds about one participant, section by section, as plain data.

``subject_access_collect`` gives one JSON-serialisable dict (stable English keys, ISO dates,
choice codes); the JSON download is that dict, and the PDF is drawn from it through
``subject_access_view``, which labels each field with its model's verbose name in the
reader's language. What it holds is hers alone: the group she went to by its name, never the
other members; a house by its name, never its address nor the other residents; the people who
looked at her file from the audit trail, never what the entries about anyone else say.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from django_countries.fields import Country, CountryField

from cases.models import (
    Appointment,
    Assignment,
    CaseNote,
    Consent,
    Document,
    DomainNeed,
    NeedsAssessment,
    Participant,
    PathwayEntry,
    Referral,
)
from dropin.catalogue import DEFAULT_NAMES
from dropin.models import (
    Activity,
    ActivityAttendance,
    OutreachContact,
    OutreachRound,
    PeerGroupAttendance,
    PeerGroupMember,
    Service,
    ServiceGiven,
    Visit,
)
from lifeplans.models import (
    CorrectionRequest,
    DreamItem,
    Goal,
    GoalChange,
    LifePlan,
    Review,
    SafetyPlan,
    Step,
    Strength,
)
from safespace.audit import action_label, audit_record
from safespace.models import AuditEntry
from safespace.roles import Role
from shelters.models import AdmissionRequest, BedNight, FollowUp, Shelter, Stay

FORMAT_VERSION = 1
FORMATS = ("pdf", "json")

# her details, in the order of her file page (PARTICIPANT_SECTIONS), then the file's dates
PARTICIPANT_FIELDS = (
    "reference",
    "known_as",
    "legal_name",
    "date_of_birth",
    "gender",
    "administrative_status",
    "phone",
    "email",
    "postal_address",
    "safe_contact",
    "languages",
    "nationality",
    "birth_year",
    "children_count",
    "children_with_her",
    "first_contact_channel",
    "referral_source",
    "notes",
    "opened_on",
    "closed_on",
    "closing_reason",
    "legal_hold",
    "legal_hold_since",
)


# --- plain values ----------------------------------------------------------------------


def _plain(value):
    """A value as JSON holds it: ISO dates and times (local time), country codes, text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Country):
        return value.code or ""
    if isinstance(value, Decimal):
        return str(value)
    return value


def _fields(obj, names) -> dict:
    """The named fields of ``obj``, decrypted by their fields, as plain values."""
    return {name: _plain(getattr(obj, name)) for name in names}


def _who(user) -> str:
    """A staff member as she knows them (or her own account): the name, else the login."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _role(names: set[str]) -> str:
    # as safespace.roles.role_of: should an account sit in several groups, the least powerful
    for role in reversed(Role):
        if role.value in names:
            return role.value
    return ""


# --- the sections ----------------------------------------------------------------------
# Each reads with one query (two for the audit trail's roles), whatever the number of rows:
# related rows are read in their own query and grouped here, never per row.


def _her_file(participant_pk) -> dict:
    her = (
        Participant.objects.select_related("account")
        .defer("account__password")
        .filter(pk=participant_pk)
        .get()
    )
    row = _fields(her, PARTICIPANT_FIELDS)
    row["account"] = her.account.get_username() if her.account_id else ""
    # files found to be duplicates of hers and merged into it keep only their reference
    row["merged_files"] = list(
        Participant.objects.filter(merged_into_id=participant_pk)
        .order_by("reference")
        .values_list("reference", flat=True)
    )
    return row


def _support_team(pk) -> list:
    rows = Assignment.objects.filter(participant_id=pk).select_related("worker")
    return [
        {"worker": _who(a.worker), **_fields(a, ("kind", "started_at", "ended_at"))}
        for a in rows.order_by("started_at", "pk")
    ]


def _pathway(pk) -> list:
    rows = PathwayEntry.objects.filter(participant_id=pk).select_related("recorded_by")
    return [
        {**_fields(e, ("status", "since", "recorded_at")), "recorded_by": _who(e.recorded_by)}
        for e in rows.order_by("since", "recorded_at", "pk")
    ]


def _consents(pk) -> list:
    rows = Consent.objects.filter(participant_id=pk).select_related(
        "partner", "recorded_by", "withdrawn_by"
    )
    return [
        {
            "purpose": c.purpose,
            "partner": c.partner.name if c.partner_id else "",
            **_fields(c, ("method", "given_on", "expires_on", "withdrawn_on")),
            "recorded_by": _who(c.recorded_by),
            "withdrawn_by": _who(c.withdrawn_by),
        }
        for c in rows.order_by("given_on", "recorded_at", "pk")
    ]


def _needs(pk) -> list:
    domains = defaultdict(list)
    for need in DomainNeed.objects.filter(assessment__participant_id=pk).order_by("domain"):
        domains[need.assessment_id].append(_fields(need, ("domain", "level", "comment")))
    rows = NeedsAssessment.objects.filter(participant_id=pk).select_related("recorded_by")
    return [
        {
            "assessed_on": _plain(a.assessed_on),
            "recorded_by": _who(a.recorded_by),
            "domains": domains[a.pk],
        }
        for a in rows.order_by("assessed_on", "recorded_at", "pk")
    ]


def _case_notes(pk) -> list:
    # every note, whatever who may read it inside the organisation ("only me", "her key
    # worker only"): what is written about her is hers to read (her right of access)
    rows = CaseNote.objects.filter(participant_id=pk).select_related("author")
    return [
        {
            **_fields(n, ("happened_on", "kind", "confidentiality")),
            "author": _who(n.author),
            "text": n.text,
        }
        for n in rows.order_by("happened_on", "created_at", "pk")
    ]


def _appointments(pk) -> list:
    rows = Appointment.objects.filter(participant_id=pk).select_related("worker")
    return [
        {
            "starts_at": _plain(a.starts_at),
            "worker": _who(a.worker),
            **_fields(a, ("purpose", "status")),
        }
        for a in rows.order_by("starts_at", "pk")
    ]


def _referrals(pk) -> list:
    # the partner organisation by its name; nobody else's referral, nobody at the partner
    rows = Referral.objects.filter(participant_id=pk).select_related(
        "partner", "created_by", "override_by"
    )
    return [
        {
            "created_at": _plain(r.created_at),
            "partner": r.partner.name,
            **_fields(r, ("kind", "status", "outcome")),
            "created_by": _who(r.created_by),
            # sent without her consent: who decided it and why is hers to know
            "override_by": _who(r.override_by),
            "override_reason": r.override_reason,
        }
        for r in rows.order_by("created_at", "pk")
    ]


def _documents(pk) -> list:
    # what each document is, never its bytes: identity papers and health letters would make
    # this file heavy and put copies of them wherever it travels. She gets a copy of any one
    # of them through its own download (recorded), one at a time.
    rows = (
        Document.objects.filter(participant_id=pk)
        .select_related("uploaded_by")
        .only(
            "pk",
            "participant_id",
            "title",
            "kind",
            "content_type",
            "size",
            "uploaded_at",
            "uploaded_by",
        )
    )
    return [
        {
            **_fields(d, ("title", "kind", "uploaded_at", "content_type", "size")),
            "uploaded_by": _who(d.uploaded_by),
        }
        for d in rows.order_by("uploaded_at", "pk")
    ]


def _life_plan(pk) -> dict:
    of_her = {"plan__participant_id": pk}
    plan = LifePlan.objects.filter(participant_id=pk).only("pk", "next_review_on").first()
    steps, changes = defaultdict(list), defaultdict(list)
    for step in (
        Step.objects.filter(goal__plan__participant_id=pk)
        .select_related("created_by")
        .order_by("created_at", "pk")
    ):
        steps[step.goal_id].append(
            {
                **_fields(step, ("words", "owner", "due_on", "done_on")),
                "created_by": _who(step.created_by),
            }
        )
    for change in (
        GoalChange.objects.filter(goal__plan__participant_id=pk)
        .select_related("changed_by")
        .order_by("changed_at", "pk")
    ):
        changes[change.goal_id].append(
            {
                "changed_at": _plain(change.changed_at),
                "changed_by": _who(change.changed_by),
                **_fields(change, ("fields", "status_before", "status_after", "words_before")),
            }
        )
    goals = [
        {
            **_fields(g, ("words", "horizon", "domain", "proposed_by", "status", "agreed_on")),
            "proposed_by_user": _who(g.proposed_by_user),
            "created_at": _plain(g.created_at),
            "steps": steps[g.pk],
            "changes": changes[g.pk],
        }
        for g in Goal.objects.filter(**of_her)
        .select_related("proposed_by_user")
        .order_by("created_at", "pk")
    ]
    reviews = [
        {
            **_fields(r, ("reviewed_on", "her_reflection", "worker_note")),
            "recorded_by": _who(r.recorded_by),
        }
        for r in Review.objects.filter(**of_her)
        .select_related("recorded_by")
        .order_by("reviewed_on", "recorded_at", "pk")
    ]
    strengths = [
        {
            **_fields(s, ("tags", "words")),
            "recorded_by": _who(s.recorded_by),
            "recorded_at": _plain(s.recorded_at),
        }
        for s in Strength.objects.filter(**of_her)
        .select_related("recorded_by")
        .order_by("recorded_at", "pk")
    ]
    safety = SafetyPlan.objects.filter(**of_her).select_related("updated_by").first()
    # the words of her dream board and whether a picture goes with them; not the pictures
    dreams = [
        {
            **_fields(d, ("year", "words")),
            "has_picture": bool(d.content_type),
            "added_by": _who(d.added_by),
            "added_at": _plain(d.added_at),
        }
        for d in DreamItem.objects.filter(**of_her)
        .select_related("added_by")
        .order_by("year", "added_at", "pk")
    ]
    return {
        "next_review_on": _plain(plan.next_review_on) if plan else None,
        "goals": goals,
        "reviews": reviews,
        "strengths": strengths,
        "safety_plan": None
        if safety is None
        else {
            **_fields(
                safety,
                ("strategies", "safe_places", "trusted_contacts", "code_words", "updated_at"),
            ),
            "updated_by": _who(safety.updated_by),
        },
        "dream_items": dreams,
    }


def _corrections(pk) -> list:
    """What she asked to be corrected in her file, in her words, and the answer she got."""
    rows = CorrectionRequest.objects.filter(participant_id=pk).select_related("answered_by")
    return [
        {
            **_fields(c, ("created_at", "words", "status", "answer", "answered_at")),
            "answered_by": _who(c.answered_by),
        }
        for c in rows.order_by("created_at", "pk")
    ]


def _drop_in(pk) -> tuple[list, list]:
    """Her drop-in visits with the services given at each, and the services given to her
    outside a visit. The session by its site and date: never who else came."""
    during, outside = defaultdict(list), []
    for given in (
        ServiceGiven.objects.filter(Q(visit__participant_id=pk) | Q(participant_id=pk))
        .select_related("service", "given_by")
        .order_by("given_on", "pk")
    ):
        row = {
            "service": given.service.code or given.service.name,
            "category": given.service.category,
            "given_on": _plain(given.given_on),
            "given_by": _who(given.given_by),
        }
        if given.visit_id:
            during[given.visit_id].append(row)
        else:
            outside.append(row)
    visits = [
        {
            "date": _plain(v.session.date),
            "site": v.session.site.name,
            "children_count": v.children_count,
            "logged_by": _who(v.logged_by),
            "services": during[v.pk],
        }
        for v in Visit.objects.filter(participant_id=pk)
        .select_related("session__site", "logged_by")
        .order_by("session__date", "pk")
    ]
    return visits, outside


def _activities(pk) -> list:
    # her own attendance rows only: the session's other attendees are never read
    rows = ActivityAttendance.objects.filter(participant_id=pk).select_related("session__activity")
    return [
        {
            "activity": a.session.activity.title,
            "activity_kind": a.session.activity.kind,
            "date": _plain(a.session.date),
        }
        for a in rows.order_by("session__date", "pk")
    ]


def _peer_groups(pk) -> list:
    # her membership and her attendance: never the other members, nor the facilitators'
    # notes of a session (they are about the whole group)
    attended = defaultdict(list)
    for row in (
        PeerGroupAttendance.objects.filter(participant_id=pk)
        .order_by("session__date", "pk")
        .values_list("session__group_id", "session__date")
    ):
        attended[row[0]].append(_plain(row[1]))
    rows = PeerGroupMember.objects.filter(participant_id=pk).select_related("group")
    return [
        {
            "group": m.group.name,
            **_fields(m, ("enrolled_on", "left_on")),
            "sessions_attended": attended[m.group_id],
        }
        for m in rows.order_by("enrolled_on", "pk")
    ]


def _outreach(pk) -> list:
    # the round's date, kind and area; not its notes, which are about everyone met that night
    rows = OutreachContact.objects.filter(participant_id=pk).select_related("round")
    return [
        {
            "date": _plain(c.round.date),
            "round_kind": c.round.kind,
            "area": c.round.area,
            **_fields(c, ("first_contact", "nationality", "age_band")),
        }
        for c in rows.order_by("round__date", "pk")
    ]


def _housing(pk) -> dict:
    today = timezone.localdate()
    nights = dict(
        BedNight.objects.filter(participant_id=pk, night__lte=today)
        .values("stay_id")
        .annotate(n=Count("pk"))
        .values_list("stay_id", "n")
    )
    follow_ups = defaultdict(list)
    for f in (
        FollowUp.objects.filter(participant_id=pk)
        .select_related("done_by")
        .order_by("due_on", "pk")
    ):
        follow_ups[f.stay_id].append(
            {
                **_fields(f, ("months_after", "due_on", "done_on", "outcome", "notes")),
                "done_by": _who(f.done_by),
            }
        )
    # the house by its name and kind: its address is never loaded, so never decrypted
    stays = (
        Stay.objects.filter(participant_id=pk)
        .select_related("bed__room__shelter")
        .only(
            "pk",
            "starts_on",
            "expected_end_on",
            "ended_on",
            "exit_destination",
            "notes",
            "bed__label",
            "bed__room__name",
            "bed__room__shelter__name",
            "bed__room__shelter__kind",
        )
        .order_by("starts_on", "pk")
    )
    requests = AdmissionRequest.objects.filter(participant_id=pk).select_related("requested_by")
    return {
        "shelter_stays": [
            {
                "shelter": s.bed.room.shelter.name,
                "shelter_kind": s.bed.room.shelter.kind,
                "room": s.bed.room.name,
                "bed": s.bed.label,
                **_fields(
                    s, ("starts_on", "expected_end_on", "ended_on", "exit_destination", "notes")
                ),
                "nights": nights.get(s.pk, 0),
                "follow_ups": follow_ups[s.pk],
            }
            for s in stays
        ],
        "bed_nights": sum(nights.values()),
        "admission_requests": [
            {
                **_fields(
                    r,
                    (
                        "requested_on",
                        "urgency",
                        "wished_kind",
                        "status",
                        "decided_on",
                        "decision_reason",
                    ),
                ),
                "requested_by": _who(r.requested_by),
            }
            for r in requests.order_by("requested_on", "pk")
        ],
    }


def _file_access(pk) -> list:
    """Who did what in her file, from the audit trail: when, who, in which role, what.

    Entries are those whose participant is her; their payloads are never copied (field and
    section names at most, but nothing of anyone else ever travels with her file)."""
    entries = AuditEntry.objects.filter(participant_id=pk)
    memberships = get_user_model().groups.through.objects.filter(
        user_id__in=entries.exclude(actor__isnull=True).values("actor_id")
    )
    groups = defaultdict(set)
    for user_id, name in memberships.values_list("user_id", "group__name"):
        groups[user_id].add(name)
    rows = (
        entries.select_related("actor")
        .only(
            "pk",
            "created_at",
            "action",
            "actor__id",
            "actor__username",
            "actor__first_name",
            "actor__last_name",
        )
        .order_by("id")
    )
    return [
        {
            "at": _plain(e.created_at),
            "who": _who(e.actor),
            "role": _role(groups[e.actor_id]) if e.actor_id else "",
            "action": e.action,
        }
        for e in rows
    ]


def subject_access_collect(participant) -> dict:
    """Everything the organisation holds about her, as plain JSON-serialisable data.

    ``participant`` must come from ``Participant.objects.visible_to`` (any loaded fields:
    her file is read again whole). A fixed number of queries whatever the size of her file.
    """
    pk = participant.pk
    visits, services = _drop_in(pk)
    return {
        "format_version": FORMAT_VERSION,
        "organisation": settings.SAFESPACE_ORGANISATION_NAME,
        "produced_at": _plain(timezone.now()),
        "her_file": _her_file(pk),
        "support_team": _support_team(pk),
        "pathway": _pathway(pk),
        "consents": _consents(pk),
        "needs_assessments": _needs(pk),
        "case_notes": _case_notes(pk),
        "appointments": _appointments(pk),
        "referrals": _referrals(pk),
        "documents": _documents(pk),
        "life_plan": _life_plan(pk),
        "correction_requests": _corrections(pk),
        "drop_in_visits": visits,
        "services_given": services,
        "activities": _activities(pk),
        "peer_groups": _peer_groups(pk),
        "outreach_contacts": _outreach(pk),
        **_housing(pk),
        "file_access": _file_access(pk),
    }


@transaction.atomic
def subject_access_export_record(*, actor, participant, fmt: str) -> None:
    """Record that her data was exported, and in which format (never what it held)."""
    if fmt not in FORMATS:
        raise ValueError("unknown export format")
    audit_record(
        action="participant.data_exported",
        actor=actor,
        target=participant,
        participant_id=participant.pk,
        payload={"format": fmt},
    )


# --- the readable view (the PDF) -------------------------------------------------------
# Each key of the data is labelled by the verbose name of its section's model field of the
# same name, unless ``KEYS`` says otherwise: a label of its own, the field of another model
# it comes from (for its verbose name and its choices), or how to show it.

@dataclass(frozen=True)
class Key:
    label: str | None = None  # else the field's verbose name
    field: tuple | None = None  # (model, field name) of another model the value comes from
    # how to show it: "number", "date", "datetime", "dates", "list", "role", "action",
    # "service", "goal_fields"; else as its field says
    kind: str = ""


# keys that are not a field of their section's model, or whose field has no label of its own
KEYS = {
    "worker": Key(gettext_lazy("who")),
    "recorded_by": Key(gettext_lazy("recorded by")),
    "recorded_at": Key(gettext_lazy("recorded on")),
    "withdrawn_by": Key(gettext_lazy("withdrawal recorded by")),
    "author": Key(gettext_lazy("written by")),
    "created_by": Key(gettext_lazy("written down by")),
    "created_at": Key(gettext_lazy("recorded on")),
    "override_by": Key(gettext_lazy("decided without her consent by")),
    "uploaded_by": Key(gettext_lazy("added by")),
    "uploaded_at": Key(gettext_lazy("added on")),
    "content_type": Key(gettext_lazy("format")),
    "size": Key(gettext_lazy("size (bytes)"), kind="number"),
    "changed_by": Key(gettext_lazy("changed by")),
    "changed_at": Key(gettext_lazy("changed on")),
    "fields": Key(gettext_lazy("what changed"), kind="goal_fields"),
    "status_before": Key(gettext_lazy("status before")),
    "status_after": Key(gettext_lazy("status after")),
    "words_before": Key(gettext_lazy("earlier words")),
    "proposed_by_user": Key(gettext_lazy("written down by")),
    "updated_by": Key(gettext_lazy("last changed by")),
    "updated_at": Key(gettext_lazy("last changed on")),
    "added_by": Key(gettext_lazy("added by")),
    "added_at": Key(gettext_lazy("added on")),
    "has_picture": Key(gettext_lazy("with a picture")),
    "started_at": Key(gettext_lazy("from")),
    "ended_at": Key(gettext_lazy("until")),
    "merged_files": Key(gettext_lazy("files merged into this one"), kind="list"),
    "service": Key(gettext_lazy("service"), kind="service"),
    "category": Key(field=(Service, "category")),
    "given_by": Key(gettext_lazy("given by")),
    "date": Key(gettext_lazy("date"), kind="date"),
    "site": Key(gettext_lazy("site")),
    "logged_by": Key(gettext_lazy("logged by")),
    "activity": Key(gettext_lazy("activity")),
    "activity_kind": Key(field=(Activity, "kind")),
    "group": Key(gettext_lazy("group")),
    "sessions_attended": Key(gettext_lazy("sessions she came to"), kind="dates"),
    "round_kind": Key(gettext_lazy("outreach"), field=(OutreachRound, "kind")),
    "area": Key(field=(OutreachRound, "area")),
    "shelter": Key(gettext_lazy("house")),
    "shelter_kind": Key(gettext_lazy("kind of house"), field=(Shelter, "kind")),
    "room": Key(gettext_lazy("room")),
    "bed": Key(gettext_lazy("bed")),
    "nights": Key(gettext_lazy("nights in a bed so far"), kind="number"),
    "bed_nights": Key(gettext_lazy("nights in our houses so far"), kind="number"),
    "done_by": Key(gettext_lazy("recorded by")),
    "answered_by": Key(gettext_lazy("answered by")),
    "answered_at": Key(gettext_lazy("answered on")),
    "requested_by": Key(gettext_lazy("asked for by")),
    "at": Key(gettext_lazy("when"), kind="datetime"),
    "who": Key(gettext_lazy("who")),
    "role": Key(gettext_lazy("role"), kind="role"),
    "action": Key(gettext_lazy("what"), kind="action"),
}


@dataclass
class Spec:
    key: tuple  # where its rows are in the data
    title: str
    model: type  # whose fields label the rows' keys
    single: bool = False  # one record, not a list
    only: tuple = ()  # of a single record, only these keys
    children: dict = field(default_factory=dict)  # key -> (title, model) of nested rows
    intro: str = ""


def _specs() -> list[Spec]:
    return [
        Spec(("her_file",), _("Her file"), Participant, single=True),
        Spec(("support_team",), _("The people who support her"), Assignment),
        Spec(("pathway",), _("Her exit pathway"), PathwayEntry),
        Spec(("consents",), _("Her consents"), Consent),
        Spec(
            ("needs_assessments",),
            _("Her needs"),
            NeedsAssessment,
            children={"domains": (_("By domain"), DomainNeed)},
        ),
        Spec(
            ("case_notes",),
            _("Case notes"),
            CaseNote,
            intro=_("Every note written in her file, including those kept to a few people."),
        ),
        Spec(("appointments",), _("Appointments"), Appointment),
        Spec(("referrals",), _("Referrals to partners"), Referral),
        Spec(
            ("documents",),
            _("Documents"),
            Document,
            intro=_(
                "What each document is. The documents themselves are not copied here: "
                "she can have a copy of any of them."
            ),
        ),
        Spec(("life_plan",), _("Her life plan"), LifePlan, single=True, only=("next_review_on",)),
        Spec(
            ("life_plan", "goals"),
            _("Goals"),
            Goal,
            children={"steps": (_("Steps"), Step), "changes": (_("Changes"), GoalChange)},
        ),
        Spec(("life_plan", "reviews"), _("Reviews of her plan"), Review),
        Spec(("life_plan", "strengths"), _("Strengths"), Strength),
        Spec(("life_plan", "safety_plan"), _("Safety plan"), SafetyPlan, single=True),
        Spec(
            ("life_plan", "dream_items"),
            _("Dream board"),
            DreamItem,
            intro=_("The words of her dream board. Pictures are not copied here."),
        ),
        Spec(("correction_requests",), _("Her requests for a correction"), CorrectionRequest),
        Spec(
            ("drop_in_visits",),
            _("Drop-in visits"),
            Visit,
            children={"services": (_("Services given"), ServiceGiven)},
        ),
        Spec(("services_given",), _("Services given outside a visit"), ServiceGiven),
        Spec(("activities",), _("Collective activities"), Activity),
        Spec(("peer_groups",), _("Peer groups"), PeerGroupMember),
        Spec(("outreach_contacts",), _("Outreach contacts"), OutreachContact),
        Spec(
            ("shelter_stays",),
            _("Stays in our houses"),
            Stay,
            children={"follow_ups": (_("Follow-ups"), FollowUp)},
            intro=_("Houses are named, never located: their addresses are not in this file."),
        ),
        Spec(("bed_nights",), _("Nights in our houses"), Stay, single=True),
        Spec(("admission_requests",), _("Requests for a place"), AdmissionRequest),
        Spec(
            ("file_access",),
            _("Who worked on her file"),
            AuditEntry,
            intro=_(
                "Every time someone opened her file or recorded something in it, from the "
                "record the organisation keeps of it."
            ),
        ),
    ]


def _text(value, *, model_field=None, kind: str = "") -> str:
    """A value as the PDF prints it, in the reader's language."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if kind == "action":
        return str(action_label(value))
    if kind == "role":
        return str(Role(value).label) if value in Role.values else str(value)
    if kind == "service":
        return str(DEFAULT_NAMES.get(value, value))
    if kind == "goal_fields":
        names = {f.name: f.verbose_name for f in Goal._meta.concrete_fields}
        names["created"] = gettext_lazy("written down")
        return ", ".join(str(names.get(name, name)) for name in value)
    if kind == "dates":
        return ", ".join(formats.date_format(date.fromisoformat(v), "DATE_FORMAT") for v in value)
    if kind == "list" or isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if kind == "number":
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if model_field is not None and not kind:
        if isinstance(model_field, CountryField):
            return str(countries.name(value)) or str(value)
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        kind = {"DateTimeField": "datetime", "DateField": "date"}.get(
            model_field.get_internal_type(), ""
        )
    if kind == "datetime":
        return formats.date_format(datetime.fromisoformat(value), "DATETIME_FORMAT")
    if kind == "date":
        return formats.date_format(date.fromisoformat(value), "DATE_FORMAT")
    return str(value)


def _resolve(model, key: str, keys: dict):
    """(label, model field or None, kind) of one key of a row of ``model``."""
    given = keys.get(key, Key())
    found = None
    if given.field is not None:
        found = given.field[0]._meta.get_field(given.field[1])
    else:
        try:
            found = model._meta.get_field(key)
        except FieldDoesNotExist:
            found = None
    label = given.label or (found.verbose_name if found is not None else key)
    return label, found, given.kind


@dataclass
class RecordView:
    facts: list  # (label, text)
    children: list = field(default_factory=list)  # (title, [RecordView])


@dataclass
class SectionView:
    title: str
    intro: str
    records: list


def _record(model, row: dict, children: dict, keys: dict) -> RecordView:
    facts, nested = [], []
    for key, value in row.items():
        if key in children:
            title, child_model = children[key]
            nested.append((title, [_record(child_model, r, {}, keys) for r in value]))
            continue
        label, found, kind = _resolve(model, key, keys)
        facts.append((label, _text(value, model_field=found, kind=kind)))
    return RecordView(facts=facts, children=nested)


def subject_access_view(data: dict) -> list[SectionView]:
    """The data, section by section, each field labelled and shown in the reader's language."""
    keys = KEYS
    sections = []
    for spec in _specs():
        value = data
        for part in spec.key:
            value = value.get(part) if isinstance(value, dict) else None
        if spec.single:
            if value is not None and not isinstance(value, dict):
                value = {spec.key[-1]: value}
            if value is not None and spec.only:
                value = {name: value.get(name) for name in spec.only}
            rows = [value] if value is not None else []
        else:
            rows = value or []
        sections.append(
            SectionView(
                title=spec.title,
                intro=spec.intro,
                records=[_record(spec.model, row, spec.children, keys) for row in rows],
            )
        )
    return sections
