"""Stays from the screen: give her a place, move her to another bed, record that she left.

Each view reaches her file through cases.scoping.file_for_section(..., "housing") or the stay
through Stay.objects.visible_to(user): out of scope is 404, in scope but not allowed is 403.
The services write the audit entries. No address on these pages: beds are named by house,
room and bed only.
"""

from datetime import timedelta

from django.contrib import messages
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.scoping import file_for_section
from cases.services import StaleEdit
from safespace.access import PLACING_ROLES, role_required
from shelters.forms import AdmitForm, StayDepartureForm, StayEndForm, StayMoveForm, open_request
from shelters.models import Stay
from shelters.services import (
    AlreadyHoused,
    BedTaken,
    StayAlreadyEnded,
    StayRefused,
    StayTooLong,
    stay_begin,
    stay_change_departure,
    stay_end_unless_changed,
    stay_move_unless_changed,
)

STALE = gettext_lazy(
    "Someone else changed this stay while you were on this page. What you typed is still "
    "here: check her file in another tab, then save again."
)
ALREADY_ENDED = gettext_lazy(
    "This stay has already ended: someone ended or moved it. Nothing was changed."
)


def _housing_url(participant_pk):
    return reverse("participant_detail", args=[participant_pk]) + "#housing"


@role_required(*PLACING_ROLES)
def shelter_admit(request, pk):
    """Give her a bed from a night on, perhaps answering her request for a place."""
    participant = file_for_section(request, pk, "housing", write=True)
    initial = {}
    admission = None
    if request.method != "POST":
        # the request she was offered a place on, or else her one open request
        admission = open_request(participant, request.GET.get("request")) or open_request(
            participant, None
        )
        if admission is not None:
            initial["admission"] = admission.pk
    form = AdmitForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        user=request.user,
        participant=participant,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        admission = data["admission"]
        try:
            stay = stay_begin(
                actor=request.user,
                participant=participant,
                bed=data["bed"],
                starts_on=data["starts_on"],
                expected_end_on=data["expected_end_on"],
                admission=admission,
            )
        except BedTaken as refused:
            form.add_error("bed", str(refused.message))
        except AlreadyHoused as refused:
            form.add_error("starts_on", str(refused.message))
        except StayTooLong as refused:
            form.add_error("expected_end_on", str(refused.message))
        except StayRefused as refused:  # e.g. her request was withdrawn meanwhile
            form.add_error(None, str(refused.message))
        else:
            messages.success(
                request,
                _("She has a place from %(date)s.")
                % {"date": date_format(stay.starts_on, "DATE_FORMAT")},
            )
            return redirect(_housing_url(participant.pk))
    return render(
        request,
        "shelters/stay_admit.html",
        {"participant": participant, "form": form, "admission": admission},
    )


def _open_stay(request, stay_pk):
    """The stay (404 out of scope), her file writable for housing (403), and the morning her
    place ends: the day after the last night the stay holds."""
    stay = get_object_or_404(
        Stay.objects.visible_to(request.user)
        .select_related("bed__room__shelter")
        .defer("notes", "bed__room__shelter__address"),
        pk=stay_pk,
    )
    participant = file_for_section(request, stay.participant_id, "housing", write=True)
    last_night = stay.nights.aggregate(last=Max("night"))["last"]
    if last_night is not None:
        last_morning = last_night + timedelta(days=1)
    else:
        last_morning = stay.expected_end_on or stay.limit_on
    return stay, participant, max(last_morning, stay.starts_on + timedelta(days=1))


def _version(request, stay):
    try:
        return int(request.POST.get("version"))  # missing: treated as stale
    except (TypeError, ValueError):
        return None


def _ended(request, stay, participant, template):
    """An ended stay cannot end or move again: say so, with the way back to her file."""
    return render(request, template, {"participant": participant, "stay": stay, "ended": True})


