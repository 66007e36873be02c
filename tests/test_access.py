"""Every URL of the project x every role x GET/POST, against a table that denies by default.

A URL that has no row here fails `test_every_url_has_a_row`: adding a view means
deciding, here, who may reach it. Actors: anonymous, each role, and `mallory`, a
participant trying to reach someone else's data.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from safespace.roles import Role

ANON = "anonymous"
MALLORY = "mallory"
ACTORS = [ANON, *[role.value for role in Role], MALLORY]
SIGNED_IN = [role.value for role in Role] + [MALLORY]

# Arguments for URLs that take some; the values reach no real object.
URL_KWARGS = {
    "account_confirm_email": {"key": "not-a-real-key"},
    "account_reset_password_from_key": {"uidb36": "0", "key": "not-a-real-key"},
    "mfa_edit_webauthn": {"pk": 999999},
    # account pages act on Eve's account
    "team_detail": lambda ctx: {"pk": ctx["cast"][Role.PARTICIPANT].pk},
    "team_active": lambda ctx: {"pk": ctx["cast"][Role.PARTICIPANT].pk},
    "team_invite": lambda ctx: {"pk": ctx["cast"][Role.PARTICIPANT].pk},
    # Eve's file: Alice is her key worker, Bea her peer worker; Dana and Chloe are not assigned
    "participant_detail": lambda ctx: {"pk": ctx["eve_file"].pk},
    "break_glass_mark_reviewed": lambda ctx: {"pk": ctx["grant"].pk},
    "participant_invite": lambda ctx: {"pk": ctx["eve_file"].pk},
    "participant_edit": lambda ctx: {"pk": ctx["eve_file"].pk},
    "participant_reveal": lambda ctx: {"pk": ctx["eve_file"].pk, "field": "phone"},
    "participant_pathway": lambda ctx: {"pk": ctx["eve_file"].pk},
    "participant_assignments": lambda ctx: {"pk": ctx["eve_file"].pk},
    "assignment_end": lambda ctx: {"pk": ctx["eve_file"].assignments.first().pk},
    "mfa_remove_webauthn": {"pk": 999999},
    # needs assessments, case notes and appointments in Eve's file
    "participant_needs_history": lambda ctx: {"pk": ctx["eve_file"].pk},
    "participant_needs_new": lambda ctx: {"pk": ctx["eve_file"].pk},
    "participant_notes": lambda ctx: {"pk": ctx["eve_file"].pk},
    "participant_note_new": lambda ctx: {"pk": ctx["eve_file"].pk},
    "participant_appointment_new": lambda ctx: {"pk": ctx["eve_file"].pk},
    "participant_appointment_status": lambda ctx: {
        "pk": ctx["eve_file"].pk,
        "appointment_pk": _eve_appointment(ctx).pk,
    },
    # documents: a PDF in Eve's file, added by Alice in the test's ctx
    "document_new": lambda ctx: {"pk": ctx["eve_file"].pk},
    "document_download": lambda ctx: {"pk": ctx["eve_file"].pk, "document_pk": ctx["document"].pk},
    "document_remove": lambda ctx: {"pk": ctx["eve_file"].pk, "document_pk": ctx["document"].pk},
    # duplicates, merging, closing and reopening: on Eve's file
    "participant_close": lambda ctx: {"pk": ctx["eve_file"].pk},
    # her rights (issue 10): erasure and legal hold, on Eve's file
    "participant_anonymise": lambda ctx: {"pk": ctx["eve_file"].pk},
    "participant_legal_hold": lambda ctx: {"pk": ctx["eve_file"].pk},
    # everything about Eve, for her; Dana is not assigned to her
    "subject_access": lambda ctx: {"pk": ctx["eve_file"].pk},
    "subject_access_download": lambda ctx: {"pk": ctx["eve_file"].pk, "fmt": "pdf"},
    # a correction Eve asked for from her space, waiting, made on demand
    "lifeplan_correction_answer": lambda ctx: {"correction_pk": _access_correction(ctx).pk},
    "participant_reopen": lambda ctx: {"pk": ctx["eve_file"].pk},
    # partners, consents and referrals: objects made on demand (see the end of this file)
    "partner_edit": lambda ctx: {"partner_pk": _access_partner(ctx).pk},
    "participant_consent_new": lambda ctx: {"pk": ctx["eve_file"].pk},
    "participant_consent_withdraw": lambda ctx: {
        "pk": ctx["eve_file"].pk,
        "consent_pk": _access_consent(ctx).pk,
    },
    "participant_referral_new": lambda ctx: {"pk": ctx["eve_file"].pk},
    "participant_referral_edit": lambda ctx: {
        "pk": ctx["eve_file"].pk,
        "referral_pk": _access_referral(ctx).pk,
    },
    # --- Life plan (staff side): Eve's plan, with a goal and a step made on demand ---
    "lifeplan_detail": lambda ctx: {"pk": ctx["eve_file"].pk},
    "lifeplan_goal_new": lambda ctx: {"pk": ctx["eve_file"].pk},
    "lifeplan_review_new": lambda ctx: {"pk": ctx["eve_file"].pk},
    "lifeplan_safety": lambda ctx: {"pk": ctx["eve_file"].pk},
    **{
        name: lambda ctx: {"pk": ctx["eve_file"].pk, "goal_pk": _access_goal(ctx).pk}
        for name in (
            "lifeplan_goal_agree",
            "lifeplan_goal_edit",
            "lifeplan_goal_history",
            "lifeplan_step_new",
        )
    },
    "lifeplan_step_done": lambda ctx: {"pk": ctx["eve_file"].pk, "step_pk": _access_step(ctx).pk},
    # her own space: a goal Alice proposed to Eve, and a step of an agreed goal of Eve's
    # --- Dream board: an item with a picture in Eve's plan, made on demand ---
    "lifeplan_dreams": lambda ctx: {"pk": ctx["eve_file"].pk},
    "lifeplan_dream_new": lambda ctx: {"pk": ctx["eve_file"].pk},
    **{
        name: lambda ctx: {"pk": ctx["eve_file"].pk, "item_pk": _access_dream(ctx).pk}
        for name in ("lifeplan_dream_picture", "lifeplan_dream_remove")
    },
    **{
        name: lambda ctx: {"item_pk": _access_dream(ctx).pk}
        for name in ("portal_dream_picture", "portal_dream_remove")
    },
    # --- Drop-in: a session open today at a site, with an anonymous visit, made on demand ---
    **{
        name: lambda ctx: {"pk": _access_session(ctx).pk}
        for name in (
            "dropin_session",
            "dropin_people",
            "dropin_visit_new",
            "dropin_session_close",
            "dropin_presence",
        )
    },
    **{
        name: lambda ctx: {"pk": _access_session(ctx).pk, "visit_pk": _access_visit(ctx).pk}
        for name in ("dropin_visit_edit", "dropin_visit_remove")
    },
    "portal_goal_agree": lambda ctx: {"goal_pk": _portal_objects(ctx)["proposed"].pk},
    "portal_goal_let_go": lambda ctx: {"goal_pk": _portal_objects(ctx)["proposed"].pk},
    "portal_step_done": lambda ctx: {"step_pk": _portal_objects(ctx)["step"].pk},
    # strengths: one in Eve's plan, written down by Alice, made on demand
    "lifeplan_strength_new": lambda ctx: {"pk": ctx["eve_file"].pk},
    "lifeplan_strength_remove": lambda ctx: {
        "pk": ctx["eve_file"].pk,
        "strength_pk": _access_strength(ctx).pk,
    },
    "portal_strength_remove": lambda ctx: {"strength_pk": _access_strength(ctx).pk},
    # --- Outreach: a round recorded by Alice, made on demand; linking acts on Eve's file ---
    **{
        name: lambda ctx: {"pk": _access_round(ctx).pk}
        for name in ("outreach_detail", "outreach_edit", "outreach_contact_new")
    },
    "outreach_link": lambda ctx: {"pk": ctx["eve_file"].pk},
    # --- Drop-in sites and services: a site made on demand, the default "meal" service;
    # individual support from Eve's file ---
    "dropin_site_edit": lambda ctx: {"pk": _access_site(ctx).pk},
    "dropin_service_edit": lambda ctx: {"pk": _access_service(ctx).pk},
    "dropin_support_list": lambda ctx: {"pk": ctx["eve_file"].pk},
    "dropin_support_new": lambda ctx: {"pk": ctx["eve_file"].pk},
    # --- Activities and peer groups: an activity with a session, and a group Bea facilitates
    # (Alice does not: 404 for her) with Eve as a member, made on demand ---
    **{
        name: lambda ctx: {"pk": _access_activity(ctx).pk}
        for name in ("activity_detail", "activity_people")
    },
    "activity_session_edit": lambda ctx: {
        "pk": _access_activity(ctx).pk,
        "session_pk": _access_activity(ctx).sessions.get().pk,
    },
    **{
        name: lambda ctx: {"pk": _access_group(ctx).pk}
        for name in (
            "peer_group_detail",
            "peer_group_member_new",
            "peer_group_session_new",
            "peer_group_close",
        )
    },
    "peer_group_member_leave": lambda ctx: {
        "pk": _access_group(ctx).pk,
        "member_pk": _access_group(ctx).members.get().pk,
    },
    # --- Shelters: a house Bea works in, made on demand ---
    **{
        name: lambda ctx: {"pk": _access_shelter(ctx).pk}
        for name in (
            "shelter_detail",
            "shelter_calendar",
            "shelter_address",
            "shelter_edit",
            "shelter_beds",
        )
    },
    "shelter_bed_active": lambda ctx: {"bed_pk": _access_bed(ctx, "B").pk},
    # --- Admission requests (the waiting list): a request for Eve by Alice, made on demand ---
    "shelter_request_new": lambda ctx: {"pk": ctx["eve_file"].pk},
    "shelter_request_detail": lambda ctx: {"request_pk": _access_request(ctx).pk},
    # --- Stays from the screen: Eve's file, and an open stay of hers made on demand ---
    "shelter_admit": lambda ctx: {"pk": ctx["eve_file"].pk},
    "shelter_stay_end": lambda ctx: {"stay_pk": _access_stay(ctx).pk},
    "shelter_stay_move": lambda ctx: {"stay_pk": _access_stay(ctx).pk},
    "shelter_stay_departure": lambda ctx: {"stay_pk": _access_stay(ctx).pk},
    # --- Shelters: a follow-up after Eve's stay, which has ended, made on demand ---
    "shelter_follow_up_record": lambda ctx: {"follow_up_pk": _access_follow_up(ctx).pk},
    # --- Reports: a report of last year, asked for by Dana, made on demand ---
    "report_detail": lambda ctx: {"pk": _access_report(ctx).pk},
    "report_regenerate": lambda ctx: {"pk": _access_report(ctx).pk},
    "report_download": lambda ctx: {"pk": _access_report(ctx).pk, "kind": "pdf"},
}

# Statuses that mean "not let in": sent to sign in, forbidden, or told the thing is not there.
DENIED = {302, 403, 404, 405}


def everyone(status):
    return dict.fromkeys(ACTORS, status)


def signed_in(status, *, anonymous=302):
    return {ANON: anonymous, **dict.fromkeys(SIGNED_IN, status)}


def coordinator_only(status, *, others=403, anonymous=302):
    """Pages for coordinators alone: other roles are told no (403), strangers sent to sign in."""
    return {
        ANON: anonymous,
        **dict.fromkeys(SIGNED_IN, others),
        Role.COORDINATOR.value: status,
    }


def split(*, staff, participant, anonymous=302):
    """Staff (enrolled in MFA, as they must be) and participants (not enrolled) differ."""
    staff_roles = {role.value: staff for role in Role if role != Role.PARTICIPANT}
    participants = {Role.PARTICIPANT.value: participant, MALLORY: participant}
    return {ANON: anonymous, **staff_roles, **participants}


def _plan_workers(status):
    """Her life plan: her social worker and peer worker; an unassigned coordinator gets 404."""
    return {
        **signed_in(403),
        Role.SOCIAL_WORKER.value: status,
        Role.PEER_WORKER.value: status,
        Role.COORDINATOR.value: 404,
    }


def _desk(status):
    """The drop-in desk: everyone who helps run a session, volunteers too; not participants."""
    return {**signed_in(status), Role.PARTICIPANT.value: 403, MALLORY: 403}


def _outreach(status):
    """Outreach rounds: coordinators, social workers and peer workers."""
    staff = [Role.COORDINATOR.value, Role.SOCIAL_WORKER.value, Role.PEER_WORKER.value]
    return {**signed_in(403), **dict.fromkeys(staff, status)}


def _portal(*, eve, mallory, staff=403, anonymous=302):
    """Her own space: Eve (who has a file) and Mallory (who has none) differ; staff are told no."""
    staff_roles = {role.value: staff for role in Role if role != Role.PARTICIPANT}
    return {ANON: anonymous, **staff_roles, Role.PARTICIPANT.value: eve, MALLORY: mallory}


def _support_workers(status):
    """Services given to her outside a visit: her social worker; an unassigned coordinator 404."""
    return {**signed_in(403), Role.SOCIAL_WORKER.value: status, Role.COORDINATOR.value: 404}


def _group_people(*, dana, bea):
    """A peer group Bea facilitates: Dana (coordinator) and Bea as given, Alice (who does not
    facilitate it) 404, volunteers and participants 403."""
    return {
        **signed_in(403),
        Role.COORDINATOR.value: dana,
        Role.PEER_WORKER.value: bea,
        Role.SOCIAL_WORKER.value: 404,
    }


def _shelters(status):
    """Shelter pages: coordinators, social workers and peer workers (a peer worker sees only
    the houses she works in); volunteers and participants are told no."""
    staff = [Role.COORDINATOR.value, Role.SOCIAL_WORKER.value, Role.PEER_WORKER.value]
    return {**signed_in(403), **dict.fromkeys(staff, status)}


def _placing(*, dana, alice):
    """The waiting list: coordinators (Dana) and social workers (Alice) as given; peer workers,
    volunteers and participants are told no."""
    return {**signed_in(403), Role.COORDINATOR.value: dana, Role.SOCIAL_WORKER.value: alice}


# name -> {"GET": {actor: status}, "POST": {actor: status}}; an actor left out must be denied.
EXPECTED = {
    "home": {"GET": signed_in(200), "POST": everyone(405)},
    "healthz": {"GET": everyone(200), "POST": everyone(405)},
    "exit_help": {"GET": everyone(200), "POST": everyone(405)},
    # Django's language switch: redirects back, touches no data
    "set_language": {"GET": everyone(302), "POST": everyone(302)},
    # allauth: the sign-in and sign-up pages send signed-in people home
    "account_login": {"GET": signed_in(302, anonymous=200), "POST": signed_in(302, anonymous=200)},
    "account_signup": {"GET": signed_in(302, anonymous=200), "POST": signed_in(302, anonymous=200)},
    "account_logout": {"GET": signed_in(200), "POST": everyone(302)},
    "account_inactive": {"GET": everyone(200), "POST": everyone(405)},
    "account_reauthenticate": {"GET": signed_in(200), "POST": signed_in(200)},
    "account_email": {"GET": signed_in(200), "POST": signed_in(302)},
    "account_email_verification_sent": {"GET": everyone(200), "POST": everyone(405)},
    "account_confirm_email": {"GET": everyone(200), "POST": everyone(404)},
    "account_change_password": {"GET": signed_in(200), "POST": signed_in(200)},
    "account_set_password": {"GET": everyone(302), "POST": everyone(302)},
    "account_reset_password": {"GET": everyone(200), "POST": everyone(200)},
    "account_reset_password_done": {"GET": everyone(200), "POST": everyone(405)},
    "account_reset_password_from_key": {"GET": everyone(200), "POST": everyone(200)},
    "account_reset_password_from_key_done": {"GET": everyone(200), "POST": everyone(405)},
    "account_confirm_login_code": {"GET": everyone(302), "POST": everyone(302)},
    "usersessions_list": {"GET": signed_in(200), "POST": everyone(302)},
    # invitations: the welcome page is for people without a password yet
    "welcome": {"GET": signed_in(302, anonymous=200), "POST": signed_in(302, anonymous=200)},
    "team_list": {"GET": coordinator_only(200), "POST": everyone(405)},
    "team_create": {"GET": coordinator_only(200), "POST": coordinator_only(200)},
    "team_detail": {"GET": coordinator_only(200), "POST": coordinator_only(200)},
    "team_active": {"GET": everyone(405), "POST": coordinator_only(302)},
    "team_invite": {"GET": everyone(405), "POST": coordinator_only(200)},
    # her file: assigned workers only; out of scope is 404, never a hint it exists
    "participant_detail": {
        "GET": {
            ANON: 302,
            Role.SOCIAL_WORKER.value: 200,
            Role.PEER_WORKER.value: 200,
            Role.COORDINATOR.value: 404,
            Role.VOLUNTEER.value: 404,
            Role.PARTICIPANT.value: 403,
            MALLORY: 403,
        },
        "POST": everyone(405),
    },
    # one contact detail at a time, for those who may read her contact details
    "participant_reveal": {
        "GET": everyone(405),
        "POST": {
            ANON: 302,
            Role.SOCIAL_WORKER.value: 200,
            Role.PEER_WORKER.value: 403,
            Role.COORDINATOR.value: 404,
            Role.VOLUNTEER.value: 404,
            Role.PARTICIPANT.value: 403,
            MALLORY: 403,
        },
    },
    # only her key worker gives her a code (coordinators too, within their scope)
    "participant_invite": {
        method: {
            ANON: 302,
            Role.SOCIAL_WORKER.value: 200,
            Role.PEER_WORKER.value: 403,
            Role.COORDINATOR.value: 404,
            Role.VOLUNTEER.value: 403,
            Role.PARTICIPANT.value: 403,
            MALLORY: 403,
        }
        for method in ("GET", "POST")
    },
    # break-glass asks for the password again first (302), and is never for volunteers
    "break_glass": {
        "GET": {**signed_in(302), Role.PARTICIPANT.value: 302, MALLORY: 302},
        "POST": {**signed_in(302), Role.PARTICIPANT.value: 302, MALLORY: 302},
    },
    "break_glass_list": {"GET": coordinator_only(200), "POST": everyone(405)},
    "audit_list": {"GET": coordinator_only(200), "POST": everyone(405)},
    # intake is done by social workers, who become her key worker
    "participant_new": {
        method: {
            **signed_in(403),
            Role.SOCIAL_WORKER.value: 200,
        }
        for method in ("GET", "POST")
    },
    # editing her details: her social worker; a coordinator only within her scope
    "participant_edit": {
        method: {
            **signed_in(403),
            Role.SOCIAL_WORKER.value: 200,
            Role.COORDINATOR.value: 404,
        }
        for method in ("GET", "POST")
    },
    # her pathway: added by her social worker (POST only; an empty form is re-shown)
    "participant_pathway": {
        "GET": everyone(405),
        "POST": {**signed_in(403), Role.SOCIAL_WORKER.value: 200, Role.COORDINATOR.value: 404},
    },
    # search finds only files in the searcher's scope (none for volunteers)
    "participant_search": {
        method: {**signed_in(200), Role.PARTICIPANT.value: 403, MALLORY: 403}
        for method in ("GET", "POST")
    },
    # assignments are administrative: coordinators, by file reference only
    "assignment_list": {"GET": coordinator_only(200), "POST": everyone(405)},
    "participant_assignments": {"GET": coordinator_only(200), "POST": coordinator_only(200)},
    "assignment_end": {"GET": everyone(405), "POST": coordinator_only(302)},
    "break_glass_mark_reviewed": {"GET": everyone(405), "POST": coordinator_only(302)},
    # allauth MFA: pages about an authenticator the user does not have answer 404
    "mfa_index": {"GET": signed_in(200), "POST": signed_in(405)},
    "mfa_authenticate": {"GET": everyone(302), "POST": everyone(302)},
    "mfa_reauthenticate": {
        "GET": split(staff=200, participant=302),
        "POST": split(staff=200, participant=302),
    },
    "mfa_activate_totp": {"GET": everyone(302), "POST": everyone(302)},
    # deactivating asks for a fresh authentication first
    "mfa_deactivate_totp": {
        "GET": split(staff=302, participant=404),
        "POST": split(staff=302, participant=404),
    },
    "mfa_generate_recovery_codes": {"GET": everyone(302), "POST": everyone(302)},
    "mfa_view_recovery_codes": {"GET": signed_in(404), "POST": signed_in(405)},
    "mfa_download_recovery_codes": {"GET": signed_in(404), "POST": signed_in(404)},
    # WebAuthn keys: adding, editing and removing ask for a fresh authentication first
    "mfa_list_webauthn": {"GET": signed_in(200), "POST": signed_in(405)},
    "mfa_add_webauthn": {"GET": everyone(302), "POST": everyone(302)},
    "mfa_edit_webauthn": {"GET": everyone(302), "POST": everyone(302)},
    "mfa_remove_webauthn": {"GET": everyone(302), "POST": everyone(302)},
    "mfa_reauthenticate_webauthn": {"GET": everyone(302), "POST": everyone(302)},
    # needs, case notes and appointments: read by her social workers (peer workers are told
    # no, 403), written by them; coordinators only within their scope (Dana is not: 404)
    **{
        name: {
            "GET": {
                ANON: 302,
                Role.SOCIAL_WORKER.value: 200,
                Role.PEER_WORKER.value: 403,
                Role.COORDINATOR.value: 404,
                Role.VOLUNTEER.value: 404,
                Role.PARTICIPANT.value: 403,
                MALLORY: 403,
            },
            "POST": everyone(405),
        }
        for name in ("participant_needs_history", "participant_notes")
    },
    **{
        name: {
            method: {**signed_in(403), Role.SOCIAL_WORKER.value: 200, Role.COORDINATOR.value: 404}
            for method in ("GET", "POST")
        }
        for name in ("participant_needs_new", "participant_note_new", "participant_appointment_new")
    },
    # an empty POST is refused with a message and sent back to her file (302)
    "participant_appointment_status": {
        "GET": everyone(405),
        "POST": {**signed_in(403), Role.SOCIAL_WORKER.value: 302, Role.COORDINATOR.value: 404},
    },
    # documents in her file: her social worker adds and removes them (an empty upload is
    # re-shown with its errors); a peer worker in her scope may not open them (403)
    "document_new": {
        method: {**signed_in(403), Role.SOCIAL_WORKER.value: 200, Role.COORDINATOR.value: 404}
        for method in ("GET", "POST")
    },
    "document_download": {
        "GET": {
            ANON: 302,
            Role.SOCIAL_WORKER.value: 200,
            Role.PEER_WORKER.value: 403,
            Role.COORDINATOR.value: 404,
            Role.VOLUNTEER.value: 404,
            Role.PARTICIPANT.value: 403,
            MALLORY: 403,
        },
        "POST": everyone(405),
    },
    "document_remove": {
        "GET": {**signed_in(403), Role.SOCIAL_WORKER.value: 200, Role.COORDINATOR.value: 404},
        "POST": {**signed_in(403), Role.SOCIAL_WORKER.value: 302, Role.COORDINATOR.value: 404},
    },
    # duplicates, merging, closing and reopening
    # merging files: coordinators only, after giving their password again (302 without it)
    "participant_merge": {"GET": coordinator_only(302), "POST": coordinator_only(302)},
    # closing her file (an empty form is re-shown) and reopening it (back to her file)
    "participant_close": {
        "GET": everyone(405),
        "POST": {**signed_in(403), Role.SOCIAL_WORKER.value: 200, Role.COORDINATOR.value: 404},
    },
    "participant_reopen": {
        "GET": everyone(405),
        "POST": {**signed_in(403), Role.SOCIAL_WORKER.value: 302, Role.COORDINATOR.value: 404},
    },
    # partners, consents and referrals
    # the directory: read by those who refer (not volunteers), kept by coordinators
    "partner_list": {
        "GET": {
            **signed_in(403),
            Role.COORDINATOR.value: 200,
            Role.SOCIAL_WORKER.value: 200,
            Role.PEER_WORKER.value: 200,
        },
        "POST": everyone(405),
    },
    "partner_new": {"GET": coordinator_only(200), "POST": coordinator_only(200)},
    "partner_edit": {"GET": coordinator_only(200), "POST": coordinator_only(200)},
    # her consents and referrals: her social worker; a coordinator only within her scope
    **{
        name: {
            method: {**signed_in(403), Role.SOCIAL_WORKER.value: 200, Role.COORDINATOR.value: 404}
            for method in ("GET", "POST")
        }
        for name in (
            "participant_consent_new",
            "participant_referral_new",
            "participant_referral_edit",
        )
    },
    "participant_consent_withdraw": {
        "GET": everyone(405),
        "POST": {**signed_in(403), Role.SOCIAL_WORKER.value: 302, Role.COORDINATOR.value: 404},
    },
    # --- Life plan (staff side): her social worker and her peer worker build it with her;
    # a coordinator only within her scope (Dana is not: 404); volunteers and participants
    # are told no (403: her own space is the portal). Empty forms are re-shown (200).
    "lifeplan_detail": {"GET": _plan_workers(200), "POST": everyone(405)},
    "lifeplan_goal_history": {"GET": _plan_workers(200), "POST": everyone(405)},
    **{
        name: {"GET": _plan_workers(200), "POST": _plan_workers(200)}
        for name in (
            "lifeplan_goal_new",
            "lifeplan_goal_agree",
            "lifeplan_goal_edit",
            "lifeplan_step_new",
            "lifeplan_review_new",
        )
    },
    "lifeplan_step_done": {"GET": everyone(405), "POST": _plan_workers(302)},
    # her safety plan: the workers assigned to her (an empty first save saves nothing)
    "lifeplan_safety": {"GET": _plan_workers(200), "POST": _plan_workers(302)},
    # her own space: participants only (staff 403); Mallory has no file, so her space is
    # empty (200) and every id of Eve's answers 404 to her
    "portal_home": {"GET": _portal(eve=200, mallory=200), "POST": everyone(405)},
    "portal_plan_pdf": {"GET": _portal(eve=200, mallory=404), "POST": everyone(405)},
    "portal_safety": {"GET": _portal(eve=200, mallory=404), "POST": everyone(405)},
    # the road travelled: what happened on her goals (Mallory has no file: 404)
    "portal_road": {"GET": _portal(eve=200, mallory=404), "POST": everyone(405)},
    # she writes her own safety plan: an empty first save saves nothing and goes back
    "portal_safety_edit": {
        "GET": _portal(eve=200, mallory=404),
        "POST": _portal(eve=302, mallory=404),
    },
    # forms: an empty POST is re-shown with its errors
    **{
        name: {method: _portal(eve=200, mallory=404) for method in ("GET", "POST")}
        for name in ("portal_goal_new", "portal_reflection")
    },
    # actions: one POST each, then back to her space
    **{
        name: {"GET": everyone(405), "POST": _portal(eve=302, mallory=404)}
        for name in ("portal_goal_agree", "portal_goal_let_go", "portal_step_done")
    },
    # --- Drop-in: everyone who helps run a session (volunteers too); not participants ---
    "dropin_home": {"GET": _desk(200), "POST": everyone(405)},
    "dropin_session_new": {"GET": _desk(200), "POST": _desk(200)},
    "dropin_session": {"GET": _desk(200), "POST": everyone(405)},
    # the typed letters of her name travel in a POST body only
    "dropin_people": {"GET": everyone(405), "POST": _desk(200)},
    "dropin_visit_new": {"GET": everyone(405), "POST": _desk(200)},
    "dropin_visit_edit": {"GET": _desk(200), "POST": _desk(302)},
    "dropin_visit_remove": {"GET": _desk(200), "POST": _desk(302)},
    "dropin_session_close": {"GET": everyone(405), "POST": _desk(302)},
    "dropin_presence": {"GET": _desk(200), "POST": _desk(200)},
    # --- Outreach: staff who go out record rounds (notes are encrypted, staff only);
    # volunteers go on teams but do not record (403), nor do participants. Empty forms are
    # re-shown (200). Linking contacts to her file: those who write her pathway, within their
    # scope (Bea, her peer worker, 403; Dana, not assigned, 404).
    "outreach_list": {"GET": _outreach(200), "POST": everyone(405)},
    "outreach_detail": {"GET": _outreach(200), "POST": everyone(405)},
    **{
        name: {method: _outreach(200) for method in ("GET", "POST")}
        for name in ("outreach_new", "outreach_edit")
    },
    "outreach_contact_new": {"GET": everyone(405), "POST": _outreach(200)},
    "outreach_link": {
        method: {**signed_in(403), Role.SOCIAL_WORKER.value: 200, Role.COORDINATOR.value: 404}
        for method in ("GET", "POST")
    },
    # --- Drop-in sites and the services catalogue: coordinators only (an empty POST is
    # re-shown with its errors) ---
    **{
        name: {method: coordinator_only(200) for method in ("GET", "POST")}
        for name in ("dropin_sites", "dropin_site_edit", "dropin_services", "dropin_service_edit")
    },
    # individual support from her file: her social worker; Dana (not assigned) 404;
    # peer workers, volunteers and participants 403 (an empty POST is re-shown)
    "dropin_support_list": {"GET": _support_workers(200), "POST": everyone(405)},
    "dropin_support_new": {method: _support_workers(200) for method in ("GET", "POST")},
    # --- Activities: everyone at the desk records sessions (volunteers too, who see known-as
    # names only); coordinators and social workers create activities; participants are told no.
    # Empty forms are re-shown with their errors (200).
    "activity_list": {
        "GET": {**signed_in(200), Role.PARTICIPANT.value: 403, MALLORY: 403},
        "POST": everyone(405),
    },
    "activity_new": {
        method: {
            **signed_in(403),
            Role.COORDINATOR.value: 200,
            Role.SOCIAL_WORKER.value: 200,
        }
        for method in ("GET", "POST")
    },
    **{
        name: {
            method: {**signed_in(200), Role.PARTICIPANT.value: 403, MALLORY: 403}
            for method in ("GET", "POST")
        }
        for name in ("activity_detail", "activity_session_edit")
    },
    # the htmx fragment of matching names, typed letters in a POST body only; asked
    # without htmx, it sends back to the activity (302)
    "activity_people": {"GET": everyone(405), "POST": _desk(302)},
    # --- Peer groups: coordinators, social and peer workers (volunteers and participants 403);
    # Bea facilitates the group, Dana (coordinator) sees every group, Alice does not facilitate
    # it: 404. Coordinators create groups; facilitators alone record sessions (Dana 403).
    "peer_group_list": {
        "GET": {
            **signed_in(403),
            Role.COORDINATOR.value: 200,
            Role.SOCIAL_WORKER.value: 200,
            Role.PEER_WORKER.value: 200,
        },
        "POST": everyone(405),
    },
    "peer_group_new": {"GET": coordinator_only(200), "POST": coordinator_only(200)},
    "peer_group_detail": {"GET": _group_people(dana=200, bea=200), "POST": everyone(405)},
    "peer_group_member_new": {
        method: _group_people(dana=200, bea=200) for method in ("GET", "POST")
    },
    "peer_group_session_new": {
        method: _group_people(dana=403, bea=200) for method in ("GET", "POST")
    },
    **{
        name: {"GET": everyone(405), "POST": _group_people(dana=302, bea=302)}
        for name in ("peer_group_member_leave", "peer_group_close")
    },
    # --- Dream board: for her and the workers assigned to her; pictures alike ---
    "lifeplan_dreams": {"GET": _plan_workers(200), "POST": everyone(405)},
    "lifeplan_dream_new": {"GET": _plan_workers(200), "POST": _plan_workers(200)},
    "lifeplan_dream_picture": {"GET": _plan_workers(200), "POST": everyone(405)},
    "lifeplan_dream_remove": {"GET": _plan_workers(200), "POST": _plan_workers(302)},
    "portal_dreams": {"GET": _portal(eve=200, mallory=404), "POST": everyone(405)},
    "portal_dream_new": {method: _portal(eve=200, mallory=404) for method in ("GET", "POST")},
    "portal_dream_picture": {"GET": _portal(eve=200, mallory=404), "POST": everyone(405)},
    "portal_dream_remove": {
        "GET": _portal(eve=200, mallory=404),
        "POST": _portal(eve=302, mallory=404),
    },
    # strengths: her workers add one (an empty form is re-shown) and remove one after a
    # confirmation page; she does both in her own space (Mallory: none of Eve's ids, 404)
    "lifeplan_strength_new": {"GET": _plan_workers(200), "POST": _plan_workers(200)},
    "lifeplan_strength_remove": {"GET": _plan_workers(200), "POST": _plan_workers(302)},
    "portal_strengths": {method: _portal(eve=200, mallory=404) for method in ("GET", "POST")},
    "portal_strength_remove": {
        "GET": _portal(eve=200, mallory=404),
        "POST": _portal(eve=302, mallory=404),
    },
    # --- Shelters ---
    "shelter_list": {"GET": _shelters(200), "POST": everyone(405)},
    "shelter_new": {"GET": coordinator_only(200), "POST": coordinator_only(200)},
    # a house Bea works in (Alice places women there; Dana runs it)
    "shelter_detail": {"GET": _shelters(200), "POST": everyone(405)},
    "shelter_calendar": {"GET": _shelters(200), "POST": everyone(405)},
    # the address: its coordinators and its own staff, after the password again; Alice no
    "shelter_address": {
        method: {**_shelters(302), Role.SOCIAL_WORKER.value: 403} for method in ("GET", "POST")
    },
    "shelter_edit": {"GET": coordinator_only(200), "POST": coordinator_only(200)},
    "shelter_beds": {"GET": coordinator_only(200), "POST": coordinator_only(200)},
    "shelter_bed_active": {"GET": everyone(405), "POST": coordinator_only(302)},
    # --- Admission requests (the waiting list): coordinators and social workers; peer workers,
    # volunteers and participants 403. Asking for a place acts on her file: Dana (coordinator,
    # not assigned to Eve) gets 404 there. The list and a request's page are the coordinators'
    # waiting list: Dana sees every request, Eve's too, and decides on it (an empty decision
    # is re-shown with its error: 200); Alice sees the requests of the women she supports.
    "shelter_requests": {"GET": _placing(dana=200, alice=200), "POST": everyone(405)},
    "shelter_request_new": {method: _placing(dana=404, alice=200) for method in ("GET", "POST")},
    "shelter_request_detail": {method: _placing(dana=200, alice=200) for method in ("GET", "POST")},
    # --- Stays from the screen: Alice (her key worker) places Eve (an empty form is re-shown);
    # Dana, a coordinator not assigned to her, is told the file is not there (404); Bea, her
    # peer worker, does not place women (403) ---
    **{
        name: {
            method: {
                **signed_in(403),
                Role.SOCIAL_WORKER.value: 200,
                Role.COORDINATOR.value: 404,
            }
            for method in ("GET", "POST")
        }
        for name in (
            "shelter_admit",
            "shelter_stay_end",
            "shelter_stay_move",
            "shelter_stay_departure",
        )
    },
    # --- Shelters: follow-ups after a stay (those who place women: coordinators and social
    # workers; Eve's follow-up is out of Dana's scope: 404; an empty form is re-shown), and
    # the period figures (coordinators) ---
    "shelter_follow_ups": {"GET": _placing(dana=200, alice=200), "POST": everyone(405)},
    "shelter_follow_up_record": {
        method: _placing(dana=404, alice=200) for method in ("GET", "POST")
    },
    "shelter_figures": {"GET": coordinator_only(200), "POST": everyone(405)},
    # --- Reports: coordinators only; an empty request is re-shown with its errors; a new
    # version redirects to its page; a download asks for the password again first ---
    "report_list": {"GET": coordinator_only(200), "POST": coordinator_only(200)},
    # allauth's re-authentication by emailed code is not offered: 404 for everyone
    "account_request_reauthentication_code": {"GET": everyone(404), "POST": everyone(404)},
    "account_confirm_reauthentication_code": {"GET": everyone(404), "POST": everyone(404)},
    "report_detail": {"GET": coordinator_only(200), "POST": everyone(405)},
    "report_regenerate": {"GET": everyone(405), "POST": coordinator_only(302)},
    "report_download": {"GET": coordinator_only(302), "POST": everyone(405)},
    # --- Her rights (issue 10): anonymising asks for the password again first (302); a
    # coordinator not working with Eve gets 404 for the hold; retention is coordinators' ---
    "participant_anonymise": {"GET": coordinator_only(302), "POST": coordinator_only(302)},
    "participant_legal_hold": {"GET": everyone(405), "POST": coordinator_only(404)},
    "retention_overview": {"GET": coordinator_only(200), "POST": everyone(405)},
    # her data: coordinators only, for a file in their scope (Dana is not assigned to Eve:
    # 404, before any password prompt); what she wrote herself, from her own space
    "subject_access": {"GET": coordinator_only(404), "POST": everyone(405)},
    "subject_access_download": {"GET": coordinator_only(404), "POST": everyone(405)},
    "portal_my_words": {"GET": _portal(eve=200, mallory=404), "POST": everyone(405)},
    # correction requests: she asks from her space (an empty request is re-shown; Mallory has
    # no file: 404); her key worker (Alice) answers, and coordinators within her scope (Dana,
    # not assigned to Eve, sees an empty list and gets 404 on Eve's request); peer workers,
    # volunteers and participants are told no on the staff pages: it is about her whole file
    "portal_corrections": {method: _portal(eve=200, mallory=404) for method in ("GET", "POST")},
    "lifeplan_corrections": {
        "GET": {**signed_in(403), Role.SOCIAL_WORKER.value: 200, Role.COORDINATOR.value: 200},
        "POST": everyone(405),
    },
    "lifeplan_correction_answer": {
        method: {**signed_in(403), Role.SOCIAL_WORKER.value: 200, Role.COORDINATOR.value: 404}
        for method in ("GET", "POST")
    },
}


def _access_report(ctx):
    """A report of last year, waiting to be built (its page shows its progress)."""
    from datetime import date

    from reports.services import report_request

    if "report" not in ctx:
        year = date.today().year - 1
        ctx["report"] = report_request(
            actor=ctx["cast"][Role.COORDINATOR],
            start=date(year, 1, 1),
            end=date(year, 12, 31),
            language="en",
        )
    return ctx["report"]


def _eve_appointment(ctx):
    """A planned appointment in Eve's file, with Alice (for URLs that act on one)."""
    from django.utils import timezone

    from cases.models import Appointment

    alice = ctx["cast"][Role.SOCIAL_WORKER]
    return Appointment.objects.create(
        participant=ctx["eve_file"],
        worker=alice,
        created_by=alice,
        starts_at=timezone.now() + timedelta(days=1),
    )


