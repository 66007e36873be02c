from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from safespace.roles import Role


class AccountCreateForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("What she or he will type to sign in. Letters, digits and @ . + - _ only."),
        validators=[get_user_model().username_validator],
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        help_text=_("Optional. Leave empty for a participant unless she asks for it."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is already taken. Choose another."))
        return username


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class WelcomeForm(forms.Form):
    code = forms.CharField(
        label=_("Invitation code"),
        max_length=20,
        help_text=_("The 12 letters and digits on the paper your worker gave you."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters. Not a word alone, not only digits."),
    )
    password2 = forms.CharField(
        label=_("Type the same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        return cleaned

    def password_errors(self, error):
        """Put a password-validation failure next to the password field."""
        self.add_error("password1", error)


class AuditFilterForm(forms.Form):
    participant = forms.CharField(
        label=_("File reference"),
        required=False,
        max_length=20,
        help_text=_("Everyone who opened or changed her file."),
    )
    user = forms.CharField(label=_("Username"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("What happened"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        from safespace.audit import ACTION_LABELS

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Anything"))] + [
            (key, label) for key, label in ACTION_LABELS.items()
        ]

    def clean_participant(self):
        return self.cleaned_data["participant"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("This date is before the start date."))
        return cleaned
