"""Erasure, legal hold and the retention calendar: a coordinator's pages (issue 10)."""

from allauth.account.decorators import reauthentication_required
from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from cases.erasure import ErasureRefused, Reason, participant_anonymise, shared_records_of
from cases.models import Participant
from cases.retention import retention_upcoming
from safespace.access import role_required
from safespace.audit import audit_record
from safespace.roles import Role


class AnonymiseForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Why is her file anonymised?"),
        choices=[c for c in Reason.choices if c[0] != Reason.RETENTION],
        widget=forms.RadioSelect,
    )
    confirm = forms.CharField(
        label=gettext_lazy("To confirm, type the file reference"),
        max_length=40,
        help_text=gettext_lazy("This cannot be undone."),
    )

    def __init__(self, *args, reference: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference = reference

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip()
        if typed.upper() != self.reference.upper():
            raise forms.ValidationError(
                _("This is not the reference of this file: check it at the top of the page.")
            )
        return typed


def _her_file(request, pk):
    return get_object_or_404(
        Participant.objects.visible_to(request.user).only(
            "pk", "reference", "known_as", "legal_hold", "legal_hold_since", "anonymised_at",
            "merged_into", "closed_on",
        ),
        pk=pk,
    )  # fmt: skip


@never_cache
@role_required(Role.COORDINATOR)
@reauthentication_required
def participant_anonymise_view(request, pk):
    """Anonymise her file, on her request or when she withdrew her consent to keeping it."""
    participant = _her_file(request, pk)
    form = AnonymiseForm(request.POST or None, reference=participant.reference)
    refused = None
    if request.method == "POST" and form.is_valid():
        reference = participant.reference
        try:
            participant_anonymise(
                actor=request.user, participant=participant, reason=form.cleaned_data["reason"]
            )
        except ErasureRefused as error:
            refused = str(error)
        else:
            messages.success(
                request,
                _("File %(reference)s is anonymised. What it held about her is gone.")
                % {"reference": reference},
            )
            return redirect("retention_overview")
    context = {
        "participant": participant,
        "form": form,
        "refused": refused,
        "shared": shared_records_of(participant),
    }
    return render(request, "cases/anonymise.html", context)


@require_POST
@role_required(Role.COORDINATOR)
def participant_legal_hold(request, pk):
    """Place her file under a legal hold, or lift it: while held, it is never anonymised."""
    participant = _her_file(request, pk)
    hold = request.POST.get("hold") == "on"
    if hold != participant.legal_hold:
        Participant.objects.filter(pk=participant.pk).update(
            legal_hold=hold, legal_hold_since=timezone.localdate() if hold else None
        )
        audit_record(
            action="participant.legal_hold_set" if hold else "participant.legal_hold_lifted",
            actor=request.user,
            target=participant,
            participant_id=participant.pk,
        )
        messages.success(
            request,
            _("Her file is under a legal hold: it will not be anonymised.")
            if hold
            else _("The legal hold is lifted."),
        )
    return redirect(reverse("participant_detail", args=[participant.pk]) + "#her-data")


@require_safe
@role_required(Role.COORDINATOR)
def retention_overview(request):
    """What retention will anonymise or remove in the next 30 days, before it happens."""
    years = {
        "files": settings.SAFESPACE_RETENTION_CLOSED_FILE_YEARS,
        "visits": settings.SAFESPACE_RETENTION_ANONYMOUS_VISIT_YEARS,
        "outreach": settings.SAFESPACE_RETENTION_OUTREACH_NOTES_YEARS,
        "report_days": settings.SAFESPACE_REPORT_FILE_DAYS,
    }
    return render(
        request,
        "cases/retention.html",
        {"upcoming": retention_upcoming(), "settings_years": years},
    )
