from celery import shared_task


@shared_task
def reviews_overdue_flag() -> int:
    """Flag life plans whose review date has passed (and clear the others). No arguments:
    nothing about anyone travels through the broker. Returns how many are overdue."""
    from lifeplans.services import reviews_overdue_flag as flag

    return flag()
