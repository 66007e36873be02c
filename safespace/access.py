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


def can_read_audit(user) -> bool:
    return role_of(user) == Role.COORDINATOR


# --- Field-level rules ---------------------------------------------------------------
# What each role may read of a participant's file, once the file is in her scope
# (cases.querysets.ParticipantQuerySet.visible_to). Templates and forms ask here.
# The sections of her file and their fields, in the order the file page shows them.
PARTICIPANT_SECTIONS = {
    "identity": ("legal_name", "date_of_birth", "gender", "administrative_status"),
    "contact": ("phone", "email", "postal_address", "safe_contact"),
    "situation": (
        "languages",
        "nationality",
        "birth_year",
        "children_count",
        "children_with_her",
        "first_contact_channel",
        "referral_source",
    ),
    "notes": ("notes",),
}
# The case work kept in her file beyond her details, each a section of the file page.
CASE_WORK_SECTIONS = (
    "pathway",
    "needs",
    "case_notes",
    "appointments",
    "referrals",
    "consents",
    "documents",
    "lifeplan",
    "housing",
)
_FULL_FILE = frozenset(
    {"reference", "known_as", *CASE_WORK_SECTIONS}.union(*PARTICIPANT_SECTIONS.values())
)
PARTICIPANT_READABLE = {
    Role.COORDINATOR: _FULL_FILE,
    Role.SOCIAL_WORKER: _FULL_FILE,
    # peer workers support her as peers: not her identity papers, contacts or professionals' notes
    Role.PEER_WORKER: frozenset({"reference", "known_as", "languages", "birth_year", "lifeplan"}),
    Role.VOLUNTEER: frozenset({"known_as"}),
    Role.PARTICIPANT: frozenset(
        {"known_as", *PARTICIPANT_SECTIONS["identity"], *PARTICIPANT_SECTIONS["contact"]}
    ),
}
# What each role may change, within her scope; the reference is never edited.
PARTICIPANT_WRITABLE = {
    Role.COORDINATOR: _FULL_FILE - {"reference"},
    Role.SOCIAL_WORKER: _FULL_FILE - {"reference"},
    # peer workers build and review her life plan with her, and nothing else
    Role.PEER_WORKER: frozenset({"lifeplan"}),
}
# Her details proper (what the edit form shows, and what closing her file needs).
PARTICIPANT_DETAILS = frozenset({"known_as"}.union(*PARTICIPANT_SECTIONS.values()))

# Who may open a file outside her scope by giving a reason (never volunteers).
BREAK_GLASS_ROLES = frozenset({Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PEER_WORKER})


def participant_readable_fields(user) -> frozenset[str]:
    return PARTICIPANT_READABLE.get(role_of(user), frozenset())


def participant_writable_fields(user) -> frozenset[str]:
    return PARTICIPANT_WRITABLE.get(role_of(user), frozenset())


def can_edit_details(user) -> bool:
    """Who may change her details, close or reopen her file (within her scope)."""
    return bool(participant_writable_fields(user) & PARTICIPANT_DETAILS)


def can_open_files(user) -> bool:
    """Who takes in a new person (intake): she becomes the key worker."""
    return role_of(user) == Role.SOCIAL_WORKER


def can_break_glass(user) -> bool:
    return role_of(user) in BREAK_GLASS_ROLES


def can_review_break_glass(user) -> bool:
    return role_of(user) == Role.COORDINATOR


def can_invite_participant(user, participant) -> bool:
    """Her key worker (or a coordinator) gives her the code to her own space."""
    from cases.models import Assignment

    role = role_of(user)
    if role == Role.COORDINATOR:
        return True
    return (
        role == Role.SOCIAL_WORKER
        and participant.assignments.filter(
            worker=user, kind=Assignment.Kind.KEY_WORKER, ended_at__isnull=True
        ).exists()
    )


def can_override_consent(user) -> bool:
    """Going ahead with a referral without her consent: a coordinator, with a written reason."""
    return role_of(user) == Role.COORDINATOR


def can_merge_files(user) -> bool:
    return role_of(user) == Role.COORDINATOR


def can_manage_partners(user) -> bool:
    return role_of(user) == Role.COORDINATOR


def can_read_partners(user) -> bool:
    return role_of(user) in {Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PEER_WORKER}


def _her_or_assigned_plan_worker(user, participant) -> bool:
    if participant.account_id is not None and participant.account_id == user.pk:
        return True
    if "lifeplan" not in participant_readable_fields(user):
        return False
    return participant.assignments.filter(worker=user, ended_at__isnull=True).exists()


def can_read_safety_plan(user, participant) -> bool:
    """Her safety plan is for her and the workers assigned to her: never through break-glass."""
    return _her_or_assigned_plan_worker(user, participant)


