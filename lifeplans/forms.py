"""Forms of her life plan (staff side)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import RightsDomain
from lifeplans.models import CORRECTION_ANSWER_MAX, Goal, Step

# --- Staff side ---
WORDS_LIMIT = 2_000
REVIEW_LIMIT = 10_000


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _keep_typed_text(field):
    # no maxlength in the page: a browser would cut pasted text silently; the server says why
    field.widget.attrs.pop("maxlength", None)


def _words_field(label, *, limit=WORDS_LIMIT, required=True, rows=3, help_text=""):
    field = forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        strip=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "max_length": _("At most %(limit_value)d characters; this has %(show_value)d.")
        },
    )
    _keep_typed_text(field)
    return field


def _clean_words(value, *, required=True):
    if required and not value.strip():
        raise forms.ValidationError(_("Write it in her words."))
    return value


class GoalProposeForm(forms.Form):
    words = _words_field(
        _("The goal, in her words"), help_text=_("Write it as she says it, not as you would.")
    )
    horizon = forms.ChoiceField(label=_("When"), choices=Goal.Horizon.choices)
    domain = forms.ChoiceField(label=_("Domain"), choices=RightsDomain.choices)
    by_her = forms.BooleanField(
        label=_("She proposes it herself"),
        required=False,
        help_text=_("Otherwise it stays a proposal until she agrees."),
    )

    def clean_words(self):
        return _clean_words(self.cleaned_data["words"])


class GoalAgreeForm(forms.Form):
    in_her_presence = forms.BooleanField(
        label=_("She agrees: she is here with me"),
        error_messages={
            "required": _("Only she can agree. Tick this when she is here and agrees.")
        },
    )


class GoalEditForm(forms.Form):
    words = _words_field(_("The goal, in her words"))
    horizon = forms.ChoiceField(label=_("When"), choices=Goal.Horizon.choices)
    domain = forms.ChoiceField(label=_("Domain"), choices=RightsDomain.choices)
    status = forms.ChoiceField(label=_("Status"), choices=Goal.Status.choices)

    def __init__(self, *args, goal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.goal = goal

    def clean_words(self):
        return _clean_words(self.cleaned_data["words"])

    def clean_status(self):
        status = self.cleaned_data["status"]
        not_agreed = self.goal is not None and self.goal.agreed_on is None
        if not_agreed and status not in (Goal.Status.PROPOSED, Goal.Status.LET_GO):
            raise forms.ValidationError(
                _("She has not agreed to this goal yet: it stays a proposal until she does.")
            )
        return status


class StepForm(forms.Form):
    words = _words_field(_("The step"), rows=2)
    owner = forms.ChoiceField(label=_("Who does it"), choices=Step.Owner.choices)
    due_on = forms.DateField(label=_("By when"), required=False, widget=_date_input())

    def clean_words(self):
        return _clean_words(self.cleaned_data["words"])

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on and not 1900 < due_on.year < 2200:
            raise forms.ValidationError(_("Please check the year."))
        return due_on


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=_date_input())
    her_reflection = _words_field(
        _("Her reflection, in her words"), limit=REVIEW_LIMIT, required=False, rows=6
    )
    worker_note = _words_field(_("Your note"), limit=REVIEW_LIMIT, required=False, rows=6)
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=_date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewed_on"].initial = timezone.localdate()

    def clean_reviewed_on(self):
        day = self.cleaned_data["reviewed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        if day.year < 1900:
            raise forms.ValidationError(_("Please check the year."))
        return day

    def clean_next_review_on(self):
        day = self.cleaned_data["next_review_on"]
        if day and day <= timezone.localdate():
            raise forms.ValidationError(_("The next review must come after today."))
        if day and day.year > 2200:
            raise forms.ValidationError(_("Please check the year."))
        return day

    def clean(self):
        cleaned = super().clean()
        written = any(
            (cleaned.get(name) or "").strip() for name in ("her_reflection", "worker_note")
        )
        unchecked = "her_reflection" not in self.errors and "worker_note" not in self.errors
        if not written and unchecked:
            self.add_error("her_reflection", _("Write her reflection or your note."))
        return cleaned


# --- Safety plan ---
SAFETY_LIMIT = 5_000


class SafetyPlanForm(forms.Form):
    strategies = _words_field(
        _("What keeps her safe right now"),
        limit=SAFETY_LIMIT,
        required=False,
        rows=4,
        help_text=_("In her words: what she does when she feels in danger."),
    )
    safe_places = _words_field(_("Safe places"), limit=SAFETY_LIMIT, required=False)
    trusted_contacts = _words_field(_("People she trusts"), limit=SAFETY_LIMIT, required=False)
    code_words = _words_field(
        _("Code words"),
        limit=SAFETY_LIMIT,
        required=False,
        help_text=_("A sentence that means she needs help, and what to do then."),
    )


# --- Dream board ---
DREAM_WORDS_LIMIT = 500
# a picture on the board is scaled down to fit this many pixels: enough for a phone's screen
DREAM_PICTURE_SIDE = 1280


class DreamForm(forms.Form):
    """A picture, a few words, or both, for her dream board. Once valid, cleaned_data holds
    the cleaned picture's bytes ("picture", or None) and their "content_type"."""

    words = _words_field(_("In her words"), limit=DREAM_WORDS_LIMIT, required=False, rows=3)
    file = forms.FileField(
        label=_("A picture"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, for_her=False, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.max_bytes = settings.SAFESPACE_DOCUMENT_MAX_BYTES
        if for_her:
            self.fields["words"].label = _("Your wish, in your words")
            self.fields["file"].label = _("A picture (if you like)")
            self.fields["file"].help_text = _(
                "A photo from your phone. Only you and your workers can see it. Hidden "
                "details, such as where it was taken, are removed."
            )
        else:
            self.fields["file"].help_text = _(
                "JPEG, PNG or WebP. Only she and her assigned workers can see it. Hidden "
                "details, such as where it was taken, are removed."
            )

    def clean_file(self):
        from cases.forms import upload_checked

        upload = self.cleaned_data.get("file")
        self.cleaned_data["picture"], self.cleaned_data["content_type"] = None, ""
        if upload:
            picture, content_type = upload_checked(
                upload, max_bytes=self.max_bytes, pictures_only=True, max_side=DREAM_PICTURE_SIDE
            )
            self.cleaned_data["picture"], self.cleaned_data["content_type"] = picture, content_type
        return upload

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("picture") and not cleaned.get("words", "").strip():
            self.add_error("words", _("Add a picture, a few words, or both."))
        return cleaned


# --- Strengths ---
STRENGTH_TAGS_MAX = 10
STRENGTH_TAG_LENGTH = 40
STRENGTH_TAGS_LENGTH = 300  # the column's limit, once the tags are joined
STRENGTH_TAGS_TYPED = 1_000


def strength_tags_normalise(value: str) -> str:
    """Her few words as short tags, "patient, good cook": commas (or semicolons, new lines)
    split them; blanks go, a tag repeated in another case goes, her spelling stays."""
    tags, seen = [], set()
    for typed in (value or "").replace(";", ",").replace("\n", ",").split(","):
        tag = " ".join(typed.split())
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > STRENGTH_TAG_LENGTH:
            raise forms.ValidationError(
                _(
                    "Each one is at most %(limit)d characters. Put a comma between them, "
                    "or write more in the box below."
                ),
                params={"limit": STRENGTH_TAG_LENGTH},
            )
        seen.add(tag.casefold())
        tags.append(tag)
    if len(tags) > STRENGTH_TAGS_MAX:
        raise forms.ValidationError(
            _("At most %(limit)d, please: keep the ones that matter most."),
            params={"limit": STRENGTH_TAGS_MAX},
        )
    joined = ", ".join(tags)
    if len(joined) > STRENGTH_TAGS_LENGTH:
        raise forms.ValidationError(
            _("This is too long. Keep a few words here and write the rest in the box below.")
        )
    return joined


def _tags_field(label, *, help_text=""):
    field = forms.CharField(
        label=label, required=False, max_length=STRENGTH_TAGS_TYPED, help_text=help_text
    )
    _keep_typed_text(field)
    return field


class StrengthForm(forms.Form):
    tags = _tags_field(
        _("In a few words (for example: patient, good cook, speaks three languages)"),
        help_text=_("Put a comma between them."),
    )
    words = _words_field(_("In her words"), required=False)

    def clean_tags(self):
        return strength_tags_normalise(self.cleaned_data["tags"])

    def clean_words(self):
        words = self.cleaned_data["words"]
        return words if words.strip() else ""

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("tags") and not cleaned.get("words"):
            self.add_error("tags", _("Write her strength in a few words, or in her words."))
        return cleaned


# --- Correction requests ---


class CorrectionAnswerForm(forms.Form):
    """Her key worker's answer to her request, read by her in her space."""

    answer = _words_field(
        _("Your answer to her"),
        limit=CORRECTION_ANSWER_MAX,
        rows=6,
        help_text=_(
            "She reads it in her space. Use plain words and short sentences: say what you "
            "corrected in her file, or why it stays as it is."
        ),
    )

    def clean_answer(self):
        answer = self.cleaned_data["answer"]
        if not answer.strip():
            raise forms.ValidationError(_("Write your answer."))
        return answer
