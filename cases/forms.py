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
