"""Forms for stays: give her a place, move her to another bed, record that she left.

The bed choices come from Shelter.objects.visible_to(user) (never the address), grouped by
house, and say which beds are free tonight (one query on the nights of today).
"""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shelters.models import AdmissionRequest, Bed, BedNight, Shelter, Stay

# a stay begins within a year of today: anything else is a typing slip
PLAUSIBLE_DAYS = 366
OPEN_REQUESTS = (AdmissionRequest.Status.WAITING, AdmissionRequest.Status.OFFERED)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _plausible(day: date) -> date:
    today = timezone.localdate()
    if abs((day - today).days) > PLAUSIBLE_DAYS:
        raise forms.ValidationError(_("Please check the date: it is more than a year away."))
    return day


def beds_for(user):
    """Active beds of the open houses this user may see, house by house (one query)."""
    return list(
        Bed.objects.filter(
            active=True,
            room__shelter__active=True,
            room__shelter__in=Shelter.objects.visible_to(user).values("pk"),
        )
        .select_related("room__shelter")
        .only("pk", "label", "room__name", "room__shelter__name", "room__shelter__kind")
        .order_by("room__shelter__name", "room__name", "label")
    )


class BedField(forms.TypedChoiceField):
    """A bed among the given ones, as <optgroup> per house; cleans to the Bed itself."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, coerce=int, empty_value=None, **kwargs)
        self.beds = {}

    def set_beds(self, beds, *, free_tonight: set[int] | None = None):
        self.beds = {bed.pk: bed for bed in beds}
        groups = {}
        for bed in beds:
            shelter = bed.room.shelter
            label = f"{shelter.name} · {bed.room.name} · {bed.label}"
            if free_tonight is not None:
                state = _("free tonight") if bed.pk in free_tonight else _("taken tonight")
                label = f"{label} ({state})"
            groups.setdefault(shelter.name, []).append((bed.pk, label))
        self.choices = [("", _("Choose a bed")), *groups.items()]

    def clean(self, value):
        pk = super().clean(value)
        return None if pk is None else self.beds[pk]


def _free_tonight(beds) -> set[int]:
    """The beds with no night row tonight (one query)."""
    pks = [bed.pk for bed in beds]
    tonight = BedNight.objects.filter(night=timezone.localdate(), bed__in=pks)
    return set(pks) - set(tonight.values_list("bed_id", flat=True))


class AdmitForm(forms.Form):
    """Give her a bed from a night on, with an expected departure if one is planned."""

    bed = BedField(label=_("Bed"))
    starts_on = forms.DateField(label=_("First night"), widget=_date_input())
    expected_end_on = forms.DateField(
        label=_("Expected departure"),
        required=False,
        widget=_date_input(),
        help_text=_(
            "Optional: the morning she is expected to leave. Without it the place is held "
            "up to the house's maximum stay."
        ),
    )
    admission = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.participant = participant
        beds = beds_for(user)
        self.fields["bed"].set_beds(beds, free_tonight=_free_tonight(beds))
        self.fields["starts_on"].initial = timezone.localdate()

    def clean_starts_on(self):
        return _plausible(self.cleaned_data["starts_on"])

    def clean_admission(self):
        """Her own request, still waiting or offered; anything else is refused."""
        pk = self.cleaned_data["admission"]
        if pk is None:
            return None
        request = open_request(self.participant, pk)
        if request is None:
            raise forms.ValidationError(
                _(
                    "This request for a place is no longer waiting (it was decided or "
                    "withdrawn). Open this page again from her file to give her a place."
                )
            )
        return request

    def clean(self):
        cleaned = super().clean()
        # errors of the hidden request field would not show: say them at the top
        for message in self.errors.pop("admission", []):
            self.add_error(None, message)
        starts, expected = cleaned.get("starts_on"), cleaned.get("expected_end_on")
        if starts and expected and expected <= starts:
            self.add_error("expected_end_on", _("Her departure must come after her first night."))
        return cleaned


def open_request(participant, pk) -> AdmissionRequest | None:
    """Her request ``pk`` if it is still on the waiting list (waiting or offered); with no
    ``pk``, her open request if she has one (she has at most one)."""
    requests = AdmissionRequest.objects.filter(participant=participant, status__in=OPEN_REQUESTS)
    if pk is not None:
        try:
            requests = requests.filter(pk=int(pk))
        except (TypeError, ValueError):
            return None
    return requests.defer("decision_reason").first()


class StayDepartureForm(forms.Form):
    """When she is now expected to leave (empty: not known, up to the house's maximum)."""

    expected_end_on = forms.DateField(
        label=_("Expected departure"),
        required=False,
        widget=_date_input(),
        help_text=_("Leave it empty if it is not known yet: her place then runs up to the "
                    "house's maximum."),
    )  # fmt: skip

    def __init__(self, *args, stay, **kwargs):
        super().__init__(*args, **kwargs)
        self.stay = stay
        self.fields["expected_end_on"].initial = stay.expected_end_on
        self.fields["expected_end_on"].help_text = _(
            "Leave it empty if it is not known yet: her place then runs up to the house's "
            "maximum, %(date)s."
        ) % {"date": _short(stay.limit_on)}

    def clean_expected_end_on(self):
        expected = self.cleaned_data["expected_end_on"]
        if expected is not None and expected <= self.stay.starts_on:
            raise forms.ValidationError(
                _("She arrived on %(date)s: choose a later date.")
                % {"date": _short(self.stay.starts_on)}
            )
        if expected is not None and expected > self.stay.limit_on:
            raise forms.ValidationError(
                _("The house's maximum stay ends on %(date)s: choose that date or an earlier one.")
                % {"date": _short(self.stay.limit_on)}
            )
        return expected


class StayEndForm(forms.Form):
    """She left on the morning of ``ended_on``; where she went."""

    ended_on = forms.DateField(label=_("She left on"), widget=_date_input())
    exit_destination = forms.ChoiceField(
        label=_("Where she went"),
        choices=[("", _("Choose one")), *Stay.ExitDestination.choices],
    )
    notes = forms.CharField(
        label=_("Notes (only her workers see them)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, stay, last_morning: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.stay = stay
        self.last_morning = last_morning
        self.fields["ended_on"].initial = min(timezone.localdate(), last_morning)
        # no maxlength in the page: a browser would cut pasted text silently
        self.fields["notes"].widget.attrs.pop("maxlength", None)

    def clean_ended_on(self):
        ended_on = self.cleaned_data["ended_on"]
        if ended_on <= self.stay.starts_on:
            raise forms.ValidationError(
                _("She left after her first night (%(date)s): choose a later date.")
                % {"date": _short(self.stay.starts_on)}
            )
        if ended_on > timezone.localdate():
            raise forms.ValidationError(
                _("Record her departure once she has left. Until then, change the expected "
                  "departure.")
            )  # fmt: skip
        if ended_on > self.last_morning:
            raise forms.ValidationError(
                _("Her place ends on %(date)s: choose that date or an earlier one.")
                % {"date": _short(self.last_morning)}
            )
        return ended_on


class StayMoveForm(forms.Form):
    """Another bed, in this house or another, from the night of ``moved_on``."""

    bed = BedField(label=_("New bed"))
    moved_on = forms.DateField(label=_("First night in the new bed"), widget=_date_input())

    def __init__(self, *args, user, stay, last_morning: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.stay = stay
        self.last_morning = last_morning
        beds = [bed for bed in beds_for(user) if bed.pk != stay.bed_id]
        self.fields["bed"].set_beds(beds, free_tonight=_free_tonight(beds))
        self.fields["moved_on"].initial = max(
            min(timezone.localdate(), last_morning), stay.starts_on + timedelta(days=1)
        )

    def clean_moved_on(self):
        moved_on = self.cleaned_data["moved_on"]
        if moved_on <= self.stay.starts_on:
            raise forms.ValidationError(
                _("A move comes after her first night (%(date)s): choose a later date.")
                % {"date": _short(self.stay.starts_on)}
            )
        if moved_on > self.last_morning:
            raise forms.ValidationError(
                _("Her place ends on %(date)s: choose that date or an earlier one.")
                % {"date": _short(self.last_morning)}
            )
        return moved_on


def _short(day: date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "DATE_FORMAT")
