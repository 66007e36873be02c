from celery import shared_task


@shared_task
def retention_apply() -> dict:
    """Nightly: apply the retention rules (cases.retention). Takes nothing, returns counts."""
    from dataclasses import asdict

    from cases.retention import retention_apply as apply

    return asdict(apply())
