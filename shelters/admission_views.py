"""The waiting list: asking for a place for her, and deciding on the requests.

Coordinators run the waiting list: they see every request and decide on it. A social worker
sees the requests of the women whose file she may open, asks for a place and may withdraw a
request. Every request is reached through AdmissionRequest.objects.visible_to (out of scope
is 404). The decision's reason is encrypted and shown on the request's own page only.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from cases.models import Participant
from cases.scoping import file_for_section, file_view_record
from safespace.access import (
    PLACING_ROLES,
    can_decide_admissions,
    can_withdraw_admission,
    role_required,
)
from safespace.audit import audit_record
from shelters.admission_forms import AdmissionDecisionForm, AdmissionRequestForm
from shelters.models import AdmissionRequest
from shelters.services import (
    ADMISSION_DECISIONS,
    AdmissionClosed,
    AdmissionReasonMissing,
    AdmissionStaleEdit,
    OpenRequestExists,
    admission_request_decide,
    admission_request_make,
)

REQUESTS_PER_PAGE = 50
DECIDED_DAYS = 90
Status = AdmissionRequest.Status
# what the list shows of a request and of her: never the decision's reason
LIST_FIELDS = (
    "requested_on",
    "urgency",
    "wished_kind",
    "status",
    "decided_on",
    "participant",
    "participant__reference",
    "participant__known_as",
    "requested_by",
    "requested_by__username",
)
# the status filter: open requests by default, decided ones of the last 90 days
STATUS_FILTERS = {
    "": (gettext_lazy("Open"), AdmissionRequest.OPEN_STATUSES),
    Status.WAITING: (Status.WAITING.label, (Status.WAITING,)),
    Status.OFFERED: (Status.OFFERED.label, (Status.OFFERED,)),
    "decided": (
        gettext_lazy("Decided in the last 90 days"),
        (Status.ADMITTED, Status.REFUSED, Status.WITHDRAWN),
    ),
}

DECIDED_ALREADY = gettext_lazy("This request is decided: it no longer changes.")
STALE = gettext_lazy(
    "Someone else decided on this request while you were on this page. "
    "Your text is still here: check what changed above, then decide again."
)


def requests_of(participant: Participant) -> list[AdmissionRequest]:
    """Her requests for a place, the open one first, then the newest (one query)."""
    open_first = Case(
        When(status__in=AdmissionRequest.OPEN_STATUSES, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list(
        participant.admission_requests.defer("decision_reason")
        .alias(open_first=open_first)
        .order_by("open_first", "-requested_on", "-pk")
    )


def _filter_links(status: str, urgency: str) -> dict:
    """The links of both filters, each keeping the other filter's choice."""

    def query(**params):
        kept = {key: value for key, value in params.items() if value}
        return f"?{urlencode(kept)}" if kept else ""

    statuses = [
        {"label": label, "query": query(status=value, urgency=urgency), "current": value == status}
        for value, (label, _statuses) in STATUS_FILTERS.items()
    ]
    urgencies = [
        {"label": _("Any urgency"), "query": query(status=status), "current": not urgency}
    ] + [
        {"label": label, "query": query(status=status, urgency=value), "current": value == urgency}
        for value, label in AdmissionRequest.Urgency.choices
    ]
    return {"statuses": statuses, "urgencies": urgencies}


@require_safe
@role_required(*PLACING_ROLES)
def shelter_requests(request):
    """The waiting list, tonight's requests first, then the oldest: every request for
    coordinators, those of the women in her scope for a social worker. A fixed number of
    queries, however many requests."""
    status = request.GET.get("status", "")
    if status not in STATUS_FILTERS:
        status = ""
    urgency = request.GET.get("urgency", "")
    if urgency not in AdmissionRequest.Urgency.values:
        urgency = ""
    requests = AdmissionRequest.objects.visible_to(request.user).filter(
        status__in=STATUS_FILTERS[status][1]
    )
    if status == "decided":
        requests = requests.filter(
            decided_on__gte=timezone.localdate() - timedelta(days=DECIDED_DAYS)
        )
    if urgency:
        requests = requests.filter(urgency=urgency)
    listed = requests.select_related("participant", "requested_by").only(*LIST_FIELDS)
    page = Paginator(listed.by_urgency(), REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "shelters/requests.html",
        {
            "page": page,
            "status": status,
            "urgency": urgency,
            "decided": status == "decided",
            "filters": urlencode(
                {k: v for k, v in (("status", status), ("urgency", urgency)) if v}
            ),
            "can_decide": can_decide_admissions(request.user),
            **_filter_links(status, urgency),
        },
    )


