import base64
import logging
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
import redis
from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Exists, OuterRef
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from safespace.access import role_required
from safespace.audit import action_label
from safespace.forms import AccountCreateForm, AuditFilterForm, RoleForm, WelcomeForm
from safespace.models import AuditEntry, Invitation
from safespace.roles import Role, role_of, role_of_any
from safespace.services import (
    InvitationInvalid,
    invitation_issue,
    invitation_redeem,
    user_active_set,
    user_create,
    user_role_set,
)

logger = logging.getLogger(__name__)

HOME_TEMPLATES = {
    Role.COORDINATOR: "home/coordinator.html",
    Role.SOCIAL_WORKER: "home/social_worker.html",
    Role.PEER_WORKER: "home/peer_worker.html",
    Role.VOLUNTEER: "home/volunteer.html",
}


@require_safe
@login_required
def home(request):
    """Each role lands on its own home page; an account without a role is told why."""
    from cases.models import BreakGlassGrant, Participant

    role = role_of(request.user)
    if role == Role.PARTICIPANT:
        # her home is her own space
        from lifeplans.portal_views import portal_home

        return portal_home(request)
    context = {}
    if role in (Role.SOCIAL_WORKER, Role.PEER_WORKER):
        caseload = Participant.objects.visible_to(request.user).filter(
            assignments__worker=request.user, assignments__ended_at__isnull=True
        )
        context["caseload"] = caseload.for_list().order_by("reference")[:100]
        # --- Life plan (staff side) ---
        from lifeplans.views import reviews_due

        context["reviews_due"] = reviews_due(request.user)
        # --- Achieved this month ---
        from lifeplans.views import achieved_by_participant, goals_achieved_this_month

        context["achieved_this_month"] = achieved_by_participant(
            goals_achieved_this_month(request.user)
        )
    if role == Role.SOCIAL_WORKER:
        context["appointments_today"] = _appointments_today(request.user)
        # --- Consents of her files ending soon, or just ended with nothing after (one query) ---
        from safespace.reminders import consents_to_renew

        context["consents_to_renew"] = consents_to_renew(request.user)
        context["consent_reminder_days"] = settings.SAFESPACE_CONSENT_REMINDER_DAYS
        # --- Follow-ups after a stay: how many are due in her files (one query) ---
        from shelters.follow_up_views import follow_ups_due_count

        context["follow_ups_due"] = follow_ups_due_count(request.user)
    if role in (Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PEER_WORKER, Role.VOLUNTEER):
        # --- Drop-in: today's sessions, open ones first ---
        from dropin.models import OpeningSession

        context["sessions_today"] = list(
            OpeningSession.objects.filter(date=timezone.localdate())
            .select_related("site")
            .order_by("closed_at", "opens_at")[:10]
        )
    if role == Role.COORDINATOR:
        context["openings_to_review"] = BreakGlassGrant.objects.filter(
            reviewed_at__isnull=True
        ).count()
        # --- Shelters: the waiting list (open requests, and how many for tonight) ---
        from django.db.models import Count, Q

        from shelters.models import AdmissionRequest

        waiting_list = AdmissionRequest.objects.open().aggregate(
            total=Count("pk"), tonight=Count("pk", filter=Q(urgency="immediate"))
        )
        context["open_requests"] = waiting_list["total"]
        context["open_requests_tonight"] = waiting_list["tonight"]
    if role in (Role.COORDINATOR, Role.SOCIAL_WORKER):
        # --- Correction requests waiting for an answer (one query) ---
        from safespace.reminders import corrections_waiting

        context["corrections_waiting"] = corrections_waiting(request.user)
        # --- Stays near the house's maximum (every house, or the women she is key worker of) ---
        from shelters.warnings import departures_to_record, stays_near_their_limit

        context["stays_near_limit"] = stays_near_their_limit(request.user)
        context["departures_to_record"] = departures_to_record(request.user)
        context["stays_near_limit_links"] = role == Role.SOCIAL_WORKER
    return render(request, HOME_TEMPLATES.get(role, "home/no_role.html"), context)


def _appointments_today(user):
    """Her planned appointments of today in the worker's files: known-as name and time only."""
    from cases.models import Appointment, Participant

    return list(
        Appointment.objects.filter(
            worker=user,
            status=Appointment.Status.PLANNED,
            starts_at__date=timezone.localdate(),
            participant__in=Participant.objects.visible_to(user).values("pk"),
        )
        .select_related("participant")
        .only("pk", "starts_at", "participant__id", "participant__known_as")
        .order_by("starts_at")[:50]
    )


@require_safe
def exit_help(request):
    return render(request, "help/exit.html")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        logger.warning("healthz: database check failed")
        return False


def _broker_ok() -> bool:
    if not settings.REDIS_URL:
        return True
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        logger.warning("healthz: broker check failed")
        return False


@never_cache
@require_safe
def healthz(request):
    """200 when the database (and the broker, when configured) answer; 503 otherwise.

    Says nothing else: no versions, no hostnames, no error text.
    """
    healthy = _database_ok() and _broker_ok()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable"}, status=200 if healthy else 503
    )


# --- Accounts: the coordinator's team page, and the welcome page of an invitation --------


