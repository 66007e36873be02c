"""Forms for the houses themselves: a house, its rooms and beds (coordinators)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from safespace.access import SHELTER_STAFF_ROLES
from shelters.models import Bed, Room, Shelter


class ShelterForm(forms.ModelForm):
    # never filled in from the database: reading the address is a reveal of its own
    address = forms.CharField(
        label=_("Address"),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        max_length=500,
    )
    max_stay_months = forms.IntegerField(
        label=_("Maximum stay (months)"), min_value=1, max_value=36, initial=12,
        help_text=_("From 1 to 36 months."),
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = Shelter
        fields = ("name", "kind", "max_stay_months", "staff", "active")
        widgets = {"staff": forms.CheckboxSelectMultiple}
        help_texts = {
            "staff": _("They see this house, who lives in it, and may reveal its address."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = (
            get_user_model()
            .objects.filter(
                is_active=True, groups__name__in=[role.value for role in SHELTER_STAFF_ROLES]
            )
            .distinct()
            .order_by("username")
        )
        self.fields["staff"].required = False
        if self.instance.pk:
            self.fields["address"].required = False
            self.fields["address"].label = _("New address")
            self.fields["address"].help_text = _(
                "Leave it empty to keep the address as it is. It is not shown here."
            )
            self.fields["version"].initial = self.instance.version


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ("name",)
        labels = {"name": _("Room or flat")}


class BedForm(forms.ModelForm):
    class Meta:
        model = Bed
        fields = ("room", "label")

    def __init__(self, *args, shelter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(shelter=shelter)
        self.fields["room"].label_from_instance = lambda room: room.name


class MonthForm(forms.Form):
    month = forms.DateField(input_formats=["%Y-%m"], required=False)

    def clean_month(self):
        month = self.cleaned_data["month"]
        # a month far out of range would overflow the calendar's arithmetic
        if month is not None and not 2000 <= month.year <= 2100:
            raise forms.ValidationError("out of range")
        return month
