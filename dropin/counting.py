"""How visits are counted (the rules reports use).

- Every visit counts as a visit.
- Known visitors count as distinct people, by their file.
- Anonymous visits count as people only when a visitor code lets the same person be
  recognised: one person per distinct code. Anonymous visits without a code count as
  visits, never as people (so "people" is a floor, and reports say "at least").
"""

from dataclasses import dataclass

from django.db.models import Count, Q


@dataclass(frozen=True)
class VisitCounts:
    visits: int
    known_people: int
    recognised_anonymous_people: int
    anonymous_visits: int
    unrecognised_anonymous_visits: int

    @property
    def people(self) -> int:
        """Distinct people, at least: known ones plus recognised anonymous ones."""
        return self.known_people + self.recognised_anonymous_people


def visit_counts(visits) -> VisitCounts:
    """Count a queryset of visits by the rules above, in one query."""
    totals = visits.aggregate(
        visits=Count("pk"),
        known_people=Count("participant", distinct=True),
        recognised=Count(
            "visitor_code", distinct=True, filter=Q(participant__isnull=True) & ~Q(visitor_code="")
        ),
        anonymous=Count("pk", filter=Q(participant__isnull=True)),
        unrecognised=Count("pk", filter=Q(participant__isnull=True, visitor_code="")),
    )
    return VisitCounts(
        visits=totals["visits"],
        known_people=totals["known_people"],
        recognised_anonymous_people=totals["recognised"],
        anonymous_visits=totals["anonymous"],
        unrecognised_anonymous_visits=totals["unrecognised"],
    )
