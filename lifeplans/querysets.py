"""Reads of her life plan's records that need a scope of their own."""

from django.db import models

from safespace.roles import Role, role_of


class CorrectionRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The correction requests this user may read: the one entry point of every view.

        A participant: those of her own file. A social worker: those of the files she is
        the key worker of (an open KEY_WORKER assignment). A coordinator: those of the files
        she may open (Participant.objects.visible_to). Anyone else (peer workers,
        volunteers): none, since a request is about her whole file, which they may not read.
        """
        from cases.models import Participant
        from safespace.reminders import key_worker_files

        role = role_of(user)
        if role == Role.SOCIAL_WORKER:
            # her key worker: not every worker who supports her, nor a break-glass reader
            files = key_worker_files(user)
        elif role in (Role.COORDINATOR, Role.PARTICIPANT):
            files = Participant.objects.visible_to(user)
        else:
            return self.none()
        return self.filter(participant__in=files.values("pk"))

    def waiting(self):
        return self.filter(status="waiting")
