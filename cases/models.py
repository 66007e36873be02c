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

from cases.querysets import ParticipantQuerySet
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
        help_text=_(
            'When and how it is safe to contact her, e.g. "text only, never after 18:00".'
        ),
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
    closing_reason = models.CharField(_("closing reason"), max_length=120, blank=True)
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
        """Recompute the blind index of her names and phone (after any change to them)."""
        from cases import blind_index

        digests = blind_index.name_digests(self.known_as, self.legal_name)
        digests |= blind_index.phone_digests(self.phone)
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
