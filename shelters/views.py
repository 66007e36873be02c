"""The houses: their beds tonight, who arrives and leaves, and the month bed by bed; and,
for coordinators, the houses themselves (rooms, beds, staff).

Every view starts from Shelter.objects.visible_to(user) (out of scope is 404). The address
is never on these pages: it has its own page, one house at a time, after re-authentication,
and each reveal is recorded.
"""

from allauth.account.decorators import reauthentication_required
from allauth.core import ratelimit
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from safespace.access import (
    SHELTER_STAFF_ROLES,
    can_manage_shelters,
    can_place_in_shelter,
    can_reveal_shelter_address,
    role_required,
)
from safespace.audit import audit_record
from safespace.roles import Role
from shelters import occupancy
from shelters.house_forms import BedForm, MonthForm, RoomForm, ShelterForm
from shelters.models import Bed, Shelter
from shelters.services import (
    BedStillHeld,
    NameTaken,
    ShelterStaleEdit,
    bed_add,
    bed_set_active,
    room_add,
    shelter_save,
)


def _house_of(request, pk) -> Shelter:
    return get_object_or_404(Shelter.objects.visible_to(request.user), pk=pk)


def _coordinators_only(request):
    if not can_manage_shelters(request.user):
        raise PermissionDenied


@require_safe
@role_required(*SHELTER_STAFF_ROLES)
def shelter_list(request):
    """The houses this person may see, with their beds taken and free tonight."""
    today = timezone.localdate()
    shelters = occupancy.with_beds_tonight(Shelter.objects.visible_to(request.user), today)
    if not can_manage_shelters(request.user):
        shelters = shelters.filter(active=True)
    houses = [{"shelter": s, "free": max(s.beds_count - s.taken_count, 0)} for s in shelters]
    return render(
        request,
        "shelters/list.html",
        {
            "houses": houses,
            "today": today,
            "can_manage": can_manage_shelters(request.user),
            "can_place": can_place_in_shelter(request.user),
        },
    )


@require_safe
@role_required(*SHELTER_STAFF_ROLES)
def shelter_detail(request, pk):
    """One house today: each bed and who holds it tonight, who arrives and who leaves in the
    next 30 days, and the stays near the house's maximum."""
    shelter = _house_of(request, pk)
    today = timezone.localdate()
    beds = occupancy.beds_tonight(shelter, today)
    coming = occupancy.arrivals(shelter, today)
    leaving = occupancy.departures(shelter, today)
    near = occupancy.near_limit(shelter, today)
    overdue = occupancy.to_record(shelter, today)
    stays = [row.stay for row in beds if row.stay] + coming + leaving + near + overdue
    names = occupancy.names_for(request.user, shelter, {stay.participant_id for stay in stays})
    for row in beds:
        row.name = names.get(row.stay.participant_id, "") if row.stay else ""
    for stay in coming + leaving + near + overdue:
        stay.name = names.get(stay.participant_id, "")
    return render(
        request,
        "shelters/detail.html",
        {
            "shelter": shelter,
            "today": today,
            "beds": beds,
            "free": sum(1 for row in beds if row.stay is None and row.bed.active),
            "arrivals": coming,
            "departures": leaving,
            "near_limit": near,
            "to_record": overdue,
            "ahead": occupancy.AHEAD_DAYS,
            "can_reveal": can_reveal_shelter_address(request.user, shelter),
            "can_manage": can_manage_shelters(request.user),
        },
    )


@require_safe
@role_required(*SHELTER_STAFF_ROLES)
def shelter_calendar(request, pk):
    """The month, bed by bed: who held each bed night after night."""
    shelter = _house_of(request, pk)
    form = MonthForm(request.GET)
    first = timezone.localdate().replace(day=1)
    if form.is_valid() and form.cleaned_data["month"]:
        first = form.cleaned_data["month"]
    month = occupancy.month_by_bed(request.user, shelter, first.year, first.month)
    return render(
        request,
        "shelters/calendar.html",
        {"shelter": shelter, "month": month, "bad_month": bool(request.GET.get("month"))
         and not (form.is_valid() and form.cleaned_data["month"])},
    )  # fmt: skip


@role_required(*SHELTER_STAFF_ROLES)
def shelter_address(request, pk):
    """The address of one house, for its coordinators and its own staff: asked for on
    purpose (a POST after re-authentication), shown once, recorded, never cached."""
    shelter = _house_of(request, pk)
    if not can_reveal_shelter_address(request.user, shelter):
        raise PermissionDenied
    return _address_page(request, shelter)