def _walk(resolver, namespace=None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or f"<unnamed {pattern.pattern}>"
            yield f"{namespace}:{name}" if namespace else name


def all_url_names():
    return set(_walk(get_resolver()))


def url_for(name, ctx=None):
    kwargs = URL_KWARGS.get(name)
    if callable(kwargs):
        kwargs = kwargs(ctx)
    return reverse(name, kwargs=kwargs)


def make_actor(actor, cast, mallory):
    if actor == ANON:
        return None
    if actor == MALLORY:
        return mallory
    return cast[Role(actor)]


def test_every_url_has_a_row():
    missing = all_url_names() - set(EXPECTED)
    assert not missing, f"URLs with no row in tests/test_access.py: {sorted(missing)}"
    stale = set(EXPECTED) - all_url_names()
    assert not stale, f"rows for URLs that no longer exist: {sorted(stale)}"


CASES = [
    (name, method, actor)
    for name in sorted(EXPECTED)
    for method in ("GET", "POST")
    for actor in ACTORS
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "actor"), CASES)
def test_access(name, method, actor, cast, mallory, eve_file, dana_coordinator):
    from cases.services import break_glass_open

    grant = break_glass_open(user=dana_coordinator, participant=eve_file, reason="x" * 20)
    grant.created_at -= timedelta(hours=3)  # over: no access left
    grant.expires_at -= timedelta(hours=3)
    grant.save()
    ctx = {"cast": cast, "eve_file": eve_file, "grant": grant}
    ctx.update(_documents_ctx(eve_file, cast))
    client = Client()
    user = make_actor(actor, cast, mallory)
    if user is not None:
        client.force_login(user)
    response = getattr(client, method.lower())(url_for(name, ctx))
    expected = EXPECTED[name][method].get(actor)
    if expected is None:  # no row for this actor: deny by default
        assert response.status_code in DENIED, f"{actor} {method} {name}"
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, f"{actor} {method} {name}"
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        title = response.content.decode().split("<title>", 1)[1].split("</title>", 1)[0]
        assert "<" not in title and title.strip(), f"page title of {name}: {title!r}"


