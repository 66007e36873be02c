"""Collective activities and peer groups.

Activities are for everyone who works at the desk, volunteers included: they see of a
known participant her known-as name only. Peer groups are closed: a coordinator sees every
group, peer workers and social workers the groups they facilitate (others answer 404), and
the facilitators' notes are read by the group's facilitators alone.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dropin.group_forms import (
    ActivityForm,
    ActivitySessionForm,
    MemberEnrolForm,
    PeerGroupForm,
    PeerGroupSessionForm,
    desk_participants,
)
from dropin.models import (
    Activity,
    ActivitySession,
    PeerGroup,
    PeerGroupAttendance,
    PeerGroupMember,
    PeerGroupSession,
)
from dropin.services import (
    AlreadyMember,
    GroupClosed,
    NoIndividualSupport,
    NotAMember,
    activity_create,
    activity_session_correct,
    activity_session_record,
    individual_support_exists,
    peer_group_create,
    peer_group_member_enrol,
    peer_group_session_record,
)
from dropin.services import peer_group_close as group_close
from dropin.services import peer_group_member_leave as member_leave
from safespace.access import ACTIVITY_ROLES, PEER_GROUP_ROLES, can_manage_peer_groups, role_required
from safespace.roles import Role, role_of

PAGE_SIZE = 50
MATCHES_SHOWN = 20
TYPED_LIMIT = 100


# --- Who may do what (beyond the roles that reach the pages) ---


def can_create_activities(user) -> bool:
    """Coordinators and social workers set up activities; everyone at the desk records them."""
    return role_of(user) in (Role.COORDINATOR, Role.SOCIAL_WORKER)


def _facilitates(user, facilitators) -> bool:
    return any(person.pk == user.pk for person in facilitators)


def _runs_membership(user, facilitators) -> bool:
    """Enrolling, members leaving, closing the group: coordinators and its facilitators."""
    return can_manage_peer_groups(user) or _facilitates(user, facilitators)


# --- Finding known participants by their known-as name ---


def _typed(source) -> str:
    """What was typed of a known-as name: from a POST body only, never a URL."""
    return (source.get("q") or "").strip()[:TYPED_LIMIT]


def _ids(values) -> list[int]:
    return [int(value) for value in map(str, values) if value.isascii() and value.isdigit()][:200]


def _by_name(people):
    return sorted(people, key=lambda person: (person.known_as or "").casefold())


def _people_choices(typed: str, chosen_ids, *, field: str, exclude=None, with_support=False):
    """The people to offer as choices: those already chosen (kept ticked), then those whose
    known-as name matches what was typed. Known-as names only; at most two queries."""
    people = desk_participants()
    if with_support:
        people = people.annotate(supported=individual_support_exists())
    chosen = _by_name(people.filter(pk__in=chosen_ids)) if chosen_ids else []
    matches = []
    if typed:
        found = people.desk_search(typed).exclude(pk__in=[person.pk for person in chosen])
        if exclude is not None:
            found = found.exclude(pk__in=exclude)
        matches = _by_name(found[: MATCHES_SHOWN + 1])
    return {
        "typed": typed,
        "chosen": chosen,
        "matches": matches[:MATCHES_SHOWN],
        "more": len(matches) > MATCHES_SHOWN,
        "field": field,
    }


# --- Activities ---


@require_safe
@role_required(*ACTIVITY_ROLES)
def activity_list(request):
    """Running activities, each with its number of sessions and last date (one query)."""
    activities = (
        Activity.objects.filter(active=True)
        .select_related("site")
        .annotate(session_count=Count("sessions"), last_date=Max("sessions__date"))
        .order_by("title", "pk")
    )
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dropin/activities/list.html",
        {"page": page, "can_create": can_create_activities(request.user)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*ACTIVITY_ROLES)
def activity_new(request):
    if not can_create_activities(request.user):
        raise PermissionDenied
    form = ActivityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        activity = activity_create(
            actor=request.user, kind=data["kind"], title=data["title"], site=data["site"]
        )
        messages.success(request, _("The activity is created. Record its sessions here."))
        return redirect("activity_detail", pk=activity.pk)
    return render(request, "dropin/activities/new.html", {"form": form})


def _session_form(request, *, initial):
    """The session form: bound when saving; when only finding people (without JavaScript),
    unbound with what was typed kept, so nothing is lost and no error is shown yet."""
    if request.method != "POST":
        return ActivitySessionForm(initial=initial), False
    if "find" in request.POST:
        kept = {
            "date": request.POST.get("date", ""),
            "anonymous_count": request.POST.get("anonymous_count", ""),
        }
        return ActivitySessionForm(initial=kept), False
    return ActivitySessionForm(request.POST), True


def _attendance_people(request, *, default_ids=()):
    """Who is offered on the session form: those ticked (as sent, or as recorded), and
    those matching what was typed."""
    source = request.POST if request.method == "POST" else request.GET
    if request.method == "POST" or "participants" in source:
        chosen = _ids(source.getlist("participants"))
    else:
        chosen = list(default_ids)
    typed = _typed(request.POST) if request.method == "POST" else ""
    return _people_choices(typed, chosen, field="participants")


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*ACTIVITY_ROLES)
def activity_detail(request, pk):
    """An activity's sessions, newest first, and the form to record one."""
    activity = get_object_or_404(Activity.objects.select_related("site"), pk=pk)
    form, saving = _session_form(
        request, initial={"date": timezone.localdate(), "anonymous_count": 0}
    )
    if saving and form.is_valid():
        data = form.cleaned_data
        activity_session_record(
            actor=request.user,
            activity=activity,
            date=data["date"],
            participants=data["participants"],
            anonymous_count=data["anonymous_count"],
        )
        messages.success(request, _("The session is recorded."))
        return redirect("activity_detail", pk=activity.pk)
    sessions = (
        activity.sessions.annotate(known_count=Count("activityattendance"))
        .prefetch_related(Prefetch("attendees", queryset=desk_participants()))
        .order_by("-date", "-pk")
    )
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    for session in page.object_list:
        session.names = [person.known_as for person in _by_name(session.attendees.all())]
        session.total = session.known_count + session.anonymous_count
    return render(
        request,
        "dropin/activities/detail.html",
        {
            "activity": activity,
            "page": page,
            "form": form,
            "people": _attendance_people(request),
            "people_url": reverse("activity_people", args=[activity.pk]),
            "today": timezone.localdate(),
        },
    )


