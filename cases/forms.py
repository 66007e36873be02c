from django import forms
from django.utils.translation import gettext_lazy as _


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
