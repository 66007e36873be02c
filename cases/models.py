"""Participants (the women supported) and who is assigned to support them.

This is the part of her file the access policy needs; the participants issue
adds the rest (identity details, consent, the exit pathway).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.querysets import ParticipantQuerySet
from safespace.fields import StrictEncryptedCharField, StrictEncryptedTextField


class Participant(models.Model):
    """A person supported. Every identifying or sensitive field is encrypted."""

    reference = models.CharField(_("file reference"), max_length=20, unique=True)
    known_as = StrictEncryptedCharField(
        _("known-as name"), max_length=100, help_text=_("The name she chooses to be called.")
    )
    legal_name = StrictEncryptedCharField(_("legal name"), max_length=200, blank=True)
    phone = StrictEncryptedCharField(_("phone"), max_length=40, blank=True)
    notes = StrictEncryptedTextField(_("notes"), blank=True)
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

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
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
