"""Retention: what is kept how long, applied every night (issue 10).

The organisation sets one period per kind of record (settings, from the environment):

- a closed file is anonymised ``SAFESPACE_RETENTION_CLOSED_FILE_YEARS`` after it was
  closed (default 5), as an erasure does (cases.erasure), unless it is under a legal hold;
- the details of an anonymous drop-in visit (nationality, age band, first visit, visitor
  code) are removed ``SAFESPACE_RETENTION_ANONYMOUS_VISIT_YEARS`` after the visit
  (default 3): the visit itself still counts;
- the notes of an outreach round are removed ``SAFESPACE_RETENTION_OUTREACH_NOTES_YEARS``
  after the round (default 1);
- the files of a prepared report are deleted ``SAFESPACE_REPORT_FILE_DAYS`` after they
  were made (default 30; reports.services.report_files_expire, its own nightly task).

``retention_apply`` is idempotent (what was done is not found again) and resumable (each
file and each batch is its own transaction: a run stopped halfway leaves what it did done,
and the next run does the rest). It logs counts only. ``retention_upcoming`` is what a
coordinator sees before it happens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.erasure import ErasureRefused, Reason, participant_anonymise
from cases.models import Participant

logger = logging.getLogger(__name__)

BATCH = 500
UPCOMING_DAYS = 30


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, in a year without one
        return day.replace(year=day.year - years, day=28)


def closed_files_due(on: date):
    """Files whose retention period has passed on ``on``: closed long enough ago, not
    anonymised yet, not merged away, not under a legal hold."""
    cutoff = years_before(on, settings.SAFESPACE_RETENTION_CLOSED_FILE_YEARS)
    return Participant.objects.filter(
        closed_on__isnull=False,
        closed_on__lte=cutoff,
        anonymised_at__isnull=True,
        merged_into__isnull=True,
        legal_hold=False,
    )


def anonymous_visits_due(on: date):
    from dropin.models import Visit

    cutoff = years_before(on, settings.SAFESPACE_RETENTION_ANONYMOUS_VISIT_YEARS)
    details = Visit.objects.filter(participant__isnull=True, session__date__lt=cutoff)
    return details.exclude(nationality="", age_band="", visitor_code="", first_visit=None)


def outreach_rounds_due(on: date):
    """Rounds old enough for their notes to go (the notes are encrypted: whether they are
    already blank is read in Python, so this is every round before the cut-off)."""
    from dropin.models import OutreachRound

    cutoff = years_before(on, settings.SAFESPACE_RETENTION_OUTREACH_NOTES_YEARS)
    return OutreachRound.objects.filter(date__lt=cutoff)


@dataclass
class Applied:
    files: int = 0
    held: int = 0
    anonymous_visits: int = 0
    outreach_notes: int = 0
    refused: int = 0

    def as_log(self) -> str:
        return (
            f"files anonymised {self.files}, files held {self.held}, refused {self.refused}, "
            f"anonymous visits stripped {self.anonymous_visits}, "
            f"outreach notes removed {self.outreach_notes}"
        )


def retention_apply(on: date | None = None) -> Applied:
    """Apply every retention rule for ``on`` (today). Safe to run twice, or after a crash."""
    on = on or timezone.localdate()
    applied = Applied()
    applied.held = Participant.objects.filter(
        closed_on__lte=years_before(on, settings.SAFESPACE_RETENTION_CLOSED_FILE_YEARS),
        anonymised_at__isnull=True,
        legal_hold=True,
    ).count()
    for pk in list(closed_files_due(on).order_by("pk").values_list("pk", flat=True)):
        try:
            participant_anonymise(
                actor=None, participant=Participant(pk=pk), reason=Reason.RETENTION
            )
        except ErasureRefused:  # held or done in between: the next run looks again
            applied.refused += 1
        else:
            applied.files += 1
    applied.anonymous_visits = _anonymous_visits_strip(on)
    applied.outreach_notes = _outreach_notes_remove(on)
    logger.info("retention applied: %s", applied.as_log())
    return applied


def _anonymous_visits_strip(on: date) -> int:
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                anonymous_visits_due(on).order_by("pk").values_list("pk", flat=True)[:BATCH]
            )
            if not batch:
                return done
            from dropin.models import Visit

            done += Visit.objects.filter(pk__in=batch).update(
                nationality="", age_band="", visitor_code="", first_visit=None
            )


def _outreach_notes_remove(on: date) -> int:
    from dropin.models import OutreachRound

    done = 0
    last = 0
    while True:
        with transaction.atomic():
            rounds = list(
                outreach_rounds_due(on)
                .filter(pk__gt=last)
                .order_by("pk")
                .only("pk", "notes")[:BATCH]
            )
            if not rounds:
                return done
            last = rounds[-1].pk
            written = [r.pk for r in rounds if r.notes]
            if written:
                done += OutreachRound.objects.filter(pk__in=written).update(notes="")


@dataclass
class Upcoming:
    """What the next ``days`` days of retention will do, for the coordinator's page."""

    until: date
    files: list[dict] = field(default_factory=list)  # reference, closed_on, due_on, overdue
    held: list[dict] = field(default_factory=list)
    # files whose consent to keeping them was withdrawn, with no later one: to anonymise
    # by hand (a coordinator does it, after checking with her worker)
    consent_withdrawn: list[dict] = field(default_factory=list)
    anonymous_visits: int = 0
    outreach_rounds: int = 0


def retention_upcoming(today: date | None = None, days: int = UPCOMING_DAYS) -> Upcoming:
    """Files whose anonymisation falls due in the next ``days`` days (or is overdue, for a
    run that has not happened yet), files held, and how many visit details and outreach
    rounds will lose their details, and files whose consent to keeping them was withdrawn.
    References and dates only: four queries, whatever the numbers."""
    today = today or timezone.localdate()
    until = today + timedelta(days=days)
    years = settings.SAFESPACE_RETENTION_CLOSED_FILE_YEARS
    upcoming = Upcoming(until=until)
    rows = (
        Participant.objects.filter(
            closed_on__isnull=False,
            closed_on__lte=years_before(until, years),
            anonymised_at__isnull=True,
            merged_into__isnull=True,
        )
        .order_by("closed_on", "pk")
        .values("pk", "reference", "closed_on", "legal_hold", "legal_hold_since")
    )
    for row in rows:
        due = _years_after(row["closed_on"], years)
        item = {**row, "due_on": due, "overdue": due <= today}
        (upcoming.held if row["legal_hold"] else upcoming.files).append(item)
    from cases.models import Consent

    keep = Consent.Purpose.KEEP_FILE
    live = Consent.objects.filter(purpose=keep, withdrawn_on__isnull=True).exclude(
        expires_on__lt=today
    )
    upcoming.consent_withdrawn = list(
        Participant.objects.filter(
            consents__purpose=keep,
            consents__withdrawn_on__isnull=False,
            anonymised_at__isnull=True,
            merged_into__isnull=True,
        )
        .exclude(pk__in=live.values("participant_id"))
        .distinct()
        .order_by("reference")
        .values("pk", "reference", "legal_hold")
    )
    upcoming.anonymous_visits = anonymous_visits_due(until).count()
    from dropin.models import OutreachRound

    cutoff = years_before(until, settings.SAFESPACE_RETENTION_OUTREACH_NOTES_YEARS)
    recent = years_before(today, settings.SAFESPACE_RETENTION_OUTREACH_NOTES_YEARS)
    # the rounds that cross the line in the window (older ones were done already)
    upcoming.outreach_rounds = OutreachRound.objects.filter(
        date__lt=cutoff, date__gte=recent
    ).count()
    return upcoming


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