def can_see_dream_board(user, participant) -> bool:
    """Her dream board (her pictures above all) is for her and the workers assigned to her:
    not for a coordinator who is not, and never through break-glass."""
    return _her_or_assigned_plan_worker(user, participant)


def can_search_files(user) -> bool:
    """Searching files is for those who have a caseload (volunteers search at the drop-in)."""
    return role_of(user) in BREAK_GLASS_ROLES


# --- Drop-in, outreach, activities and peer groups ---
# At the desk everyone who helps run a session logs visits, and sees of a known visitor her
# known-as name only (cases.querysets.ParticipantQuerySet.at_the_desk). Coordinators run the
# sites and the services catalogue. Outreach rounds carry encrypted notes: staff only.
DESK_ROLES = (Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PEER_WORKER, Role.VOLUNTEER)
OUTREACH_ROLES = (Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PEER_WORKER)
ACTIVITY_ROLES = DESK_ROLES
# peer groups: coordinators set them up; facilitators (peer workers, staff) run them
PEER_GROUP_ROLES = (Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PEER_WORKER)


def can_work_at_the_desk(user) -> bool:
    return role_of(user) in DESK_ROLES


def can_manage_dropin(user) -> bool:
    """Sites and the services catalogue."""
    return role_of(user) == Role.COORDINATOR


def can_record_outreach(user) -> bool:
    return role_of(user) in OUTREACH_ROLES


def can_manage_peer_groups(user) -> bool:
    """Create a peer group, choose its facilitators, enrol members."""
    return role_of(user) == Role.COORDINATOR


# --- Shelters ---
# Coordinators run the houses. Social workers place the women of their caseload and see every
# house's name and free beds. A house's own staff see their house. Nobody else sees a shelter.
# The address: coordinators and the house's own staff only, one house at a time, after
# re-authentication, each reveal recorded; never in a list, a PDF, an export or an email.
SHELTER_STAFF_ROLES = (Role.COORDINATOR, Role.SOCIAL_WORKER, Role.PEER_WORKER)
PLACING_ROLES = (Role.COORDINATOR, Role.SOCIAL_WORKER)


def can_see_every_shelter(user) -> bool:
    return role_of(user) in PLACING_ROLES


def can_use_shelters(user) -> bool:
    """The shelters pages (which show a peer worker only the houses she works in)."""
    return role_of(user) in SHELTER_STAFF_ROLES


def can_manage_shelters(user) -> bool:
    """Create houses, rooms and beds; choose their staff; decide admission requests."""
    return role_of(user) == Role.COORDINATOR


def is_shelter_staff(user, shelter) -> bool:
    return role_of(user) in SHELTER_STAFF_ROLES and shelter.staff.filter(pk=user.pk).exists()


def can_reveal_shelter_address(user, shelter) -> bool:
    return role_of(user) == Role.COORDINATOR or is_shelter_staff(user, shelter)


def can_see_residents(user, shelter) -> bool:
    """Who lives in the house (her known-as name): its coordinators and its own staff. Others
    see a bed taken, and the name only of a woman whose file they may open."""
    return can_reveal_shelter_address(user, shelter)


def can_place_in_shelter(user) -> bool:
    """Admit, move and end stays, for women whose file is in one's scope."""
    return role_of(user) in PLACING_ROLES


# --- Admission requests (the waiting list) ---
# Coordinators run the waiting list: they see every request and decide on it (offer a place,
# refuse with a reason, put an offer back to waiting, or withdraw it). The worker who asked,
# or a social worker whose scope includes her, may withdraw it. Nobody else sees the list.


def can_decide_admissions(user) -> bool:
    return can_manage_shelters(user)


def can_withdraw_admission(user, admission, *, her_file_open: bool) -> bool:
    """``her_file_open``: whether her file is in this user's scope (visible_to)."""
    if can_decide_admissions(user):
        return True
    return can_place_in_shelter(user) and (admission.requested_by_id == user.pk or her_file_open)


# --- Reports ---
# The annual report is for coordinators: they ask for it, read it and download its files
# (after re-authentication, each download recorded). It is aggregate, with small counts
# hidden; turning that off is for internal use, with a reason, and recorded.


def can_make_reports(user) -> bool:
    return role_of(user) == Role.COORDINATOR


# --- Correction requests ---
# She asks from her own space for something in her file to be corrected. Her key worker
# answers, and coordinators within her scope (lifeplans.querysets: visible_to). A request is
# about her whole file, which peer workers and volunteers may not read: they never see one.
CORRECTION_ROLES = (Role.SOCIAL_WORKER, Role.COORDINATOR)


def can_answer_corrections(user) -> bool:
    return role_of(user) in CORRECTION_ROLES