def _documents_ctx(eve_file, cast):
    """A document in Eve's file, added by Alice, her key worker."""
    from cases.services import document_add

    document = document_add(
        actor=cast[Role.SOCIAL_WORKER],
        participant=eve_file,
        title="Residence permit",
        kind="residence",
        content_type="application/pdf",
        content=b"%PDF-1.4\n%%EOF\n",
    )
    return {"document": document}


# --- Partners, consents and referrals: the objects their URLs act on, made on demand ---


def _access_partner(ctx):
    from cases.models import Partner

    if "partner" not in ctx:
        ctx["partner"] = Partner.objects.create(name="Legal aid clinic", kind="legal_aid")
    return ctx["partner"]


def _access_consent(ctx):
    from cases.models import Consent

    if "consent" not in ctx:
        ctx["consent"] = Consent.objects.create(
            participant=ctx["eve_file"],
            purpose=Consent.Purpose.SHARE_PARTNER,
            partner=_access_partner(ctx),
            method=Consent.Method.ORAL,
            recorded_by=ctx["cast"][Role.SOCIAL_WORKER],
        )
    return ctx["consent"]


def _access_referral(ctx):
    from cases.models import Referral

    if "referral" not in ctx:
        consent = _access_consent(ctx)
        ctx["referral"] = Referral.objects.create(
            participant=ctx["eve_file"],
            partner=consent.partner,
            kind=consent.partner.kind,
            consent=consent,
            created_by=ctx["cast"][Role.SOCIAL_WORKER],
        )
    return ctx["referral"]


