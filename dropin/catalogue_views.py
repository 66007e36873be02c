"""Sites and the services catalogue (coordinators), and services given in individual
support, outside a visit, recorded from her file."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cases.scoping import file_for_section, file_view_record
from dropin.catalogue_forms import ServiceForm, SiteForm, SupportForm
from dropin.models import Service, ServiceGiven, Site, Visit
from dropin.services import (
    SiteNameTaken,
    service_create,
    service_give,
    service_update,
    site_create,
    site_update,
)
from safespace.access import (
    DESK_ROLES,
    can_manage_dropin,
    participant_writable_fields,
    role_required,
)
from safespace.roles import Role

PER_PAGE = 50
SUPPORT_ROLES = (Role.SOCIAL_WORKER, Role.COORDINATOR)


def _site_name_taken():
    # two coordinators added or renamed a site to the same name at once
    return _("A site of this name exists already.")


def _coordinators_only(request):
    if not can_manage_dropin(request.user):
        raise PermissionDenied


# --- Sites ---


@role_required(*DESK_ROLES)
def site_list(request):
    """The sites, with how many sessions each held, and a form to add one."""
    _coordinators_only(request)
    form = SiteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            site_create(actor=request.user, name=form.cleaned_data["name"])
        except SiteNameTaken:
            form.add_error("name", _site_name_taken())
        else:
            messages.success(request, _("The site is added."))
            return redirect("dropin_sites")
    sites = Site.objects.annotate(session_count=Count("sessions")).order_by("-active", "name")
    page = Paginator(sites, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "dropin/catalogue/sites.html", {"page": page, "form": form})


@role_required(*DESK_ROLES)
def site_edit(request, pk):
    """Rename a site, or say it is no longer in use (it is never deleted)."""
    _coordinators_only(request)
    site = get_object_or_404(Site, pk=pk)
    saved_name = site.name
    form = SiteForm(request.POST if request.method == "POST" else None, instance=site)
    if request.method == "POST" and form.is_valid():
        try:
            site_update(actor=request.user, site=site, changes=form.cleaned_data)
        except SiteNameTaken:
            form.add_error("name", _site_name_taken())
        else:
            messages.success(request, _("Saved."))
            return redirect("dropin_sites")
    return render(
        request,
        "dropin/catalogue/site_form.html",
        {"form": form, "site": site, "saved_name": saved_name},
    )


# --- The services catalogue ---


def _by_category(services):
    """Services grouped under their category's label, in the order of the categories."""
    groups = {value: [] for value in Service.Category.values}
    for service in services:
        groups[service.category].append(service)
    return [
        {"category": value, "label": label, "services": groups[value]}
        for value, label in Service.Category.choices
        if groups[value]
    ]


def _category_order():
    return Case(
        *[
            When(category=value, then=Value(index))
            for index, value in enumerate(Service.Category.values)
        ],
        default=Value(len(Service.Category.values)),
        output_field=IntegerField(),
    )


@role_required(*DESK_ROLES)
def service_list(request):
    """The catalogue by category, offered or not, and a form to add a service."""
    _coordinators_only(request)
    form = ServiceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        service_create(
            actor=request.user,
            name=data["name"],
            category=data["category"],
            position=data["position"],
        )
        messages.success(request, _("The service is in the catalogue."))
        return redirect("dropin_services")
    services = Service.objects.order_by(_category_order(), "position", "name")
    page = Paginator(services, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "dropin/catalogue/services.html",
        {"page": page, "groups": _by_category(page.object_list), "form": form},
    )


@role_required(*DESK_ROLES)
def service_edit(request, pk):
    """Change a service: a default one keeps its name (named in each reader's language)."""
    _coordinators_only(request)
    service = get_object_or_404(Service, pk=pk)
    saved_label = service.label
    form = ServiceForm(request.POST if request.method == "POST" else None, instance=service)
    if request.method == "POST" and form.is_valid():
        service_update(actor=request.user, service=service, changes=form.changes())
        messages.success(request, _("Saved."))
        return redirect("dropin_services")
    return render(
        request,
        "dropin/catalogue/service_form.html",
        {"form": form, "service": service, "saved_label": saved_label},
    )


# --- Individual support: a service given outside a visit, from her file ---


@role_required(*SUPPORT_ROLES)
def support_new(request, pk):
    """Record a service given to her in individual support (her file in scope, writable)."""
    participant = file_for_section(request, pk, "appointments", write=True)
    form = SupportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        service_give(
            actor=request.user,
            participant=participant,
            service=form.cleaned_data["service"],
            day=form.cleaned_data["given_on"],
        )
        messages.success(request, _("The service given is recorded."))
        return redirect("dropin_support_list", pk=participant.pk)
    return render(
        request, "dropin/catalogue/support_form.html", {"participant": participant, "form": form}
    )


@require_safe
@role_required(*SUPPORT_ROLES)
def support_list(request, pk):
    """The services given to her, at the drop-in and in individual support, newest first."""
    participant = file_for_section(request, pk, "appointments")
    her_visits = Visit.objects.filter(participant=participant).values("pk")
    given = (
        ServiceGiven.objects.filter(Q(participant=participant) | Q(visit__in=her_visits))
        .select_related("service")
        .only("pk", "given_on", "visit_id", "service__code", "service__name")
        .order_by("-given_on", "-pk")
    )
    page = Paginator(given, PER_PAGE).get_page(request.GET.get("page"))
    file_view_record(request, participant, "services_given")
    return render(
        request,
        "dropin/catalogue/support_list.html",
        {
            "participant": participant,
            "page": page,
            "writable": "appointments" in participant_writable_fields(request.user),
        },
    )
