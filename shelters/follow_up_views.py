"""Follow-ups after a stay: the due list of her worker, and recording how she is doing.

Every view starts from FollowUp.objects.visible_to(user): follow-ups of the women whose
file the user may open, with where she lives readable (out of scope is 404). Nothing
leaves the app: a follow-up due is shown here and on the worker's home page only.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from cases.scoping import file_view_record
from safespace.access import PLACING_ROLES, participant_writable_fields, role_required
from shelters.follow_up_forms import FOLLOW_UP_PATHWAY_STATUS, FollowUpRecordForm
from shelters.models import FollowUp
from shelters.services import FollowUpAlreadyRecorded, follow_up_record

COMING_DAYS = 30


def follow_ups_due_count(user) -> int:
    """How many follow-ups are due and not done in this user's files (one query)."""
    return FollowUp.objects.visible_to(user).pending().filter(is_due=True).count()


@require_safe
@role_required(*PLACING_ROLES)
def shelter_follow_ups(request):
    """Follow-ups due (marked by the daily task) and not done, oldest first; then those
    coming in the next 30 days. Her known-as name and dates only."""
    pending = (
        FollowUp.objects.visible_to(request.user)
        .pending()
        .select_related("participant")
        .only("pk", "months_after", "due_on", "is_due", "participant__id", "participant__known_as")
        .order_by("due_on", "pk")
    )
    due = Paginator(pending.filter(is_due=True), 50).get_page(request.GET.get("page"))
    coming = pending.filter(
        is_due=False, due_on__lte=timezone.localdate() + timedelta(days=COMING_DAYS)
    )
    return render(
        request,
        "shelters/follow_ups.html",
        {"page": due, "coming": list(coming[:50]), "coming_days": COMING_DAYS},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*PLACING_ROLES)
def shelter_follow_up_record(request, follow_up_pk):
    """Record how she is doing: the outcome, the day, notes; and, if the outcome says where
    she stands, her exit pathway. A follow-up is recorded once."""
    follow_up = get_object_or_404(
        FollowUp.objects.visible_to(request.user)
        .select_related("participant", "stay", "done_by")
        .only(
            *("pk", "months_after", "due_on", "is_due", "done_on", "outcome", "notes"),
            *("participant__id", "participant__reference", "participant__known_as"),
            *("stay__id", "stay__ended_on", "done_by__id", "done_by__username"),
        ),
        pk=follow_up_pk,
    )
    writable = participant_writable_fields(request.user)
    if request.method == "POST" and "housing" not in writable:
        raise PermissionDenied
    if follow_up.done_on is not None:
        if request.method == "POST":
            messages.info(request, FollowUpAlreadyRecorded.message)
            return redirect("shelter_follow_up_record", follow_up_pk=follow_up.pk)
        file_view_record(request, follow_up.participant, "housing")
        return render(request, "shelters/follow_up_record.html", {"follow_up": follow_up})
    form = FollowUpRecordForm(
        request.POST if request.method == "POST" else None,
        follow_up=follow_up,
        can_record_pathway="pathway" in writable,
    )
    if form.is_valid():
        try:
            follow_up_record(
                actor=request.user,
                follow_up=follow_up,
                outcome=form.cleaned_data["outcome"],
                done_on=form.cleaned_data["done_on"],
                notes=form.cleaned_data["notes"],
                pathway_status=form.cleaned_data["pathway_status"],
            )
        except FollowUpAlreadyRecorded as refused:
            messages.info(request, refused.message)
            return redirect("shelter_follow_up_record", follow_up_pk=follow_up.pk)
        if form.cleaned_data["pathway_status"]:
            messages.success(request, _("The follow-up is recorded, and her pathway updated."))
        else:
            messages.success(request, _("The follow-up is recorded."))
        return redirect("shelter_follow_ups")
    if request.method != "POST":
        file_view_record(request, follow_up.participant, "housing")
    return render(
        request,
        "shelters/follow_up_record.html",
        {
            "follow_up": follow_up,
            "form": form,
            "pathway_outcomes": " ".join(FOLLOW_UP_PATHWAY_STATUS),
        },
    )
