"""What she wrote herself, for her to take with her (GDPR article 20) from her own space:
the goals she set, her reflections, her safety plan, her strengths, the words of her dream
board and what she asked to be corrected. Only what her space already shows her: never a
worker's note, a case note or anyone's name. Staff-only fields are not even loaded, so never
decrypted here."""

from django.db import transaction
from django.utils import timezone

from cases.models import Participant
from lifeplans.models import CorrectionRequest, DreamItem, Goal, Review, SafetyPlan, Strength
from safespace.audit import audit_record

FORMAT_VERSION = 1


def _day(value):
    return value.isoformat() if value else None


def her_words_collect(participant: Participant) -> dict:
    """Her own words, as plain JSON-serialisable data (six queries, whatever their number)."""
    of_her = {"plan__participant": participant}
    goals = (
        Goal.objects.filter(**of_her, proposed_by=Goal.Proposer.HER)
        .only("pk", "plan_id", "words", "horizon", "domain", "status", "created_at")
        .order_by("created_at", "pk")
    )
    # her reflection only: the worker's note of a review is never loaded
    reviews = (
        Review.objects.filter(**of_her)
        .only("pk", "plan_id", "reviewed_on", "recorded_at", "her_reflection")
        .order_by("reviewed_on", "recorded_at", "pk")
    )
    safety = (
        SafetyPlan.objects.filter(**of_her)
        .only("pk", "plan_id", "strategies", "safe_places", "trusted_contacts", "code_words")
        .first()
    )
    strengths = (
        Strength.objects.filter(**of_her)
        .only("pk", "plan_id", "tags", "words")
        .order_by("recorded_at", "pk")
    )
    dreams = (
        DreamItem.objects.filter(**of_her)
        .only("pk", "plan_id", "year", "words", "content_type")
        .order_by("year", "added_at", "pk")
    )
    # what she asked to be corrected, in her words (the answer is her worker's words)
    corrections = (
        CorrectionRequest.objects.filter(participant=participant)
        .only("pk", "participant_id", "created_at", "words", "status")
        .order_by("created_at", "pk")
    )
    return {
        "format_version": FORMAT_VERSION,
        "produced_on": _day(timezone.localdate()),
        "goals": [
            {
                "words": goal.words,
                "horizon": goal.horizon,
                "domain": goal.domain,
                "status": goal.status,
                "written_on": _day(timezone.localtime(goal.created_at).date()),
            }
            for goal in goals
        ],
        # an empty reflection is encrypted like any other value: SQL cannot tell, Python can
        "reflections": [
            {"written_on": _day(review.reviewed_on), "words": review.her_reflection}
            for review in reviews
            if review.her_reflection.strip()
        ],
        "safety_plan": None
        if safety is None
        else {
            "strategies": safety.strategies,
            "safe_places": safety.safe_places,
            "trusted_contacts": safety.trusted_contacts,
            "code_words": safety.code_words,
        },
        "strengths": [
            {"tags": strength.tag_list, "words": strength.words} for strength in strengths
        ],
        # the words of her dream board; a picture is only said to be there
        "dream_board": [
            {"year": item.year, "words": item.words, "has_picture": bool(item.content_type)}
            for item in dreams
        ],
        "correction_requests": [
            {
                "asked_on": _day(timezone.localtime(request.created_at).date()),
                "words": request.words,
                "status": request.status,
            }
            for request in corrections
        ],
    }


@transaction.atomic
def her_words_downloaded(*, actor, participant: Participant) -> None:
    """Record that she downloaded her own words (the file itself is never kept)."""
    audit_record(
        action="lifeplan.words_downloaded_by_her",
        actor=actor,
        target=participant,
        participant_id=participant.pk,
        payload={"via": "portal", "format": "json"},
    )
