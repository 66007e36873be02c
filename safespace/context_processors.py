from django.conf import settings
from django.utils.translation import gettext

from safespace.access import (
    can_break_glass,
    can_make_reports,
    can_manage_accounts,
    can_manage_dropin,
    can_open_files,
    can_read_audit,
    can_read_partners,
    can_record_outreach,
    can_review_break_glass,
    can_search_files,
    can_use_shelters,
    can_work_at_the_desk,
)
from safespace.roles import Role, role_of


def safespace(request):
    user = getattr(request, "user", None)
    role = role_of(user)
    is_participant = role == Role.PARTICIPANT
    return {
        "organisation_name": settings.SAFESPACE_ORGANISATION_NAME,
        "exit_url": settings.SAFESPACE_EXIT_URL,
        "user_role": role,
        "is_participant": is_participant,
        # her space's neutral name and icon (staff keep the organisation's)
        "portal_name": (settings.SAFESPACE_PORTAL_NAME or gettext("My space"))
        if is_participant
        else "",
        "portal_icon": f"img/portal/{settings.SAFESPACE_PORTAL_ICON}.svg",
        "can_manage_accounts": user is not None and can_manage_accounts(user),
        "can_open_files": user is not None and can_open_files(user),
        "can_search_files": user is not None and can_search_files(user),
        "can_read_audit": user is not None and can_read_audit(user),
        "can_break_glass": user is not None and can_break_glass(user),
        "can_review_break_glass": user is not None and can_review_break_glass(user),
        "can_read_partners": user is not None and can_read_partners(user),
        "can_work_at_the_desk": user is not None and can_work_at_the_desk(user),
        "can_record_outreach": user is not None and can_record_outreach(user),
        "can_use_shelters": user is not None and can_use_shelters(user),
        "can_manage_dropin": user is not None and can_manage_dropin(user),
        "can_make_reports": user is not None and can_make_reports(user),
    }
