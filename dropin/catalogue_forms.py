"""Forms of the sites, the services catalogue, and a service given in individual support."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dropin.models import Service, Site


def _one_spaced(value: str) -> str:
    return " ".join((value or "").split())


class SiteForm(forms.ModelForm):
    """A site's name (unique, whatever its case), and on edit whether it is still in use."""

    class Meta:
        model = Site
        fields = ("name", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("Give the site a name.")
        if self.instance.pk is None:
            del self.fields["active"]  # a new site is in use
            return
        self.fields["active"].help_text = _(
            "Untick when no session is held there any more: its past sessions keep it."
        )

    def clean_name(self):
        name = _one_spaced(self.cleaned_data["name"])
        taken = Site.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("A site of this name exists already."), code="name_taken")
        return name

    def validate_unique(self):
        # the name is checked above, whatever its case; the constraint backs the race
        pass


class ServiceForm(forms.ModelForm):
    """A service of the catalogue. A default service is named in each reader's language:
    its name is shown, never changed; a service of the organisation's own is named as written."""

    class Meta:
        model = Service
        fields = ("name", "category", "active", "position")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("Give the service a name.")
        self.fields["category"].error_messages["required"] = _("Choose its category.")
        self.fields["position"].label = _("Order in the lists")
        self.fields["position"].help_text = _("Smaller numbers come first.")
        self.fields["position"].widget.attrs["inputmode"] = "numeric"
        if self.instance.pk is None:
            del self.fields["active"]  # a new service is offered
        else:
            self.fields["active"].help_text = _(
                "Untick when it is no longer offered: it stays in the history of what was given."
            )
        if self.default_service:
            # a posted name is ignored (a disabled field keeps its initial value)
            name = self.fields["name"]
            name.disabled = True
            name.required = False
            name.help_text = _("Named in each reader's language.")
            self.initial["name"] = str(self.instance.label)

    @property
    def default_service(self) -> bool:
        return bool(self.instance.pk and self.instance.code)

    def clean_name(self):
        if self.default_service:
            return self.instance.name
        name = _one_spaced(self.cleaned_data["name"])
        if name and self._name_taken(name):
            raise forms.ValidationError(
                _("A service of this name is in the catalogue already."), code="name_taken"
            )
        return name

    def _name_taken(self, name: str) -> bool:
        folded = name.casefold()
        others = Service.objects.exclude(pk=self.instance.pk).only("code", "name")
        return any(str(other.label).casefold() == folded for other in others)

    def changes(self) -> dict:
        """What the service update receives: a default service's name is never among it."""
        names = [name for name in self.fields if not (name == "name" and self.default_service)]
        return {name: self.cleaned_data[name] for name in names}


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


class SupportForm(forms.Form):
    """A service given to her in individual support: which one (offered ones, by category),
    and when (today by default, within the past year)."""

    service = forms.TypedChoiceField(
        label=_("Service given"),
        coerce=int,
        error_messages={
            "required": _("Choose the service given."),
            "invalid_choice": _("This service is no longer offered: choose another."),
        },
    )
    given_on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Give the date."), "invalid": _("Give a valid date.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.fields["given_on"].initial = self.today
        offered = list(Service.objects.filter(active=True).order_by("position", "name"))
        self.services = {service.pk: service for service in offered}
        groups = []
        for value, label in Service.Category.choices:
            in_category = [(s.pk, s.label) for s in offered if s.category == value]
            if in_category:
                groups.append((label, in_category))
        self.fields["service"].choices = [("", _("Choose a service")), *groups]

    def clean_service(self):
        return self.services[self.cleaned_data["service"]]

    def clean_given_on(self):
        day = self.cleaned_data["given_on"]
        if day > self.today:
            raise forms.ValidationError(_("The date cannot be in the future."))
        if day < _a_year_before(self.today):
            raise forms.ValidationError(_("Record services given within the past year only."))
        return day
