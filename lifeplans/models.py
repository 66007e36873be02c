"""Her life plan: goals in her own words, steps, reviews, strengths, a safety plan and a
dream board. Everything she writes is encrypted; what stays plain (horizon, domain,
status, dates) is what reports count and identifies no one alone."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Participant, RightsDomain
from lifeplans.querysets import CorrectionRequestQuerySet
from safespace.fields import StrictEncryptedCharField, StrictEncryptedTextField


class LifePlan(models.Model):
    """One living plan per participant, built with her worker."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="life_plan"
    )
    created_at = models.DateTimeField(default=timezone.now)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    # set by the beat task when the review date has passed; cleared by a review
    review_overdue = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("life plan")
        verbose_name_plural = _("life plans")

    def __str__(self):
        return f"plan of {self.participant_id}"


class Goal(models.Model):
    """A goal in her words. Proposed by a worker, it counts only once she agrees."""

    class Horizon(models.TextChoices):
        SHORT = "short", _("Short term")
        MEDIUM = "medium", _("Medium term")
        LONG = "long", _("Long term")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        AGREED = "agreed", _("Agreed")
        IN_PROGRESS = "in_progress", _("In progress")
        ACHIEVED = "achieved", _("Achieved")
        PAUSED = "paused", _("Paused")
        LET_GO = "let_go", _("Let go")

    class Proposer(models.TextChoices):
        HER = "her", _("She did")
        WORKER = "worker", _("Her worker")

    plan = models.ForeignKey(LifePlan, on_delete=models.CASCADE, related_name="goals")
    horizon = models.CharField(_("horizon"), max_length=10, choices=Horizon.choices)
    domain = models.CharField(_("domain"), max_length=20, choices=RightsDomain.choices)
    words = StrictEncryptedTextField(_("in her words"))
    proposed_by = models.CharField(_("proposed by"), max_length=10, choices=Proposer.choices)
    proposed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # bumped on every change, so two people editing at once cannot overwrite each other
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["horizon", "created_at"]
        indexes = [models.Index(fields=["plan", "status"])]
        constraints = [
            # only her agreement moves a goal past "proposed"
            models.CheckConstraint(
                condition=Q(status__in=["proposed", "let_go"]) | Q(agreed_on__isnull=False),
                name="goal_agreed_before_it_counts",
            )
        ]

    def __str__(self):
        return f"goal #{self.pk}"

    @property
    def counts(self) -> bool:
        """Only goals she agreed to count in reports."""
        return self.agreed_on is not None


class GoalChange(models.Model):
    """One change to a goal (who, when, what), so she can look back at the road travelled."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    fields = models.JSONField(default=list)
    status_before = models.CharField(max_length=20, blank=True, choices=Goal.Status.choices)
    status_after = models.CharField(max_length=20, blank=True, choices=Goal.Status.choices)
    # her earlier words, when they changed (encrypted like the goal itself)
    words_before = StrictEncryptedTextField(blank=True)

    class Meta:
        verbose_name = _("change to a goal")
        verbose_name_plural = _("changes to goals")
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"change #{self.pk} of goal {self.goal_id}"


class Step(models.Model):
    """A concrete action towards a goal."""

    class Owner(models.TextChoices):
        HER = "her", _("She does it")
        WORKER = "worker", _("Her worker")
        PARTNER = "partner", _("A partner")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="steps")
    words = StrictEncryptedTextField(_("what"))
    owner = models.CharField(_("who does it"), max_length=10, choices=Owner.choices)
    due_on = models.DateField(_("by when"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"step #{self.pk}"

    @property
    def done(self) -> bool:
        return self.done_on is not None


class Review(models.Model):
    """A dated look back at her plan: her reflection and the worker's note side by side."""

    plan = models.ForeignKey(LifePlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField(_("reviewed on"), default=timezone.localdate)
    her_reflection = StrictEncryptedTextField(_("her reflection"), blank=True)
    worker_note = StrictEncryptedTextField(_("worker's note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-reviewed_on", "-recorded_at"]

    def __str__(self):
        return f"review #{self.pk}"


class Strength(models.Model):
    """A strength or skill she recognises in herself."""

    plan = models.ForeignKey(LifePlan, on_delete=models.CASCADE, related_name="strengths")
    tags = StrictEncryptedCharField(_("in a few words"), max_length=300, blank=True)
    words = StrictEncryptedTextField(_("in her words"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("strength")
        verbose_name_plural = _("strengths")
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return f"strength #{self.pk}"

    @property
    def tag_list(self) -> list[str]:
        """Her few words as separate tags, for chips (the form keeps them comma-separated)."""
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


class SafetyPlan(models.Model):
    """Her immediate protection strategies: for her and her assigned workers only."""

    plan = models.OneToOneField(LifePlan, on_delete=models.CASCADE, related_name="safety_plan")
    strategies = StrictEncryptedTextField(_("what keeps her safe right now"), blank=True)
    safe_places = StrictEncryptedTextField(_("safe places"), blank=True)
    trusted_contacts = StrictEncryptedTextField(_("people she trusts"), blank=True)
    code_words = StrictEncryptedTextField(_("code words"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("safety plan")
        verbose_name_plural = _("safety plans")

    def __str__(self):
        return f"safety plan of {self.plan_id}"


class DreamItem(models.Model):
    """A picture or words on her dream board for the year. A picture is re-encoded without
    its metadata and kept encrypted in DreamImage, fetched only through a checked view."""

    plan = models.ForeignKey(LifePlan, on_delete=models.CASCADE, related_name="dream_items")
    year = models.PositiveSmallIntegerField(_("year"))
    words = StrictEncryptedTextField(_("words"), blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dream-board item")
        verbose_name_plural = _("dream-board items")
        ordering = ["added_at", "pk"]

    def __str__(self):
        return f"dream item #{self.pk}"


class DreamImage(models.Model):
    """The picture of a dream-board item as one Fernet token (rotated with the others)."""

    item = models.OneToOneField(
        DreamItem, on_delete=models.CASCADE, primary_key=True, related_name="image"
    )
    token = models.TextField()

    def __str__(self):
        return f"image of dream item #{self.item_id}"


# --- Correction requests ---

CORRECTION_WORDS_MAX = 2000
CORRECTION_ANSWER_MAX = 5000


class CorrectionRequest(models.Model):
    """She asks, from her own space, for something in her file to be corrected; her key
    worker (or a coordinator within her scope) answers in the app. Only the first answer is
    kept: answering is a conditional update on a request still waiting (services)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="correction_requests"
    )
    words = StrictEncryptedTextField(
        _("what she asks to correct, in her words"),
        validators=[MaxLengthValidator(CORRECTION_WORDS_MAX)],
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    answer = StrictEncryptedTextField(
        _("the answer"), blank=True, validators=[MaxLengthValidator(CORRECTION_ANSWER_MAX)]
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = CorrectionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["participant", "status"])]
        constraints = [
            # answered means someone answered, at a moment; waiting means nobody has yet
            models.CheckConstraint(
                condition=Q(status="waiting", answered_by__isnull=True, answered_at__isnull=True)
                | Q(status="answered", answered_by__isnull=False, answered_at__isnull=False),
                name="correction_answered_by_someone_or_waiting",
            )
        ]

    def __str__(self):
        return f"correction request #{self.pk}"

    @property
    def waiting(self) -> bool:
        return self.status == self.Status.WAITING