@require_POST
@role_required(*ACTIVITY_ROLES)
def activity_people(request, pk):
    """The checkboxes of known participants: those ticked so far, then those matching the
    typed first letters of a known-as name (htmx fragment; the letters travel in the POST
    body, never a URL). Asked without htmx, it sends back to the activity's page."""
    activity = get_object_or_404(Activity.objects.only("pk"), pk=pk)
    if not request.htmx:
        return redirect(reverse("activity_detail", args=[activity.pk]) + "#record")
    people = _people_choices(
        _typed(request.POST), _ids(request.POST.getlist("participants")), field="participants"
    )
    response = render(request, "dropin/activities/people.html", {"people": people})
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*ACTIVITY_ROLES)
def activity_session_edit(request, pk, session_pk):
    """Correct a session's date and attendance."""
    activity = get_object_or_404(Activity.objects.select_related("site"), pk=pk)
    session = get_object_or_404(ActivitySession.objects.filter(activity=activity), pk=session_pk)
    attended = list(session.attendees.values_list("pk", flat=True))
    form, saving = _session_form(
        request,
        initial={
            "date": session.date,
            "anonymous_count": session.anonymous_count,
            "participants": attended,
        },
    )
    if saving and form.is_valid():
        data = form.cleaned_data
        activity_session_correct(
            actor=request.user,
            session=session,
            date=data["date"],
            participants=data["participants"],
            anonymous_count=data["anonymous_count"],
        )
        messages.success(request, _("The session is corrected."))
        return redirect("activity_detail", pk=activity.pk)
    return render(
        request,
        "dropin/activities/session_edit.html",
        {
            "activity": activity,
            "session": session,
            "form": form,
            "people": _attendance_people(request, default_ids=attended),
            "people_url": reverse("activity_people", args=[activity.pk]),
        },
    )


# --- Peer groups ---


def _group_for(request, pk):
    """The group, if this user may see it; 404 otherwise (its existence is not revealed)."""
    return get_object_or_404(
        PeerGroup.objects.visible_to(request.user).select_related("site"), pk=pk
    )


