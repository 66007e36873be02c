"""The coordinator's figures on the houses over a period (shelters.figures).

Counts only: never a woman's name, never an address.
"""

from datetime import date

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from safespace.access import role_required
from safespace.roles import Role
from shelters import figures
from shelters.models import Shelter, Stay


class FiguresPeriodForm(forms.Form):
    """The period, read from the address (?start=YYYY-MM-DD&end=YYYY-MM-DD)."""

    start = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, for example 2026-01-01.")},
    )
    end = forms.DateField(
        label=_("To (included)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date, for example 2026-12-31.")},
    )

    def clean_start(self):
        return _plausible(self.cleaned_data["start"])

    def clean_end(self):
        return _plausible(self.cleaned_data["end"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("This date is before the start date."))
        return cleaned


def _plausible(day: date) -> date:
    if not 1900 <= day.year <= 2999:
        raise forms.ValidationError(_("Please check the year."))
    return day


@require_safe
@role_required(Role.COORDINATOR)
def shelter_figures(request):
    """Stays, people housed, nights, occupancy, lengths of stay and exit destinations, per
    house and in total, for a period (by default this calendar year to date)."""
    today = timezone.localdate()
    defaults = {"start": date(today.year, 1, 1).isoformat(), "end": today.isoformat()}
    form = FiguresPeriodForm({name: request.GET.get(name) or day for name, day in defaults.items()})
    period = None
    if form.is_valid():
        period = figures.shelter_figures(
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            shelters=Shelter.objects.visible_to(request.user),
        )
    return render(
        request,
        "shelters/figures.html",
        {"form": form, "period": period, "destinations": Stay.ExitDestination.choices},
    )
