"""Writes for the annual report: asking for one, building it, downloading its files.

The figures are computed once, suppressed (unless a coordinator turned that off for
internal use, with a reason), frozen on the Report row, and every file is rendered from
that frozen copy. Nothing about a person ever reaches the audit trail, a log line or a
task's arguments: the task takes the report's primary key only.
"""

from __future__ import annotations

import logging
import traceback
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reports.document import ReportDocument
from reports.models import Report, ReportFile
from safespace.audit import audit_record
from safespace.crypto import decrypt_bytes, encrypt_bytes

logger = logging.getLogger(__name__)

# the steps of a build, as the progress bar shows them: (identifier, percent when begun)
STEPS = {
    "figures": 5,
    "pdf": 45,
    "exports": 85,
    "done": 100,
}


class ReportRefused(ValueError):
    """A report that cannot be asked for; the message is for the person at the screen."""


def _next_version(*, start: date, end: date, site) -> int:
    found = Report.objects.filter(start=start, end=end, site=site).aggregate(v=Max("version"))
    return (found["v"] or 0) + 1


def report_request(
    *,
    actor,
    start: date,
    end: date,
    site=None,
    language: str,
    suppressed: bool = True,
    reason: str = "",
    via: str = "screen",
) -> Report:
    """Ask for a new version of the report of a period (and site); it is built in the
    background once this transaction commits. Turning suppression off needs a reason."""
    if end < start:
        raise ReportRefused(_("The end of the period is before its start."))
    if not suppressed and not reason.strip():
        raise ReportRefused(_("Say why small numbers must be shown."))
    for _attempt in range(3):
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    start=start,
                    end=end,
                    site=site,
                    version=_next_version(start=start, end=end, site=site),
                    language=language,
                    suppressed=suppressed,
                    threshold=settings.SAFESPACE_REPORT_THRESHOLD,
                    unsuppressed_reason="" if suppressed else reason.strip(),
                    requested_by=actor,
                )
                audit_record(
                    action="report.requested",
                    actor=actor,
                    target=report,
                    payload={"via": via, "kind": "site" if site else "organisation"},
                )
                if not suppressed:
                    # the reason is kept encrypted on the report, never in the audit trail
                    audit_record(action="report.suppression_off", actor=actor, target=report)
                break
        except IntegrityError:
            # someone asked for the same period at the same moment: take the next version
            continue
    else:  # pragma: no cover - three collisions in a row
        raise ReportRefused(_("Please try again."))
    if via == "screen":
        from reports.tasks import report_generate

        transaction.on_commit(lambda: report_generate.delay(report.pk))
    return report


def _progress(report: Report, step: str) -> None:
    report.step, report.progress = step, STEPS[step]
    report.status = Report.Status.RUNNING if step != "done" else Report.Status.READY
    Report.objects.filter(pk=report.pk).update(
        step=report.step, progress=report.progress, status=report.status
    )


def report_build(report_pk: int, *, today: date | None = None) -> Report:
    """Compute, suppress and freeze the figures of a requested report, then render its PDF,
    CSV and XLSX from the frozen copy. Progress is written as it goes (each step commits on
    its own, so the page that polls sees it). A report already built is left as it is."""
    from reports.exports import export_csv, export_xlsx
    from reports.figures import report_figures
    from reports.rendering import render_report_pdf
    from reports.suppression import suppress

    report = Report.objects.select_related("site").get(pk=report_pk)
    if report.is_finished:
        return report
    try:
        _progress(report, "figures")
        with translation.override(report.language):
            document = report_figures(
                start=report.start,
                end=report.end,
                site=report.site,
                organisation=settings.SAFESPACE_ORGANISATION_NAME,
                threshold=report.threshold if report.suppressed else 1,
                today=today,
            )
        if report.suppressed:
            suppress(document, threshold=report.threshold)
        else:
            document.threshold, document.suppressed = report.threshold, False
            document.rules = [rule for rule in document.rules if rule.key != "suppression"]
        frozen = document.as_json()
        Report.objects.filter(pk=report.pk).update(document=frozen)
        document = ReportDocument.from_json(frozen)  # every file from the frozen copy

        _progress(report, "pdf")
        files = {ReportFile.Kind.PDF: render_report_pdf(document)}
        _progress(report, "exports")
        files[ReportFile.Kind.CSV] = export_csv(document)
        files[ReportFile.Kind.XLSX] = export_xlsx(document)
        with transaction.atomic():
            ReportFile.objects.filter(report=report).delete()
            ReportFile.objects.bulk_create(
                ReportFile(report=report, kind=kind, token=encrypt_bytes(data), size=len(data))
                for kind, data in files.items()
            )
            Report.objects.filter(pk=report.pk).update(
                status=Report.Status.READY,
                step="done",
                progress=100,
                finished_at=timezone.now(),
                files_expire_on=timezone.localdate()
                + timedelta(days=settings.SAFESPACE_REPORT_FILE_DAYS),
            )
    except Exception as error:
        # logged by its type and place only: an exception's message could hold a value
        frame = traceback.extract_tb(error.__traceback__)[-1]
        logger.error(
            "report %s could not be built: %s at %s:%s",
            report.pk,
            type(error).__name__,
            frame.filename.rsplit("/", 1)[-1],
            frame.lineno,
        )
        Report.objects.filter(pk=report.pk).update(
            status=Report.Status.FAILED, finished_at=timezone.now()
        )
    report.refresh_from_db()
    return report


def report_file_read(*, actor, report_file: ReportFile) -> bytes:
    """The bytes of one file of a report, for a coordinator who re-authenticated; the
    download is recorded."""
    data = decrypt_bytes(report_file.token)
    audit_record(
        action="report.downloaded",
        actor=actor,
        target=report_file.report,
        payload={"format": report_file.kind},
    )
    return data


def report_files_expire(*, today: date | None = None) -> int:
    """Delete the files of reports past their keeping date (the frozen figures stay).
    Idempotent; returns how many files were deleted."""
    today = today or timezone.localdate()
    deleted, _ = ReportFile.objects.filter(report__files_expire_on__lt=today).delete()
    if deleted:
        logger.info("report files expired: %d", deleted)
    return deleted
