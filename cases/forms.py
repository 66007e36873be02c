from django import forms
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Participant
from safespace.access import PARTICIPANT_SECTIONS


class BreakGlassForm(forms.Form):
    reference = forms.CharField(
        label=_("File reference"),
        max_length=20,
        help_text=_("For example SS-2026-0042."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Why do you need to open this file now?"),
        min_length=20,
        max_length=2000,
        help_text=_("Coordinators read every reason. Write enough for them to understand."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()


class ParticipantInviteForm(forms.Form):
    username = forms.CharField(
        label=_("Username she will type"),
        max_length=150,
        help_text=_("Choose it with her: not her real name. Letters, digits and @ . + - _ only."),
    )

    def clean_username(self):
        from django.contrib.auth import get_user_model

        username = self.cleaned_data["username"]
        get_user_model().username_validator(username)
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is already taken. Choose another."))
        return username


class AssignmentForm(forms.Form):
    worker = forms.ModelChoiceField(label=_("Worker"), queryset=None)
    kind = forms.ChoiceField(label=_("As"), choices=())

    def __init__(self, *args, participant=None, **kwargs):
        from django.contrib.auth import get_user_model

        from cases.models import Assignment
        from safespace.roles import Role

        super().__init__(*args, **kwargs)
        self.participant = participant
        self.fields["worker"].queryset = (
            get_user_model()
            .objects.filter(
                is_active=True,
                groups__name__in=[Role.SOCIAL_WORKER.value, Role.PEER_WORKER.value],
            )
            .order_by("username")
            .distinct()
        )
        self.fields["kind"].choices = Assignment.Kind.choices

    def clean(self):
        cleaned = super().clean()
        worker = cleaned.get("worker")
        if worker and self.participant.assignments.filter(
            worker=worker, ended_at__isnull=True
        ).exists():
            self.add_error("worker", _("This worker is already assigned to her."))
        return cleaned


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a person"),
        max_length=100,
        help_text=_("First letters of her name, her phone number or her file reference."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


INTAKE_FIELDS = (
    "known_as",
    "first_contact_channel",
    "referral_source",
    "birth_year",
    "nationality",
    "languages",
    "phone",
    "safe_contact",
)
# the file's sections, in the order of safespace.access: one list for page and form
EDIT_FIELDS = ("known_as", *(name for names in PARTICIPANT_SECTIONS.values() for name in names))
TEXT_LIMIT = 20_000


class ParticipantForm(forms.ModelForm):
    """Her file's details; only the fields the editor's role may write are offered."""

    class Meta:
        model = Participant
        fields = EDIT_FIELDS
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "postal_address": forms.Textarea(attrs={"rows": 3}),
            "safe_contact": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, allowed=(), only=None, **kwargs):
        super().__init__(*args, **kwargs)
        keep = set(only or EDIT_FIELDS) & set(allowed)
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        for name in ("postal_address", "safe_contact", "notes"):
            if name in self.fields:
                self.fields[name].max_length = TEXT_LIMIT
                self.fields[name].validators.append(MaxLengthValidator(TEXT_LIMIT))
        if "phone" in self.fields:
            self.fields["phone"].validators.append(
                RegexValidator(r"^[\d\s+().-]*$", _("Only digits, spaces and + ( ) . -"))
            )
        if "birth_year" in self.fields:
            this_year = timezone.localdate().year
            self.fields["birth_year"].validators += [
                MinValueValidator(1900),
                MaxValueValidator(this_year),
            ]

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        if born and born.year < 1900:
            raise forms.ValidationError(_("Please check the year."))
        return born

    def clean(self):
        cleaned = super().clean()
        born, year = cleaned.get("date_of_birth"), cleaned.get("birth_year")
        if born and year and born.year != year:
            self.add_error("birth_year", _("This does not match the date of birth."))
        count, with_her = cleaned.get("children_count"), cleaned.get("children_with_her")
        if count is not None and count < 0:
            self.add_error("children_count", _("Cannot be negative."))
        if with_her in ("all", "some") and not count:
            self.add_error("children_with_her", _("Give the number of children first."))
        return cleaned


class PathwayForm(forms.Form):
    status = forms.ChoiceField(label=_("Where she stands now"), choices=())
    since = forms.DateField(
        label=_("Since"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        from cases.models import PathwayEntry

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = PathwayEntry.Status.choices
        self.fields["since"].initial = timezone.localdate()

    def clean_since(self):
        since = self.cleaned_data["since"]
        if since > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        if since.year < 1900:
            raise forms.ValidationError(_("Please check the year."))
        return since


# --- Partners, consents and referrals ---
# imported here, not at the top, so the features' blocks merge apart
from cases.models import Consent, Partner, Referral  # noqa: E402


class PartnerForm(forms.ModelForm):
    """An organisation of the partner directory; unticking "active" keeps it in history."""

    class Meta:
        model = Partner
        fields = ("name", "kind", "contact", "active")
        widgets = {"contact": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].max_length = 2000
        self.fields["contact"].validators.append(MaxLengthValidator(2000))
        if self.instance.pk is None:
            del self.fields["active"]  # a new partner is active
            return
        self.fields["active"].help_text = _(
            "Untick when we no longer work with them: they stay in her history, "
            "but nobody can refer her to them or record a consent for them."
        )

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("She agrees to"), choices=(), widget=forms.RadioSelect)
    partner = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=None,
        required=False,
        help_text=_("Only for sharing: the partner she agrees we share with."),
    )
    method = forms.ChoiceField(label=_("How she said it"), choices=(), widget=forms.RadioSelect)
    given_on = forms.DateField(label=_("Given on"), widget=_date_widget())
    expires_on = forms.DateField(
        label=_("Until"),
        required=False,
        widget=_date_widget(),
        help_text=_("Leave empty if she set no end date."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = Consent.Purpose.choices
        self.fields["method"].choices = Consent.Method.choices
        self.fields["partner"].queryset = Partner.objects.filter(active=True).order_by("name")
        self.fields["given_on"].initial = timezone.localdate()

    def clean_given_on(self):
        given_on = self.cleaned_data["given_on"]
        if given_on > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        if given_on.year < 1900:
            raise forms.ValidationError(_("Please check the year."))
        return given_on

    def clean_expires_on(self):
        expires_on = self.cleaned_data.get("expires_on")
        if expires_on and expires_on.year > 2200:
            raise forms.ValidationError(_("Please check the year."))
        return expires_on

    def clean(self):
        cleaned = super().clean()
        purpose, partner = cleaned.get("purpose"), cleaned.get("partner")
        if purpose == Consent.Purpose.SHARE_PARTNER and partner is None:
            if "partner" not in self.errors:
                self.add_error("partner", _("Choose the partner she agrees we share with."))
        elif purpose and purpose != Consent.Purpose.SHARE_PARTNER and partner is not None:
            self.add_error(
                "partner", _("A partner is named only for sharing. Leave this field empty.")
            )
        given_on, expires_on = cleaned.get("given_on"), cleaned.get("expires_on")
        if given_on and expires_on and expires_on <= given_on:
            self.add_error("expires_on", _("This date must come after the day she gave it."))
        return cleaned


class ReferralForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=None)
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        help_text=_("Leave it as it is to use the partner's type."),
    )
    override_reason = forms.CharField(
        label=_("Reason for going ahead without her consent"),
        required=False,
        min_length=20,
        max_length=2000,
        help_text=_(
            "Only if she has not given her consent and you decide to go ahead: "
            "write why. It is kept in the referral."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, can_override=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.filter(active=True).order_by("name")
        self.fields["kind"].choices = [("", _("The partner's type")), *Partner.Kind.choices]
        if not can_override:
            del self.fields["override_reason"]


class ReferralUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=())
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        max_length=TEXT_LIMIT,
        help_text=_("What came of it, in a few words."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = Referral.Status.choices
