"""Her dream board, as both sides show it: the items of one year, and a picture's response.

Used by the staff views (lifeplans.views) and her own space (lifeplans.portal_views), which
resolve her file first; nothing here checks access.
"""

from django.http import Http404, HttpResponse
from django.utils import timezone

from lifeplans.models import DreamImage, DreamItem
from lifeplans.services import dream_picture

# a board is for one year; a year never holds more than services.DREAMS_PER_YEAR items
BOARD_LIMIT = 60
PICTURE_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def board_year(request) -> int:
    """The year asked for in ?year=, or this year (a wrong value is simply this year)."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except (TypeError, ValueError):
        return this_year
    return year if 2000 <= year <= this_year + 1 else this_year


def dream_board(participant, year: int, *, limit=BOARD_LIMIT) -> dict:
    """The board of one year, and the years that have one (two queries, no picture loaded)."""
    items = list(
        DreamItem.objects.filter(plan__participant=participant, year=year)
        .only("pk", "plan_id", "year", "words", "content_type", "added_at")
        .order_by("added_at", "pk")[:limit]
    )
    years = set(
        DreamItem.objects.filter(plan__participant=participant)
        .values_list("year", flat=True)
        .distinct()
    )
    years.add(timezone.localdate().year)
    return {"items": items, "year": year, "years": sorted(years, reverse=True)}


def dream_item_of(participant, item_pk) -> DreamItem:
    """One item of her board, or 404."""
    item = (
        DreamItem.objects.filter(plan__participant=participant, pk=item_pk)
        .only("pk", "plan_id", "content_type", "words", "year")
        .first()
    )
    if item is None:
        raise Http404
    return item


def picture_response(item) -> HttpResponse:
    """Her picture, shown in the page, with a neutral name, never cached or guessed at."""
    try:
        data = dream_picture(item)
    except DreamImage.DoesNotExist:
        raise Http404 from None
    response = HttpResponse(data, content_type=item.content_type)
    extension = PICTURE_EXTENSIONS.get(item.content_type, "bin")
    response["Content-Disposition"] = f'inline; filename="picture-{item.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response


def dream_form_submit(request, participant, *, via="", full_message=""):
    """The dream-board form of this request, saved when valid. Returns (form, saved).

    From her own space (via="portal") the form speaks to her; a full board puts
    ``full_message`` on the form instead of saving."""
    from lifeplans.forms import DreamForm
    from lifeplans.services import DreamBoardFull, dream_add

    for_her = via == "portal"
    posted = request.method == "POST"
    form = DreamForm(*((request.POST, request.FILES) if posted else ()), for_her=for_her)
    if not (posted and form.is_valid()):
        return form, False
    try:
        dream_add(
            actor=request.user,
            participant=participant,
            words=form.cleaned_data["words"],
            picture=form.cleaned_data["picture"],
            content_type=form.cleaned_data["content_type"],
            via=via,
        )
    except DreamBoardFull:
        form.add_error(None, full_message)
        return form, False
    return form, True
