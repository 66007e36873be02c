"""The drop-in desk: opening sessions and logging visits in a few seconds.

Everyone who helps run a session (volunteers too) logs visits. A known visitor is found by
the first letters of her known-as name (Participant.objects.at_the_desk): the desk sees
that name and nothing else of her file. Typed letters travel in POST bodies, never in URLs.
"""

from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.models import Participant
from dropin.counting import visit_counts
from dropin.forms import ANONYMOUS, PresenceForm, SessionOpenForm, VisitForm
from dropin.models import OpeningSession, Presence, ServiceGiven, Visit
from dropin.services import (
    AlreadyLogged,
    SessionClosed,
    SessionTaken,
    VisitStaleEdit,
    presence_remove,
    presence_set,
    session_close,
    session_hours,
    session_open,
    visit_correct,
    visit_log,
    visit_remove,
)
from safespace.access import DESK_ROLES, can_manage_dropin, role_required

MATCHES_SHOWN = 8
RECENT_SESSIONS = 20


def _session_of(pk):
    return get_object_or_404(OpeningSession.objects.select_related("site"), pk=pk)


def _session_url(session, anchor=""):
    return reverse("dropin_session", args=[session.pk]) + anchor


@require_safe
@role_required(*DESK_ROLES)
def dropin_home(request):
    """Today's sessions (open ones first), recent ones, and the way to open one."""
    today = timezone.localdate()
    sessions = list(
        OpeningSession.objects.filter(date__gte=today - timedelta(days=14))
        .select_related("site")
        .annotate(visits_count=Count("visits"))
        .order_by("-date", "-opens_at")[:RECENT_SESSIONS]
    )
    return render(
        request,
        "dropin/home.html",
        {
            "today_sessions": [s for s in sessions if s.date == today],
            "recent_sessions": [s for s in sessions if s.date != today],
            "today": today,
            "open_form": SessionOpenForm(initial={"date": today}),
        },
    )