@reauthentication_required
def _address_page(request, shelter):
    address, too_many = None, False
    if request.method == "POST":
        # a session left open must not sweep every address: a few reveals an hour
        too_many = not ratelimit.consume(request, action="shelter_address")
        if not too_many:
            address = Shelter.objects.only("address").get(pk=shelter.pk).address
            audit_record(action="shelter.address_revealed", actor=request.user, target=shelter)
    response = render(
        request,
        "shelters/address.html",
        {"shelter": shelter, "address": address, "too_many": too_many},
    )
    response["Cache-Control"] = "no-store, private"
    return response


@role_required(Role.COORDINATOR)
def shelter_new(request):
    _coordinators_only(request)
    form = ShelterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shelter = shelter_save(
                actor=request.user,
                shelter=None,
                data=form.cleaned_data,
                address=form.cleaned_data["address"],
                staff=form.cleaned_data["staff"],
            )
        except NameTaken:
            form.add_error("name", _("A house of this name exists already."))
        else:
            messages.success(request, _("The house is open. Add its rooms and beds."))
            return redirect("shelter_beds", pk=shelter.pk)
    return render(request, "shelters/form.html", {"form": form, "shelter": None})


@role_required(Role.COORDINATOR)
def shelter_edit(request, pk):
    _coordinators_only(request)
    shelter = _house_of(request, pk)
    form = ShelterForm(request.POST or None, instance=shelter)
    if request.method == "POST" and form.is_valid():
        try:
            shelter_save(
                actor=request.user,
                shelter=shelter,
                data=form.cleaned_data,
                address=form.cleaned_data["address"],
                staff=form.cleaned_data["staff"],
                version=form.cleaned_data["version"] or 0,  # missing: treated as stale
            )
        except NameTaken:
            form.add_error("name", _("A house of this name exists already."))
        except ShelterStaleEdit:
            form.add_error(
                None,
                _(
                    "Someone else changed this house while you were editing. What you typed "
                    "is still here: check the house in another tab, then save again."
                ),
            )
            form.data = form.data.copy()
            form.data["version"] = Shelter.objects.values_list("version", flat=True).get(
                pk=shelter.pk
            )
        else:
            messages.success(request, _("Saved."))
            return redirect("shelter_detail", pk=shelter.pk)
    return render(request, "shelters/form.html", {"form": form, "shelter": shelter})


@role_required(Role.COORDINATOR)
def shelter_beds(request, pk):
    """The house's rooms and beds: add a room, add a bed, take a bed out of use."""
    _coordinators_only(request)
    shelter = _house_of(request, pk)
    room_form = RoomForm(request.POST if "add_room" in request.POST else None, prefix="room")
    bed_form = BedForm(
        request.POST if "add_bed" in request.POST else None, prefix="bed", shelter=shelter
    )
    if request.method == "POST":
        form, add = (room_form, _add_room) if "add_room" in request.POST else (bed_form, _add_bed)
        if form.is_bound and form.is_valid():
            try:
                add(request, shelter, form.cleaned_data)
            except NameTaken:
                field = "name" if form is room_form else "label"
                form.add_error(field, _("This name is taken already in this house."))
            else:
                messages.success(request, _("Added."))
                return redirect("shelter_beds", pk=shelter.pk)
    rooms = shelter.rooms.prefetch_related("beds").order_by("name")
    return render(
        request,
        "shelters/beds.html",
        {"shelter": shelter, "rooms": rooms, "room_form": room_form, "bed_form": bed_form},
    )


def _add_room(request, shelter, data):
    room_add(actor=request.user, shelter=shelter, name=data["name"])


def _add_bed(request, shelter, data):
    bed_add(actor=request.user, room=data["room"], label=data["label"])


@require_POST
@role_required(Role.COORDINATOR)
def shelter_bed_active(request, bed_pk):
    """Take a bed out of use, or back into use."""
    _coordinators_only(request)
    bed = get_object_or_404(
        Bed.objects.filter(room__shelter__in=Shelter.objects.visible_to(request.user)),
        pk=bed_pk,
    )
    try:
        bed_set_active(
            actor=request.user,
            bed=bed,
            active=request.POST.get("active") == "1",
            today=timezone.localdate(),
        )
    except BedStillHeld:
        messages.error(
            request,
            _("A stay holds this bed tonight or later. Move her to another bed first."),
        )
    return redirect("shelter_beds", pk=bed.room.shelter_id)
