"""The drop-in centre, outreach, collective activities and peer groups.

A visit must be loggable with no identity at all, yet reports still count people: known
visitors by their file, anonymous ones only when a visitor code (chosen with her, kept as
a keyed hash) lets the same person be recognised again. Nothing here holds a name: known
visitors point to their file, which keeps its own encryption and access rules.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from cases.models import Participant
from dropin.querysets import PeerGroupQuerySet
from safespace.fields import StrictEncryptedTextField


class AgeBand(models.TextChoices):
    """Ages as reports count them (youth programmes count 13 to 25)."""

    UNDER_18 = "under_18", _("Under 18")
    FROM_18_TO_25 = "18_25", _("18 to 25")
    FROM_26_TO_35 = "26_35", _("26 to 35")
    FROM_36_TO_50 = "36_50", _("36 to 50")
    OVER_50 = "over_50", _("Over 50")


# --- Sites and the services catalogue ---


class Site(models.Model):
    """A place where the organisation holds drop-in sessions or activities."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Service(models.Model):
    """Something given at the drop-in or in individual support: a meal, a shower, listening.

    The default set (DOMAIN.md) carries a code, so its name follows the reader's language;
    services coordinators add carry their own name."""

    class Category(models.TextChoices):
        FOOD = "food", _("Food support")
        HYGIENE = "hygiene", _("Hygiene and clothing")
        LISTENING = "listening", _("Listening")
        PSYCHOLOGICAL = "psychological", _("Psychological support")
        RIGHTS = "rights", _("Rights and paperwork")
        LEARNING = "learning", _("Learning and work")
        HEALTH = "health", _("Health")
        CHILDREN = "children", _("Children")
        OTHER = "other", _("Other")

    code = models.SlugField(max_length=40, unique=True, null=True, blank=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["position", "name"]

    def __str__(self):
        return str(self.label)

    @property
    def label(self):
        """The name to show: translated for the default services."""
        from dropin.catalogue import DEFAULT_NAMES

        return DEFAULT_NAMES.get(self.code, self.name) if self.code else self.name


# --- Opening sessions (permanences) and visits ---


class OpeningSession(models.Model):
    """One opening of a drop-in site: a date and hours, and who was there."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField(_("date"), default=timezone.localdate)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # once closed, its visits can no longer be corrected or removed
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("opening session")
        verbose_name_plural = _("opening sessions")
        ordering = ["-date", "-opens_at"]
        indexes = [models.Index(fields=["date", "site"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="session_closes_after_opening"
            ),
            models.UniqueConstraint(
                fields=["site", "date", "opens_at"], name="one_session_per_site_and_start"
            ),
        ]

    def __str__(self):
        return f"session #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Presence(models.Model):
    """A staff member or volunteer present at a session, with her hours (reported)."""

    session = models.ForeignKey(OpeningSession, on_delete=models.CASCADE, related_name="presences")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2)

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presences")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="one_presence_per_person"),
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24), name="presence_hours_in_a_day"
            ),
        ]

    def __str__(self):
        return f"presence #{self.pk}"


class Visit(models.Model):
    """One visit during a session: a known visitor (her file) or an anonymous one.

    An anonymous visitor may give a nationality, an age band, whether it is her first
    visit, and a visitor code chosen with her (kept only as a keyed hash) so that she is
    counted once however often she comes. A known visitor's details live in her file."""

    session = models.ForeignKey(OpeningSession, on_delete=models.PROTECT, related_name="visits")
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    nationality = CountryField(_("nationality"), blank=True)
    age_band = models.CharField(_("age"), max_length=10, blank=True, choices=AgeBand.choices)
    first_visit = models.BooleanField(_("first visit"), null=True, blank=True)
    visitor_code = models.CharField(max_length=64, blank=True, db_index=True)
    children_count = models.PositiveSmallIntegerField(_("children with her"), default=0)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-logged_at", "-pk"]
        constraints = [
            # a known visitor comes once per session: a second log is a correction
            models.UniqueConstraint(
                fields=["session", "participant"],
                condition=Q(participant__isnull=False),
                name="one_visit_per_person_per_session",
            ),
            # her details are in her file, never copied onto the visit
            models.CheckConstraint(
                condition=Q(participant__isnull=True)
                | (Q(nationality="") & Q(age_band="") & Q(visitor_code="")),
                name="known_visitor_has_no_anonymous_details",
            ),
            models.CheckConstraint(
                condition=Q(children_count__lte=20), name="visit_children_count_plausible"
            ),
        ]

    def __str__(self):
        return f"visit #{self.pk}"


class ServiceGiven(models.Model):
    """A service given: during a visit, or in individual support outside one."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="given")
    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, null=True, blank=True, related_name="services_given"
    )
    participant = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services_given",
    )
    given_on = models.DateField(_("date"), default=timezone.localdate)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("service given")
        verbose_name_plural = _("services given")
        indexes = [models.Index(fields=["given_on", "service"])]
        constraints = [
            # during a visit, or to a known person outside one; never to nobody
            models.CheckConstraint(
                condition=Q(visit__isnull=False) | Q(participant__isnull=False),
                name="service_given_to_someone",
            ),
            models.UniqueConstraint(
                fields=["visit", "service"],
                condition=Q(visit__isnull=False),
                name="one_service_of_a_kind_per_visit",
            ),
        ]

    def __str__(self):
        return f"service given #{self.pk}"


# --- Outreach ---


class OutreachRound(models.Model):
    """A street or online outreach round: where in broad terms, never where a person is."""

    class Kind(models.TextChoices):
        STREET = "street", _("Street")
        ONLINE = "online", _("Online")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"), default=timezone.localdate)
    area = models.CharField(
        _("area or platform"),
        max_length=100,
        help_text=_("A district or a website, never where a person can be found."),
    )
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True)
    contacts_made = models.PositiveIntegerField(_("contacts made"), default=0)
    new_contacts = models.PositiveIntegerField(_("of whom new"), default=0)
    leaflets = models.PositiveIntegerField(_("leaflets"), default=0)
    hygiene_kits = models.PositiveIntegerField(_("hygiene kits"), default=0)
    food_and_drinks = models.PositiveIntegerField(_("food and drinks"), default=0)
    other_material = models.PositiveIntegerField(_("other material"), default=0)
    notes = StrictEncryptedTextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outreach round")
        verbose_name_plural = _("outreach rounds")
        ordering = ["-date", "-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_contacts__lte=models.F("contacts_made")),
                name="new_contacts_within_contacts",
            )
        ]

    def __str__(self):
        return f"outreach round #{self.pk}"


class OutreachContact(models.Model):
    """A contact worth following from a round: anonymous (a visitor code at most), linked
    to her file later if she opens one."""

    round = models.ForeignKey(OutreachRound, on_delete=models.CASCADE, related_name="contacts")
    visitor_code = models.CharField(max_length=64, blank=True, db_index=True)
    nationality = CountryField(_("nationality"), blank=True)
    age_band = models.CharField(_("age"), max_length=10, blank=True, choices=AgeBand.choices)
    first_contact = models.BooleanField(_("first contact"), default=True)
    participant = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outreach_contacts",
    )

    class Meta:
        verbose_name = _("outreach contact")
        verbose_name_plural = _("outreach contacts")

    def __str__(self):
        return f"outreach contact #{self.pk}"


# --- Collective activities ---


class Activity(models.Model):
    """A collective activity that meets over time: a cooking workshop, yoga, an outing."""

    class Kind(models.TextChoices):
        COOKING = "cooking", _("Cooking workshop")
        SHARED_MEAL = "shared_meal", _("Shared meal")
        ART_THERAPY = "art_therapy", _("Art therapy")
        DANCE = "dance", _("Dance")
        YOGA = "yoga", _("Yoga")
        GARDENING = "gardening", _("Gardening")
        OUTING = "outing", _("Outing")
        WORKSHOP = "workshop", _("Workshop")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=100)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="activities"
    )
    active = models.BooleanField(_("running"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["title"]

    def __str__(self):
        return self.title


class ActivitySession(models.Model):
    """One meeting of an activity: known participants attend, others are a head count."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField(_("date"), default=timezone.localdate)
    anonymous_count = models.PositiveSmallIntegerField(_("others present"), default=0)
    attendees = models.ManyToManyField(
        Participant, through="ActivityAttendance", related_name="+", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("activity session")
        verbose_name_plural = _("activity sessions")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"activity session #{self.pk}"


class ActivityAttendance(models.Model):
    session = models.ForeignKey(ActivitySession, on_delete=models.CASCADE)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"], name="one_attendance_per_activity_session"
            )
        ]

    def __str__(self):
        return f"attendance #{self.pk}"


