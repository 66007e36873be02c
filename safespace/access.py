"""The access policy: who may do what. Views ask here; nothing else decides.

This module grows with the domain apps (record scopes, field-level rules,
break-glass). Pages a role may not use answer 403; records out of scope, 404.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from safespace.roles import Role, role_of


def role_required(*roles: Role):
    """Only these roles reach the view; others get 403, anonymous visitors the sign-in page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def can_manage_accounts(user) -> bool:
    return role_of(user) == Role.COORDINATOR