def _facilitators_of(group):
    return list(group.facilitators.order_by("first_name", "last_name", "username"))


@require_safe
@role_required(*PEER_GROUP_ROLES)
def peer_group_list(request):
    """The groups she may see, with members and sessions held of planned (one query a page)."""

    def count_of(model, **filters):
        rows = (
            model.objects.filter(group=OuterRef("pk"), **filters)
            .order_by()
            .values("group")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

    groups = (
        PeerGroup.objects.visible_to(request.user)
        .select_related("site")
        .annotate(
            member_count=count_of(PeerGroupMember, left_on__isnull=True),
            session_count=count_of(PeerGroupSession),
            facilitated=Exists(
                PeerGroup.facilitators.through.objects.filter(
                    peergroup_id=OuterRef("pk"), user_id=request.user.pk
                )
            ),
        )
        # running groups first (NULLs sort differently on SQLite and PostgreSQL: say it)
        .order_by(F("closed_on").asc(nulls_first=True), "-starts_on", "name", "pk")
    )
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dropin/groups/list.html",
        {"page": page, "can_create": can_manage_peer_groups(request.user)},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*PEER_GROUP_ROLES)
def peer_group_new(request):
    if not can_manage_peer_groups(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = PeerGroupForm(request.POST)
    else:
        form = PeerGroupForm(initial={"planned_sessions": 12, "starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        group = peer_group_create(
            actor=request.user,
            name=data["name"],
            site=data["site"],
            planned_sessions=data["planned_sessions"],
            starts_on=data["starts_on"],
            facilitators=data["facilitators"],
        )
        messages.success(request, _("The group is created. Enrol its members next."))
        return redirect("peer_group_detail", pk=group.pk)
    return render(request, "dropin/groups/new.html", {"form": form})


@require_safe
@role_required(*PEER_GROUP_ROLES)
def peer_group_detail(request, pk):
    """Members (known-as names), sessions with who came, progress; the facilitators' notes
    for the facilitators only. A fixed number of queries, whatever the size of the group."""
    group = _group_for(request, pk)
    facilitators = _facilitators_of(group)
    facilitator = _facilitates(request.user, facilitators)
    members = list(
        PeerGroupMember.objects.filter(group=group)
        .select_related("participant")
        .only("pk", "enrolled_on", "left_on", "participant__id", "participant__known_as")
    )
    sessions = PeerGroupSession.objects.filter(group=group).order_by("date", "pk")
    if not facilitator:
        sessions = sessions.defer("facilitator_notes")  # never decrypted for anyone else
    sessions = list(sessions)
    present = {}
    for session_id, participant_id in PeerGroupAttendance.objects.filter(
        session__group=group
    ).values_list("session_id", "participant_id"):
        present.setdefault(session_id, set()).add(participant_id)
    names = {member.participant_id: member.participant.known_as for member in members}
    for number, session in enumerate(sessions, start=1):
        session.number = number
        came = present.get(session.pk, set())
        session.names = sorted((names.get(pk, "?") for pk in came), key=str.casefold)
    for member in members:
        member.attended = sum(1 for came in present.values() if member.participant_id in came)
    current = _by_name_of_member(m for m in members if m.left_on is None)
    former = _by_name_of_member(m for m in members if m.left_on is not None)
    return render(
        request,
        "dropin/groups/detail.html",
        {
            "group": group,
            "facilitators": facilitators,
            "is_facilitator": facilitator,
            "runs_membership": _runs_membership(request.user, facilitators),
            "members": current,
            "former_members": former,
            "sessions": list(reversed(sessions)),
            "held": len(sessions),
        },
    )


def _by_name_of_member(members):
    return sorted(members, key=lambda member: (member.participant.known_as or "").casefold())


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*PEER_GROUP_ROLES)
def peer_group_member_new(request, pk):
    """Enrol a member, found by her known-as name; a warning when she has had no individual
    support yet, which the team may confirm."""
    group = _group_for(request, pk)
    if not _runs_membership(request.user, _facilitators_of(group)):
        raise PermissionDenied
    if group.closed_on is not None:
        messages.warning(request, _("This group is closed: no one can join it now."))
        return redirect("peer_group_detail", pk=group.pk)
    source = request.POST if request.method == "POST" else request.GET
    finding = request.method != "POST" or "find" in request.POST
    if finding:
        kept = {"enrolled_on": source.get("enrolled_on") or timezone.localdate()}
        form = MemberEnrolForm(initial=kept, group=group)
    else:
        form = MemberEnrolForm(request.POST, group=group)
    confirm_needed = bool(source.get("without_individual_support"))
    if not finding and form.is_valid():
        data = form.cleaned_data
        try:
            peer_group_member_enrol(
                actor=request.user,
                group=group,
                participant=data["participant"],
                on=data["enrolled_on"],
                without_individual_support=data["without_individual_support"],
            )
        except NoIndividualSupport:
            confirm_needed = True
            form.add_error(
                "without_individual_support",
                _(
                    "She has had no individual support yet (no appointment that took place, "
                    "no note in her file, no key worker). Members usually join after a time "
                    "of individual support. Tick this box to enrol her all the same."
                ),
            )
        except AlreadyMember:
            form.add_error("participant", _("She is already a member of this group."))
        except GroupClosed:
            messages.warning(request, _("This group is closed: no one can join it now."))
            return redirect("peer_group_detail", pk=group.pk)
        else:
            messages.success(request, _("She is enrolled in the group."))
            return redirect(reverse("peer_group_detail", args=[group.pk]) + "#members")
    chosen = _ids([source.get("participant", "")])
    current_members = PeerGroupMember.objects.filter(group=group, left_on__isnull=True).values(
        "participant_id"
    )
    people = _people_choices(
        _typed(request.POST) if request.method == "POST" else "",
        chosen,
        field="participant",
        exclude=current_members,
        with_support=True,
    )
    return render(
        request,
        "dropin/groups/member_new.html",
        {"group": group, "form": form, "people": people, "confirm_needed": confirm_needed},
    )


@require_POST
@role_required(*PEER_GROUP_ROLES)
def peer_group_member_leave(request, pk, member_pk):
    group = _group_for(request, pk)
    member = get_object_or_404(PeerGroupMember.objects.filter(group=group), pk=member_pk)
    if not _runs_membership(request.user, _facilitators_of(group)):
        raise PermissionDenied
    if member_leave(actor=request.user, member=member):
        messages.success(request, _("She has left the group. Her attendance stays recorded."))
    else:
        messages.info(request, _("She had already left the group."))
    return redirect(reverse("peer_group_detail", args=[group.pk]) + "#members")


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*PEER_GROUP_ROLES)
def peer_group_session_new(request, pk):
    """Record a session: who came, and the facilitators' notes. Facilitators only."""
    group = _group_for(request, pk)
    if not _facilitates(request.user, _facilitators_of(group)):
        raise PermissionDenied
    if group.closed_on is not None:
        messages.warning(request, _("This group is closed: no new session can be recorded."))
        return redirect("peer_group_detail", pk=group.pk)
    if request.method == "POST":
        form = PeerGroupSessionForm(request.POST, group=group)
    else:
        form = PeerGroupSessionForm(initial={"date": timezone.localdate()}, group=group)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            peer_group_session_record(
                actor=request.user,
                group=group,
                date=data["date"],
                attendees=data["attendees"],
                facilitator_notes=data["facilitator_notes"],
            )
        except NotAMember:
            form.add_error("attendees", _("Someone ticked has left the group meanwhile."))
        except GroupClosed:
            messages.warning(request, _("This group is closed: no new session can be recorded."))
            return redirect("peer_group_detail", pk=group.pk)
        else:
            messages.success(request, _("The session is recorded."))
            return redirect(reverse("peer_group_detail", args=[group.pk]) + "#sessions")
    held = group.sessions.count()
    return render(
        request,
        "dropin/groups/session_new.html",
        {"group": group, "form": form, "number": held + 1},
    )


@require_POST
@role_required(*PEER_GROUP_ROLES)
def peer_group_close(request, pk):
    group = _group_for(request, pk)
    if not _runs_membership(request.user, _facilitators_of(group)):
        raise PermissionDenied
    if group_close(actor=request.user, group=group):
        messages.success(request, _("The group is closed. Its sessions and attendance stay."))
    else:
        messages.info(request, _("The group was already closed."))
    return redirect("peer_group_detail", pk=group.pk)
