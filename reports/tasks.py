from celery import shared_task


@shared_task
def report_generate(report_pk: int) -> str:
    """Build a requested report (its figures, then its PDF, CSV and XLSX). Takes the
    report's primary key only; returns its status."""
    from reports.services import report_build

    return report_build(report_pk).status


@shared_task
def report_files_expire() -> int:
    """Nightly: delete the files of reports past their keeping date; returns the count."""
    from reports.services import report_files_expire as expire

    return expire()