@role_required(*PLACING_ROLES)
def shelter_stay_end(request, stay_pk):
    """Record the morning she left and where she went: the bed is free from that night."""
    stay, participant, last_morning = _open_stay(request, stay_pk)
    template = "shelters/stay_end.html"
    if stay.ended_on is not None:
        return _ended(request, stay, participant, template)
    form = StayEndForm(
        request.POST if request.method == "POST" else None, stay=stay, last_morning=last_morning
    )
    version = stay.version
    if request.method == "POST" and form.is_valid():
        version = _version(request, stay)
        try:
            if version is None:
                raise StaleEdit
            stay_end_unless_changed(
                actor=request.user, stay=stay, version=version, **form.cleaned_data
            )
        except StayAlreadyEnded:
            form.add_error(None, ALREADY_ENDED)
            version = stay.version
        except StaleEdit:
            form.add_error(None, STALE)
            version = Stay.objects.values_list("version", flat=True).get(pk=stay.pk)
        else:
            messages.success(
                request,
                _("Her stay is recorded as ended on %(date)s. The bed is free from that night.")
                % {"date": date_format(form.cleaned_data["ended_on"], "DATE_FORMAT")},
            )
            return redirect(_housing_url(participant.pk))
    elif request.method == "POST":
        version = _version(request, stay) or stay.version
    return render(
        request,
        template,
        {"participant": participant, "stay": stay, "form": form, "version": version},
    )


@role_required(*PLACING_ROLES)
def shelter_stay_move(request, stay_pk):
    """Move her to another bed, in this house or another: one stay ends, the next begins."""
    stay, participant, last_morning = _open_stay(request, stay_pk)
    template = "shelters/stay_move.html"
    if stay.ended_on is not None:
        return _ended(request, stay, participant, template)
    form = StayMoveForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        stay=stay,
        last_morning=last_morning,
    )
    version = stay.version
    if request.method == "POST" and form.is_valid():
        version = _version(request, stay)
        try:
            if version is None:
                raise StaleEdit
            moved = stay_move_unless_changed(
                actor=request.user,
                stay=stay,
                version=version,
                bed=form.cleaned_data["bed"],
                moved_on=form.cleaned_data["moved_on"],
            )
        except BedTaken as refused:
            form.add_error("bed", str(refused.message))
        except StayTooLong as refused:
            form.add_error("bed", str(refused.message))
        except AlreadyHoused as refused:
            form.add_error("moved_on", str(refused.message))
        except StayRefused as refused:  # the bed was taken out of use meanwhile
            form.add_error("bed", str(refused.message))
        except StayAlreadyEnded:
            form.add_error(None, ALREADY_ENDED)
        except StaleEdit:
            form.add_error(None, STALE)
            version = Stay.objects.values_list("version", flat=True).get(pk=stay.pk)
        else:
            messages.success(
                request,
                _("She moves to her new bed on %(date)s.")
                % {"date": date_format(moved.starts_on, "DATE_FORMAT")},
            )
            return redirect(_housing_url(participant.pk))
    elif request.method == "POST":
        version = _version(request, stay) or stay.version
    return render(
        request,
        template,
        {"participant": participant, "stay": stay, "form": form, "version": version},
    )


@role_required(*PLACING_ROLES)
def shelter_stay_departure(request, stay_pk):
    """Change when she is expected to leave: her place is freed or held night by night."""
    stay, participant, _last_morning = _open_stay(request, stay_pk)
    template = "shelters/stay_departure.html"
    if stay.ended_on is not None:
        return _ended(request, stay, participant, template)
    form = StayDepartureForm(request.POST if request.method == "POST" else None, stay=stay)
    version = stay.version
    if request.method == "POST" and form.is_valid():
        version = _version(request, stay)
        try:
            if version is None:
                raise StaleEdit
            stay_change_departure(
                actor=request.user,
                stay=stay,
                version=version,
                expected_end_on=form.cleaned_data["expected_end_on"],
            )
        except StayRefused as refused:
            form.add_error("expected_end_on", str(refused.message))
        except StayAlreadyEnded:
            form.add_error(None, ALREADY_ENDED)
        except StaleEdit:
            form.add_error(None, STALE)
            version = Stay.objects.values_list("version", flat=True).get(pk=stay.pk)
        else:
            messages.success(request, _("Her expected departure is changed."))
            return redirect(_housing_url(participant.pk))
    elif request.method == "POST":
        version = _version(request, stay) or stay.version
    return render(
        request,
        template,
        {"participant": participant, "stay": stay, "form": form, "version": version},
    )
