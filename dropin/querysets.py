"""Reads of the drop-in app: each scoped entry point a view starts from."""

from django.db import models

from safespace.roles import Role, role_of


class PeerGroupQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Coordinators see every group; peer workers and social workers only the groups
        they facilitate; anyone else none."""
        role = role_of(user)
        if role == Role.COORDINATOR:
            return self.all()
        if role in (Role.SOCIAL_WORKER, Role.PEER_WORKER):
            return self.filter(facilitators=user)
        return self.none()
