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
