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
