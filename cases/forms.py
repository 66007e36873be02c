from django import forms
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Consent, Participant, Partner, Referral
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
        if (
            worker
            and self.participant.assignments.filter(worker=worker, ended_at__isnull=True).exists()
        ):
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


# --- Needs assessments ---
NOT_ASSESSED = ""
COMMENT_LIMIT = 2_000


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _not_in_future(day):
    if day > timezone.localdate():
        raise forms.ValidationError(_("This date is in the future."))
    if day.year < 1900:
        raise forms.ValidationError(_("Please check the year."))
    return day


def _keep_typed_text(field):
    # no maxlength in the page: a browser would cut pasted text silently; the server says why
    field.widget.attrs.pop("maxlength", None)


class NeedsAssessmentForm(forms.Form):
    """For each of the eight rights domains: a level (or not assessed) and a comment."""

    assessed_on = forms.DateField(label=_("Assessed on"), widget=_date_input())

    def __init__(self, *args, **kwargs):
        from cases.models import DomainNeed, RightsDomain

        super().__init__(*args, **kwargs)
        self.fields["assessed_on"].initial = timezone.localdate()
        for domain in RightsDomain:
            self.fields[f"level_{domain.value}"] = forms.TypedChoiceField(
                label=_("Level"),
                choices=[(NOT_ASSESSED, _("Not assessed"))] + DomainNeed.Level.choices,
                coerce=int,
                empty_value=None,
                required=False,
            )
            self.fields[f"comment_{domain.value}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=COMMENT_LIMIT,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            _keep_typed_text(self.fields[f"comment_{domain.value}"])

    def domain_rows(self):
        """(domain label, level field, comment field) per domain, for the template."""
        from cases.models import RightsDomain

        return [
            (domain.label, self[f"level_{domain.value}"], self[f"comment_{domain.value}"])
            for domain in RightsDomain
        ]

    def clean_assessed_on(self):
        return _not_in_future(self.cleaned_data["assessed_on"])

    def clean(self):
        from cases.models import RightsDomain

        cleaned = super().clean()
        for domain in RightsDomain:
            comment = (cleaned.get(f"comment_{domain.value}") or "").strip()
            level_field = f"level_{domain.value}"
            if comment and cleaned.get(level_field) is None and level_field not in self.errors:
                self.add_error(level_field, _("Choose a level for this comment to be kept."))
        if not any(cleaned.get(f"level_{domain.value}") is not None for domain in RightsDomain):
            raise forms.ValidationError(_("Assess at least one domain."))
        return cleaned

    def levels(self) -> dict:
        """{domain: (level, comment)} for the domains assessed."""
        from cases.models import RightsDomain

        return {
            domain.value: (
                self.cleaned_data[f"level_{domain.value}"],
                self.cleaned_data.get(f"comment_{domain.value}", "").strip(),
            )
            for domain in RightsDomain
            if self.cleaned_data.get(f"level_{domain.value}") is not None
        }


# --- Case notes ---
NOTE_LIMIT = 20_000


class CaseNoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=())
    happened_on = forms.DateField(label=_("Date"), widget=_date_input())
    confidentiality = forms.ChoiceField(
        label=_("Who can read it"),
        choices=(),
        widget=forms.RadioSelect,
        help_text=_(
            "Her support team: the social workers and coordinators of her file. "
            "Her key worker only: her key worker and you. Only me: you alone. "
            "Peer workers and volunteers never see notes."
        ),
    )
    text = forms.CharField(
        label=_("Note"),
        max_length=NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Write the note."),
            "max_length": _(
                "A note can be at most 20,000 characters long; this one has %(show_value)d. "
                "Split it into two notes."
            ),
        },
        help_text=_("Notes cannot be changed afterwards: a correction is a new note."),
    )

    def __init__(self, *args, **kwargs):
        from cases.models import CaseNote

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = CaseNote.Kind.choices
        self.fields["confidentiality"].choices = CaseNote.Confidentiality.choices
        self.fields["confidentiality"].initial = CaseNote.Confidentiality.TEAM
        self.fields["happened_on"].initial = timezone.localdate()
        _keep_typed_text(self.fields["text"])

    def clean_happened_on(self):
        return _not_in_future(self.cleaned_data["happened_on"])

    def clean_text(self):
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(_("Write the note."))
        return text


class CaseNoteFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=(), required=False)

    def __init__(self, *args, **kwargs):
        from cases.models import CaseNote

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All types")), *CaseNote.Kind.choices]


# --- Appointments ---
PURPOSE_LIMIT = 2_000


class AppointmentForm(forms.Form):
    worker = forms.ModelChoiceField(label=_("With"), queryset=None, empty_label=None)
    starts_at = forms.SplitDateTimeField(
        label=_("When"),
        widget=forms.SplitDateTimeWidget(
            date_attrs={"type": "date", "aria-label": _("Date")},
            time_attrs={"type": "time", "aria-label": _("Time")},
            date_format="%Y-%m-%d",
            time_format="%H:%M",
        ),
        help_text=_("Date, then time."),
    )
    purpose = forms.CharField(
        label=_("What it is about"),
        required=False,
        max_length=PURPOSE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. Only her social workers see it."),
    )

    def __init__(self, *args, participant=None, user=None, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        # the workers currently assigned to her
        workers = (
            get_user_model()
            .objects.filter(
                is_active=True,
                assignments__participant=participant,
                assignments__ended_at__isnull=True,
            )
            .order_by("first_name", "username")
            .distinct()
        )
        self.fields["worker"].queryset = workers
        self.fields["worker"].label_from_instance = lambda u: u.get_full_name() or u.username
        if user is not None:
            self.fields["worker"].initial = user.pk
        _keep_typed_text(self.fields["purpose"])

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        if starts_at < timezone.now():
            raise forms.ValidationError(_("This time has passed. Plan an appointment to come."))
        if starts_at.year > timezone.localdate().year + 5:
            raise forms.ValidationError(_("Please check the year."))
        return starts_at


class AppointmentStatusForm(forms.Form):
    status = forms.ChoiceField(choices=())

    def __init__(self, *args, **kwargs):
        from cases.models import Appointment

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            choice for choice in Appointment.Status.choices if choice[0] != "planned"
        ]