# --- Life plan (staff side): a goal and a step in Eve's plan, made on demand ---


def _access_goal(ctx):
    from lifeplans.services import goal_propose

    if "goal" not in ctx:
        ctx["goal"] = goal_propose(
            actor=ctx["cast"][Role.SOCIAL_WORKER],
            participant=ctx["eve_file"],
            horizon="short",
            domain="housing",
            words="A room of my own",
            by_her=False,
        )
    return ctx["goal"]


def _access_step(ctx):
    from lifeplans.services import step_add

    if "step" not in ctx:
        ctx["step"] = step_add(
            actor=ctx["cast"][Role.SOCIAL_WORKER],
            goal=_access_goal(ctx),
            words="Call the housing office",
            owner="her",
        )
    return ctx["step"]


# --- Her own space: the objects its URLs act on, made on demand ---


def _portal_objects(ctx):
    """In Eve's plan: a goal Alice proposed (waiting for her answer), and an agreed goal's step."""
    from django.utils import timezone

    from lifeplans.models import Goal, LifePlan, Step

    if "portal" not in ctx:
        alice = ctx["cast"][Role.SOCIAL_WORKER]
        plan, _ = LifePlan.objects.get_or_create(participant=ctx["eve_file"])
        proposed = Goal.objects.create(
            plan=plan,
            horizon="short",
            domain="housing",
            words="A room of my own",
            proposed_by="worker",
            proposed_by_user=alice,
        )
        agreed = Goal.objects.create(
            plan=plan,
            horizon="medium",
            domain="health",
            words="Sleep better",
            proposed_by="her",
            proposed_by_user=ctx["cast"][Role.PARTICIPANT],
            status="agreed",
            agreed_on=timezone.localdate(),
        )
        step = Step.objects.create(goal=agreed, words="See a doctor", owner="her", created_by=alice)
        ctx["portal"] = {"proposed": proposed, "step": step}
    return ctx["portal"]


