"""Recording a follow-up after a stay: how she is doing, and, if it says so, her pathway."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import PathwayEntry
from shelters.models import FollowUp

FOLLOW_UP_NOTES_LIMIT = 5_000

# the outcomes that say where she stands on her exit pathway ("stable" says nothing on its
# own: her worker records "exited" from her file when she and her worker see it that way)
FOLLOW_UP_PATHWAY_STATUS = {
    FollowUp.Outcome.RETURNED: PathwayEntry.Status.RETURNED,
    FollowUp.Outcome.LOST_CONTACT: PathwayEntry.Status.CONTACT_LOST,
}


class FollowUpRecordForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How is she doing?"),
        choices=FollowUp.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how she is doing.")},
    )
    done_on = forms.DateField(
        label=_("Done on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    notes = forms.CharField(
        label=_("Notes (optional)"),
        required=False,
        max_length=FOLLOW_UP_NOTES_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": _(
                "Notes can be at most 5,000 characters long; these have %(show_value)d."
            ),
        },
    )
    record_on_pathway = forms.BooleanField(
        label=_("Also record it on her exit pathway"),
        required=False,
        help_text=_(
            "“Returned to prostitution” and “Contact lost” become her pathway status from "
            "the day of the follow-up. Her earlier statuses stay as they were."
        ),
    )

    def __init__(self, *args, follow_up: FollowUp, can_record_pathway: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.follow_up = follow_up
        self.fields["done_on"].initial = timezone.localdate()
        # no maxlength in the page: a browser would cut pasted text silently; the server says why
        self.fields["notes"].widget.attrs.pop("maxlength", None)
        if not can_record_pathway:
            del self.fields["record_on_pathway"]

    def clean_done_on(self):
        done_on = self.cleaned_data["done_on"]
        if done_on > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        if done_on < self.follow_up.stay.ended_on:
            raise forms.ValidationError(_("She left the house after this date."))
        return done_on

    def clean(self):
        cleaned = super().clean()
        status = ""
        if cleaned.get("record_on_pathway") and cleaned.get("outcome"):
            status = FOLLOW_UP_PATHWAY_STATUS.get(cleaned["outcome"], "")
            if not status:
                self.add_error(
                    "record_on_pathway",
                    _(
                        "Only “returned” and “contact lost” change her pathway status. Untick "
                        "this box, or record her status from her file."
                    ),
                )
        cleaned["pathway_status"] = status
        return cleaned
