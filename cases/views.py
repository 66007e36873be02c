from datetime import date, timedelta
from urllib.parse import urlencode

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from django_countries.fields import Country

from cases.forms import (
    DOCUMENT_EXTENSIONS,
    DOCUMENT_LABELS,
    INTAKE_FIELDS,
    AppointmentForm,
    AppointmentStatusForm,
    AssignmentForm,
    BreakGlassForm,
    CaseNoteFilterForm,
    CaseNoteForm,
    CloseFileForm,
    ConsentForm,
    DocumentForm,
    IntakeDuplicateForm,
    MergeForm,
    NeedsAssessmentForm,
    ParticipantForm,
    ParticipantInviteForm,
    PartnerForm,
    PathwayForm,
    ReferralForm,
    ReferralUpdateForm,
    SearchForm,
)
from cases.models import (
    Assignment,
    BreakGlassGrant,
    CaseNote,
    Consent,
    DomainNeed,
    Participant,
    Partner,
    Referral,
    RightsDomain,
)
from cases.querysets import CaseNoteQuerySet
from cases.scoping import file_for_section, file_view_record
from cases.services import (
    AppointmentNotPlanned,
    ConsentMissing,
    FileAlreadyClosed,
    InactivePartner,
    MergeRefused,
    StaleEdit,
    appointment_plan,
    appointment_status_set,
    assignment_begin,
    assignment_end,
    break_glass_open,
    break_glass_review,
    case_note_write,
    consent_record,
    consent_withdraw,
    document_add,
    document_content,
    document_remove,
    merge_plan,
    needs_assess,
    participant_close,
    participant_invite,
    participant_merge,
    participant_open,
    participant_reopen,
    participant_update,
    partner_create,
    partner_update,
    pathway_record,
    referral_create,
    referral_update,
)
from lifeplans.views import _lifeplan_section
from safespace.access import (
    PARTICIPANT_SECTIONS,
    can_break_glass,
    can_edit_details,
    can_invite_participant,
    can_manage_partners,
    can_merge_files,
    can_open_files,
    can_override_consent,
    can_read_partners,
    participant_readable_fields,
    participant_writable_fields,
    role_required,
)
from safespace.audit import audit_record
from safespace.roles import STAFF_ROLES, Role, role_of
from safespace.uploads import upload_in_memory
from safespace.views import invitation_page
from shelters.sections import _housing_section


@require_safe
@role_required(*STAFF_ROLES)
def participant_detail(request, pk):
    """Her file, as far as the reader's role allows; out of scope is 404."""
    participant = get_object_or_404(
        Participant.objects.visible_to(request.user).for_reader(request.user), pk=pk
    )
    readable = participant_readable_fields(request.user)
    writable = participant_writable_fields(request.user)
    live_grant = file_view_record(request, participant, "summary")
    context = {
        "participant": participant,
        "readable": readable,
        "via_break_glass": live_grant,
        "hours": settings.SAFESPACE_BREAK_GLASS_HOURS,
        "can_invite": can_invite_participant(request.user, participant),
        "can_edit": can_edit_details(request.user),
        "sections": _sections(participant, readable),
        # her rights (issue 10): erasure and legal hold are a coordinator's
        "manages_her_data": role_of(request.user) == Role.COORDINATOR,
    }
    # each section of her case work adds what it shows, or None when the reader may not see it
    for name, builder in FILE_SECTION_BUILDERS.items():
        context[name] = (
            builder(request, participant, writable=name in writable) if name in readable else None
        )
    return render(request, "cases/participant_detail.html", context)


# --- Sections of the file page ------------------------------------------------------------
# One builder per section of her case work (safespace.access.CASE_WORK_SECTIONS). Each is
# called only when the reader may see the section, issues a fixed number of queries
# whatever the number of rows, and returns the dict its template include reads.


def _pathway_section(request, participant, *, writable):
    return {
        "entries": participant.pathway_entries.order_by("-since", "-recorded_at"),
        "form": PathwayForm() if writable else None,
    }


def _needs_section(request, participant, *, writable):
    return {"rows": needs_latest(participant), "writable": writable}


def _case_notes_section(request, participant, *, writable):
    return case_notes_overview(request.user, participant) | {"writable": writable}


def _appointments_section(request, participant, *, writable):
    return appointments_overview(participant) | {"writable": writable}


def _referrals_section(request, participant, *, writable):
    return {
        # the override reason is shown on the referral's own page only
        "referrals": list(
            participant.referrals.select_related("partner")
            .defer("override_reason")
            .order_by("-created_at")
        ),
        "writable": writable,
    }