# --- Dream board: the item its URLs act on, made on demand ---


def _access_dream(ctx):
    """A picture with words on Eve's board, added by Alice."""
    from io import BytesIO

    from PIL import Image

    from lifeplans.services import dream_add

    if "dream" not in ctx:
        out = BytesIO()
        Image.new("RGB", (4, 4), "teal").save(out, "PNG")
        ctx["dream"] = dream_add(
            actor=ctx["cast"][Role.SOCIAL_WORKER],
            participant=ctx["eve_file"],
            words="A garden",
            picture=out.getvalue(),
            content_type="image/png",
        )
    return ctx["dream"]


# --- Strengths: one in Eve's plan, made on demand ---


def _access_strength(ctx):
    from lifeplans.services import strength_add

    if "strength" not in ctx:
        ctx["strength"] = strength_add(
            actor=ctx["cast"][Role.SOCIAL_WORKER],
            participant=ctx["eve_file"],
            tags="patient, good cook",
            words="I can feed ten people with almost nothing.",
        )
    return ctx["strength"]


# --- Drop-in: the session and visit its URLs act on, made on demand ---


def _access_session(ctx):
    from datetime import time

    from dropin.models import OpeningSession, Site

    if "session" not in ctx:
        site = Site.objects.create(name="Belleville")
        ctx["session"] = OpeningSession.objects.create(
            site=site, opens_at=time(14), closes_at=time(18), opened_by=ctx["cast"][Role.VOLUNTEER]
        )
    return ctx["session"]


