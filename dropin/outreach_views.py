"""Outreach: street and online rounds, the contacts worth following, and linking those
contacts to her file once she has one. Staff who go out record rounds; volunteers go on
teams but do not record (the notes are for staff)."""

from datetime import date as Date

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from cases.models import Participant
from cases.scoping import file_for_section
from dropin.models import OutreachContact, OutreachRound
from dropin.outreach_forms import OutreachContactForm, OutreachLinkForm, OutreachRoundForm
from dropin.services import (
    outreach_contact_add,
    outreach_contacts_link,
    outreach_round_correct,
    outreach_round_record,
)
from safespace.access import OUTREACH_ROLES, role_required

ROUNDS_PER_PAGE = 50
MATERIAL = F("leaflets") + F("hygiene_kits") + F("food_and_drinks") + F("other_material")


def _team_prefetch():
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.only("pk", "username").order_by("username")
    return Prefetch("team", queryset=users)


def _month_bounds(today):
    first = today.replace(day=1)
    if first.month == 12:
        return first, Date(first.year + 1, 1, 1)
    return first, Date(first.year, first.month + 1, 1)


@require_safe
@role_required(*OUTREACH_ROLES)
def outreach_list(request):
    """Rounds, newest first, with their totals, and this month's summary at the top
    (a fixed number of queries, however many rounds)."""
    kind = request.GET.get("kind", "")
    rounds = OutreachRound.objects.all()
    if kind in OutreachRound.Kind.values:
        rounds = rounds.filter(kind=kind)
    else:
        kind = ""
    first, next_first = _month_bounds(timezone.localdate())
    month = rounds.filter(date__gte=first, date__lt=next_first).aggregate(
        rounds=Count("pk"),
        contacts=Coalesce(Sum("contacts_made"), Value(0)),
        new=Coalesce(Sum("new_contacts"), Value(0)),
        material=Coalesce(Sum(MATERIAL), Value(0)),
    )
    listed = (
        rounds.defer("notes")  # notes are decrypted on the round's own page only
        .annotate(material=MATERIAL)
        .prefetch_related(_team_prefetch())
        .order_by("-date", "-recorded_at", "-pk")
    )
    page = Paginator(listed, ROUNDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "dropin/outreach/list.html",
        {
            "page": page,
            "kind": kind,
            "kinds": OutreachRound.Kind.choices,
            "kind_label": OutreachRound.Kind(kind).label if kind else "",
            "month": month,
            "month_start": first,
            "filters": f"kind={kind}" if kind else "",
        },
    )


def _round_form_page(request, form, *, title, outreach_round=None):
    return render(
        request,
        "dropin/outreach/form.html",
        {"form": form, "title": title, "outreach_round": outreach_round},
    )


@role_required(*OUTREACH_ROLES)
def outreach_new(request):
    """Record a round: the recorder is on the team unless she unticks herself."""
    form = OutreachRoundForm(
        request.POST if request.method == "POST" else None, recorder=request.user
    )
    if request.method == "POST" and form.is_valid():
        outreach_round = outreach_round_record(actor=request.user, **form.round_data())
        messages.success(request, _("The round is recorded."))
        return redirect("outreach_detail", pk=outreach_round.pk)
    return _round_form_page(request, form, title=_("Record an outreach round"))


def _round_of(pk):
    return get_object_or_404(
        OutreachRound.objects.select_related("recorded_by").prefetch_related(_team_prefetch()),
        pk=pk,
    )


def _detail_page(request, outreach_round, contact_form):
    contacts = list(outreach_round.contacts.order_by("pk"))
    linked_ids = {contact.participant_id for contact in contacts if contact.participant_id}
    # a link to her file only for those who may open it; never her name on this page
    openable = set(
        Participant.objects.visible_to(request.user)
        .filter(pk__in=linked_ids)
        .values_list("pk", flat=True)
        if linked_ids
        else ()
    )
    for contact in contacts:
        contact.file_openable = contact.participant_id in openable
    return render(
        request,
        "dropin/outreach/detail.html",
        {
            "outreach_round": outreach_round,
            "team": list(outreach_round.team.all()),
            "contacts": contacts,
            "contact_form": contact_form,
        },
    )


@require_safe
@role_required(*OUTREACH_ROLES)
def outreach_detail(request, pk):
    """The round, its notes, and the contacts worth following."""
    outreach_round = _round_of(pk)
    return _detail_page(request, outreach_round, OutreachContactForm(auto_id="contact_%s"))


@role_required(*OUTREACH_ROLES)
def outreach_edit(request, pk):
    """Correct a round (audited with the names of the fields that changed)."""
    outreach_round = _round_of(pk)
    form = OutreachRoundForm.for_round(
        outreach_round, request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        changed = outreach_round_correct(
            actor=request.user, outreach_round=outreach_round, **form.round_data()
        )
        if changed:
            messages.success(request, _("The round is corrected."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("outreach_detail", pk=outreach_round.pk)
    return _round_form_page(
        request, form, title=_("Correct an outreach round"), outreach_round=outreach_round
    )


@require_POST
@role_required(*OUTREACH_ROLES)
def outreach_contact_new(request, pk):
    """Add a contact worth following to a round; bad input re-shows the round page."""
    outreach_round = _round_of(pk)
    form = OutreachContactForm(request.POST, auto_id="contact_%s")
    if form.is_valid():
        outreach_contact_add(
            actor=request.user, outreach_round=outreach_round, **form.contact_data()
        )
        messages.success(request, _("The contact is added."))
        return redirect(reverse("outreach_detail", args=[outreach_round.pk]) + "#contacts")
    return _detail_page(request, outreach_round, form)


@role_required(*OUTREACH_ROLES)
def outreach_link(request, pk):
    """Link to her file the outreach contacts that carry the visitor code she chose.

    Those who may write her pathway, within their scope (out of scope: 404; peer workers:
    403). Drop-in visits stay anonymous: only outreach contacts are linked."""
    participant = file_for_section(request, pk, "pathway", write=True)
    form = OutreachLinkForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        linked = outreach_contacts_link(
            actor=request.user,
            participant=participant,
            visitor_code=form.cleaned_data["visitor_code"],
        )
        if linked:
            messages.success(
                request,
                ngettext(
                    "%(count)d contact from outreach is now linked to her file.",
                    "%(count)d contacts from outreach are now linked to her file.",
                    linked,
                )
                % {"count": linked},
            )
        else:
            messages.info(
                request,
                _(
                    "No contact from outreach waits with this code. Nothing was changed: "
                    "check the code with her, or come back after the next round."
                ),
            )
        return redirect("outreach_link", pk=participant.pk)
    already = OutreachContact.objects.filter(participant=participant).count()
    return render(
        request,
        "dropin/outreach/link.html",
        {"participant": participant, "form": form, "already": already},
    )
