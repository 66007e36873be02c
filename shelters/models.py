"""Shelters, their beds, admissions, stays and the follow-up after a stay.

A shelter's address is confidential: encrypted, and revealed only through the access
policy. A bed can never hold two stays the same night, nor a woman two beds: each stay
owns one row per night it covers (BedNight), and the database itself refuses a second
row for the same bed-night or person-night, on SQLite and PostgreSQL alike.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Participant
from safespace.fields import StrictEncryptedTextField
from shelters.dates import months_later
from shelters.querysets import (
    AdmissionRequestQuerySet,
    FollowUpQuerySet,
    ShelterQuerySet,
    StayQuerySet,
)


class Shelter(models.Model):
    class Kind(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency shelter")
        LONG_TERM = "long_term", _("Long-term shelter")
        TRANSITION = "transition", _("Transition apartment")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # never in a list, a PDF, an export, a referral or an email
    address = StrictEncryptedTextField(_("address"))
    max_stay_months = models.PositiveSmallIntegerField(_("maximum stay (months)"), default=12)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="shelters", blank=True, verbose_name=_("staff")
    )
    active = models.BooleanField(_("open"), default=True)
    version = models.PositiveIntegerField(default=1)

    objects = ShelterQuerySet.as_manager()

    class Meta:
        verbose_name = _("shelter")
        verbose_name_plural = _("shelters")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_stay_months__gte=1) & Q(max_stay_months__lte=36),
                name="shelter_max_stay_plausible",
            )
        ]

    def __str__(self):
        return self.name


class Room(models.Model):
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["shelter", "name"]
        constraints = [
            models.UniqueConstraint(fields=["shelter", "name"], name="one_room_name_per_shelter")
        ]

    def __str__(self):
        return f"{self.shelter} · {self.name}"


class Bed(models.Model):
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, related_name="beds", verbose_name=_("room")
    )
    label = models.CharField(_("bed"), max_length=50)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("bed")
        verbose_name_plural = _("beds")
        ordering = ["room", "label"]
        constraints = [
            models.UniqueConstraint(fields=["room", "label"], name="one_bed_label_per_room")
        ]

    def __str__(self):
        return f"{self.room} · {self.label}"


class AdmissionRequest(models.Model):
    """A request for a place (the waiting list), made by a worker for a participant."""

    class Urgency(models.TextChoices):
        IMMEDIATE = "immediate", _("Tonight")
        SOON = "soon", _("Within a week")
        PLANNED = "planned", _("Planned")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered")
        ADMITTED = "admitted", _("Admitted")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="admission_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_on = models.DateField(_("requested on"), default=timezone.localdate)
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices)
    wished_kind = models.CharField(
        _("kind of place wished"), max_length=20, choices=Shelter.Kind.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.WAITING
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_reason = StrictEncryptedTextField(_("reason"), blank=True)
    version = models.PositiveIntegerField(default=1)

    # still on the waiting list; she has at most one such request at a time
    OPEN_STATUSES = (Status.WAITING, Status.OFFERED)

    objects = AdmissionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("admission request")
        verbose_name_plural = _("admission requests")
        ordering = ["requested_on", "pk"]
        indexes = [models.Index(fields=["status", "urgency"])]
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(status__in=["waiting", "offered"]),
                name="one_open_admission_request_per_participant",
            )
        ]

    def __str__(self):
        return f"admission request #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def days_waiting(self) -> int:
        """Days since it was made (up to its decision, once decided)."""
        until = self.decided_on if not self.is_open and self.decided_on else timezone.localdate()
        return max((until - self.requested_on).days, 0)


class Stay(models.Model):
    """Her stay in one bed: from the night of ``starts_on`` to the night before
    ``ended_on`` (she leaves that morning, and the bed is free that night)."""

    class ExitDestination(models.TextChoices):
        FAMILY = "family", _("Family reintegration")
        OWN_HOUSING = "own_housing", _("Own housing")
        TRANSITION = "transition", _("Transition apartment")
        OTHER_SERVICE = "other_service", _("Another service")
        RETURNED = "returned", _("Returned to prostitution")
        UNKNOWN = "unknown", _("Unknown")

    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="stays")
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, related_name="stays")
    starts_on = models.DateField(_("arrival"))
    # the day the house's maximum stay counts from when it is not starts_on: her arrival in
    # the house, kept when she moves to another of its beds
    limit_from = models.DateField(null=True, blank=True, editable=False)
    expected_end_on = models.DateField(_("expected departure"), null=True, blank=True)
    ended_on = models.DateField(_("departure"), null=True, blank=True)
    exit_destination = models.CharField(
        _("exit destination"), max_length=20, choices=ExitDestination.choices, blank=True
    )
    notes = StrictEncryptedTextField(_("notes"), blank=True)
    # a move ends one stay and starts the next the same day
    moved_from = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="moved_to"
    )
    admission = models.ForeignKey(
        AdmissionRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="stays"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = StayQuerySet.as_manager()

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["ended_on", "expected_end_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gt=F("starts_on")),
                name="stay_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(expected_end_on__isnull=True) | Q(expected_end_on__gt=F("starts_on")),
                name="stay_expected_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(limit_from__isnull=True) | Q(limit_from__lte=F("starts_on")),
                name="stay_limit_counts_from_before_its_start",
            ),
        ]

    def __str__(self):
        return f"stay #{self.pk}"

    @property
    def limit_on(self) -> date:
        """The morning her house's maximum stay is reached (needs bed.room.shelter)."""
        return months_later(
            self.limit_from or self.starts_on, self.bed.room.shelter.max_stay_months
        )


class BedNight(models.Model):
    """One night of one stay in one bed: the row the database refuses to duplicate."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="nights")
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    night = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bed", "night"], name="one_stay_per_bed_night"),
            models.UniqueConstraint(
                fields=["participant", "night"], name="one_bed_per_person_night"
            ),
        ]
        indexes = [models.Index(fields=["night", "bed"])]

    def __str__(self):
        return f"night {self.night} of stay {self.stay_id}"


class FollowUp(models.Model):
    """A follow-up after a stay ended (at 1, 3, 6 and 12 months by default)."""

    class Outcome(models.TextChoices):
        STABLE = "stable", _("Stable")
        NEEDS_SUPPORT = "needs_support", _("Needs support")
        RETURNED = "returned", _("Returned to prostitution")
        LOST_CONTACT = "lost_contact", _("Contact lost")

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="follow_ups")
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="follow_ups"
    )
    months_after = models.PositiveSmallIntegerField(_("months after the stay"))
    due_on = models.DateField(_("due on"))
    is_due = models.BooleanField(default=False)  # set by the beat task on its day
    done_on = models.DateField(_("done on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    notes = StrictEncryptedTextField(_("notes"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["stay", "months_after"], name="one_follow_up_per_stay_and_month"
            )
        ]

    def __str__(self):
        return f"follow-up #{self.pk}"