# --- Peer groups ---


class PeerGroup(models.Model):
    """A closed support group of about twelve sessions, facilitated by peer workers and
    staff. Attendance is recorded; what members say is not."""

    name = models.CharField(_("name"), max_length=100)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="peer_groups"
    )
    planned_sessions = models.PositiveSmallIntegerField(_("planned sessions"), default=12)
    starts_on = models.DateField(_("starts on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="facilitated_groups"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = PeerGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("peer group")
        verbose_name_plural = _("peer groups")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_sessions__gte=1) & Q(planned_sessions__lte=52),
                name="peer_group_sessions_plausible",
            )
        ]

    def __str__(self):
        return self.name


class PeerGroupMember(models.Model):
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="members")
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="peer_groups"
    )
    enrolled_on = models.DateField(_("enrolled on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("peer group member")
        verbose_name_plural = _("peer group members")
        constraints = [
            models.UniqueConstraint(fields=["group", "participant"], name="one_membership")
        ]

    def __str__(self):
        return f"member #{self.pk}"


class PeerGroupSession(models.Model):
    """One meeting of a peer group. The facilitators' notes are for the facilitators only."""

    group = models.ForeignKey(PeerGroup, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField(_("date"), default=timezone.localdate)
    facilitator_notes = StrictEncryptedTextField(_("facilitators' notes"), blank=True)
    attendees = models.ManyToManyField(
        Participant, through="PeerGroupAttendance", related_name="+", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("peer group session")
        verbose_name_plural = _("peer group sessions")
        ordering = ["date", "pk"]

    def __str__(self):
        return f"peer group session #{self.pk}"


class PeerGroupAttendance(models.Model):
    session = models.ForeignKey(PeerGroupSession, on_delete=models.CASCADE)
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"], name="one_attendance_per_group_session"
            )
        ]

    def __str__(self):
        return f"group attendance #{self.pk}"
