"""Participants (the women supported) and who is assigned to support them.

This is the part of her file the access policy needs; the participants issue
adds the rest (identity details, consent, the exit pathway).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from cases.querysets import CaseNoteQuerySet, ParticipantQuerySet
from safespace.fields import (
    StrictEncryptedCharField,
    StrictEncryptedDateField,
    StrictEncryptedEmailField,
    StrictEncryptedIntegerField,
    StrictEncryptedTextField,
)

PREFER_NOT_TO_SAY = "prefer_not_to_say"


class Participant(models.Model):
    """A person supported. Every identifying or sensitive field is encrypted.

    What stays plain is what reports filter on and identifies no one alone:
    reference, birth year, nationality, first-contact channel, referral source, dates.
    """

    class AdministrativeStatus(models.TextChoices):
        CITIZEN = "citizen", _("National citizen")
        EU_CITIZEN = "eu_citizen", _("EU citizen")
        RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
        ASYLUM_SEEKER = "asylum_seeker", _("Asylum seeker")
        REFUGEE = "refugee", _("Refugee or protected")
        UNDOCUMENTED = "undocumented", _("No papers")
        OTHER = "other", _("Other")
        UNKNOWN = PREFER_NOT_TO_SAY, _("Prefer not to say")

    class Gender(models.TextChoices):
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        TRANS_WOMAN = "trans_woman", _("Trans woman")
        TRANS_MAN = "trans_man", _("Trans man")
        NON_BINARY = "non_binary", _("Non-binary")
        UNKNOWN = PREFER_NOT_TO_SAY, _("Prefer not to say")

    class Channel(models.TextChoices):
        STREET_OUTREACH = "street_outreach", _("Street outreach")
        ONLINE_OUTREACH = "online_outreach", _("Online outreach")
        SELF = "self", _("Came on her own")
        PARTNER = "partner", _("Referred by a partner")
        POLICE = "police", _("Police or justice")
        OTHER = "other", _("Other")

    class ClosingReason(models.TextChoices):
        NO_LONGER_NEEDED = "no_longer_needed", _("She no longer needs support")
        HER_CHOICE = "her_choice", _("She asked to close it")
        MOVED = "moved", _("She moved away")
        TRANSFERRED = "transferred", _("Followed by another service")
        CONTACT_LOST = "contact_lost", _("Contact lost")
        DECEASED = "deceased", _("Deceased")
        MERGED = "merged", _("Merged into another file")
        OTHER = "other", _("Other")

    reference = models.CharField(_("file reference"), max_length=20, unique=True)
    known_as = StrictEncryptedCharField(
        _("known-as name"), max_length=100, help_text=_("The name she chooses to be called.")
    )
    legal_name = StrictEncryptedCharField(_("legal name"), max_length=200, blank=True)
    date_of_birth = StrictEncryptedDateField(_("date of birth"), null=True, blank=True)
    phone = StrictEncryptedCharField(_("phone"), max_length=40, blank=True)
    email = StrictEncryptedEmailField(_("email address"), blank=True)
    postal_address = StrictEncryptedTextField(_("postal address"), blank=True)
    safe_contact = StrictEncryptedTextField(
        _("safe contact"),
        blank=True,
        help_text=_('When and how it is safe to contact her, e.g. "text only, never after 18:00".'),
    )
    administrative_status = StrictEncryptedCharField(
        _("administrative status"), max_length=30, blank=True, choices=AdministrativeStatus.choices
    )
    languages = StrictEncryptedCharField(_("languages spoken"), max_length=200, blank=True)
    gender = StrictEncryptedCharField(
        _("gender"), max_length=20, blank=True, choices=Gender.choices
    )
    children_count = StrictEncryptedIntegerField(_("children"), null=True, blank=True)
    children_with_her = StrictEncryptedCharField(
        _("children with her"),
        max_length=20,
        blank=True,
        choices=[("all", _("All")), ("some", _("Some")), ("none", _("None"))],
    )
    notes = StrictEncryptedTextField(_("notes"), blank=True)
    # plain: for reports and filters, identifying no one alone
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    nationality = CountryField(_("nationality"), blank=True)
    first_contact_channel = models.CharField(
        _("first contact"), max_length=20, blank=True, choices=Channel.choices
    )
    referral_source = models.CharField(_("referred by"), max_length=120, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_reason = models.CharField(
        _("closing reason"), max_length=20, blank=True, choices=ClosingReason.choices
    )
    # bumped on every change, so two people editing at once cannot overwrite each other
    version = models.PositiveIntegerField(default=1)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participant",
        verbose_name=_("her account"),
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    # issue 10: a file under a legal hold is never anonymised (neither on request nor by
    # retention) until the hold is lifted; an anonymised file keeps only what statistics need
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    legal_hold_since = models.DateField(_("legal hold since"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised on"), null=True, blank=True)
    # a duplicate merged into another file keeps only its reference and this pointer
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_files"
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900),
                name="participant_birth_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="participant_closed_after_opened",
            ),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        if self.date_of_birth:
            self.birth_year = self.date_of_birth.year
        super().save(*args, **kwargs)
        self.search_tokens_rebuild()

    def search_tokens_rebuild(self) -> None:
        """Recompute the blind index of her names and phone (after any change to them).

        A file merged into another keeps no token: it must never be found again."""
        from cases import blind_index

        digests = set()
        if self.merged_into_id is None:
            digests = blind_index.name_digests(self.known_as, self.legal_name)
            digests |= blind_index.fullname_digests(self.known_as, self.legal_name)
            digests |= blind_index.phone_digests(self.phone)
            digests |= blind_index.known_as_digests(self.known_as)
        self.search_tokens.all().delete()
        SearchToken.objects.bulk_create(
            [SearchToken(participant=self, digest=value) for value in sorted(digests)]
        )

    @property
    def age(self) -> int | None:
        """Her age this year, from the birth year (the date of birth stays encrypted)."""
        if self.birth_year is None:
            return None
        return timezone.localdate().year - self.birth_year

    @property
    def is_minor(self) -> bool:
        return self.age is not None and self.age < 18


class Assignment(models.Model):
    """A worker assigned to a participant. Ending it ends her access on the next request."""

    class Kind(models.TextChoices):
        KEY_WORKER = "key_worker", _("Key worker")
        PEER_WORKER = "peer_worker", _("Peer worker")
        SUPPORT = "support", _("Other support")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="assignments"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "worker"],
                condition=Q(ended_at__isnull=True),
                name="one_open_assignment_per_worker_and_participant",
            )
        ]

    def __str__(self):
        return f"{self.worker_id} -> {self.participant_id} ({self.kind})"


class BreakGlassGrant(models.Model):
    """Access to a file outside one's scope, for a limited time, with a written reason.

    The reason is free text, so it is encrypted and kept here, never in the audit
    trail (which records the grant's id).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_grants"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="break_glass_grants"
    )
    reason = StrictEncryptedTextField(_("reason"))
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("break-glass access")
        verbose_name_plural = _("break-glass accesses")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="break_glass_expires_after_creation",
            )
        ]

    def __str__(self):
        return f"break-glass #{self.pk}"

    @property
    def is_live(self) -> bool:
        return self.expires_at > timezone.now()


