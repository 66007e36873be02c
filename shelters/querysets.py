"""Reads on shelters, each starting from who is asking (safespace.access)."""

from django.db import models


class ShelterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The houses this user may see by name: all for those who place women (coordinators,
        social workers), her own houses for a house's staff, none for anyone else. The
        address is never loaded here: it is revealed one house at a time."""
        from safespace.access import SHELTER_STAFF_ROLES, can_see_every_shelter
        from safespace.roles import role_of

        houses = self.defer("address")
        if can_see_every_shelter(user):
            return houses
        if role_of(user) in SHELTER_STAFF_ROLES:
            return houses.filter(staff=user)
        return self.none()


class StayQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Stays of the women whose file this user may open, and who may read where she lives
        (the "housing" section of her file)."""
        from cases.models import Participant
        from safespace.access import participant_readable_fields

        if "housing" not in participant_readable_fields(user):
            return self.none()
        return self.filter(participant__in=Participant.objects.visible_to(user).values("pk"))

    def open_on(self, day):
        """Stays she is in on the night of ``day``."""
        return self.filter(starts_on__lte=day).exclude(ended_on__lte=day)


class AdmissionRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The requests this user may see: every one for coordinators (they run the waiting
        list), those of the women whose file she may open (with the "housing" section) for a
        social worker, none for anyone else."""
        from cases.models import Participant
        from safespace.access import (
            can_manage_shelters,
            can_place_in_shelter,
            participant_readable_fields,
        )

        if can_manage_shelters(user):
            return self.all()
        if not can_place_in_shelter(user) or "housing" not in participant_readable_fields(user):
            return self.none()
        return self.filter(participant__in=Participant.objects.visible_to(user).values("pk"))

    def open(self):
        """Requests still on the waiting list: waiting for a place, or offered one."""
        return self.filter(status__in=self.model.OPEN_STATUSES)

    def by_urgency(self):
        """Tonight first, then within a week, then planned; the oldest first within each."""
        urgency = self.model.Urgency
        rank = models.Case(
            models.When(urgency=urgency.IMMEDIATE, then=models.Value(0)),
            models.When(urgency=urgency.SOON, then=models.Value(1)),
            default=models.Value(2),
            output_field=models.IntegerField(),
        )
        return self.alias(urgency_rank=rank).order_by("urgency_rank", "requested_on", "pk")


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Follow-ups of the women whose file this user may open, and who may read where she
        lives (the "housing" section of her file), as Stay.objects.visible_to."""
        from cases.models import Participant
        from safespace.access import participant_readable_fields

        if "housing" not in participant_readable_fields(user):
            return self.none()
        return self.filter(participant__in=Participant.objects.visible_to(user).values("pk"))

    def pending(self):
        """Not done yet."""
        return self.filter(done_on__isnull=True)
