from datetime import date

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dropin.models import Site

YEARS_BACK = 6


def default_year(today: date | None = None) -> int:
    """The calendar year a coordinator most likely reports on: this one in December,
    the last one otherwise."""
    today = today or timezone.localdate()
    return today.year if today.month == 12 else today.year - 1


class ReportRequestForm(forms.Form):
    """A calendar year by default, or any dates; the whole organisation or one site."""

    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)
    start = forms.DateField(
        label=_("Or from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, for example 2026-01-01.")},
    )
    end = forms.DateField(
        label=_("To (included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, for example 2026-12-31.")},
    )
    site = forms.ModelChoiceField(
        label=_("For"),
        queryset=Site.objects.order_by("name"),
        required=False,
        empty_label=_("The whole organisation"),
    )
    language = forms.ChoiceField(label=_("Language of the report"), choices=settings.LANGUAGES)
    show_small_numbers = forms.BooleanField(
        label=_("Show small numbers (internal use only)"),
        required=False,
        help_text=_(
            "Numbers below the threshold are then shown as they are: such a report must "
            "never leave the organisation. Your reason is kept, and this is recorded."
        ),
    )
    reason = forms.CharField(
        label=_("Why small numbers must be shown"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        self.fields["year"].choices = [
            (year, str(year)) for year in range(today.year, today.year - YEARS_BACK, -1)
        ]
        self.fields["year"].initial = default_year(today)

    def clean(self):
        cleaned = super().clean()
        typed = {
            name: bool((self.data.get(self.add_prefix(name)) or "").strip())
            for name in ("start", "end")
        }
        if typed["start"] or typed["end"]:
            if not typed["start"]:
                self.add_error("start", _("Give the first day too, or leave both dates empty."))
            if not typed["end"]:
                self.add_error("end", _("Give the last day too, or leave both dates empty."))
            start, end = cleaned.get("start"), cleaned.get("end")
            if start and end and start > end:
                self.add_error("end", _("This date is before the start date."))
            for name in ("start", "end"):
                day = cleaned.get(name)
                if day and not 1900 <= day.year <= 2999:
                    self.add_error(name, _("Please check the year."))
        elif cleaned.get("year"):
            year = cleaned["year"]
            cleaned["start"], cleaned["end"] = date(year, 1, 1), date(year, 12, 31)
        elif "year" not in self.errors:
            self.add_error("year", _("Choose a year, or give two dates."))
        if cleaned.get("show_small_numbers") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why small numbers must be shown."))
        return cleaned