# --- Documents ---
# What a document is, decided by its first bytes (never its name or the browser's word).
DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}
# what staff read in her file, and the extension of the neutral download name
DOCUMENT_LABELS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
}
DOCUMENT_EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}
# a photo of a paper is a few megapixels; past this, decoding it could exhaust memory
DOCUMENT_MAX_PIXELS = 50_000_000
_PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


class DocumentRefused(ValueError):
    """The file is not a picture Safespace can clean. Never carries the file's content."""


def document_sniff(head: bytes) -> str | None:
    """The document's format from its first bytes, or None when it is not one we accept."""
    from PIL import features

    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and features.check("webp"):
        return "webp"
    return None


def document_clean_image(data: bytes, kind: str, *, max_side: int | None = None) -> bytes:
    """The picture alone, decoded and encoded again in the same format.

    Only the pixels are carried over, so no EXIF (GPS position, camera, date), XMP,
    ICC profile or text chunk survives. Raises DocumentRefused for a corrupt or
    truncated image, or one too large to decode safely (a decompression bomb). With
    ``max_side``, a larger picture is scaled down to fit (lighter on a phone).
    """
    import warnings
    from io import BytesIO

    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse there too
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=[_PILLOW_FORMATS[kind]]) as image:
                width, height = image.size
                if width * height > DOCUMENT_MAX_PIXELS:
                    raise DocumentRefused("too many pixels")
                image.load()
                # the orientation tag is dropped with the rest: turn the pixels instead
                upright = ImageOps.exif_transpose(image)
                has_alpha = "A" in upright.getbands() or "transparency" in upright.info
                if kind == "jpeg" or not has_alpha:
                    mode = "L" if upright.mode == "L" else "RGB"
                else:
                    mode = "RGBA"
                pixels = upright.convert(mode)
                clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
                if max_side:
                    clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        out = BytesIO()
        if kind == "jpeg":
            clean.save(out, "JPEG", quality=90)
        elif kind == "png":
            clean.save(out, "PNG")
        else:
            clean.save(out, "WEBP", quality=90)
    except DocumentRefused:
        raise
    except Exception:  # noqa: BLE001 - any decoder failure on untrusted bytes is a refusal
        raise DocumentRefused("the image could not be decoded") from None
    return out.getvalue()


class DocumentForm(forms.Form):
    """Title, type and the file. Once valid, cleaned_data holds the bytes to store
    ("content", images already cleaned of their metadata) and their "content_type"."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("Shown in her file, for example “Residence permit, front”."),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=())
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}
        ),
    )

    def __init__(self, *args, **kwargs):
        from django.conf import settings
        from django.template.defaultfilters import filesizeformat

        from cases.models import Document

        super().__init__(*args, **kwargs)
        self.max_bytes = settings.SAFESPACE_DOCUMENT_MAX_BYTES
        self.fields["kind"].choices = Document.Kind.choices
        self.fields["file"].help_text = _(
            "PDF, JPEG, PNG or WebP, up to %(size)s. It is stored encrypted; photos lose "
            "their hidden details, such as where they were taken."
        ) % {"size": filesizeformat(self.max_bytes)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        data, content_type = upload_checked(upload, max_bytes=self.max_bytes)
        self.cleaned_data["content"] = data
        self.cleaned_data["content_type"] = content_type
        return upload


def upload_checked(upload, *, max_bytes: int, pictures_only=False, max_side=None):
    """The bytes of an uploaded file and their type, decided by the first bytes; pictures
    cleaned of their metadata (and scaled down to ``max_side``). Raises ValidationError
    with a message for the person who chose the file."""
    from django.template.defaultfilters import filesizeformat

    too_large = forms.ValidationError(
        _("This file is too large: up to %(size)s is accepted."),
        params={"size": filesizeformat(max_bytes)},
    )
    if upload.size > max_bytes:
        raise too_large
    upload.seek(0)
    data = upload.read()
    kind = document_sniff(data[:16])
    if kind is None or (pictures_only and kind == "pdf"):
        if pictures_only:
            raise forms.ValidationError(
                _("This is not a picture we can show. Choose a JPEG, PNG or WebP photo.")
            )
        raise forms.ValidationError(
            _("This type of file is not accepted. Choose a PDF, JPEG, PNG or WebP file.")
        )
    if kind != "pdf":
        try:
            data = document_clean_image(data, kind, max_side=max_side)
        except DocumentRefused:
            raise forms.ValidationError(
                _(
                    "This picture could not be read: it may be damaged or too large. "
                    "Try another photo or a PDF."
                )
                if not pictures_only
                else _("This picture could not be read: it may be damaged. Try another photo.")
            ) from None
        if len(data) > max_bytes:
            raise too_large
    return data, DOCUMENT_TYPES[kind]


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


# --- Partners, consents and referrals ---


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
