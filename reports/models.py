"""Generated annual reports: a frozen copy of the figures, and the files made from it.

A report keeps the numbers it had when it was generated, even if the data is corrected
later: regenerating makes a new version. Its files (PDF, CSV, XLSX) are kept encrypted
for 30 days, for coordinators to download after re-authentication; the frozen figures
stay, so the preview of an old version can still be read.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safespace.fields import StrictEncryptedTextField


class Report(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Could not be prepared")

    start = models.DateField(_("from"))
    end = models.DateField(_("to (included)"))
    site = models.ForeignKey(
        "dropin.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    # one more for each regeneration of the same period and site
    version = models.PositiveIntegerField(default=1)
    language = models.CharField(max_length=10)
    suppressed = models.BooleanField(default=True)
    threshold = models.PositiveSmallIntegerField()
    # why small numbers were shown (internal use): free text, so encrypted, never audited;
    # required by report_request (an encrypted column cannot carry a CHECK on its text)
    unsuppressed_reason = StrictEncryptedTextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=20, blank=True)  # an identifier (reports.services.STEPS)
    # the frozen figures (reports.document.ReportDocument.as_json), after suppression
    document = models.JSONField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    files_expire_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="report_period"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_range"),
            models.CheckConstraint(condition=Q(threshold__gte=2), name="report_threshold"),
            models.UniqueConstraint(
                fields=["start", "end", "site", "version"],
                name="one_report_version_per_period_and_site",
            ),
            models.UniqueConstraint(
                fields=["start", "end", "version"],
                condition=Q(site__isnull=True),
                name="one_report_version_per_period",
            ),
        ]

    def __str__(self):
        return f"report #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)

    @property
    def is_whole_year(self) -> bool:
        return (
            self.start.year == self.end.year
            and (self.start.month, self.start.day) == (1, 1)
            and (self.end.month, self.end.day) == (12, 31)
        )


class ReportFile(models.Model):
    """One output of a report, as one Fernet token (rotated with the other keys)."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    token = models.TextField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="one_file_per_report_and_kind")
        ]

    def __str__(self):
        return f"{self.kind} of report #{self.report_id}"
