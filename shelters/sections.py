"""Her housing section on her file page: where she lives now and where she lived before.

Built only when the reader may see the "housing" section of her file (cases.views), in one
query whatever the number of stays. Houses are named, never located: no address here.
"""

from django.utils import timezone

from shelters.admission_views import requests_of

# a calm word ahead of the maximum stay, from this many days before it
LIMIT_NOTICE_DAYS = 60


def _housing_section(request, participant, *, writable):
    today = timezone.localdate()
    stays = list(
        participant.stays.select_related("bed__room__shelter")
        .only(
            "pk",
            "participant",
            "starts_on",
            "limit_from",
            "expected_end_on",
            "ended_on",
            "exit_destination",
            "moved_from",
            "bed__label",
            "bed__room__name",
            "bed__room__shelter__name",
            "bed__room__shelter__max_stay_months",
        )
        .order_by("-starts_on", "-pk")
    )
    moved_on = {stay.moved_from_id for stay in stays if stay.moved_from_id}
    current, past = [], []
    for stay in stays:
        if stay.ended_on is None:
            limit = stay.limit_on
            days_left = (limit - today).days
            current.append(
                {
                    "stay": stay,
                    "limit": limit,
                    "days_left": days_left,
                    "near_limit": days_left <= LIMIT_NOTICE_DAYS,
                    "arriving": stay.starts_on > today,
                    "departure_passed": stay.expected_end_on is not None
                    and stay.expected_end_on <= today,
                }
            )
        else:
            past.append({"stay": stay, "moved": stay.pk in moved_on})
    current.reverse()  # the place she is in first, then any place planned after it
    return {
        "current": current,
        "past": past,
        "requests": requests_of(participant),
        "writable": writable,
    }
