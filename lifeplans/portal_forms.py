"""Her own space: the small forms she fills on her phone, in plain words."""

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from cases.models import RightsDomain
from lifeplans.forms import STRENGTH_TAGS_TYPED, SafetyPlanForm, strength_tags_normalise
from lifeplans.models import CORRECTION_WORDS_MAX, Goal, Step

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


# --- Asking for a correction ---


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


class HerCorrectionForm(forms.Form):
    # no maxlength in the page (a browser would cut a long paste silently): the limit is
    # checked here and said in words, with everything she typed kept on the page
    words = forms.CharField(
        label=_("What is wrong, and what should it say?"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write a few words.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["words"].help_text = _(
            "In your words. You can write up to %(limit)s characters."
        ) % {"limit": _number(CORRECTION_WORDS_MAX)}

    def clean_words(self):
        words = self.cleaned_data["words"]
        if not words.strip():
            raise forms.ValidationError(_("Write a few words."), code="required")
        if len(words) > CORRECTION_WORDS_MAX:
            raise forms.ValidationError(
                _(
                    "This is %(count)s characters long. Please make it shorter: at most "
                    "%(limit)s. Your words are still here."
                ),
                code="max_length",
                params={"count": _number(len(words)), "limit": _number(CORRECTION_WORDS_MAX)},
            )
        return words
