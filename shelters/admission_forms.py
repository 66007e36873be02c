"""Forms of the waiting list: asking for a place for her, and deciding on a request."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shelters.models import AdmissionRequest, Shelter

REASON_LIMIT = 2_000
# a request back-dated further than this is most likely a typo in the year
OLDEST_REQUEST_DAYS = 366

Status = AdmissionRequest.Status
# what each decision is called on the button, for the person deciding
DECISION_LABELS = {
    Status.OFFERED: _("Offer her a place"),
    Status.REFUSED: _("Refuse the request"),
    Status.WAITING: _("Put it back to waiting"),
    Status.WITHDRAWN: _("Withdraw the request (she no longer needs it)"),
}


class AdmissionRequestForm(forms.Form):
    urgency = forms.ChoiceField(
        label=_("How soon does she need a place?"),
        choices=AdmissionRequest.Urgency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say how soon she needs a place.")},
    )
    wished_kind = forms.ChoiceField(
        label=_("Kind of place wished"),
        choices=[("", _("Any kind of place")), *Shelter.Kind.choices],
        required=False,
    )
    requested_on = forms.DateField(
        label=_("Asked on"),
        help_text=_("Today, unless she asked earlier."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Give the date she asked for a place.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_on"].initial = timezone.localdate()

    def clean_requested_on(self):
        day = self.cleaned_data["requested_on"]
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError(_("This date is in the future."))
        if day < today - timedelta(days=OLDEST_REQUEST_DAYS):
            raise forms.ValidationError(_("Please check the year."))
        return day


class AdmissionDecisionForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=(),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_LIMIT,
        help_text=_("Needed to refuse. Kept encrypted, and shown only on this request's page."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, decisions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(value, DECISION_LABELS[value]) for value in decisions]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Status.REFUSED and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Write why the request is refused."))
        return cleaned
