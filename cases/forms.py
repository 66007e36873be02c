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
    # optional; with a birth year, they let intake spot a file we already have
    "legal_name",
    "date_of_birth",
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


# --- Duplicates, merging, closing and reopening ---


class IntakeDuplicateForm(forms.Form):
    someone_else = forms.BooleanField(
        label=_("This is someone else: open a new file"), required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the label is a sentence already
        super().__init__(*args, **kwargs)


class MergeForm(forms.Form):
    """Two file references: the file kept, and the duplicate merged into it."""

    keep = forms.CharField(
        label=_("File to keep"),
        max_length=20,
        help_text=_("For example SS-2026-0042."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    merged = forms.CharField(
        label=_("File to merge into it"),
        max_length=20,
        help_text=_("This file will keep only its reference, pointing to the file kept."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def _file(self, name):
        reference = self.cleaned_data[name].strip().upper()
        # the reference and links only: nothing of her file is decrypted to check them
        participant = (
            Participant.objects.only("pk", "reference", "merged_into", "account")
            .filter(reference=reference)
            .first()
        )
        if participant is None:
            raise forms.ValidationError(_("No file has this reference. Check it and try again."))
        if participant.merged_into_id:
            raise forms.ValidationError(_("This file was already merged into another."))
        return participant

    def clean_keep(self):
        return self._file("keep")

    def clean_merged(self):
        return self._file("merged")

    def clean(self):
        cleaned = super().clean()
        keep, merged = cleaned.get("keep"), cleaned.get("merged")
        if keep and merged:
            if keep.pk == merged.pk:
                self.add_error("merged", _("A file cannot be merged into itself."))
            elif keep.account_id and merged.account_id:
                self.add_error(
                    None,
                    _(
                        "Both files have an account for her own space. Ask her which one "
                        "she uses, then deactivate the other account before merging."
                    ),
                )
        return cleaned


class CloseFileForm(forms.Form):
    closing_reason = forms.ChoiceField(label=_("Why is her file closed?"), choices=())
    closed_on = forms.DateField(
        label=_("Closed on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, participant, **kwargs):
        kwargs.setdefault("auto_id", "id_close_%s")  # the file page holds other forms too
        super().__init__(*args, **kwargs)
        self.participant = participant
        # a merge closes a file by itself: it is not a reason one picks
        self.fields["closing_reason"].choices = [
            choice
            for choice in Participant.ClosingReason.choices
            if choice[0] != Participant.ClosingReason.MERGED
        ]
        self.fields["closed_on"].initial = timezone.localdate()

    def clean_closed_on(self):
        closed_on = self.cleaned_data["closed_on"]
        if closed_on > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        if closed_on < self.participant.opened_on:
            raise forms.ValidationError(_("Her file was opened after this date."))
        return closed_on
