"""Forms of outreach: a street or online round, a contact worth following, linking contacts
to her file. None of them asks for a name or for where a person can be found."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from dropin.models import AgeBand, OutreachRound
from safespace.access import OUTREACH_ROLES
from safespace.roles import Role

VISITOR_CODE_MAX = 40
NOTES_LIMIT = 10_000
# far above any real round: a typo of extra digits is caught before the database refuses it
COUNT_MAX = 10_000
COUNT_FIELDS = (
    "contacts_made",
    "new_contacts",
    "leaflets",
    "hygiene_kits",
    "food_and_drinks",
    "other_material",
)
# who can be on a team: those who record rounds, and volunteers (who go out but do not record)
TEAM_ROLES = (*OUTREACH_ROLES, Role.VOLUNTEER)


def _count_field(label, *, help_text=""):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=COUNT_MAX,
        initial=0,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": _("Write a number (0 if none)."),
            "min_value": _("No fewer than 0."),
            "max_value": _("Please check this number."),
        },
    )


class TeamChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_username()


def team_queryset(*, keep=()):
    """Active accounts that can go out on a round; ``keep`` adds the team already recorded
    (someone who left stays on the rounds she did)."""
    return (
        get_user_model()
        .objects.filter(
            Q(is_active=True, groups__name__in=[role.value for role in TEAM_ROLES])
            | Q(pk__in=list(keep))
        )
        .only("pk", "username")
        .order_by("username")
        .distinct()
    )


class OutreachRoundForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of round"),
        choices=OutreachRound.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose street or online.")},
    )
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Give the date of the round.")},
    )
    area = forms.CharField(
        label=_("Area or platform"),
        max_length=100,
        help_text=_("A district or a platform, never where a person can be found."),
        error_messages={"required": _("Give the district or the platform.")},
    )
    team = TeamChoiceField(
        label=_("Team"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contacts_made = _count_field(_("Contacts made"))
    new_contacts = _count_field(_("Of whom new"), help_text=_("Met for the first time."))
    leaflets = _count_field(_("Leaflets"))
    hygiene_kits = _count_field(_("Hygiene kits"))
    food_and_drinks = _count_field(_("Food and drinks"))
    other_material = _count_field(_("Other material"))
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_LIMIT,
        strip=False,
        help_text=_("Kept encrypted. No names, and nothing that says where someone can be found."),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "max_length": _("At most %(limit_value)d characters; this has %(show_value)d.")
        },
    )

    def __init__(self, *args, recorder=None, outreach_round=None, **kwargs):
        super().__init__(*args, **kwargs)
        # no maxlength in the page: a browser would cut pasted notes silently
        self.fields["notes"].widget.attrs.pop("maxlength", None)
        keep = []
        if outreach_round is not None:
            keep = [user.pk for user in outreach_round.team.all()]
        self.fields["team"].queryset = team_queryset(keep=keep)
        if outreach_round is None:
            self.fields["date"].initial = timezone.localdate()
            if recorder is not None:
                self.fields["team"].initial = [recorder.pk]

    @classmethod
    def for_round(cls, outreach_round, data=None):
        """The form filled with a recorded round, to correct it."""
        initial = {name: getattr(outreach_round, name) for name in ("kind", "date", "area")}
        initial |= {name: getattr(outreach_round, name) for name in COUNT_FIELDS}
        initial["notes"] = outreach_round.notes
        initial["team"] = [user.pk for user in outreach_round.team.all()]
        return cls(data, initial=initial, outreach_round=outreach_round)

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        if day.year < 2000:
            raise forms.ValidationError(_("Please check the year."))
        return day

    def clean_area(self):
        area = self.cleaned_data["area"].strip()
        if not area:
            raise forms.ValidationError(_("Give the district or the platform."))
        return area

    def clean(self):
        cleaned = super().clean()
        made, new = cleaned.get("contacts_made"), cleaned.get("new_contacts")
        if made is not None and new is not None and new > made:
            self.add_error(
                "new_contacts",
                _("New contacts are among the contacts made: at most %(made)d.") % {"made": made},
            )
        return cleaned

    def round_data(self) -> dict:
        """The keyword arguments of outreach_round_record / outreach_round_correct."""
        data = self.cleaned_data
        values = {name: data[name] for name in ("kind", "date", "area", "notes", *COUNT_FIELDS)}
        values["team"] = list(data["team"])
        return values


class OutreachContactForm(forms.Form):
    """A contact worth following: never a name, only what she chose to give."""

    visitor_code = forms.CharField(
        label=_("Visitor code (if she chose one)"),
        required=False,
        max_length=VISITOR_CODE_MAX,
        help_text=_(
            "A word she chooses and gives again next time, at the drop-in too. Never her "
            "name. It is kept only as a code nobody can read back."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    nationality = CountryField(blank=True, blank_label=_("Not said")).formfield(
        label=_("Nationality"), required=False
    )
    age_band = forms.ChoiceField(
        label=_("Age"), choices=[("", _("Not said")), *AgeBand.choices], required=False
    )
    first_contact = forms.TypedChoiceField(
        label=_("First contact?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        initial="yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether it is a first contact.")},
    )

    def contact_data(self) -> dict:
        data = self.cleaned_data
        return {
            "visitor_code": data["visitor_code"],
            "nationality": data["nationality"] or "",
            "age_band": data["age_band"],
            "first_contact": data["first_contact"],
        }


class OutreachLinkForm(forms.Form):
    visitor_code = forms.CharField(
        label=_("The visitor code she chose"),
        max_length=VISITOR_CODE_MAX,
        help_text=_("Capitals, accents and spaces do not matter."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Write the code she chose.")},
    )

    def clean_visitor_code(self):
        from dropin.services import visitor_code_digest

        code = self.cleaned_data["visitor_code"]
        if not visitor_code_digest(code):
            raise forms.ValidationError(_("Write the code with letters or digits."))
        return code
