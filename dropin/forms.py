"""Forms of the drop-in desk: opening a session, presences, and logging a visit."""

import functools
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from cases.models import Participant
from dropin.models import AgeBand, OpeningSession, Service, Site

ANONYMOUS = "anonymous"
VISITOR_CODE_MAX = 40


def _time_input():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SessionOpenForm(forms.ModelForm):
    class Meta:
        model = OpeningSession
        fields = ["site", "date", "opens_at", "closes_at"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "opens_at": _time_input(),
            "closes_at": _time_input(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(active=True)
        self.fields["site"].empty_label = None
        self.fields["site"].error_messages["required"] = _("Choose the site.")

    def clean_date(self):
        day = self.cleaned_data["date"]
        today = timezone.localdate()
        if day > today + timedelta(days=60):
            raise forms.ValidationError(_("Plan sessions at most two months ahead."))
        if day < today - timedelta(days=366):
            raise forms.ValidationError(_("Please check the year."))
        return day

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The session must close after it opens."))
        return cleaned

    def validate_unique(self):
        # the site and start are checked by the service's constraint; say it in words here
        site, day, opens = (self.cleaned_data.get(name) for name in ("site", "date", "opens_at"))
        if site and day and opens:
            taken = OpeningSession.objects.filter(site=site, date=day, opens_at=opens).exists()
            if taken:
                self.add_error("opens_at", _("A session of this site already opens at this time."))


class PresenceForm(forms.Form):
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        decimal_places=2,
        error_messages={
            "min_value": _("At least a quarter of an hour."),
            "max_value": _("At most 24 hours."),
        },
    )


@functools.lru_cache(maxsize=16)
def _country_options(language: str, empty_label: str) -> str:
    """Every country as an <option>, in this language's names and order: built once per
    language, as rendering 250 options through widget templates took most of a visit's
    logging time (measured: ~60 ms of 130 ms at the desk)."""
    options = [format_html('<option value="">{}</option>', empty_label)]
    options += [f'<option value="{code}">{escape(name)}</option>' for code, name in countries]
    return "".join(options)


class CountrySelect(forms.Select):
    """The nationality select, with its options rendered once per language."""

    def render(self, name, value, attrs=None, renderer=None):
        options = _country_options(get_language() or "", str(_("Not said")))
        if value:
            chosen = f'<option value="{escape(value)}">'
            options = options.replace(chosen, chosen[:-1] + " selected>", 1)
        final = self.build_attrs(self.attrs, attrs)
        return mark_safe(f'<select name="{escape(name)}"{flatatt(final)}>{options}</select>')  # noqa: S308 - escaped above


class VisitForm(forms.Form):
    """Who (a known visitor chosen by her known-as name, or an anonymous visitor), the
    services given, the children with her. Anonymous details are all optional."""

    q = forms.CharField(
        label=_("Her name (first letters)"),
        required=False,
        max_length=60,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
        ),
    )
    who = forms.CharField(
        required=False,
        error_messages={"required": _("Choose who is visiting, or an anonymous visitor.")},
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services given"),
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    children_count = forms.IntegerField(
        label=_("Children with her"),
        min_value=0,
        max_value=20,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"max_value": _("At most 20."), "min_value": _("No fewer than 0.")},
    )
    # anonymous visitor (all optional)
    # a plain code field: a ChoiceField of 250 countries was deep-copied with every form
    nationality = forms.CharField(
        label=_("Nationality"), required=False, max_length=2, widget=CountrySelect
    )
    age_band = forms.ChoiceField(
        label=_("Age"), choices=[("", _("Not said")), *AgeBand.choices], required=False
    )
    first_visit = forms.TypedChoiceField(
        label=_("First visit?"),
        choices=[("", _("Not known")), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    visitor_code = forms.CharField(
        label=_("Visitor code (if she chose one)"),
        required=False,
        max_length=VISITOR_CODE_MAX,
        help_text=_(
            "A word she chooses and gives again next time, so she is counted once. Never "
            "her name. It is kept only as a code nobody can read back."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, correcting=False, participant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.filter(active=True)
        # when correcting a visit, who visited does not change
        self.correcting = correcting
        self.participant = participant

    def service_choices(self):
        """(pk, label, ticked) of each offered service, for the desk's checkboxes (rendered
        in the template: widget templates per checkbox cost too much at the desk)."""
        ticked = {str(value) for value in (self["services"].value() or [])}
        return [
            (service.pk, service.label, str(service.pk) in ticked)
            for service in self.fields["services"].queryset
        ]

    def clean_nationality(self):
        code = (self.cleaned_data.get("nationality") or "").upper()
        if code and not countries.name(code):
            raise forms.ValidationError(_("Choose a country from the list."))
        return code

    def clean_children_count(self):
        return self.cleaned_data.get("children_count") or 0

    def clean_who(self):
        if self.correcting:
            return str(self.participant.pk) if self.participant else ANONYMOUS
        who = (self.cleaned_data.get("who") or "").strip()
        if not who:
            return ""  # the view says so when saving; a search alone says nothing
        if who == ANONYMOUS:
            self.participant = None
            return who
        if not (who.isascii() and who.isdigit()):
            raise forms.ValidationError(
                _("Choose who is visiting, or an anonymous visitor."), code="required"
            )
        self.participant = Participant.objects.at_the_desk().filter(pk=int(who)).first()
        if self.participant is None:
            raise forms.ValidationError(_("This person cannot be found any more: search again."))
        return who

    @property
    def anonymous(self) -> bool:
        return self.is_bound and self["who"].value() == ANONYMOUS

    def visit_data(self) -> dict:
        """The keyword arguments of visit_log / visit_correct."""
        data = self.cleaned_data
        values = {
            "services": list(data["services"]),
            "children_count": data["children_count"],
        }
        if self.participant is None:
            values |= {
                "nationality": data["nationality"] or "",
                "age_band": data["age_band"],
                "first_visit": data["first_visit"],
                "visitor_code": data["visitor_code"],
            }
        return values