def _consents_section(request, participant, *, writable):
    """Per purpose her current answer (one line per partner for sharing), then the history."""
    today = timezone.localdate()
    history = list(
        participant.consents.select_related("partner", "recorded_by", "withdrawn_by").order_by(
            "-given_on", "-recorded_at", "-pk"
        )
    )
    latest = {}  # (purpose, partner id) -> her latest consent that had started by today
    for consent in history:
        if consent.given_on <= today:
            latest.setdefault((consent.purpose, consent.partner_id), consent)
    purposes = []
    for purpose, label in Consent.Purpose.choices:
        if purpose == Consent.Purpose.SHARE_PARTNER:
            shared = sorted(
                (consent for (p, _pk), consent in latest.items() if p == purpose),
                key=lambda consent: consent.partner.name.casefold(),
            )
            lines = [
                {**_consent_line(consent, today), "partner": consent.partner} for consent in shared
            ]
        else:
            lines = [_consent_line(latest.get((purpose, None)), today)]
        purposes.append({"purpose": purpose, "label": label, "lines": lines})
    ending_soon = [line for entry in purposes for line in entry["lines"] if line.get("ending_soon")]
    return {
        "purposes": purposes,
        "ending_soon": ending_soon,
        "history": history,
        "writable": writable,
    }


def _documents_section(request, participant, *, writable):
    # one query whatever the number of documents; their content is never loaded here
    documents = (
        participant.documents.select_related("uploaded_by")
        .only(
            "pk",
            "participant_id",
            "title",
            "kind",
            "content_type",
            "size",
            "uploaded_at",
            "uploaded_by__id",
            "uploaded_by__username",
        )
        .order_by("-uploaded_at", "-pk")
    )
    return {
        "rows": [
            {"document": document, "format": DOCUMENT_LABELS.get(document.content_type, "")}
            for document in documents
        ],
        "writable": writable,
    }


FILE_SECTION_BUILDERS = {
    "pathway": _pathway_section,
    "needs": _needs_section,
    "case_notes": _case_notes_section,
    "appointments": _appointments_section,
    "referrals": _referrals_section,
    "consents": _consents_section,
    "documents": _documents_section,
    "lifeplan": _lifeplan_section,
    "housing": _housing_section,
}


@require_POST
@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_pathway(request, pk):
    """Add where she stands now; her earlier statuses stay as they were."""
    participant = file_for_section(request, pk, "pathway", write=True)
    form = PathwayForm(request.POST)
    if form.is_valid():
        pathway_record(
            actor=request.user,
            participant=participant,
            status=form.cleaned_data["status"],
            since=form.cleaned_data["since"],
        )
        messages.success(request, _("Her pathway is updated."))
        return redirect("participant_detail", pk=participant.pk)
    return render(
        request, "cases/pathway_form.html", {"participant": participant, "pathway_form": form}
    )


SECTION_TITLES = {
    "identity": gettext_lazy("Identity"),
    "contact": gettext_lazy("Contact"),
    "situation": gettext_lazy("Situation"),
}
WITHHELD = {
    "identity": gettext_lazy("Only her key worker can see her legal identity."),
    "contact": gettext_lazy("Only her key worker can see contact details."),
    "situation": gettext_lazy("Only her key worker can see her situation."),
}


def _sections(participant, readable):
    """What the page shows, section by section: the readable fields, or why there are none."""
    shown = []
    for key, names in PARTICIPANT_SECTIONS.items():
        if key == "notes":
            continue
        rows = [
            {
                "name": name,
                "label": Participant._meta.get_field(name).verbose_name,
                "value": _display(participant, name),
                # contact details are revealed on purpose, one at a time (and recorded)
                "hidden": key == "contact" and getattr(participant, name) not in ("", None),
            }
            for name in names
            if name in readable
        ]
        shown.append({"title": SECTION_TITLES[key], "rows": rows, "withheld": WITHHELD[key]})
    return shown


@require_POST
@role_required(*STAFF_ROLES)
def participant_reveal(request, pk, field):
    """One contact detail, shown because someone asked for it; the asking is recorded."""
    if field not in PARTICIPANT_SECTIONS["contact"]:
        raise Http404
    participant = get_object_or_404(
        Participant.objects.visible_to(request.user).only("pk", field), pk=pk
    )
    if field not in participant_readable_fields(request.user):
        raise PermissionDenied
    audit_record(
        action="participant.contact_revealed",
        actor=request.user,
        target=participant,
        participant_id=participant.pk,
        payload={"fields": [field]},
    )
    context = {
        "participant": participant,
        "label": Participant._meta.get_field(field).verbose_name,
        "value": _display(participant, field),
    }
    template = "cases/participant_reveal.html"
    if request.htmx:
        template += "#value"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store, private"
    return response