def _access_visit(ctx):
    from dropin.services import visit_log

    if "visit" not in ctx:
        ctx["visit"] = visit_log(actor=ctx["cast"][Role.VOLUNTEER], session=_access_session(ctx))
    return ctx["visit"]


# --- Outreach: a round recorded by Alice, made on demand ---


def _access_round(ctx):
    from django.utils import timezone

    from dropin.services import outreach_round_record

    if "outreach_round" not in ctx:
        alice = ctx["cast"][Role.SOCIAL_WORKER]
        ctx["outreach_round"] = outreach_round_record(
            actor=alice,
            kind="street",
            date=timezone.localdate(),
            area="Old town",
            team=[alice],
            contacts_made=3,
            new_contacts=1,
            leaflets=5,
            hygiene_kits=2,
            food_and_drinks=3,
            other_material=0,
            notes="Cold night",
        )
    return ctx["outreach_round"]


# --- Drop-in sites and services: a site made on demand, and the default "meal" service ---


def _access_site(ctx):
    from dropin.models import Site

    if "site" not in ctx:
        ctx["site"] = Site.objects.create(name="North site")
    return ctx["site"]


def _access_service(ctx):
    from dropin.models import Service

    return Service.objects.get(code="meal")


# --- Activities and peer groups: the objects their URLs act on, made on demand ---