class SearchToken(models.Model):
    """One keyed hash (blind index) of a name prefix or a phone number of a participant."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="search_tokens"
    )
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "digest"], name="one_token_per_digest")
        ]

    def __str__(self):
        return f"token of {self.participant_id}"


class FileCounter(models.Model):
    """The last file number given in a year: SS-2026-0042 is the 42nd file of 2026."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class PathwayEntry(models.Model):
    """Where she stands on her exit pathway from a date on. Entries are added, never
    overwritten: the whole history matters (leaving is cyclical, returns are frequent)."""

    class Status(models.TextChoices):
        IN_PROSTITUTION = "in_prostitution", _("In prostitution")
        STARTING_TO_EXIT = "starting_to_exit", _("Starting to exit")
        ON_THE_PATH = "on_the_path", _("On the path to exit")
        EXITED = "exited", _("Exited")
        PROTECTED = "protected", _("Protected from entry")
        RETURNED = "returned", _("Returned to prostitution")
        CONTACT_LOST = "contact_lost", _("Contact lost")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="pathway_entries"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    since = models.DateField(_("since"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pathway status")
        verbose_name_plural = _("pathway statuses")
        ordering = ["since", "recorded_at"]
        indexes = [models.Index(fields=["participant", "since"])]

    def __str__(self):
        return f"{self.participant_id}: {self.status} since {self.since}"


class RightsDomain(models.TextChoices):
    """The eight rights domains that group needs and goals (DOMAIN.md)."""

    HOUSING = "housing", _("Housing")
    FINANCIAL = "financial", _("Financial independence")
    HEALTH = "health", _("Health")
    ADMINISTRATIVE = "administrative", _("Administrative status")
    JUSTICE = "justice", _("Justice")
    PARENTHOOD = "parenthood", _("Parenthood")
    INTEGRATION = "integration", _("Integration (language, education, work)")
    SOCIAL_TIES = "social_ties", _("Social ties")


class Partner(models.Model):
    """An organisation of the partner directory (plain: organisations, not people supported)."""

    class Kind(models.TextChoices):
        LEGAL_AID = "legal_aid", _("Legal aid")
        HEALTH = "health", _("Health")
        MENTAL_HEALTH = "mental_health", _("Mental health")
        HOUSING = "housing", _("Housing")
        EMPLOYMENT = "employment", _("Employment")
        EDUCATION = "education", _("Education")
        POLICE_JUSTICE = "police_justice", _("Police or justice")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    contact = models.TextField(
        _("how to reach them"), blank=True, help_text=_("Phone, email, opening hours.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="one_partner_per_name")]

    def __str__(self):
        return self.name


class Consent(models.Model):
    """Her consent to one purpose: given on a date, in a way, maybe until a date; withdrawable.

    Consent is never a condition of support: a refusal is simply no live consent.
    """

    class Purpose(models.TextChoices):
        KEEP_FILE = "keep_file", _("Keeping her file")
        SHARE_PARTNER = "share_partner", _("Sharing with a named partner")
        PHOTOS = "photos", _("Photos and dream-board images")
        STATISTICS = "statistics", _("Anonymous statistics")

    class Method(models.TextChoices):
        ORAL = "oral", _("Oral")
        WRITTEN = "written", _("Written")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("partner"),
    )
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    given_on = models.DateField(_("given on"), default=timezone.localdate)
    expires_on = models.DateField(_("until"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["purpose", "-given_on", "-recorded_at"]
        indexes = [models.Index(fields=["participant", "purpose"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose="share_partner", partner__isnull=False)
                | (~Q(purpose="share_partner") & Q(partner__isnull=True)),
                name="consent_partner_only_for_sharing",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("given_on")),
                name="consent_expires_after_given",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self):
        return f"{self.participant_id}: {self.purpose}"

    def is_live(self, day=None) -> bool:
        day = day or timezone.localdate()
        return (
            self.given_on <= day
            and (self.expires_on is None or self.expires_on > day)
            and (self.withdrawn_on is None or self.withdrawn_on > day)
        )


class NeedsAssessment(models.Model):
    """A dated look at her needs across the eight rights domains, to see progress over time."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="needs_assessments"
    )
    assessed_on = models.DateField(_("assessed on"), default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        ordering = ["-assessed_on", "-recorded_at"]
        indexes = [models.Index(fields=["participant", "assessed_on"])]

    def __str__(self):
        return f"{self.participant_id}: needs on {self.assessed_on}"


class DomainNeed(models.Model):
    """Her level of need in one rights domain, in one assessment."""

    class Level(models.IntegerChoices):
        NONE = 0, _("No need")
        SOME = 1, _("Some need")
        IMPORTANT = 2, _("Important need")
        URGENT = 3, _("Urgent need")

    assessment = models.ForeignKey(
        NeedsAssessment, on_delete=models.CASCADE, related_name="domains"
    )
    domain = models.CharField(_("domain"), max_length=20, choices=RightsDomain.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    comment = StrictEncryptedTextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("need in a domain")
        verbose_name_plural = _("needs in domains")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "domain"], name="one_level_per_domain_and_assessment"
            ),
            models.CheckConstraint(condition=Q(level__lte=3), name="domain_need_level_range"),
        ]

    def __str__(self):
        return f"{self.assessment_id}: {self.domain}={self.level}"


class CaseNote(models.Model):
    """A note in her file. Its text is encrypted; who may read it is set by its author."""

    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", _("Appointment")
        PHONE_CALL = "phone_call", _("Phone call")
        OUTREACH = "outreach", _("Outreach")
        ACCOMPANIMENT = "accompaniment", _("Accompaniment")
        OTHER = "other", _("Other")

    class Confidentiality(models.TextChoices):
        TEAM = "team", _("Her support team")
        KEY_WORKER = "key_worker", _("Her key worker only")
        AUTHOR = "author", _("Only me")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="case_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    confidentiality = models.CharField(
        _("who can read it"),
        max_length=20,
        choices=Confidentiality.choices,
        default=Confidentiality.TEAM,
    )
    happened_on = models.DateField(_("date"), default=timezone.localdate)
    text = StrictEncryptedTextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    objects = CaseNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["-happened_on", "-created_at"]
        indexes = [models.Index(fields=["participant", "happened_on"])]

    def __str__(self):
        return f"note #{self.pk}"


class Appointment(models.Model):
    """An appointment between her and a worker. What it is about is encrypted."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Took place")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="appointments"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("with"),
    )
    starts_at = models.DateTimeField(_("when"))
    purpose = StrictEncryptedTextField(_("what it is about"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["participant", "starts_at"]),
            models.Index(fields=["worker", "starts_at"]),
        ]

    def __str__(self):
        return f"appointment #{self.pk}"


class Referral(models.Model):
    """Her referral to a partner. Sent only with her consent to share with that partner,
    or a coordinator's override with a reason (kept encrypted here, never in the audit)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="referrals")
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("partner")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Partner.Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    outcome = StrictEncryptedTextField(_("outcome"), blank=True)
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    override_reason = StrictEncryptedTextField(
        _("reason for going ahead without consent"), blank=True
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["participant", "created_at"])]
        constraints = [
            # a referral rests on her consent, or on a named coordinator's override
            models.CheckConstraint(
                condition=Q(consent__isnull=False) | Q(override_by__isnull=False),
                name="referral_has_consent_or_override",
            )
        ]

    def __str__(self):
        return f"referral #{self.pk}"


class Document(models.Model):
    """A document in her file. The title and the content are encrypted; the content lives
    in DocumentContent so lists never load it, and is served only through a checked view."""

    class Kind(models.TextChoices):
        IDENTITY = "identity", _("Identity paper")
        RESIDENCE = "residence", _("Residence or asylum paper")
        HEALTH = "health", _("Health")
        LEGAL = "legal", _("Legal or justice")
        HOUSING = "housing", _("Housing")
        INCOME = "income", _("Income and benefits")
        OTHER = "other", _("Other")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="documents")
    title = StrictEncryptedCharField(_("title"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"document #{self.pk}"


class DocumentContent(models.Model):
    """The bytes of a document as one Fernet token (rotated with the other encrypted values)."""

    document = models.OneToOneField(
        Document, on_delete=models.CASCADE, primary_key=True, related_name="content"
    )
    token = models.TextField()

    def __str__(self):
        return f"content of document #{self.document_id}"