def _display(participant, name):
    value = getattr(participant, name)
    if isinstance(value, Country):
        # its name in the reader's language, straight from the code: get_..._display would
        # first normalise the 250 choices on every call (2 ms of the case page)
        value = value.name
    else:
        getter = getattr(participant, f"get_{name}_display", None)
        value = getter() if getter else value
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")  # in the reader's language
    return value if value not in ("", None) else "—"


@role_required(Role.SOCIAL_WORKER)
def participant_new(request):
    """Intake: only what is needed today; everything else can come later."""
    if not can_open_files(request.user):
        raise PermissionDenied
    form = ParticipantForm(request.POST or None, allowed=INTAKE_FIELDS, only=INTAKE_FIELDS)
    confirm = IntakeDuplicateForm(request.POST or None)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        # a file we may already have: warn once, unless she said it is someone else
        if not (confirm.is_valid() and confirm.cleaned_data["someone_else"]):
            duplicates = _possible_duplicates(request.user, form.cleaned_data)
        if not duplicates:
            participant = participant_open(actor=request.user, data=form.cleaned_data)
            messages.success(request, _("Her file is open. You are her key worker."))
            return redirect("participant_detail", pk=participant.pk)
    return render(
        request,
        "cases/participant_form.html",
        {"form": form, "participant": None, "duplicates": duplicates, "confirm_form": confirm},
    )


@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_edit(request, pk):
    participant = get_object_or_404(Participant.objects.visible_to(request.user), pk=pk)
    allowed = participant_writable_fields(request.user)
    if not can_edit_details(request.user):
        raise PermissionDenied
    form = ParticipantForm(request.POST or None, instance=participant, allowed=allowed)
    version = request.POST.get("version", participant.version)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields}
        try:
            participant_update(
                actor=request.user, participant=participant, version=int(version), changes=changes
            )
        except (StaleEdit, ValueError):
            form.add_error(
                None,
                _(
                    "Someone else changed her file while you were editing. Your text is "
                    "still here: check her file in another tab, then save again."
                ),
            )
            version = Participant.objects.values_list("version", flat=True).get(pk=participant.pk)
        else:
            messages.success(request, _("Saved."))
            return redirect("participant_detail", pk=participant.pk)
    return render(
        request,
        "cases/participant_form.html",
        {"form": form, "participant": participant, "version": version},
    )


@role_required(Role.COORDINATOR, Role.SOCIAL_WORKER)
def participant_invite_view(request, pk):
    """Her key worker hands her a code to her own space (creating her account the first time)."""
    participant = get_object_or_404(Participant.objects.visible_to(request.user), pk=pk)
    if not can_invite_participant(request.user, participant):
        raise PermissionDenied
    needs_account = participant.account is None
    form = ParticipantInviteForm(request.POST or None) if needs_account else None
    if request.method == "POST" and (form is None or form.is_valid()):
        account, code = participant_invite(
            actor=request.user,
            participant=participant,
            username=form.cleaned_data["username"] if form else "",
        )
        return invitation_page(request, account, code, back=participant)
    return render(
        request,
        "cases/participant_invite.html",
        {"participant": participant, "form": form, "needs_account": needs_account},
    )


@reauthentication_required
def break_glass(request):
    """Open a file outside one's scope: a written reason, re-authentication, a time limit."""
    if not request.user.is_authenticated or role_of(request.user) not in STAFF_ROLES:
        raise Http404
    if not can_break_glass(request.user):
        raise PermissionDenied
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        participant = Participant.objects.filter(
            reference=form.cleaned_data["reference"], merged_into__isnull=True
        ).first()
        if participant is None:
            form.add_error("reference", _("No file has this reference. Check it and try again."))
        else:
            break_glass_open(
                user=request.user, participant=participant, reason=form.cleaned_data["reason"]
            )
            messages.warning(
                request,
                _("You opened this file outside your caseload. Coordinators will review it."),
            )
            return redirect("participant_detail", pk=participant.pk)
    return render(
        request,
        "cases/break_glass.html",
        {"form": form, "hours": settings.SAFESPACE_BREAK_GLASS_HOURS},
    )