def _access_activity(ctx):
    """A cooking workshop with one session Eve came to."""
    from django.utils import timezone

    from dropin.services import activity_create, activity_session_record

    if "activity" not in ctx:
        alice = ctx["cast"][Role.SOCIAL_WORKER]
        activity = activity_create(actor=alice, kind="cooking", title="Cooking")
        activity_session_record(
            actor=alice,
            activity=activity,
            date=timezone.localdate(),
            participants=[ctx["eve_file"]],
            anonymous_count=2,
        )
        ctx["activity"] = activity
    return ctx["activity"]


def _access_group(ctx):
    """A peer group set up by Dana, facilitated by Bea (not Alice), with Eve as a member."""
    from django.utils import timezone

    from dropin.services import peer_group_create, peer_group_member_enrol

    if "peer_group" not in ctx:
        bea = ctx["cast"][Role.PEER_WORKER]
        group = peer_group_create(
            actor=ctx["cast"][Role.COORDINATOR],
            name="Tuesday group",
            site=None,
            planned_sessions=12,
            starts_on=timezone.localdate(),
            facilitators=[bea],
        )
        peer_group_member_enrol(actor=bea, group=group, participant=ctx["eve_file"])
        ctx["peer_group"] = group
    return ctx["peer_group"]


def _access_shelter(ctx):
    """A house with one room and one bed, with Bea (peer worker) on its staff."""
    from shelters.models import Bed, Room, Shelter

    if "shelter" not in ctx:
        shelter = Shelter.objects.create(name="Les Tilleuls", kind="emergency", address="x")
        shelter.staff.set([ctx["cast"][Role.PEER_WORKER]])
        room = Room.objects.create(shelter=shelter, name="1")
        for label in ("A", "B"):
            Bed.objects.create(room=room, label=label)
        ctx["shelter"] = shelter
    return ctx["shelter"]


