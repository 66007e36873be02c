from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: staff or participant.

    Email is optional: many participants have none, or share one with someone
    who must not read her messages.
    """

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class AuditQuerySet(models.QuerySet):
    """The audit trail is append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise AuditImmutableError

    def delete(self):
        raise AuditImmutableError


class AuditImmutableError(Exception):
    def __init__(self):
        super().__init__("The audit trail is append-only: entries are never changed or deleted.")


class AuditEntry(models.Model):
    """One thing that happened, chained to the entry before it by a SHA-256 hash.

    Holds who, what and on which record, and for case data the field names or
    the section viewed: never a value, a note, a password or a token.
    Written only through ``safespace.audit.audit_record``.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    # the participant whose file the entry concerns, so she can be told who looked
    participant_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self):
        return f"#{self.pk} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError


class Invitation(models.Model):
    """A one-time code with which a person sets her own password.

    Only a keyed digest of the code is stored. A code expires (72 hours by
    default), works once, and issuing a new one revokes the old.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    code_digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            )
        ]

    def __str__(self):
        return f"invitation #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class EncryptionCanary(models.Model):
    """One known value, encrypted: if it does not decrypt, the keys are wrong.

    Checked before serving (safespace.crypto.canary_verify) so a deployment with a
    wrong FIELD_ENCRYPTION_KEYS refuses to start instead of corrupting data. The keyed
    hash of a fixed text under BLIND_INDEX_KEY does the same for the search index.
    """

    token = models.TextField()
    # hex HMAC-SHA256 of a fixed text under BLIND_INDEX_KEY (empty until first checked)
    blind_index_check = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("encryption check")
        verbose_name_plural = _("encryption checks")

    def __str__(self):
        return f"canary #{self.pk}"