@require_safe
@role_required(Role.COORDINATOR)
def break_glass_list(request):
    grants = BreakGlassGrant.objects.select_related("user", "participant", "reviewed_by")
    if request.GET.get("show") != "all":
        grants = grants.filter(reviewed_at__isnull=True)
    page = Paginator(grants, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/break_glass_list.html",
        {"page": page, "show_all": request.GET.get("show") == "all"},
    )


@require_POST
@role_required(Role.COORDINATOR)
def break_glass_mark_reviewed(request, pk):
    grant = get_object_or_404(BreakGlassGrant, pk=pk, reviewed_at__isnull=True)
    break_glass_review(reviewer=request.user, grant=grant)
    messages.success(request, _("Marked as reviewed."))
    return redirect("break_glass_list")


# --- Assignments: administrative, so coordinators see references, never file content ---


@require_safe
@role_required(Role.COORDINATOR)
def assignment_list(request):
    query = request.GET.get("q", "").strip().upper()[:20]
    open_assignments = Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(ended_at__isnull=True).select_related("worker"),
        to_attr="open_assignments",
    )
    # only the reference is read: no decryption of anyone's name here
    participants = Participant.objects.only("pk", "reference").prefetch_related(open_assignments)
    if query:
        participants = participants.filter(reference__contains=query)
    page = Paginator(participants.order_by("reference"), 50).get_page(request.GET.get("page"))
    filters = urlencode({"q": query}) if query else ""
    return render(
        request,
        "cases/assignment_list.html",
        {"page": page, "query": query, "filters": filters},
    )


@role_required(Role.COORDINATOR)
def participant_assignments(request, pk):
    participant = get_object_or_404(Participant.objects.only("pk", "reference"), pk=pk)
    form = AssignmentForm(request.POST or None, participant=participant)
    if request.method == "POST" and form.is_valid():
        assignment_begin(
            actor=request.user,
            participant=participant,
            worker=form.cleaned_data["worker"],
            kind=form.cleaned_data["kind"],
        )
        messages.success(request, _("Assigned. She or he can open the file from now on."))
        return redirect("participant_assignments", pk=participant.pk)
    current = participant.assignments.filter(ended_at__isnull=True).select_related("worker")
    return render(
        request,
        "cases/participant_assignments.html",
        {"participant": participant, "form": form, "current": current},
    )


@require_POST
@role_required(Role.COORDINATOR)
def assignment_end_view(request, pk):
    assignment = get_object_or_404(Assignment, pk=pk, ended_at__isnull=True)
    assignment_end(actor=request.user, assignment=assignment)
    messages.success(request, _("The assignment has ended. The file is closed to her or him now."))
    return redirect("participant_assignments", pk=assignment.participant_id)


@role_required(*STAFF_ROLES)
def participant_search(request):
    """Find a person among the files one may open. POST, so names stay out of URLs and history."""
    form = SearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        results = list(
            Participant.objects.visible_to(request.user)
            .search(form.cleaned_data["q"])
            .for_list()
            .order_by("reference")[:SEARCH_LIMIT]
        )
    template = "cases/search.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"form": form, "results": results, "limit": SEARCH_LIMIT})


SEARCH_LIMIT = 20


# --- Needs assessments ---


NEEDS_HISTORY_PER_PAGE = 6
CHANGE_BETTER, CHANGE_SAME, CHANGE_WORSE = "better", "same", "worse"


def needs_latest(participant):
    """Per rights domain: her latest level, the one before it and the change (one query)."""
    ranked = (
        DomainNeed.objects.filter(assessment__participant=participant)
        .select_related("assessment")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("domain")],
                order_by=[
                    F("assessment__assessed_on").desc(),
                    F("assessment__recorded_at").desc(),
                    F("assessment_id").desc(),
                ],
            )
        )
        .filter(rank__lte=2)
    )
    by_domain = {}
    for need in ranked:
        by_domain.setdefault(need.domain, {})[need.rank] = need
    rows = []
    for domain in RightsDomain:
        latest = by_domain.get(domain.value, {}).get(1)
        previous = by_domain.get(domain.value, {}).get(2)
        change = None
        if latest and previous:
            # a lower level of need is better
            if latest.level < previous.level:
                change = CHANGE_BETTER
            elif latest.level == previous.level:
                change = CHANGE_SAME
            else:
                change = CHANGE_WORSE
        rows.append(
            {"domain": domain.label, "latest": latest, "previous": previous, "change": change}
        )
    return rows