def _access_bed(ctx, label):
    return _access_shelter(ctx).rooms.get().beds.get(label=label)


# --- Admission requests: a request for a place for Eve, made by Alice, made on demand ---


def _access_request(ctx):
    from shelters.services import admission_request_make

    if "admission_request" not in ctx:
        ctx["admission_request"] = admission_request_make(
            actor=ctx["cast"][Role.SOCIAL_WORKER], participant=ctx["eve_file"], urgency="soon"
        )
    return ctx["admission_request"]


# --- Stays from the screen: an open stay of Eve's, made on demand ---


def _access_stay(ctx):
    """Eve in a bed of a house made here, from today, placed by Alice."""
    from django.utils import timezone

    from shelters.services import stay_begin

    if "stay" not in ctx:
        bed = _access_bed(ctx, "A")
        ctx["stay"] = stay_begin(
            actor=ctx["cast"][Role.SOCIAL_WORKER],
            participant=ctx["eve_file"],
            bed=bed,
            starts_on=timezone.localdate() - timedelta(days=3),
        )
    return ctx["stay"]


# --- Shelters: a follow-up after a stay of Eve's, made on demand ---


def _access_follow_up(ctx):
    """A house, a stay of Eve's begun and ended by Alice, and its follow-ups (the first)."""
    from django.utils import timezone

    from shelters.services import stay_begin, stay_end

    if "follow_up" not in ctx:
        alice = ctx["cast"][Role.SOCIAL_WORKER]
        bed = _access_bed(ctx, "B")
        today = timezone.localdate()
        stay = stay_begin(
            actor=alice,
            participant=ctx["eve_file"],
            bed=bed,
            starts_on=today - timedelta(days=60),
            expected_end_on=today - timedelta(days=40),
        )
        stay = stay_end(
            actor=alice,
            stay=stay,
            ended_on=today - timedelta(days=40),
            exit_destination="own_housing",
        )
        ctx["follow_up"] = stay.follow_ups.order_by("months_after").first()
    return ctx["follow_up"]


# --- Correction requests: one Eve asked for from her space, made on demand ---


def _access_correction(ctx):
    from lifeplans.services import correction_ask

    if "correction" not in ctx:
        ctx["correction"] = correction_ask(
            actor=ctx["cast"][Role.PARTICIPANT],
            participant=ctx["eve_file"],
            words="My name is spelled Amina",
        )
    return ctx["correction"]