@role_required(*PLACING_ROLES)
def shelter_request_new(request, pk):
    """Ask for a place for her: she joins the waiting list (one open request at a time)."""
    participant = file_for_section(request, pk, "housing", write=True)
    form = AdmissionRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            admission_request_make(actor=request.user, participant=participant, **form.cleaned_data)
        except OpenRequestExists as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("She is on the waiting list."))
            return redirect(reverse("participant_detail", args=[participant.pk]) + "#housing")
    open_request = (
        AdmissionRequest.objects.open().filter(participant=participant).only("pk", "status").first()
    )
    return render(
        request,
        "shelters/request_form.html",
        {"participant": participant, "form": form, "open_request": open_request},
    )


def _request_of(user, request_pk) -> AdmissionRequest:
    """The request if this user may see it (else 404), with her known-as name and reference."""
    return get_object_or_404(
        AdmissionRequest.objects.visible_to(user)
        .select_related("participant", "requested_by")
        .only(*LIST_FIELDS, "decision_reason", "version"),
        pk=request_pk,
    )


def _decisions(user, admission, *, her_file_open: bool) -> tuple[str, ...]:
    """What this user may decide on this request now (nothing once it is decided)."""
    possible = ADMISSION_DECISIONS.get(admission.status, ())
    if can_decide_admissions(user):
        return possible
    if can_withdraw_admission(user, admission, her_file_open=her_file_open):
        return tuple(value for value in possible if value == Status.WITHDRAWN)
    return ()


def _record_view(request, admission, *, her_file_open: bool) -> None:
    """The request's page shows part of her housing: recorded like a view of her file."""
    if her_file_open:
        file_view_record(request, admission.participant, "housing")
    else:  # a coordinator running the waiting list, outside her caseload
        audit_record(
            action="participant.viewed",
            actor=request.user,
            target=admission.participant,
            participant_id=admission.participant_id,
            payload={"section": "housing", "via": "waiting_list"},
        )


@role_required(*PLACING_ROLES)
def shelter_request_detail(request, request_pk):
    """One request: coordinators decide on it; the worker who asked, or one whose scope
    includes her, may withdraw it."""
    admission = _request_of(request.user, request_pk)
    her_file_open = (
        Participant.objects.visible_to(request.user).filter(pk=admission.participant_id).exists()
    )
    decisions = _decisions(request.user, admission, her_file_open=her_file_open)
    posted = request.method == "POST"
    form = AdmissionDecisionForm(request.POST if posted else None, decisions=decisions)
    version = request.POST.get("version", admission.version)
    if posted and not decisions:
        messages.warning(request, DECIDED_ALREADY)
    elif posted and form.is_valid():
        try:
            admission_request_decide(
                actor=request.user,
                request=admission,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                version=int(version),
            )
        except AdmissionReasonMissing:
            form.add_error("reason", _("Write why the request is refused."))
        except AdmissionClosed:
            messages.warning(request, DECIDED_ALREADY)
            return redirect("shelter_request_detail", request_pk=admission.pk)
        except (AdmissionStaleEdit, ValueError):
            # show what changed, and keep what she typed
            admission = _request_of(request.user, request_pk)
            version = admission.version
            decisions = _decisions(request.user, admission, her_file_open=her_file_open)
            if decisions:
                form.fields["status"].choices = (
                    AdmissionDecisionForm(decisions=decisions).fields["status"].choices
                )
                form.add_error(None, STALE)
            else:
                messages.warning(request, DECIDED_ALREADY)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("shelter_request_detail", request_pk=admission.pk)
    if not posted:
        _record_view(request, admission, her_file_open=her_file_open)
    return render(
        request,
        "shelters/request_detail.html",
        {
            "admission": admission,
            "participant": admission.participant,
            "her_file_open": her_file_open,
            # admitting her acts on her file: only from within one's scope
            "can_admit": her_file_open,
            "form": form if decisions else None,
            "version": version,
        },
    )
