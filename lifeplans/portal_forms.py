"""Her own space: the small forms she fills on her phone, in plain words."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import RightsDomain
from lifeplans.forms import STRENGTH_TAGS_TYPED, SafetyPlanForm, strength_tags_normalise
from lifeplans.models import Goal, Step

# Plain names of the horizons, domains and statuses, for her eyes (the staff side keeps
# the model's labels).
HORIZON_WORDS = {
    Goal.Horizon.SHORT: _("Soon (the next few weeks)"),
    Goal.Horizon.MEDIUM: _("This year"),
    Goal.Horizon.LONG: _("Later (more than a year)"),
}
DOMAIN_WORDS = {
    RightsDomain.HOUSING: _("A place to live"),
    RightsDomain.FINANCIAL: _("Money"),
    RightsDomain.HEALTH: _("Health and well-being"),
    RightsDomain.ADMINISTRATIVE: _("Papers (ID, right to stay)"),
    RightsDomain.JUSTICE: _("Justice and the law"),
    RightsDomain.PARENTHOOD: _("My children"),
    RightsDomain.INTEGRATION: _("Language, school and work"),
    RightsDomain.SOCIAL_TIES: _("Friends and family"),
}
STATUS_WORDS = {
    Goal.Status.PROPOSED: _("Proposed to you"),
    Goal.Status.AGREED: _("You said yes"),
    Goal.Status.IN_PROGRESS: _("You are working on it"),
    Goal.Status.ACHIEVED: _("Done"),
    Goal.Status.PAUSED: _("On pause"),
    Goal.Status.LET_GO: _("Let go"),
}

OWNER_WORDS = {
    Step.Owner.HER: _("You do it"),
    Step.Owner.WORKER: _("Your worker does it"),
    Step.Owner.PARTNER: _("A partner does it"),
}

GOAL_WORDS_MAX = 2000
REFLECTION_MAX = 5000


class HerGoalForm(forms.Form):
    horizon = forms.ChoiceField(
        label=_("When?"),
        choices=list(HORIZON_WORDS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose when.")},
    )
    domain = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[("", _("Choose one")), *DOMAIN_WORDS.items()],
        error_messages={"required": _("Choose what it is about.")},
    )
    words = forms.CharField(
        label=_("Your goal, in your words"),
        max_length=GOAL_WORDS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a few words.")},
    )


class HerReflectionForm(forms.Form):
    words = forms.CharField(
        label=_("How is it going? In your words"),
        max_length=REFLECTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write a few words.")},
    )


class HerStepForm(forms.Form):
    done = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1"
    )


# --- Her safety plan, in her words ---


class HerSafetyPlanForm(SafetyPlanForm):
    """The same four parts as her workers write, with words for her."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["strategies"].label = _("What keeps me safe right now")
        fields["strategies"].help_text = _("What you do when you feel in danger.")
        fields["safe_places"].label = _("Safe places")
        fields["trusted_contacts"].label = _("People I trust")
        fields["code_words"].label = _("Code words")
        fields["code_words"].help_text = _(
            "A sentence that means you need help, and what to do then."
        )


# --- Strengths ---

STRENGTH_WORDS_MAX = 2000


class HerStrengthForm(forms.Form):
    tags = forms.CharField(
        label=_("In a few words"),
        required=False,
        max_length=STRENGTH_TAGS_TYPED,
        help_text=_(
            "For example: patient, good cook, speaks three languages. Put a comma between them."
        ),
    )
    words = forms.CharField(
        label=_("Tell more, if you like"),
        required=False,
        max_length=STRENGTH_WORDS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_tags(self):
        return strength_tags_normalise(self.cleaned_data["tags"])

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("tags") and not cleaned.get("words"):
            self.add_error("tags", _("Write a few words."))
        return cleaned