@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_needs_new(request, pk):
    """A new assessment of her needs; the earlier ones stay as they were."""
    participant = file_for_section(request, pk, "needs", write=True)
    form = NeedsAssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        needs_assess(
            actor=request.user,
            participant=participant,
            assessed_on=form.cleaned_data["assessed_on"],
            levels=form.levels(),
        )
        messages.success(request, _("Her needs assessment is saved."))
        return redirect(reverse("participant_detail", args=[participant.pk]) + "#needs")
    return render(request, "cases/needs_form.html", {"participant": participant, "form": form})


@require_safe
@role_required(*STAFF_ROLES)
def participant_needs_history(request, pk):
    """Her assessments side by side: domains down, dates across, the newest first."""
    participant = file_for_section(request, pk, "needs")
    assessments = participant.needs_assessments.prefetch_related("domains").order_by(
        "-assessed_on", "-recorded_at", "-pk"
    )
    page = Paginator(assessments, NEEDS_HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    columns = list(page.object_list)
    levels = [{need.domain: need for need in column.domains.all()} for column in columns]
    grid = [
        {"domain": domain.label, "cells": [found.get(domain.value) for found in levels]}
        for domain in RightsDomain
    ]
    file_view_record(request, participant, "needs")
    return render(
        request,
        "cases/needs_history.html",
        {"participant": participant, "page": page, "columns": columns, "grid": grid},
    )


# --- Case notes ---


NOTES_ON_FILE_PAGE = 10
NOTES_PER_PAGE = 25


def case_notes_overview(user, participant):
    """The latest notes she may read and how many others exist (two queries, any number)."""
    # the condition of CaseNote.objects.readable_by, built once for both queries
    readable = CaseNoteQuerySet.readable_condition(user, participant)
    hers = CaseNote.objects.filter(participant=participant)
    latest = list(hers.filter(readable).select_related("author")[:NOTES_ON_FILE_PAGE])
    counts = hers.aggregate(total=Count("pk"), readable=Count("pk", filter=readable))
    return {
        "notes": latest,
        "readable_count": counts["readable"],
        "more_count": max(counts["readable"] - len(latest), 0),
        "restricted_count": counts["total"] - counts["readable"],
    }


@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_note_new(request, pk):
    """Write a note. Notes are never edited: a correction is a new note."""
    participant = file_for_section(request, pk, "case_notes", write=True)
    form = CaseNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case_note_write(actor=request.user, participant=participant, **form.cleaned_data)
        messages.success(request, _("Your note is saved."))
        return redirect(reverse("participant_detail", args=[participant.pk]) + "#case-notes")
    return render(request, "cases/note_form.html", {"participant": participant, "form": form})


@require_safe
@role_required(*STAFF_ROLES)
def participant_notes(request, pk):
    """All the notes of her file this reader may read, newest first, 25 a page."""
    participant = file_for_section(request, pk, "case_notes")
    notes = CaseNote.objects.readable_by(request.user, participant).select_related("author")
    filter_form = CaseNoteFilterForm(request.GET or None)
    kind = ""
    if filter_form.is_valid():
        kind = filter_form.cleaned_data["kind"]
    if kind:
        notes = notes.filter(kind=kind)
    page = Paginator(notes, NOTES_PER_PAGE).get_page(request.GET.get("page"))
    restricted = (
        CaseNote.objects.filter(participant=participant)
        .exclude(pk__in=CaseNote.objects.readable_by(request.user, participant).values("pk"))
        .count()
    )
    file_view_record(request, participant, "case_notes")
    return render(
        request,
        "cases/notes_list.html",
        {
            "participant": participant,
            "page": page,
            "filter_form": filter_form,
            "filters": urlencode({"kind": kind}) if kind else "",
            "restricted_count": restricted,
        },
    )


# --- Appointments ---

UPCOMING_LIMIT = 20
PAST_LIMIT = 5


def appointments_overview(participant):
    """Her appointments to come and the last five past ones (two queries, any number)."""
    now = timezone.now()
    base = participant.appointments.select_related("worker")
    return {
        "upcoming": list(base.filter(starts_at__gte=now).order_by("starts_at")[:UPCOMING_LIMIT]),
        "past": list(base.filter(starts_at__lt=now).order_by("-starts_at")[:PAST_LIMIT]),
        "closing": AppointmentStatusForm().fields["status"].choices,
    }


@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_appointment_new(request, pk):
    """Plan an appointment with a worker assigned to her (yourself by default)."""
    participant = file_for_section(request, pk, "appointments", write=True)
    form = AppointmentForm(request.POST or None, participant=participant, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            appointment_plan(actor=request.user, participant=participant, **form.cleaned_data)
        except ValueError:  # the worker's assignment ended while the form was open
            form.add_error("worker", _("This worker is no longer assigned to her."))
        else:
            messages.success(request, _("The appointment is planned."))
            return redirect(reverse("participant_detail", args=[participant.pk]) + "#appointments")
    return render(
        request, "cases/appointment_form.html", {"participant": participant, "form": form}
    )


@require_POST
@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_appointment_status(request, pk, appointment_pk):
    """Say how a planned appointment went: took place, missed or cancelled."""
    participant = file_for_section(request, pk, "appointments", write=True)
    appointment = get_object_or_404(participant.appointments, pk=appointment_pk)
    form = AppointmentStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the appointment went."))
    else:
        try:
            appointment_status_set(
                actor=request.user, appointment=appointment, status=form.cleaned_data["status"]
            )
        except AppointmentNotPlanned:
            messages.warning(
                request, _("This appointment's status was already set. Nothing was changed.")
            )
        else:
            messages.success(request, _("The appointment is updated."))
    return redirect(reverse("participant_detail", args=[participant.pk]) + "#appointments")


# --- Documents ---
# Documents live encrypted in the database and leave only through document_download, which
# checks her scope and the "documents" section; there is no MEDIA_URL to reach them by.


def _documents_anchor(participant):
    return reverse("participant_detail", args=[participant.pk]) + "#documents"


@upload_in_memory
@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def document_new(request, pk):
    """Add a document to her file: a PDF, or a photo cleaned of its metadata."""
    participant = file_for_section(request, pk, "documents", write=True)
    posted = request.method == "POST"
    form = DocumentForm(request.POST, request.FILES) if posted else DocumentForm()
    if posted and form.is_valid():
        document_add(
            actor=request.user,
            participant=participant,
            title=form.cleaned_data["title"],
            kind=form.cleaned_data["kind"],
            content_type=form.cleaned_data["content_type"],
            content=form.cleaned_data["content"],
        )
        messages.success(request, _("The document is in her file."))
        return redirect(_documents_anchor(participant))
    return render(request, "cases/document_form.html", {"participant": participant, "form": form})


@require_safe
@role_required(*STAFF_ROLES)
def document_download(request, pk, document_pk):
    """The document's bytes, as an attachment with a neutral name, never cached."""
    participant = file_for_section(request, pk, "documents", write=False)
    document = get_object_or_404(
        participant.documents.only("pk", "participant_id", "kind", "content_type"),
        pk=document_pk,
    )
    data = document_content(document)
    audit_record(
        action="document.downloaded",
        actor=request.user,
        target=document,
        participant_id=participant.pk,
        payload={"kind": document.kind, "format": document.content_type.rsplit("/", 1)[-1]},
    )
    extension = DOCUMENT_EXTENSIONS.get(document.content_type, "bin")
    response = HttpResponse(data, content_type=document.content_type)
    # never her name or the title: the name shows in downloads lists and on shared computers
    response["Content-Disposition"] = f'attachment; filename="document-{document.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def document_remove_view(request, pk, document_pk):
    """Remove a document from her file, after a confirmation page."""
    participant = file_for_section(request, pk, "documents", write=True)
    document = get_object_or_404(
        participant.documents.select_related("uploaded_by").defer("uploaded_by__password"),
        pk=document_pk,
    )
    if request.method == "POST":
        if document_remove(actor=request.user, document=document):
            messages.success(request, _("The document is removed from her file."))
        return redirect(_documents_anchor(participant))
    return render(
        request,
        "cases/document_remove.html",
        {
            "participant": participant,
            "document": document,
            "format": DOCUMENT_LABELS.get(document.content_type, ""),
        },
    )


# --- Duplicates, merging, closing and reopening ---


DUPLICATES_SHOWN = 10


def _possible_duplicates(user, data) -> dict | None:
    """Files with one of the typed names and the same birth year, split by whether the
    worker may open them; for the others, only their reference. None when there are none."""
    born = data.get("date_of_birth")
    found = list(
        Participant.objects.possible_duplicates(
            known_as=data.get("known_as", ""),
            legal_name=data.get("legal_name", ""),
            birth_year=data.get("birth_year") or (born.year if born else None),
        )
        .only("pk", "reference")
        .order_by("reference")[:DUPLICATES_SHOWN]
    )
    if not found:
        return None
    visible = {
        p.pk: p
        for p in Participant.objects.visible_to(user)
        .filter(pk__in=[p.pk for p in found])
        .for_list()
    }
    audit_record(action="participant.duplicate_warned", actor=user, payload={"count": len(found)})
    return {
        "in_scope": [visible[p.pk] for p in found if p.pk in visible],
        "out_of_scope": [p.reference for p in found if p.pk not in visible],
    }


@role_required(Role.COORDINATOR)
@reauthentication_required
def participant_merge_view(request):
    """Merge a duplicate file into the file kept: two references, then a confirmation that
    shows only counts of what will move, never what the files hold."""
    if not can_merge_files(request.user):
        raise PermissionDenied
    form = MergeForm(request.POST or None)
    plan = None
    if request.method == "POST" and form.is_valid():
        keep, merged = form.cleaned_data["keep"], form.cleaned_data["merged"]
        if request.POST.get("confirm") == "yes":
            try:
                participant_merge(actor=request.user, keep=keep, merged=merged)
            except MergeRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(
                    request,
                    _("%(merged)s is merged into %(keep)s.")
                    % {"merged": merged.reference, "keep": keep.reference},
                )
                return redirect("participant_merge")
        else:
            plan = merge_plan(
                keep=Participant.objects.get(pk=keep.pk),
                merged=Participant.objects.get(pk=merged.pk),
            )
            plan["moves"] = {label: count for label, count in plan["moves"].items() if count}
            plan["account_moves"] = bool(merged.account_id)
    return render(request, "cases/participant_merge.html", {"form": form, "plan": plan})


def _writable_file(request, pk):
    participant = get_object_or_404(
        Participant.objects.visible_to(request.user).only(
            "pk", "reference", "opened_on", "closed_on", "closing_reason", "merged_into"
        ),
        pk=pk,
    )
    if not can_edit_details(request.user):
        raise PermissionDenied
    return participant


@require_POST
@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_close_view(request, pk):
    """Close her file with a reason and a date; it stays readable and can be reopened."""
    participant = _writable_file(request, pk)
    if participant.closed_on is not None:
        messages.info(request, _("Her file was already closed."))
        return redirect("participant_detail", pk=participant.pk)
    form = CloseFileForm(request.POST, participant=participant)
    if form.is_valid():
        try:
            participant_close(
                actor=request.user,
                participant=participant,
                reason=form.cleaned_data["closing_reason"],
                closed_on=form.cleaned_data["closed_on"],
            )
        except FileAlreadyClosed:
            messages.info(request, _("Her file was already closed."))
        else:
            messages.success(request, _("Her file is closed. You can reopen it at any time."))
        return redirect("participant_detail", pk=participant.pk)
    return render(
        request, "cases/participant_close.html", {"participant": participant, "close_form": form}
    )


@require_POST
@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_reopen_view(request, pk):
    participant = _writable_file(request, pk)
    try:
        participant_reopen(actor=request.user, participant=participant)
    except FileAlreadyClosed:
        messages.info(request, _("Her file is open."))
    else:
        messages.success(request, _("Her file is open again."))
    return redirect("participant_detail", pk=participant.pk)


# --- Partners, consents and referrals ---


# a live consent ending within this many days is pointed out on her file
CONSENT_ENDING_SOON = timedelta(days=30)


@require_safe
@role_required(*STAFF_ROLES)
def partner_list(request):
    """The partner directory: organisations we refer to (never people supported)."""
    if not can_read_partners(request.user):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()[:100]
    partners = Partner.objects.order_by("-active", "name")
    if query:
        partners = partners.filter(name__icontains=query)
    page = Paginator(partners, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/partner_list.html",
        {
            "page": page,
            "query": query,
            "filters": urlencode({"q": query}) if query else "",
            "can_manage": can_manage_partners(request.user),
        },
    )


@role_required(*STAFF_ROLES)
def partner_new(request):
    if not can_manage_partners(request.user):
        raise PermissionDenied
    form = PartnerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        partner_create(actor=request.user, data=form.cleaned_data)
        messages.success(request, _("The partner is in the directory."))
        return redirect("partner_list")
    return render(request, "cases/partner_form.html", {"form": form, "partner": None})


@role_required(*STAFF_ROLES)
def partner_edit(request, partner_pk):
    if not can_manage_partners(request.user):
        raise PermissionDenied
    partner = get_object_or_404(Partner, pk=partner_pk)
    form = PartnerForm(request.POST if request.method == "POST" else None, instance=partner)
    if request.method == "POST" and form.is_valid():
        partner_update(actor=request.user, partner=partner, changes=form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("partner_list")
    # the page keeps the saved name as its title, whatever was typed
    saved_name = Partner.objects.values_list("name", flat=True).get(pk=partner.pk)
    return render(
        request,
        "cases/partner_form.html",
        {"form": form, "partner": partner, "saved_name": saved_name},
    )


def _consent_line(consent, today):
    """Her current answer for one purpose (and partner), from her latest consent to it."""
    if consent is None:
        return {"state": "none"}
    if consent.withdrawn_on is not None and consent.withdrawn_on <= today:
        return {"state": "withdrawn", "consent": consent}
    if consent.expires_on is not None and consent.expires_on <= today:
        return {"state": "ended", "consent": consent}
    ending_soon = consent.expires_on is not None and consent.expires_on - today <= (
        CONSENT_ENDING_SOON
    )
    return {"state": "live", "consent": consent, "ending_soon": ending_soon}


@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_consent_new(request, pk):
    """Record her answer for one purpose. Support never depends on it."""
    participant = file_for_section(request, pk, "consents", write=True)
    form = ConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sharing = data["purpose"] == Consent.Purpose.SHARE_PARTNER
        try:
            consent_record(
                actor=request.user,
                participant=participant,
                purpose=data["purpose"],
                method=data["method"],
                given_on=data["given_on"],
                expires_on=data["expires_on"],
                partner=data["partner"] if sharing else None,
            )
        except InactivePartner:
            form.add_error("partner", _("This partner is no longer active. Choose another."))
        else:
            messages.success(request, _("Her answer is recorded."))
            return redirect(_her_consents_url(participant))
    return render(request, "cases/consent_form.html", {"participant": participant, "form": form})


def _her_consents_url(participant):
    return reverse("participant_detail", args=[participant.pk]) + "#consents"


@require_POST
@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_consent_withdraw(request, pk, consent_pk):
    """She withdraws a consent: from today it no longer counts. Her support goes on."""
    participant = file_for_section(request, pk, "consents", write=True)
    consent = get_object_or_404(participant.consents, pk=consent_pk)
    consent_withdraw(actor=request.user, consent=consent)
    messages.success(request, _("Her consent is withdrawn from today. Her support goes on."))
    return redirect(_her_consents_url(participant))


CONSENT_MISSING = gettext_lazy(
    "She has not given her consent to share with this partner, or it has ended or been "
    "withdrawn. Ask her first; if she agrees, record her answer in the consents of her "
    "file, then come back."
)


@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_referral_new(request, pk):
    """Refer her to a partner, with her consent to share with that partner."""
    participant = file_for_section(request, pk, "referrals", write=True)
    can_override = can_override_consent(request.user)
    form = ReferralForm(
        request.POST if request.method == "POST" else None, can_override=can_override
    )
    consent_missing = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral_create(
                actor=request.user,
                participant=participant,
                partner=data["partner"],
                kind=data["kind"],
                override_reason=data.get("override_reason", ""),
            )
        except InactivePartner:
            form.add_error("partner", _("This partner is no longer active. Choose another."))
        except ConsentMissing:
            consent_missing = True
            message = CONSENT_MISSING
            if can_override:
                message = _(
                    "%(missing)s Or, if you decide to go ahead without it, write why below."
                ) % {"missing": CONSENT_MISSING}
            form.add_error("partner", message)
        else:
            messages.success(request, _("The referral is recorded."))
            return redirect(reverse("participant_detail", args=[participant.pk]) + "#referrals")
    return render(
        request,
        "cases/referral_form.html",
        {"participant": participant, "form": form, "consent_missing": consent_missing},
    )


@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_referral_edit(request, pk, referral_pk):
    """Follow a referral: its status and what came of it."""
    participant = file_for_section(request, pk, "referrals", write=True)
    referral = get_object_or_404(participant.referrals.select_related("partner"), pk=referral_pk)
    initial = {"status": referral.status, "outcome": referral.outcome}
    form = ReferralUpdateForm(request.POST if request.method == "POST" else None, initial=initial)
    version = request.POST.get("version", referral.version)
    if request.method == "POST" and form.is_valid():
        try:
            referral_update(
                actor=request.user,
                referral=referral,
                version=int(version),
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
            )
        except (StaleEdit, ValueError):
            form.add_error(
                None,
                _(
                    "Someone else changed this referral while you were editing. Your text is "
                    "still here: check her file in another tab, then save again."
                ),
            )
            version = Referral.objects.values_list("version", flat=True).get(pk=referral.pk)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("participant_detail", args=[participant.pk]) + "#referrals")
    return render(
        request,
        "cases/referral_edit.html",
        {"participant": participant, "referral": referral, "form": form, "version": version},
    )
