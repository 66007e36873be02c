"""The houses: their beds today, who arrives and leaves, and the month bed by bed.

Every view starts from Shelter.objects.visible_to(user) (out of scope is 404). The address
is never on these pages: it has its own page, one house at a time, after re-authentication.
"""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from safespace.access import SHELTER_STAFF_ROLES, role_required
from shelters.models import Shelter


@require_safe
@role_required(*SHELTER_STAFF_ROLES)
def shelter_list(request):
    """The houses this person may see, with their beds free and taken tonight."""
    shelters = Shelter.objects.visible_to(request.user)
    return render(request, "shelters/list.html", {"shelters": shelters})