def invitation_page(request, account, code, back=None):
    """The code and its QR, shown once: printed or read out, then never retrievable.

    ``back`` is her file when the invitation was given from it.
    """
    welcome_url = request.build_absolute_uri(reverse("welcome"))
    # the code travels after '#', which browsers never send to the server or logs
    qr = qrcode.make(f"{welcome_url}#{code}", image_factory=qrcode.image.svg.SvgPathImage)
    qr_data_uri = "data:image/svg+xml;base64," + base64.b64encode(qr.to_string()).decode("ascii")
    return render(
        request,
        "team/invitation.html",
        {
            "account": account,
            "code": code,
            "qr_data_uri": qr_data_uri,
            "welcome_url": welcome_url,
            "hours": settings.SAFESPACE_INVITATION_HOURS,
            "back_url": reverse("participant_detail", args=[back.pk])
            if back is not None
            else reverse("team_detail", args=[account.pk]),
        },
    )


@require_safe
@role_required(Role.COORDINATOR)
def team_list(request):
    query = request.GET.get("q", "").strip()[:150]
    open_invitation = Invitation.objects.filter(
        user=OuterRef("pk"), used_at=None, revoked_at=None, expires_at__gt=timezone.now()
    )
    accounts = (
        get_user_model()
        .objects.annotate(invitation_pending=Exists(open_invitation))
        .prefetch_related("groups")
        .order_by("username")
    )
    if query:
        accounts = accounts.filter(username__icontains=query)
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    for account in page.object_list:
        account.role = role_of_any(account)  # from the prefetched groups: no query
    filters = urlencode({"q": query}) if query else ""
    return render(request, "team/list.html", {"page": page, "query": query, "filters": filters})


@role_required(Role.COORDINATOR)
def team_create(request):
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        account = user_create(
            username=data["username"],
            role=Role(data["role"]),
            password=None,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            actor=request.user,
        )
        _invitation, code = invitation_issue(actor=request.user, user=account)
        return invitation_page(request, account, code)
    return render(request, "team/create.html", {"form": form})


def _account_or_404(pk):
    return get_object_or_404(get_user_model().objects.prefetch_related("groups"), pk=pk)


@role_required(Role.COORDINATOR)
def team_detail(request, pk):
    account = _account_or_404(pk)
    role = role_of_any(account)
    form = RoleForm(request.POST or None, initial={"role": role.value if role else None})
    if request.method == "POST" and form.is_valid():
        user_role_set(actor=request.user, user=account, role=Role(form.cleaned_data["role"]))
        messages.success(request, _("The role was changed. It applies from her next click."))
        return redirect("team_detail", pk=account.pk)
    return render(request, "team/detail.html", {"account": account, "role": role, "form": form})


@require_POST
@role_required(Role.COORDINATOR)
def team_active(request, pk):
    account = _account_or_404(pk)
    activate = request.POST.get("active") == "1"
    try:
        user_active_set(actor=request.user, user=account, active=activate)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("The account is active again.")
            if activate
            else _("The account is deactivated and all its sessions have ended."),
        )
    return redirect("team_detail", pk=account.pk)


@require_POST
@role_required(Role.COORDINATOR)
def team_invite(request, pk):
    account = _account_or_404(pk)
    if not account.is_active:
        messages.error(request, _("Reactivate the account before inviting."))
        return redirect("team_detail", pk=account.pk)
    _invitation, code = invitation_issue(actor=request.user, user=account)
    return invitation_page(request, account, code)


@never_cache
def welcome(request):
    """Where an invitation code becomes her own password. No account needed to reach it."""
    if request.user.is_authenticated:
        return redirect("home")
    form = WelcomeForm(request.POST or None)
    if request.method == "POST":
        if not ratelimit.consume(request, action="invitation_redeem"):
            form.is_valid()
            form.add_error(None, _("Too many tries. Please wait a few minutes and try again."))
        elif form.is_valid():
            try:
                user = invitation_redeem(
                    code=form.cleaned_data["code"], password=form.cleaned_data["password1"]
                )
            except InvitationInvalid:
                form.add_error(
                    "code",
                    _(
                        "This code does not work. It may be mistyped, already used or "
                        "expired: ask your worker for a new one."
                    ),
                )
            except ValidationError as error:
                form.password_errors(error)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Your password is set. Welcome."))
                return redirect("home")
    return render(request, "welcome.html", {"form": form})


@require_safe
@role_required(Role.COORDINATOR)
def audit_list(request):
    """The audit trail, filtered; for one file it answers 'who looked at my file?'."""
    from cases.models import Participant

    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.select_related("actor").order_by("-id")
    unknown_reference = False
    if form.is_valid():
        data = form.cleaned_data
        if data["participant"]:
            participant = Participant.objects.filter(reference=data["participant"]).first()
            unknown_reference = participant is None
            entries = entries.filter(participant_id=participant.pk if participant else -1)
        if data["user"]:
            entries = entries.filter(actor__username__iexact=data["user"])
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["since"]:
            entries = entries.filter(created_at__date__gte=data["since"])
        if data["until"]:
            entries = entries.filter(created_at__date__lte=data["until"])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    ids = {entry.participant_id for entry in page.object_list if entry.participant_id}
    references = dict(Participant.objects.filter(pk__in=ids).values_list("pk", "reference"))
    for entry in page.object_list:
        entry.label = action_label(entry.action)
        entry.participant_reference = references.get(entry.participant_id, "")
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {
            "form": form,
            "page": page,
            "filters": filters.urlencode(),
            "unknown_reference": unknown_reference,
        },
    )


def not_offered(request):
    """A page a library offers that Safespace does not (answers 404, like any unknown page)."""
    raise Http404