@role_required(*DESK_ROLES)
def dropin_session_new(request):
    """Open a session of a site: the person opening it is counted present for its hours."""
    form = SessionOpenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = session_open(
                actor=request.user,
                site=data["site"],
                date=data["date"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
            )
        except SessionTaken:
            form.add_error("opens_at", _("A session of this site already opens at this time."))
        else:
            messages.success(request, _("The session is open."))
            return redirect(_session_url(session))
    return render(request, "dropin/session_new.html", {"form": form})


# --- The desk: one session, its visits, and the form to log one ---


def _visits_of(session):
    """The session's visits, newest first, with their services and who logged
    them (three queries whatever their number). Of a known visitor, her known-as name only."""
    services = ServiceGiven.objects.select_related("service").order_by("service__position")
    found = list(
        session.visits.select_related("logged_by")
        .prefetch_related(
            Prefetch("participant", queryset=Participant.objects.only("pk", "known_as")),
            Prefetch("services_given", queryset=services),
        )
        .only(
            "pk",
            "session_id",
            "participant_id",
            "nationality",
            "age_band",
            "first_visit",
            "visitor_code",
            "children_count",
            "logged_at",
            "version",
            "logged_by__id",
            "logged_by__username",
            "logged_by__first_name",
        )
        .order_by("-logged_at", "-pk")
    )
    for visit in found:
        visit.service_labels = [given.service.label for given in visit.services_given.all()]
    return found


def _matches(typed):
    """Known visitors whose known-as name starts with what was typed (at most a few), by
    name: sorted here, as the database only holds her name encrypted."""
    if len((typed or "").strip()) < 2:
        return None
    found = Participant.objects.at_the_desk().desk_search(typed).order_by("pk")
    return sorted(found[:MATCHES_SHOWN], key=lambda person: (person.known_as or "").casefold())


def _desk_context(request, session, form, *, matches=None, full=True):
    """What the desk shows: the form, and for the whole page the session's visits."""
    context = {
        "session": session,
        "form": form,
        "matches": matches,
        "matches_limit": MATCHES_SHOWN,
        "ANONYMOUS": ANONYMOUS,
    }
    if full:
        context["visits"] = _visits_of(session)
        context["counts"] = visit_counts(session.visits.all())
    return context


@require_safe
@role_required(*DESK_ROLES)
def dropin_session(request, pk):
    """The reception view of a session: log a visit, see today's visits below."""
    session = _session_of(pk)
    return render(
        request, "dropin/session.html", _desk_context(request, session, VisitForm(prefix="v"))
    )


@require_POST
@role_required(*DESK_ROLES)
def dropin_people(request, pk):
    """The known visitors matching the typed letters (an htmx fragment of the desk form)."""
    session = _session_of(pk)
    form = VisitForm(request.POST, prefix="v")
    matches = _matches(request.POST.get("v-q", ""))
    if not request.htmx:  # the whole desk, with the matches and what was typed
        return render(
            request, "dropin/session.html", _desk_context(request, session, form, matches=matches)
        )
    return render(
        request,
        "dropin/session.html#who",
        _desk_context(request, session, form, matches=matches, full=False),
    )


@require_POST
@role_required(*DESK_ROLES)
def dropin_visit_new(request, pk):
    """Log a visit. With htmx the desk is sent back ready for the next one; without, the
    page is reloaded. Enter in the name box before anyone is chosen only searches."""
    session = _session_of(pk)
    form = VisitForm(request.POST, prefix="v")
    typed = request.POST.get("v-q", "").strip()
    desk = "dropin/session.html#desk" if request.htmx else "dropin/session.html"
    full = not request.htmx
    if not request.POST.get("v-who") and len(typed) >= 2:
        # Enter in the name box with no one chosen yet: show who matches (without JS too)
        context = _desk_context(request, session, form, matches=_matches(typed), full=full)
        return render(request, desk, context)
    if form.is_valid():
        if not form.cleaned_data["who"]:
            form.add_error("who", _("Choose who is visiting, or an anonymous visitor."))
        else:
            try:
                visit = visit_log(
                    actor=request.user,
                    session=session,
                    participant=form.participant,
                    **form.visit_data(),
                )
            except SessionClosed:
                form.add_error(None, _("This session is closed: visits can no longer be logged."))
            except (AlreadyLogged, IntegrityError):
                form.add_error(
                    "who",
                    _("Her visit is already logged in this session: correct it in the list."),
                )
            else:
                message = _visit_logged_message(form.participant)
                if not request.htmx:
                    messages.success(request, message)
                    return redirect(_session_url(session))
                # the desk comes back empty; the new visit and the counts are added in place
                context = _desk_context(request, session, VisitForm(prefix="v"), full=False)
                # the new row from what is known already: no need to read it back
                visit.participant = form.participant
                visit.logged_by = request.user
                visit.service_labels = [service.label for service in form.visit_data()["services"]]
                context |= {
                    "logged_message": message,
                    "visit": visit,
                    "counts": visit_counts(session.visits.all()),
                }
                return render(request, "dropin/visit_logged.html", context)
    context = _desk_context(request, session, form, matches=_matches(typed), full=full)
    return render(request, desk, context)


def _visit_logged_message(participant):
    if participant is None:
        return _("Visit of an anonymous visitor logged.")
    return _("Visit of %(name)s logged.") % {"name": participant.known_as}


def _visit_of(session, visit_pk):
    return get_object_or_404(
        Visit.objects.filter(session=session)
        .select_related("session")
        .prefetch_related(
            Prefetch("participant", queryset=Participant.objects.only("pk", "known_as"))
        ),
        pk=visit_pk,
    )


@role_required(*DESK_ROLES)
def dropin_visit_edit(request, pk, visit_pk):
    """Correct a visit while the session is open: services, children, anonymous details."""
    session = _session_of(pk)
    visit = _visit_of(session, visit_pk)
    participant = visit.participant
    initial = {
        "who": str(participant.pk) if participant else ANONYMOUS,
        "services": [given.service_id for given in visit.services_given.all()],
        "children_count": visit.children_count,
        "nationality": visit.nationality,
        "age_band": visit.age_band,
        "first_visit": {True: "yes", False: "no"}.get(visit.first_visit, ""),
    }
    posted = request.method == "POST"
    form = VisitForm(
        request.POST if posted else None,
        initial=initial,
        prefix="v",
        correcting=True,
        participant=participant,
    )
    version = request.POST.get("version", visit.version)
    if posted and form.is_valid():
        data = form.visit_data()
        if participant is None and not form.cleaned_data["visitor_code"]:
            data["visitor_code"] = None  # left empty: keep the code recorded
        try:
            visit_correct(actor=request.user, visit=visit, version=int(version), **data)
        except SessionClosed:
            form.add_error(None, _("This session is closed: its visits can no longer change."))
        except (VisitStaleEdit, ValueError):
            form.add_error(
                None,
                _("Someone else corrected this visit meanwhile. Check the list, then try again."),
            )
            version = Visit.objects.filter(pk=visit.pk).values_list("version", flat=True).first()
        else:
            messages.success(request, _("The visit is corrected."))
            return redirect(_session_url(session, "#visits"))
    return render(
        request,
        "dropin/visit_edit.html",
        {"session": session, "visit": visit, "form": form, "version": version},
    )


@role_required(*DESK_ROLES)
def dropin_visit_remove(request, pk, visit_pk):
    """Remove a visit logged by mistake, after a confirmation, while the session is open."""
    session = _session_of(pk)
    visit = _visit_of(session, visit_pk)
    if request.method == "POST":
        try:
            if visit_remove(actor=request.user, visit=visit):
                messages.success(request, _("The visit is removed."))
        except SessionClosed:
            messages.error(request, _("This session is closed: its visits can no longer change."))
        return redirect(_session_url(session, "#visits"))
    return render(request, "dropin/visit_remove.html", {"session": session, "visit": visit})


@require_POST
@role_required(*DESK_ROLES)
def dropin_session_close(request, pk):
    """Close the session: its visits become final."""
    session = _session_of(pk)
    if session_close(actor=request.user, session=session):
        messages.success(request, _("The session is closed. Thank you."))
    return redirect(_session_url(session))


# --- Who was there: staff and volunteers, and their hours ---


@role_required(*DESK_ROLES)
def dropin_presence(request, pk):
    """Who helped run the session, and for how long (volunteer hours are reported). Each
    person records her own hours; a coordinator can remove anyone's."""
    session = _session_of(pk)
    mine = Presence.objects.filter(session=session, person=request.user).first()
    posted = request.method == "POST"
    form = PresenceForm(
        request.POST if posted else None,
        initial={"hours": mine.hours if mine else session_hours(session)},
    )
    if posted and "remove" in request.POST:
        chosen = request.POST.get("remove", "")
        if not (chosen.isascii() and chosen.isdigit()):
            raise Http404
        presence = get_object_or_404(Presence.objects.filter(session=session), pk=int(chosen))
        if presence.person_id != request.user.pk and not can_manage_dropin(request.user):
            messages.error(request, _("Only a coordinator can remove someone else's hours."))
        else:
            presence_remove(actor=request.user, presence=presence)
            messages.success(request, _("Removed."))
        return redirect(reverse("dropin_presence", args=[session.pk]))
    if posted and form.is_valid():
        presence_set(
            actor=request.user,
            session=session,
            person=request.user,
            hours=form.cleaned_data["hours"],
        )
        messages.success(request, _("Your hours are saved."))
        return redirect(reverse("dropin_presence", args=[session.pk]))
    presences = list(
        Presence.objects.filter(session=session)
        .select_related("person")
        .only("pk", "hours", "person__id", "person__username", "person__first_name")
        .order_by("person__username")
    )
    return render(
        request,
        "dropin/presence.html",
        {
            "session": session,
            "form": form,
            "presences": presences,
            "mine": mine,
            "can_manage": can_manage_dropin(request.user),
        },
    )
