from urllib.parse import urlencode

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from cases.forms import (
    INTAKE_FIELDS,
    AssignmentForm,
    BreakGlassForm,
    ParticipantForm,
    ParticipantInviteForm,
    PathwayForm,
    SearchForm,
)
from cases.models import Assignment, BreakGlassGrant, Participant
from cases.services import (
    StaleEdit,
    assignment_begin,
    assignment_end,
    break_glass_open,
    break_glass_review,
    participant_invite,
    participant_open,
    participant_update,
    pathway_record,
)
from safespace.access import (
    PARTICIPANT_SECTIONS,
    can_break_glass,
    can_invite_participant,
    can_open_files,
    participant_readable_fields,
    participant_writable_fields,
    role_required,
)
from safespace.audit import audit_record
from safespace.roles import STAFF_ROLES, Role, role_of
from safespace.views import invitation_page


@require_safe
@role_required(*STAFF_ROLES)
def participant_detail(request, pk):
    """Her file, as far as the reader's role allows; out of scope is 404."""
    participant = get_object_or_404(
        Participant.objects.visible_to(request.user).for_reader(request.user), pk=pk
    )
    readable = participant_readable_fields(request.user)
    writable = participant_writable_fields(request.user)
    live_grant = participant.break_glass_grants.filter(
        user=request.user, expires_at__gt=timezone.now()
    ).exists()
    audit_record(
        action="participant.viewed",
        actor=request.user,
        target=participant,
        participant_id=participant.pk,
        payload={"section": "summary", "via": "break_glass" if live_grant else "assignment"},
    )
    context = {
        "participant": participant,
        "readable": readable,
        "via_break_glass": live_grant,
        "hours": settings.SAFESPACE_BREAK_GLASS_HOURS,
        "can_invite": can_invite_participant(request.user, participant),
        "can_edit": bool(writable),
        "sections": _sections(participant, readable),
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
    return {}


def _case_notes_section(request, participant, *, writable):
    return {}


def _appointments_section(request, participant, *, writable):
    return {}


def _referrals_section(request, participant, *, writable):
    return {}


def _consents_section(request, participant, *, writable):
    return {}


def _documents_section(request, participant, *, writable):
    return {}


FILE_SECTION_BUILDERS = {
    "pathway": _pathway_section,
    "needs": _needs_section,
    "case_notes": _case_notes_section,
    "appointments": _appointments_section,
    "referrals": _referrals_section,
    "consents": _consents_section,
    "documents": _documents_section,
}


@require_POST
@role_required(Role.SOCIAL_WORKER, Role.COORDINATOR)
def participant_pathway(request, pk):
    """Add where she stands now; her earlier statuses stay as they were."""
    participant = get_object_or_404(Participant.objects.visible_to(request.user), pk=pk)
    if "pathway" not in participant_writable_fields(request.user):
        raise PermissionDenied
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
            (Participant._meta.get_field(name).verbose_name, _display(participant, name))
            for name in names
            if name in readable
        ]
        shown.append({"title": SECTION_TITLES[key], "rows": rows, "withheld": WITHHELD[key]})
    return shown


def _display(participant, name):
    getter = getattr(participant, f"get_{name}_display", None)
    value = getter() if getter else getattr(participant, name)
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
    if not allowed:
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
            version = Participant.objects.get(pk=participant.pk).version
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
        participant = Participant.objects.filter(reference=form.cleaned_data["reference"]).first()
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


# --- Duplicates, merging, closing and reopening ---

from cases.forms import CloseFileForm, IntakeDuplicateForm, MergeForm  # noqa: E402
from cases.services import (  # noqa: E402
    FileAlreadyClosed,
    MergeRefused,
    merge_plan,
    participant_close,
    participant_merge,
    participant_reopen,
)
from safespace.access import can_merge_files  # noqa: E402

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
    if not participant_writable_fields(request.user):
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
